"""The command line: argument parsing, stdout/stderr, the process's exit status.

`cli.py` owns the process: it is the only module that parses the user's arguments,
calls `date.today()`, configures logging or turns an exception into exit status 2. Each
subcommand is one `_cmd_<name>(args) -> int` that calls library functions for its
report, then `_report`, which renders it through the `report` formatters and returns
`results.exit_status` of it; `main` prints a `PolicyEngineError` as
`policyengine: error: ...` and anything else as an internal error, never a traceback
(`--debug` shows it). A report reaches stdout (or `--output FILE`, replaced whole) only
once it is complete; progress and summaries go to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .errors import PolicyEngineError, UsageError

if TYPE_CHECKING:
    from .config import Config
    from .pipeline import RunOptions
    from .results import Report, RunResult, Severity

logger = logging.getLogger("policyengine")

# --- shared option groups -------------------------------------------------------------


def _add_output_options(p: argparse.ArgumentParser, command: str) -> None:
    from .report import FORMATS_OF

    formats = [f.value for f in FORMATS_OF[command]]
    p.add_argument(
        "--format",
        "-f",
        default=formats[0],
        metavar="FORMAT[,FORMAT...]",
        help=f"report format: {', '.join(formats)} (default: {formats[0]}); several, "
        "comma-separated, make one report each from the same run, with --output naming "
        "one file per format",
    )
    p.add_argument(
        "--output",
        "-o",
        default=None,
        metavar="FILE[,FILE...]",
        help="write the report to FILE, not stdout (`-` is stdout); with several formats, "
        "one FILE per format, in their order",
    )
    p.add_argument(
        "--no-color",
        action="store_true",
        help="no colour even on a terminal (as does a non-empty NO_COLOR)",
    )
    p.set_defaults(offered_formats=tuple(formats))


def _joined_outputs(argv: list[str]) -> list[str]:
    """`--output -,FILE` as `--output=-,FILE`: argparse would read a value starting with
    `-` as an option."""
    out: list[str] = []
    pending = False
    for arg in argv:
        if pending and arg.startswith("-") and "," in arg:
            out[-1] = f"{out[-1]}={arg}"
        else:
            out.append(arg)
        pending = arg in ("--output", "-o")
    return out


def _split_outputs(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """`--format a,b --output x,y` into `args.formats` and `args.outputs` (None for
    stdout), with `args.format`/`args.output` the first pair; every mistake is a usage
    error (exit 2) before any work, so nothing is written."""
    offered: tuple[str, ...] | None = getattr(args, "offered_formats", None)
    if offered is None:
        return
    formats = [f.strip() for f in str(args.format).split(",")]
    for fmt in formats:
        if fmt not in offered:
            parser.error(
                f"argument --format/-f: invalid choice: {fmt!r} (choose from {', '.join(offered)})"
            )
    if len(set(formats)) != len(formats):
        parser.error("argument --format/-f: a format is named twice")
    given = [] if args.output is None else [o.strip() for o in str(args.output).split(",")]
    if len(formats) > 1 and len(given) != len(formats):
        parser.error(
            f"--format names {len(formats)} formats: give --output one file per format, "
            "comma-separated in the same order (`-` for stdout)"
        )
    if len(formats) == 1 and len(given) > 1:
        parser.error("--output names several files for one --format")
    outputs: list[Path | None] = []
    for text in given or ["-"]:
        if not text:
            parser.error("argument --output/-o: an empty path: give a file name")
        outputs.append(None if text == "-" else Path(text))
    if sum(o is None for o in outputs) > 1:
        parser.error("argument --output/-o: stdout (`-`) named twice")
    files = [str(o) for o in outputs if o is not None]
    if len(set(files)) != len(files):
        parser.error("argument --output/-o: a file named twice")
    args.formats, args.outputs = formats, outputs
    args.format, args.output = formats[0], outputs[0]


def _file_path(text: str) -> Path:
    """An `--output` or `--out` argument: a path that is not empty."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path: give a file name")
    return Path(text)


def _writable(output: Path | None, flag: str) -> None:
    """Refuse, before any work, an output path that names a folder, that lies below a
    file (`README.md/x.sarif`) or that a symlink leads out of the working folder."""
    from .atomic import file_in_the_way
    from .output import refuse_symlink_escape

    if output is None:
        return
    if output.is_dir():
        raise UsageError(f"{flag} {output}: is a folder; give a file name inside it")
    blocked = file_in_the_way(output)
    if blocked is not None:
        raise UsageError(f"{flag} {output}: {blocked} is not a folder")
    refuse_symlink_escape(output, Path.cwd(), flag)


def _write(
    outputs: list[tuple[Path, str | bytes | Iterable[str]]],
    flag: str,
    before_replace: Callable[[], None] | None = None,
) -> None:
    """`output.write_outputs`: every report of the run written, or none (a regular file
    replaced whole, a device, FIFO or stream written in place, no symlink out of the
    working folder), with a failure to write as a UsageError naming the path."""
    from .output import write_outputs

    for output, _ in outputs:
        _writable(output, flag)
    write_outputs(outputs, workdir=Path.cwd(), flag=flag, before_replace=before_replace)


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


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of workers: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"workers must be 0 (automatic) or more: {value}")
    return value


def _add_worker_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--workers",
        type=_workers,
        default=0,
        metavar="N",
        help="worker processes for a large run: 0 one per CPU, at most 8 (default); 1 in process",
    )


def _add_model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--allow-empty",
        action="store_true",
        help="accept a run that finds no threat model (by default it is an error, exit 2)",
    )


def _opa_url(text: str) -> str:
    from .config import url_problem

    problem = url_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(f"not a valid URL: {problem} (got {text!r})")
    return text


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"seconds must be more than 0, at most 3600: {text}")
    return value


def _add_budget_options(p: argparse.ArgumentParser, what: str, where: str) -> None:
    """`--budget-seconds` and `--budget-memory`: what `what` may take (`budget.Budget`;
    the ranges are `checked_budget`'s, the default the config's `engine.budget`)."""
    p.add_argument(
        "--budget-seconds",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help=f"how long {what} may take {where} "
        "(default: the config's engine.budget.seconds, else 60)",
    )
    p.add_argument(
        "--budget-memory",
        type=int,
        default=None,
        metavar="MB",
        help=f"how much memory {what} may take {where} "
        "(default: the config's engine.budget.memory_mb, else 2048)",
    )


def _add_engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--engine",
        choices=["auto", "wasm", "embedded", "opa"],
        default=None,
        help="Rego engine (default: the config's, else auto: wasm, or embedded for "
        "team policies when opa is not found to compile them)",
    )
    p.add_argument(
        "--opa-url", type=_opa_url, default=None, help="OPA server URL, e.g. http://127.0.0.1:8181"
    )
    p.add_argument(
        "--opa-token",
        default=None,
        help="bearer token for the OPA server (default: $POLICYENGINE_OPA_TOKEN)",
    )
    p.add_argument(
        "--opa-timeout",
        type=_seconds,
        default=10.0,
        metavar="SECONDS",
        help="how long a request to OPA may take in all before the run stops (default: 10)",
    )
    p.add_argument(
        "--opa-use-loaded",
        action="store_true",
        help="query the policies the OPA server already holds instead of loading ours",
    )
    _add_budget_options(p, "one model's evaluation", "on the wasm and embedded engines")
    _add_policy_option(p)
    p.add_argument(
        "--framework",
        action="append",
        default=[],
        help="evaluate only this framework (nist-ai-rmf, iso42001, atlas; repeatable)",
    )


def _add_policy_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--policy",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="an extra folder of custom checks (repeatable)",
    )


def _add_fail_on_option(p: argparse.ArgumentParser, default: str) -> None:
    p.add_argument(
        "--fail-on",
        choices=["critical", "high", "medium", "low"],
        default=None,
        help=f"lowest severity that fails the run (default: {default})",
    )


def _fail_on(args: argparse.Namespace, config: Any) -> Any:
    """`--fail-on`, else the config's `fail_on` (which defaults to low)."""
    from .results import Severity

    return Severity(args.fail_on) if args.fail_on else config.fail_on


# --- output ---------------------------------------------------------------------------


def _emit(text: str | Iterable[str], output: Path | None) -> None:
    """Write the report whole: FILE as `output.write_output` does (a regular file via a
    temporary file and a rename, a device or FIFO in place); stdout only once every
    piece is made (spooled to a temporary file beyond 16 MB), so that a failure never
    leaves half a report on either."""
    pieces = [text] if isinstance(text, str) else text
    if output is None:
        with tempfile.SpooledTemporaryFile(
            max_size=16 << 20, mode="w+", encoding="utf-8", newline=""
        ) as spool:
            for piece in pieces:
                spool.write(piece)
            spool.seek(0)
            shutil.copyfileobj(spool, sys.stdout)
        sys.stdout.flush()
        return
    _write([(output, pieces)], "--output")


def _report(args: argparse.Namespace, report: Report, fail_on: Severity | None = None) -> int:
    """Render `report` in each `--format` to its `--output` (else stdout); its exit status.

    With several formats every report is rendered before any is written, so that a
    format that fails leaves nothing behind; then they are written all or none: every
    file to a temporary file beside it, stdout, and only then the renames."""
    from .report import OutputFormat
    from .results import Severity, exit_status

    formats: list[str] = getattr(args, "formats", None) or [args.format]
    outputs: list[Path | None] = getattr(args, "outputs", None) or [getattr(args, "output", None)]
    if len(formats) == 1:
        formatter = OutputFormat(formats[0]).formatter()
        if formatter.binary:
            _emit_binary(b"".join(formatter.encoded(report)), outputs[0])
        else:
            _emit(formatter.pieces(report), outputs[0])
    else:
        rendered = [b"".join(OutputFormat(fmt).formatter().encoded(report)) for fmt in formats]
        pairs = list(zip(outputs, rendered, strict=True))
        files: list[tuple[Path, str | bytes | Iterable[str]]] = [
            (output, data) for output, data in pairs if output is not None
        ]
        shown = [data for output, data in pairs if output is None]
        _write(files, "--output", (lambda: _emit_binary(shown[0], None)) if shown else None)
    _side_outputs(args, report)
    return exit_status(report, fail_on if fail_on is not None else Severity.LOW)


def _side_outputs(args: argparse.Namespace, report: Report) -> None:
    """What a format adds beside its report: with `github`, the markdown summary
    appended to the file `$GITHUB_STEP_SUMMARY` names, when it is set."""
    from .report import OutputFormat
    from .results import RunResult

    formats: list[str] = getattr(args, "formats", None) or [args.format]
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if OutputFormat.GITHUB.value not in formats or not summary or not isinstance(report, RunResult):
        return
    text = OutputFormat.MARKDOWN.formatter().render(report)
    try:
        with open(summary, "a", encoding="utf-8") as stream:
            stream.write(text)
    except OSError as exc:
        raise UsageError(
            f"GITHUB_STEP_SUMMARY {summary}: cannot append the summary: {exc.strerror or exc}"
        ) from None


def _emit_binary(data: bytes, output: Path | None) -> None:
    """Write a binary report (xlsx) whole: to FILE, else to stdout when it is no terminal."""
    if output is not None:
        _write([(output, data)], "--output")
        return
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def _progress_bar(args: argparse.Namespace) -> Callable[[int, int], None] | None:
    """A progress bar on stderr (tqdm) for a run checked in worker processes, only when
    stderr is a terminal and `--quiet` is not given; None otherwise. The bar is removed
    when the run ends, so the terminal keeps the report alone."""
    if getattr(args, "quiet", False) or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bars: list[Any] = []

    def tick(done: int, total: int) -> None:
        if not bars:
            bars.append(
                tqdm(
                    total=total,
                    unit="model",
                    desc="policyengine: checking",
                    file=sys.stderr,
                    leave=False,
                    # NOTE: tqdm 4.70 draws nothing on a terminal that reports no size
                    # (0 rows, a fresh pseudo-terminal): 80x24 then, like shutil's fallback.
                    ncols=shutil.get_terminal_size().columns,
                    nrows=shutil.get_terminal_size().lines,
                )
            )
        bar = bars[0]
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return tick


def _today(args: argparse.Namespace) -> date:
    as_of: date | None = getattr(args, "as_of", None)
    return as_of if as_of is not None else date.today()


# --- subcommands ----------------------------------------------------------------------


def _repository(args: argparse.Namespace, base: str | None = None) -> tuple[Any, list[Path]]:
    """The repository config and the paths to look at (the config's globs when none given).
    `--allow-unknown-history` goes into the config here: the file itself cannot set it.

    With `base` (a pull request), the config is the file as it is at that ref: the pull
    request does not choose what judges it."""
    from dataclasses import replace

    from .config import CONFIG_NAME, find_root, load_config

    paths: list[Path] = list(getattr(args, "paths", []) or [])
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
    if args.config is not None:
        root = args.config.resolve().parent
    else:
        start = paths[0] if paths else Path.cwd()
        root = find_root(start if start.is_dir() else start.parent)
        here = Path.cwd().resolve()
        if not _marked(root) and root.is_relative_to(here) and here.parent != here:
            # Outside any repository, a PATH below the working folder (not `/`) is read
            # from there: paths printed and evidence resolved as the user sees them.
            root = here
    if base is not None:
        from .pr import base_config

        config = base_config(root, base, _config_name(args, root) or CONFIG_NAME)
    else:
        config = load_config(root, args.config)
    if getattr(args, "allow_unknown_history", False):
        config = replace(config, review=replace(config.review, allow_unknown_history=True))
    _say_packed(paths)
    return config, paths


def _say_packed(paths: list[Path]) -> None:
    """One line (info, never per file: pre-commit names a pack's files one by one) for the
    named paths that are, or lie inside, evidence packs: they are not read as models."""
    from .loader import PACK_MARKER, in_evidence_pack

    packed = [p for p in paths if in_evidence_pack(p)]
    if packed:
        more = f" and {len(packed) - 1} more" if len(packed) > 1 else ""
        logger.info(
            "%s%s: part of an evidence pack (marked %s), a record of a commit: not read as "
            "a threat model",
            packed[0],
            more,
            PACK_MARKER,
        )


def _marked(folder: Path) -> bool:
    """Whether `folder` holds what makes a repository root (`config.find_root`)."""
    from .config import CONFIG_NAME

    return (folder / CONFIG_NAME).exists() or (folder / ".git").exists()


def _add_history_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--allow-unknown-history",
        action="store_true",
        help="do not fail when the change rule cannot read the git history (a shallow clone, "
        "no repository); it is reported as not evaluated instead",
    )


def _require_models(
    args: argparse.Namespace, run: Any, config: Any, paths: list[Path], *, packs_pass: bool = True
) -> None:
    """A run that found no threat model is a mistake (a wrong path or glob), not a pass:
    UsageError (exit 2) naming where it looked, unless `--allow-empty`. With `packs_pass`,
    paths that all lie in evidence packs (a commit of packs, through pre-commit) are no
    mistake: nothing to check, and `_say_packed` said why."""
    from .loader import in_evidence_pack

    if run.models or args.allow_empty:
        return
    if packs_pass and paths and all(in_evidence_pack(p) for p in paths):
        return
    if paths:
        where = "under " + ", ".join(str(p) for p in paths)
    elif config.models:
        where = "with the config's models globs " + ", ".join(config.models)
    else:
        where = f"under {config.root}"
    near = "".join(f"\n  {d.render()}" for d in run.diagnostics if d.code == "kind")
    raise UsageError(
        f"no threat model found {where} (a threat model is a YAML file whose top level has "
        "`kind: ThreatModel`); check the paths and the `models` globs in .policyengine.yaml, "
        "or pass --allow-empty to accept an empty run" + near
    )


def _config_name(args: argparse.Namespace, root: Path) -> str | None:
    """`--config` relative to the root (POSIX), or None without it."""
    if args.config is None:
        return None
    try:
        return Path(os.path.abspath(args.config)).relative_to(root.resolve()).as_posix()
    except ValueError:  # a symlink: the root is the folder of the file it names
        return Path(args.config).resolve().relative_to(root.resolve()).as_posix()


def _cmd_validate(args: argparse.Namespace) -> int:
    from .pipeline import is_register, run_validate

    config, paths = _repository(args)
    run = run_validate(paths, config, _today(args), workers=args.workers)
    if not (paths and all(is_register(config, p) for p in paths)):
        _require_models(args, run, config, paths)
    return _report(args, run, _fail_on(args, config))


def _engine_choice(args: argparse.Namespace, config: Any) -> Any:
    from .budget import checked_budget
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
        timeout=args.opa_timeout,
        budget=checked_budget(args.budget_seconds, args.budget_memory, base=config.budget),
    )


def _frameworks(args: argparse.Namespace, config: Any) -> tuple[str, ...]:
    from .config import FRAMEWORKS

    wanted = args.framework or list(config.frameworks)
    unknown = sorted(set(wanted) - set(FRAMEWORKS))
    if unknown:
        raise UsageError(f"unknown framework {', '.join(unknown)} (known: {', '.join(FRAMEWORKS)})")
    return tuple(fw for fw in FRAMEWORKS if fw in wanted)


def _run_options(
    args: argparse.Namespace, config: Config, as_of: date, code: tuple[str, ...] | None = None
) -> RunOptions:
    """The options of a check run from the shared flags (`--framework`, `--engine`,
    `--policy`, `--workers`) and the config; `code` is `--code`, None for the config's."""
    from .pipeline import RunOptions

    return RunOptions(
        config=config,
        as_of=as_of,
        frameworks=_frameworks(args, config),
        engine=_engine_choice(args, config),
        extra_policy_dirs=tuple(args.policy),
        workers=args.workers,
        code=code,
    )


def _cmd_check(args: argparse.Namespace) -> int:
    with _collector_paused():
        return _check(args)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a check runs and its report is written
    (then as it was). The run holds every model's report until the report is written
    (1,000 models: ~1 million objects, with no cycles), and each full pass of the
    collector would scan them all: on the bench repository, 0.55 s of a 9 s check after
    its workers were done (the collection the answers' arrival had put off, and the
    rendering's). A check leaves few cycles (an in-process engine's handful per model)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _check(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from .pipeline import run_check

    if args.policies_from is not None and not args.base:
        raise UsageError("--policies-from needs --base REF")
    trust_base = bool(args.base) and args.policies_from != "head"
    config, paths = _repository(args, args.base if trust_base else None)
    as_of = _today(args)
    options = _run_options(args, config, as_of, code=_code_paths(args.code, config.root))
    if args.base:
        from .config import CONFIG_NAME
        from .pr import run_pull_request

        run = run_pull_request(
            paths,
            options,
            base=args.base,
            head=args.head,
            changed_only=args.changed_only,
            policies_from=args.policies_from or "base",
            config_name=_config_name(args, config.root) or CONFIG_NAME,
        )
    elif args.head or args.changed_only or args.show_existing:
        raise UsageError("--head, --changed-only and --show-existing need --base REF")
    else:
        run = run_check(paths, options, progress=_progress_bar(args))
        _require_models(args, run, config, paths)
    fail_on = _fail_on(args, config)
    run = _with_repository(args, run, config.root)
    status = _report(args, replace(run, view=_view(args, fail_on)), fail_on)
    _say_over_budget(run)
    return status


def _say_over_budget(run: RunResult) -> None:
    """On stderr, each model whose evaluation went over its budget (the report has it as
    the model's error; the run exits 2): the tool did not finish its job."""
    from .results import budget_errors

    for error in budget_errors(run):
        print(f"policyengine: error: {error.message}", file=sys.stderr)


def _with_repository(args: argparse.Namespace, run: Any, root: Path) -> Any:
    """`run` with where its root is in the git work tree when a report names files by
    their path in the repository (SARIF locations, GitHub annotations), and with its
    repository, commit and branch for a SARIF log (`versionControlProvenance`) when the
    head is the working tree's commit; the other formats read neither."""
    from dataclasses import replace

    formats: list[str] = getattr(args, "formats", None) or [args.format]
    if not {"sarif", "github"}.intersection(formats):
        return run
    from .gitfacts import repository_path, version_control

    run = replace(run, repository_path=repository_path(root))
    provenance = run.provenance
    if "sarif" in formats and provenance is not None and provenance.commit is not None:
        found = version_control(root)
        if found is not None and found.revision == provenance.commit:
            run = replace(run, provenance=replace(provenance, version_control=found))
    return run


def _code_paths(given: list[Path] | None, root: Path) -> tuple[str, ...] | None:
    """`--code` paths relative to the repository root (POSIX); None without any (the
    config's `code` then). Raises UsageError for a path that does not exist or that
    leaves the repository (through `..`, an absolute path or a symlink)."""
    if not given:
        return None
    out = []
    for path in given:
        if not path.exists():
            raise UsageError(f"--code {path}: no such file or folder")
        resolved = path.resolve()
        if not resolved.is_relative_to(root.resolve()):
            raise UsageError(f"--code {path}: outside the repository {root}; give a path inside it")
        out.append(resolved.relative_to(root.resolve()).as_posix())
    return tuple(dict.fromkeys(out))


def _view(args: argparse.Namespace, fail_on: Any) -> Any:
    """What the text report shows: `--min-severity`, `--show-existing`, `--quiet`, `--explain`."""
    from .results import Severity, View

    return View(
        min_severity=Severity(args.min_severity),
        show_existing=args.show_existing,
        quiet=args.quiet,
        explain=args.explain,
        fail_on=fail_on,
    )


def _atlas_root(args: argparse.Namespace) -> Path:
    from .config import find_root

    config: Path | None = getattr(args, "config", None)
    return config.resolve().parent if config is not None else find_root(Path.cwd())


def _cmd_atlas_list(args: argparse.Namespace) -> int:
    from .atlas import catalog_for_repo, parse_version
    from .config import load_config
    from .results import AtlasListing

    root = _atlas_root(args)
    config = load_config(root, args.config)
    catalog = catalog_for_repo(config.root, config.atlas_catalog)
    if args.tactic is not None and args.tactic not in catalog.tactics:
        raise UsageError(
            f"unknown tactic {args.tactic} (known: {', '.join(sorted(catalog.tactics))})"
        )
    if args.since is not None:
        parse_version(args.since)
        techniques = catalog.added_since(args.since)
    else:
        techniques = catalog.active()
    if args.tactic is not None:
        techniques = [t for t in techniques if args.tactic in t.tactics]
    return _report(args, AtlasListing(catalog.version, tuple(techniques)))


def _cmd_atlas_diff(args: argparse.Namespace) -> int:
    from .atlas import diff, load_any
    from .results import AtlasChange

    old, new = load_any(args.old), load_any(args.new)
    return _report(args, AtlasChange(old.version, new.version, diff(old, new)))


def _cmd_atlas_import(args: argparse.Namespace) -> int:
    from .atlas import import_release, load_catalog, parse_version, save_catalog
    from .config import load_config
    from .report.text import TextFormatter
    from .results import AtlasChange

    if args.release is not None:
        parse_version(args.release)
    root = _atlas_root(args)
    config = load_config(root, args.config)
    target: Path = args.catalog if args.catalog is not None else root / config.atlas_catalog
    start = load_catalog(target) if target.is_file() else load_catalog(None)
    merged, change = import_release(start, args.file, args.release)
    save_catalog(merged, target)
    summary = TextFormatter().render(AtlasChange(start.version, merged.version, change))
    print(f"policyengine: wrote {target}", file=sys.stderr)
    sys.stderr.write(summary)
    return 0


def _policy_dirs(args: argparse.Namespace) -> tuple[list[Path], list[Path]]:
    """(folders whose tests run, support folders): POLICY_DIRs with the bundled `lib`,
    else the bundled policies plus the config's `policies:` folders."""
    from .bundled import policies_dir
    from .config import find_root, load_config

    bundled = policies_dir()
    given: list[Path] = list(args.policy_dirs)
    for d in given:
        if not d.is_dir():
            raise UsageError(f"{d}: no such policy folder")
    if given:
        lib = (bundled / "lib").resolve()
        inside = any(lib.is_relative_to(d.resolve()) for d in given)
        return given, [] if inside else [bundled / "lib"]
    root = args.config.resolve().parent if args.config is not None else find_root(Path.cwd())
    config = load_config(root, args.config)
    return [bundled, *config.policies], []


def _cmd_test(args: argparse.Namespace) -> int:
    from .budget import checked_budget
    from .config import find_root, load_config
    from .policytest import run_policy_tests
    from .results import PolicyTestReport

    dirs, support = _policy_dirs(args)
    root = args.config.resolve().parent if args.config is not None else find_root(Path.cwd())
    budget = checked_budget(
        args.budget_seconds, args.budget_memory, base=load_config(root, args.config).budget
    )
    results = run_policy_tests(dirs, support=support, workers=args.workers, budget=budget)
    return _report(args, PolicyTestReport(tuple(results), show_passing=args.verbose))


def _cmd_bundle_build(args: argparse.Namespace) -> int:
    from .bundle import build_bundle
    from .bundled import catalog_dir
    from .policyset import load_policy_set

    _writable(args.out, "--out")
    dirs, support = _policy_dirs(args)
    policy_set = load_policy_set([*support, *dirs])
    catalogs = {p.stem: p for p in sorted(catalog_dir().glob("*.json"))}
    data = build_bundle(policy_set, catalogs)
    target = args.out.resolve()
    _write([(target, data)], "--out")
    logger.info(
        "wrote %s (%d modules, %d checks)", target, len(policy_set.modules), len(policy_set.checks)
    )
    return 0


def _cmd_completion(args: argparse.Namespace) -> int:
    import shtab

    _emit(shtab.complete(_build_parser(), shell=args.shell), None)
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    from .schema import REGISTER_SCHEMA_FILE, SCHEMA_FILE, schema_text

    _emit(schema_text(REGISTER_SCHEMA_FILE if args.register else SCHEMA_FILE), None)
    return 0


def _cmd_init_register(args: argparse.Namespace) -> int:
    from .catalog import load_controls
    from .register import starter_register
    from .scaffold import write_starter

    config, _ = _repository(args)
    target: str = args.path if args.path is not None else config.register
    if Path(target).is_absolute() or ".." in Path(target).parts:
        raise UsageError(f"{target}: give a path inside the repository, relative to its root")
    text = starter_register(load_controls())
    try:
        [written] = write_starter(config.root, {target: text}, force=args.force)
    except OSError as exc:
        raise UsageError(f"{target}: cannot write there: {exc.strerror or exc}") from None
    print(f"policyengine: wrote {written}", file=sys.stderr)
    print(
        "policyengine: next: list the documents of your AI management system, decide each "
        "control (applicable, justification, status, owner, documents), and run "
        "`policyengine check`",
        file=sys.stderr,
    )
    return 0


def _review_run(args: argparse.Namespace) -> Any:
    """Load the models and run the review rules only (status, remind): a RunResult."""
    from .pipeline import run_review

    config, paths = _repository(args)
    run = run_review(paths if args.paths else [], config, _today(args), workers=args.workers)
    _require_models(args, run, config, paths)
    for diagnostic in run.diagnostics:
        logger.warning("%s", diagnostic.render())
    return run, config


def _review_fail_on(args: argparse.Namespace) -> Any:
    """`--fail-on` of status and remind, else low: the config's `fail_on` is for check runs."""
    from .results import Severity

    return Severity(args.fail_on) if args.fail_on else Severity.LOW


def _cmd_status(args: argparse.Namespace) -> int:
    from .report.text import status_summary_line
    from .results import StatusReport

    run, _ = _review_run(args)
    code = _report(args, StatusReport(run), _review_fail_on(args))
    print(f"policyengine: {status_summary_line(run)}", file=sys.stderr)
    return code


def _cmd_remind(args: argparse.Namespace) -> int:
    from .reminders import remind_report

    run, config = _review_run(args)
    within = args.within if args.within is not None else config.review.remind_before
    report = remind_report(run, within, config.owners)
    code = _report(args, report, _review_fail_on(args))
    print(f"policyengine: {report.count} of {len(run.models)} models to review", file=sys.stderr)
    for group in report.unreachable:
        print(
            f"policyengine: warning: owner {group.owner!r} has no entry in the config's "
            f"owners: nobody is reminded of {len(group.models)} of its models",
            file=sys.stderr,
        )
    return code


def _cmd_init(args: argparse.Namespace) -> int:
    from .atlas import load_catalog
    from .scaffold import starter_files, write_starter

    folder: Path = args.dir
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder}: is a file; give the folder to set up")
    files = starter_files(_today(args), __version__, load_catalog(None).version)
    try:
        written = write_starter(folder, files, force=args.force)
    except OSError as exc:
        raise UsageError(f"{folder}: cannot write there: {exc.strerror or exc}") from None
    for path in written:
        print(f"policyengine: wrote {path}", file=sys.stderr)
    print(
        "policyengine: next: replace models/example.yaml (a made-up example) with a model of "
        "your system; name your team in metadata.owner and the controls' owner and who ran "
        "the red-team exercise in performed_by (placeholders until then: TM-TEXT-001, "
        "TM-TEXT-004, TM-TEXT-005); write the evidence files its controls cite (none is "
        "written: `check` "
        "reports each missing one, TM-EVID-001); run `policyengine init-register` and decide "
        "the organisation controls (TM-REG-001 until then); commit, and run "
        "`policyengine check`; `pre-commit install` turns on the hook; give .github/ and "
        ".policyengine.yaml code owners and require their review and the check on the base "
        "branch (the workflow runs from the pull request's own copy: SECURITY.md)",
        file=sys.stderr,
    )
    return 0


def _colour(args: argparse.Namespace) -> bool:
    """Colour the terminal view: only on a terminal, and never with `NO_COLOR` set
    (no-color.org: any non-empty value) or `--no-color`."""
    if args.format != "text" or args.output is not None or os.environ.get("NO_COLOR"):
        return False
    if getattr(args, "no_color", False):
        return False
    return sys.stdout.isatty()


def _view_run(args: argparse.Namespace) -> tuple[Config, RunResult]:
    """The check run behind a view of it (`matrix`, `soa`): the repository's config and
    every model judged; diagnostics go to stderr."""
    from .pipeline import judged_whole, run_check

    if args.format == "xlsx" and args.output is None and sys.stdout.isatty():
        raise UsageError("--format xlsx writes a binary workbook: give --output FILE")
    config, paths = _repository(args)
    options = _run_options(args, config, _today(args))
    run = judged_whole(run_check(paths, options, progress=_progress_bar(args)))
    _require_models(args, run, config, paths)
    for diagnostic in run.diagnostics:
        logger.warning("%s", diagnostic.render())
    return config, run


def _cmd_matrix(args: argparse.Namespace) -> int:
    from .catalog import load_controls
    from .matrix import build_matrix
    from .results import MatrixReport

    config, run = _view_run(args)
    matrix = build_matrix(run, load_controls())
    return _report(args, MatrixReport(matrix, colour=_colour(args)))


def _locator(root: Path) -> Any:
    """The line of a JSON pointer in a repository file (a model, the register), each file
    read once; 0 when the file does not load."""
    from .errors import InvalidDocument
    from .loader import Document, load_document

    docs: dict[str, Document | None] = {}

    def locate(file: str, pointer: str) -> int:
        if file not in docs:
            try:
                docs[file] = load_document(root / file, root)
            except InvalidDocument:
                docs[file] = None
        doc = docs[file]
        return doc.locate_pointer(pointer)[0] if doc is not None and pointer else 0

    return locate


def _cmd_soa(args: argparse.Namespace) -> int:
    from .catalog import load_controls
    from .register import load_register
    from .results import SoaReport
    from .soa import build_soa

    config, run = _view_run(args)
    controls = load_controls()
    loaded = load_register(config.root, config.register, catalog=controls)
    soa = build_soa(run, controls, loaded.register, _locator(config.root))
    return _report(args, SoaReport(soa))


def _cmd_discover(args: argparse.Namespace) -> int:
    from .config import find_root
    from .discovery import discover_report
    from .sources import read_sources

    paths: list[Path] = list(args.src)
    root = find_root(Path.cwd())
    sources, skipped = read_sources(paths, root)
    report = discover_report(sources, args.name or root.name, skipped)
    for diagnostic in report.diagnostics:
        logger.warning("%s", diagnostic.render())
    code = _report(args, report)
    print(
        f"policyengine: {report.files} files read; {len(report.findings)} findings",
        file=sys.stderr,
    )
    return code


def _check_infos(args: argparse.Namespace) -> Any:
    """Every check a `check` run in this repository evaluates (the bundled ones, the
    config's `policies:` folders, `--policy DIR`), the organisation register's and the pull
    request's own, by id."""
    from .bundled import policies_dir
    from .catalog import load_controls
    from .config import find_root, load_config
    from .pipeline import policy_dirs
    from .policyset import load_policy_set
    from .pr import PR_CHECKS
    from .register import register_checks

    root = args.config.resolve().parent if args.config is not None else find_root(Path.cwd())
    config = load_config(root, args.config)
    for d in args.policy:
        if not d.is_dir():
            raise UsageError(f"{d}: no such policy folder")
    policy_set = load_policy_set(policy_dirs(config, tuple(args.policy)))
    bundled = policies_dir().resolve()

    def source(file: str) -> str:
        path = Path(file).resolve()
        if path.is_relative_to(bundled):
            return f"bundled: policies/{path.relative_to(bundled).as_posix()}"
        if path.is_relative_to(root.resolve()):
            return path.relative_to(root.resolve()).as_posix()
        return file

    infos = [meta.info(source(meta.file)) for meta in policy_set.checks.values()]
    every = [*infos, *register_checks(load_controls()), *PR_CHECKS.values()]
    return {c.id: c for c in sorted(every, key=lambda c: c.id)}


def _cmd_checks(args: argparse.Namespace) -> int:
    from .results import CheckListing

    return _report(args, CheckListing(tuple(_check_infos(args).values())))


def _cmd_explain(args: argparse.Namespace) -> int:
    import difflib

    from .results import CheckExplanation

    infos = _check_infos(args)
    wanted = args.check_id.strip().upper()
    if wanted not in infos:
        near = difflib.get_close_matches(wanted, list(infos), n=3)
        hint = f" (did you mean {', '.join(near)}?)" if near else ""
        raise UsageError(f"no check {args.check_id!r}{hint}; policyengine checks lists them")
    return _report(args, CheckExplanation(infos[wanted]))


def _read_key(path: Path | None, flag: str) -> bytes | None:
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{flag} {path}: cannot read it: {exc.strerror or exc}") from None


def _cmd_evidence(args: argparse.Namespace) -> int:
    from .errors import EvidenceError
    from .evidence import pack_files
    from .evidence.gather import gather
    from .evidence.write import check_target, write_pack
    from .gitfacts import work_tree_state
    from .output import refuse_symlink_escape

    config, paths = _repository(args)
    as_of = _today(args)
    key = _read_key(args.sign_key, "--sign-key")
    if key is not None:
        from .evidence.manifest import sign

        sign(b"", key, str(args.sign_key))  # a key that is not one fails before the run
    target: Path = args.out
    if target is None:
        commit, _ = work_tree_state(config.root)
        short = commit[:12] if commit else "uncommitted"
        target = config.evidence_dir / f"{as_of.isoformat()}-{short}"
    if target.is_absolute() and target.is_relative_to(config.root):
        refuse_symlink_escape(target.relative_to(config.root), config.root, "evidence_dir")
    else:
        refuse_symlink_escape(target, Path.cwd(), "--out")
    check_target(target, force=args.force)
    options = _run_options(args, config, as_of)
    sources, run = gather(
        paths, options, target=target, allow_dirty=args.allow_dirty, register=config.register
    )
    _require_models(args, run, config, paths, packs_pass=False)  # no pack of nothing
    files = pack_files(sources, sign_key=key, key_name=str(args.sign_key or ""))
    try:
        write_pack(target, files, force=args.force)
    except OSError as exc:
        raise EvidenceError(f"{target}: cannot write the pack: {exc.strerror or exc}") from None
    import hashlib

    digest = hashlib.sha256(files["manifest.json"]).hexdigest()
    signed = ", signed" if key is not None else ""
    print(
        f"policyengine: evidence pack of {len(run.models)} models written to {target}: "
        f"{len(files)} files{signed}; manifest sha256 {digest}",
        file=sys.stderr,
    )
    return 0


def _cmd_evidence_verify(args: argparse.Namespace) -> int:
    from .evidence.manifest import check_json, check_text, verify_pack

    key = _read_key(args.key, "--key")
    check = verify_pack(args.dir, key, str(args.key or ""))
    _emit(check_json(check) if args.format == "json" else check_text(check), None)
    return 0 if check.clean else 1


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"days must be 0 or more: {value}")
    return value


_EXIT_STATUSES = """exit status:
  0  nothing at or above --fail-on
  1  findings at or above --fail-on, an invalid model, a review due (status, remind)
  2  the tool could not do its job (bad arguments, config, engine, no model found)"""

_MAIN_EPILOG = f"""examples:
  policyengine check                      the config's models, text report
  policyengine check --base origin/main   a pull request: what it makes new or worse
  policyengine matrix -f html -o m.html   the control-coverage matrix
  policyengine remind --within 30         reviews due in the next 30 days
  policyengine completion bash            shell completion

{_EXIT_STATUSES}
"""

_CHECK_EPILOG = f"""examples:
  policyengine check models/ --fail-on high
  policyengine check -f text,sarif -o -,results.sarif     the text and SARIF for code scanning
  policyengine check --base origin/main -f github         annotations on the pull request
  policyengine check --code src                           also compare with the code (drift)
  policyengine check -f junit -o report.xml               a test report (GitLab, Jenkins)

{_EXIT_STATUSES}
"""


_EVIDENCE_VERIFY = "evidence-verify"
"""The parser of `evidence verify` (`_joined_subcommand` turns the two words into it)."""

_EVIDENCE_EPILOG = """examples:
  policyengine evidence --as-of 2026-11-27                 evidence/2026-11-27-<commit>/
  policyengine evidence --out pack --sign-key key.pem      a signed pack in ./pack
  policyengine evidence verify pack --key public.pem       the auditor's check

exit status:
  0  the pack was written (verify: every file as listed, the signature valid)
  1  (verify) a file changed, missing or extra, or the signature does not hold
  2  the tool could not do its job (the folder exists, models or cited files
     uncommitted, bad key)"""


def _joined_subcommand(argv: list[str]) -> list[str]:
    """`evidence verify ...` as the hidden command `evidence-verify ...` (argparse cannot
    have both PATH arguments and actions on `evidence`)."""
    for i, arg in enumerate(argv):
        if arg.startswith("-"):
            continue
        if arg == "evidence" and argv[i + 1 : i + 2] == ["verify"]:
            return [*argv[:i], _EVIDENCE_VERIFY, *argv[i + 2 :]]
        break
    return argv


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policyengine",
        description="Policy-as-code compliance engine for AI threat models.",
        epilog=_MAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"policyengine {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("validate", help="check models against the schema and references")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    _add_output_options(p, "validate")
    _add_config_options(p)
    _add_date_options(p)
    _add_worker_options(p)
    _add_model_options(p)
    _add_fail_on_option(p, "config, else low")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser(
        "check",
        help="validate, evaluate the policies and the review rules",
        description="Validate the threat models, evaluate the Rego policies and the review "
        "rules, and report the findings.",
        epilog=_CHECK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    _add_output_options(p, "check")
    _add_config_options(p)
    _add_date_options(p)
    _add_engine_options(p)
    _add_worker_options(p)
    _add_model_options(p)
    _add_fail_on_option(p, "config, else low")
    _add_history_options(p)
    p.add_argument(
        "--code",
        action="append",
        type=Path,
        default=None,
        metavar="SRC",
        help="compare the models with the AI assets in this code (static analysis, as "
        "discover; repeatable; default: the config's code)",
    )
    p.add_argument("--base", metavar="REF", help="pull-request mode: compare with REF")
    p.add_argument("--head", metavar="REF", help="with --base: the head (default: working tree)")
    p.add_argument(
        "--changed-only",
        action="store_true",
        help="with --base: evaluate only the models the pull request changed or deleted",
    )
    p.add_argument(
        "--policies-from",
        choices=["base", "head"],
        default=None,
        help="with --base: whose config, policy folders and ATLAS catalog judge the pull "
        "request (default: base; head lets the pull request change its own gate)",
    )
    p.add_argument(
        "--show-existing",
        action="store_true",
        help="with --base: also print the findings the base already had (they never fail "
        "the pull request; by default they are counted in one line)",
    )
    p.add_argument(
        "--min-severity",
        choices=["critical", "high", "medium", "low"],
        default="low",
        help="lowest severity the text report prints (default: low); what fails is --fail-on",
    )
    p.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="text: only the findings and errors, no headings, coverage or summary line",
    )
    p.add_argument(
        "--explain",
        action="store_true",
        help="text: a fix line under each finding (policyengine explain ID says more)",
    )
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("atlas", help="the MITRE ATLAS catalog: list, diff, import")
    atlas_sub = p.add_subparsers(dest="atlas_command", metavar="ACTION", required=True)
    q = atlas_sub.add_parser("list", help="list the catalog's active techniques")
    q.add_argument("--tactic", metavar="ID", default=None, help="only techniques of tactic ID")
    q.add_argument(
        "--since", metavar="VERSION", default=None, help="only techniques first released after"
    )
    _add_output_options(q, "atlas list")
    _add_config_options(q)
    q.set_defaults(func=_cmd_atlas_list)
    q = atlas_sub.add_parser("diff", help="compare two catalogs or MITRE ATLAS.yaml releases")
    for name in ("old", "new"):
        q.add_argument(
            name,
            type=Path,
            metavar=name.upper(),
            help=f"the {name}er file: a policyengine ATLAS catalog (JSON, as `atlas import` "
            "writes) or a MITRE ATLAS.yaml release",
        )
    _add_output_options(q, "atlas diff")
    q.set_defaults(func=_cmd_atlas_diff)
    q = atlas_sub.add_parser("import", help="merge a MITRE ATLAS.yaml release into the catalog")
    q.add_argument("file", type=Path, metavar="FILE")
    q.add_argument(
        "--release", metavar="VERSION", default=None, help="the release (default: from FILE)"
    )
    q.add_argument(
        "--catalog",
        type=Path,
        default=None,
        metavar="PATH",
        help="catalog to update (default: config atlas_catalog)",
    )
    _add_config_options(q)
    q.set_defaults(func=_cmd_atlas_import)

    p = sub.add_parser("test", help="run the Rego unit tests on the embedded engine")
    p.add_argument(
        "policy_dirs",
        nargs="*",
        type=Path,
        metavar="POLICY_DIR",
        help="policy folders (default: the bundled policies and the config's policies:)",
    )
    _add_output_options(p, "test")
    _add_config_options(p)
    p.add_argument("-v", "--verbose", action="store_true", help="list passing tests too")
    _add_worker_options(p)
    _add_budget_options(p, "one test file's run", "(CPU time, resident memory)")
    p.set_defaults(func=_cmd_test)

    p = sub.add_parser("bundle", help="OPA bundle of the policy set")
    bundle_sub = p.add_subparsers(dest="bundle_command", metavar="ACTION", required=True)
    q = bundle_sub.add_parser("build", help="write an OPA bundle (tar.gz) of the policies")
    q.add_argument(
        "policy_dirs",
        nargs="*",
        type=Path,
        metavar="POLICY_DIR",
        help="policy folders (default: the bundled policies and the config's policies:)",
    )
    q.add_argument("--out", type=_file_path, required=True, metavar="FILE", help="bundle file")
    _add_config_options(q)
    q.set_defaults(func=_cmd_bundle_build)

    p = sub.add_parser("status", help="review staleness of each model (review rules only)")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    _add_output_options(p, "status")
    _add_config_options(p)
    _add_date_options(p)
    _add_worker_options(p)
    _add_model_options(p)
    _add_fail_on_option(p, "low")
    _add_history_options(p)
    p.set_defaults(func=_cmd_status)

    p = sub.add_parser("remind", help="reviews due soon, overdue or required, by owner")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    p.add_argument(
        "--within",
        type=_days,
        default=None,
        metavar="DAYS",
        help="also list reviews due within DAYS (default: review.remind_before, else 14)",
    )
    _add_output_options(p, "remind")
    _add_config_options(p)
    _add_date_options(p)
    _add_worker_options(p)
    _add_model_options(p)
    _add_fail_on_option(p, "low")
    _add_history_options(p)
    p.set_defaults(func=_cmd_remind)

    p = sub.add_parser("matrix", help="control-coverage matrix: controls by models, per framework")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    _add_output_options(p, "matrix")
    _add_config_options(p)
    _add_date_options(p)
    _add_engine_options(p)
    _add_worker_options(p)
    _add_model_options(p)
    p.set_defaults(func=_cmd_matrix)

    p = sub.add_parser(
        "evidence",
        help="write an audit evidence pack (folder); `evidence verify DIR` checks one",
        description="Write an audit evidence pack: the models as committed, findings,\n"
        "control results, risk registers, the matrix, framework views, red-team findings,\n"
        "review history, waivers and attestations, cited documents, OSCAL results and a\n"
        "manifest of SHA-256 digests. `policyengine evidence verify DIR [--key PEM]`\n"
        "checks a pack against its manifest.",
        epilog=_EVIDENCE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    p.add_argument(
        "--out",
        type=_file_path,
        default=None,
        metavar="DIR",
        help="the pack's folder (default: <evidence_dir>/<as-of>-<commit>)",
    )
    p.add_argument(
        "--force", action="store_true", help="replace an earlier pack (or an empty folder) there"
    )
    p.add_argument(
        "--allow-dirty",
        action="store_true",
        help="make the pack although model files or cited files differ from the commit "
        "(the pack says so)",
    )
    p.add_argument(
        "--sign-key",
        type=Path,
        default=None,
        metavar="PEM",
        help="sign manifest.json with this Ed25519 private key (writes manifest.sig)",
    )
    _add_config_options(p)
    _add_date_options(p)
    _add_engine_options(p)
    _add_worker_options(p)
    _add_model_options(p)
    p.set_defaults(func=_cmd_evidence)

    p = sub.add_parser(
        _EVIDENCE_VERIFY,
        prog="policyengine evidence verify",
        description="Check an evidence pack against its manifest: every file re-hashed; "
        "changed, missing and extra files reported (exit 1 on any); the signature "
        "checked with --key.",
    )
    p.add_argument("dir", type=Path, metavar="DIR", help="the pack's folder")
    p.add_argument(
        "--key",
        type=Path,
        default=None,
        metavar="PEM",
        help="the Ed25519 public key the pack was signed with (checks manifest.sig)",
    )
    p.add_argument("--format", "-f", choices=["text", "json"], default="text")
    p.set_defaults(func=_cmd_evidence_verify)

    p = sub.add_parser(
        "soa",
        help="ISO/IEC 42001 Statement of Applicability: Annex A decisions and verdicts",
        description="Every ISO/IEC 42001 Annex A control with our paraphrased title, the "
        "organisation register's decision (applicability, justification, implementation, "
        "owner, documents) and, per model, the checks' verdicts with the evidence located "
        "(file, line, JSON pointer).",
    )
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    _add_output_options(p, "soa")
    _add_config_options(p)
    _add_date_options(p)
    _add_engine_options(p)
    _add_worker_options(p)
    _add_model_options(p)
    p.set_defaults(func=_cmd_soa)

    p = sub.add_parser(
        "init", help="set a repository up: config, starter model, CI workflows, pre-commit"
    )
    p.add_argument("dir", nargs="?", type=Path, default=Path("."), metavar="DIR", help="default: .")
    p.add_argument("--force", action="store_true", help="replace files that are already there")
    _add_date_options(p)
    p.set_defaults(func=_cmd_init)

    p = sub.add_parser(
        "init-register",
        help="write a starter organisation register: every organisation control, undecided",
        description="Write the organisation register (the config's `register:`, default "
        "governance/register.yaml) listing every control a threat model cannot show and every "
        "ISO/IEC 42001 Annex A control, each with an empty decision. Never replaces a file "
        "without --force; the file is written whole or not at all.",
    )
    p.add_argument(
        "--path",
        default=None,
        metavar="PATH",
        help="where, relative to the repository root (default: the config's register:)",
    )
    p.add_argument("--force", action="store_true", help="replace the register if it is there")
    _add_config_options(p)
    p.set_defaults(func=_cmd_init_register)

    p = sub.add_parser(
        "discover", help="find AI assets in code (static analysis) and draft a threat model"
    )
    p.add_argument("src", nargs="*", type=Path, metavar="SRC", help="files or folders (default: .)")
    p.add_argument("--name", default=None, help="metadata.id of the draft (default: the folder)")
    _add_output_options(p, "discover")
    p.set_defaults(func=_cmd_discover)

    p = sub.add_parser("checks", help="list every check: id, severity, title and controls")
    _add_output_options(p, "checks")
    _add_config_options(p)
    _add_policy_option(p)
    p.set_defaults(func=_cmd_checks)

    p = sub.add_parser(
        "explain", help="what a check is for, how to fix its findings, how to rule it out"
    )
    p.add_argument("check_id", metavar="ID", help="a check id, e.g. TM-SCORE-001")
    _add_output_options(p, "explain")
    _add_config_options(p)
    _add_policy_option(p)
    p.set_defaults(func=_cmd_explain)

    p = sub.add_parser("schema", help="print the threat-model (or register) JSON Schema")
    p.add_argument(
        "--register", action="store_true", help="the organisation register's schema instead"
    )
    p.set_defaults(func=_cmd_schema)

    p = sub.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh, tcsh)",
        description="Print a completion script for SHELL. Bash: "
        "`policyengine completion bash > ~/.local/share/bash-completion/completions/"
        'policyengine`; zsh: `policyengine completion zsh > "${fpath[1]}/_policyengine"`.',
    )
    p.add_argument("shell", choices=["bash", "zsh", "tcsh"], metavar="SHELL")
    p.set_defaults(func=_cmd_completion)

    return parser


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the main thread is, so that the run unwinds like Ctrl-C:
    worker pools kill their workers and a half-written `--output` is removed."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated


def _stdout_gone() -> None:
    """After a broken pipe: stdout goes nowhere, so that the interpreter's final flush of
    the report's unwritten rest cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


class _OneLineFormatter(logging.Formatter):
    """Log records on one line each: a message quoting a model (a diagnostic's path or
    key) cannot start a line of its own on stderr, which CI also reads."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        from .report.escape import text

        record.message = text(record.message)
        return super().formatMessage(record)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 findings, 2 tool failure).

    SIGTERM stops the run like Ctrl-C (exit 2, workers killed, no file left behind) while
    `main` runs in the main thread; the previous handler is restored on return.
    """
    try:
        previous: Any = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread: signals are the main thread's alone
        previous = None
    try:
        return _main(argv)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main(argv: list[str] | None) -> int:
    parser = _build_parser()
    args = parser.parse_args(
        _joined_subcommand(_joined_outputs(sys.argv[1:] if argv is None else argv))
    )
    # NOTE: the handler goes on our package logger only, so that third-party loggers
    # (urllib3's retry warnings under opa-python-client) do not reach the user's stderr.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLineFormatter("policyengine: %(levelname)s: %(message)s"))
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG if args.debug else logging.INFO)
    _split_outputs(args, parser)
    try:
        for output in getattr(args, "outputs", None) or [getattr(args, "output", None)]:
            _writable(output, "--output")
        func: Callable[[argparse.Namespace], int] = args.func
        return func(args)
    except PolicyEngineError as exc:
        if args.debug:
            raise
        print(f"policyengine: error: {exc.diagnostics()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        from .workers import terminate_all

        terminate_all()
        why = "terminated (SIGTERM)" if isinstance(exc, _Terminated) else "interrupted"
        print(f"policyengine: {why}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        _stdout_gone()
        print(
            "policyengine: error: stdout was closed before the whole report was written "
            "(broken pipe); use --output FILE to keep all of it",
            file=sys.stderr,
        )
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
