"""The command line: argument parsing, stdout/stderr, exit status. Nothing else.

`cli.py` owns the process: it is the only module that reads `sys.argv`, writes to
stdout, calls `date.today()` or decides the exit status. Each subcommand is one
`_cmd_<name>(args) -> int` that calls library functions.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from . import __version__
from .errors import PolicyEngineError, UsageError

logger = logging.getLogger("policyengine")

_FORMATS_REPORT = ["text", "json"]


# --- shared option groups -------------------------------------------------------------


def _add_output_options(p: argparse.ArgumentParser, formats: Sequence[str]) -> None:
    p.add_argument(
        "--format", "-f", choices=list(formats), default=formats[0], help="report format"
    )
    p.add_argument(
        "--output", "-o", type=Path, default=None, help="write the report to FILE, not stdout"
    )


def _add_config_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--config", type=Path, default=None, help="repository config (default: .policyengine.yaml)"
    )


def _as_of(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _add_date_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--as-of",
        type=_as_of,
        default=None,
        metavar="YYYY-MM-DD",
        help="the date the rules use (default: today)",
    )


def _add_engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=["embedded", "opa"], default=None, help="Rego engine")
    p.add_argument("--opa-url", default=None, help="OPA server URL, e.g. http://127.0.0.1:8181")
    p.add_argument(
        "--opa-token",
        default=None,
        help="bearer token for the OPA server (default: $POLICYENGINE_OPA_TOKEN)",
    )
    p.add_argument(
        "--opa-use-loaded",
        action="store_true",
        help="query the policies the OPA server already holds instead of loading ours",
    )
    p.add_argument(
        "--policy",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="an extra folder of custom checks (repeatable)",
    )
    p.add_argument(
        "--framework",
        action="append",
        default=[],
        help="evaluate only this framework (nist-ai-rmf, iso42001, atlas; repeatable)",
    )
    p.add_argument(
        "--fail-on",
        choices=["critical", "high", "medium", "low"],
        default=None,
        help="lowest severity that fails the run (default: config, else low)",
    )


# --- output ---------------------------------------------------------------------------


def _emit(text: str, output: Path | None) -> None:
    """Write the report whole: stdout, or FILE via a temporary file and a rename."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = output.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _today(args: argparse.Namespace) -> date:
    as_of: date | None = getattr(args, "as_of", None)
    return as_of if as_of is not None else date.today()


# --- subcommands ----------------------------------------------------------------------


def _not_yet(name: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        raise UsageError(f"`policyengine {name}` is not available in this version")

    return run


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policyengine",
        description="Policy-as-code compliance engine for AI threat models.",
    )
    parser.add_argument("--version", action="version", version=f"policyengine {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show tracebacks and debug logging"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("schema", help="print the threat-model JSON Schema")
    p.set_defaults(func=_not_yet("schema"))

    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 findings, 2 tool failure)."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="policyengine: %(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        func: Callable[[argparse.Namespace], int] = args.func
        return func(args)
    except PolicyEngineError as exc:
        if args.debug:
            raise
        print(f"policyengine: error: {exc.diagnostics()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("policyengine: interrupted", file=sys.stderr)
        return 2
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"policyengine: internal error (a bug, please report it; --debug shows the "
            f"traceback): {type(exc).__name__}: {exc}",
            file=sys.stderr,
        )
        return 2
