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
from typing import Any

from . import __version__
from .errors import PolicyEngineError, UsageError

logger = logging.getLogger("policyengine")

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


def _repository(args: argparse.Namespace) -> tuple[Any, list[Path]]:
    """The repository config and the paths to look at (the config's globs when none given)."""
    from .config import find_root, load_config

    paths: list[Path] = list(getattr(args, "paths", []) or [])
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
    if args.config is not None:
        root = args.config.resolve().parent
    else:
        start = paths[0] if paths else Path.cwd()
        root = find_root(start if start.is_dir() else start.parent)
    config = load_config(root, args.config)
    if not paths:
        paths = [config.root]
    return config, paths


def _cmd_validate(args: argparse.Namespace) -> int:
    from .pipeline import run_validate
    from .report import OutputFormat
    from .results import exit_status

    config, paths = _repository(args)
    run = run_validate(paths, config, _today(args))
    _emit(OutputFormat(args.format).formatter().render(run), args.output)
    return exit_status(run, config.fail_on)


def _engine_choice(args: argparse.Namespace, config: Any) -> Any:
    from .pipeline import EngineChoice

    name = args.engine or config.engine
    url = args.opa_url or config.opa_url
    if name == "opa" and not url:
        raise UsageError("--engine opa needs --opa-url URL (or engine.opa_url in the config)")
    return EngineChoice(
        name=name,
        opa_url=url,
        token=args.opa_token or os.environ.get("POLICYENGINE_OPA_TOKEN") or None,
        use_loaded=args.opa_use_loaded or config.opa_use_loaded,
    )


def _frameworks(args: argparse.Namespace, config: Any) -> tuple[str, ...]:
    from .pipeline import FRAMEWORKS

    wanted = args.framework or list(config.frameworks)
    unknown = sorted(set(wanted) - set(FRAMEWORKS))
    if unknown:
        raise UsageError(
            f"unknown framework {', '.join(unknown)} (known: {', '.join(FRAMEWORKS)})"
        )
    return tuple(fw for fw in FRAMEWORKS if fw in wanted)


def _cmd_check(args: argparse.Namespace) -> int:
    from .pipeline import RunOptions, run_check
    from .report import OutputFormat
    from .results import Severity, exit_status

    config, paths = _repository(args)
    as_of = _today(args)
    options = RunOptions(
        config=config,
        as_of=as_of,
        frameworks=_frameworks(args, config),
        engine=_engine_choice(args, config),
        extra_policy_dirs=tuple(args.policy),
    )
    reviewer, cadence_days = _review_stage(args, config, as_of)
    run = run_check(paths, options, reviewer, cadence_days)
    _emit(OutputFormat(args.format).formatter().render(run), args.output)
    fail_on = Severity(args.fail_on) if args.fail_on else config.fail_on
    return exit_status(run, fail_on)


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

    p = sub.add_parser("validate", help="check models against the schema and references")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    _add_output_options(p, ["text", "json"])
    _add_config_options(p)
    _add_date_options(p)
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("check", help="validate, evaluate the policies and the review rules")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    _add_output_options(p, ["text", "json"])
    _add_config_options(p)
    _add_date_options(p)
    _add_engine_options(p)
    p.add_argument("--base", metavar="REF", help="pull-request mode: compare with REF")
    p.add_argument("--head", metavar="REF", help="with --base: the head (default: working tree)")
    p.add_argument(
        "--changed-only", action="store_true", help="with --base: evaluate only changed models"
    )
    p.set_defaults(func=_cmd_check)

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
