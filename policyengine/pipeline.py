"""The orchestrator: wires the stages together for `validate`, `check`, `status` and
`remind`. No rules here.

load -> validate -> facts (atlas, review) -> evaluate (engine) -> control status -> RunResult.

A run over many models takes each model through those stages in worker processes
(`_check_in_workers`, `_review_in_workers`): nothing but reports comes back, so the main
process never holds every model; it reads the git history once meanwhile. The result is
the one process's result, which the tests hold it to.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from . import bundled
from .atlas import AtlasCatalog, catalog_for_repo
from .catalog import ControlCatalog, load_controls
from .config import Config
from .controls import derive_controls, scoping_of
from .engine import Engine, EngineOutput, make_engine
from .errors import EngineError, PolicyEngineError, PolicyError
from .evaluate import build_facts, collect_outcomes, policy_input
from .gitfacts import ChangeFacts, ChangeHistory, collect_change_facts
from .loader import (
    MAX_BYTES,
    Candidate,
    Document,
    Listing,
    discover,
    find_models,
    load_candidate,
    load_candidates,
)
from .policyset import CheckMeta, PolicySet, load_policy_set
from .results import Diagnostic, ModelReport, ReviewVerdict, RunResult
from .review import Cadence, due_date, parse_day, review_documents, review_model
from .validate import FileResult, Validation, validate_file, validate_paths

FRAMEWORKS = ("nist-ai-rmf", "iso42001", "atlas")
"""Every framework the engine knows, in report order."""


@dataclass(frozen=True)
class EngineChoice:
    """Which Rego engine evaluates, and how to reach it."""

    name: str = "embedded"
    """`embedded` (regopy, in process) or `opa` (an OPA server)."""
    opa_url: str | None = None
    """The OPA server's URL, for `opa`."""
    token: str | None = None
    """Bearer token for the OPA server."""
    use_loaded: bool = False
    """Query the policies the OPA server already holds instead of loading ours."""


@dataclass(frozen=True)
class RunOptions:
    """Everything a `check` run needs beyond the paths."""

    config: Config
    """The repository config (root, globs, defaults)."""
    as_of: date
    """The date the rules use."""
    frameworks: tuple[str, ...] = FRAMEWORKS
    """Frameworks to evaluate (a model's `system.frameworks` narrows NIST and ISO further)."""
    engine: EngineChoice = field(default_factory=EngineChoice)
    """The engine to use."""
    extra_policy_dirs: tuple[Path, ...] = ()
    """`--policy` folders, in addition to the bundled policies and the config's."""


def _catalogs(config: Config) -> tuple[AtlasCatalog, ControlCatalog]:
    return catalog_for_repo(config.root, config.atlas_catalog), load_controls()


def _validated(
    paths: Sequence[Path], config: Config, atlas: AtlasCatalog, controls: ControlCatalog
) -> Validation:
    # The config's `models` globs say where models live when no PATH is given; a PATH
    # given on the command line replaces them.
    return validate_paths(
        paths,
        root=config.root,
        globs=() if paths else config.models,
        control_ids=controls.ids(),
        atlas=atlas,
    )


def run_validate(paths: Sequence[Path], config: Config, as_of: date) -> RunResult:
    """Schema and reference checks only: one report per file, diagnostics and nothing else.
    More than `WORKER_MIN` files a CPU are read and checked in worker processes."""
    atlas, controls = _catalogs(config)  # here too for worker runs: errors named at once
    listing = find_models(paths, config.root, () if paths else config.models)
    workers = _workers_for(listing, _cpus())
    if workers > 1:
        chunks = _in_workers(
            listing,
            config.root,
            workers,
            _init_validate_worker,
            (config,),
            _validate_chunk,
            history=False,
        )
        return _collected(listing, chunks, as_of)
    validated = _validated(paths, config, atlas, controls)
    models = tuple(f.to_report() for f in validated.files)
    return RunResult(
        models=models,
        as_of=as_of,
        skipped=validated.skipped,
        diagnostics=validated.diagnostics,
    )


def policy_dirs(config: Config, extra: Sequence[Path]) -> list[Path]:
    """The bundled policies, then the config's `policies:`, then `--policy` folders."""
    dirs = [bundled.policies_dir(), *config.policies, *extra]
    seen: list[Path] = []
    for d in dirs:
        if d.resolve() not in [s.resolve() for s in seen]:
            seen.append(d)
    return seen


def _model_frameworks(model: Mapping[str, Any], wanted: Sequence[str]) -> tuple[str, ...]:
    declared = (model.get("system") or {}).get("frameworks")
    if not declared:
        return tuple(wanted)
    return tuple(fw for fw in wanted if fw == "atlas" or fw in declared)


def _in_scope(frameworks: Sequence[str]) -> Callable[[CheckMeta], bool]:
    def check(meta: CheckMeta) -> bool:
        return not meta.controls or any(fw in frameworks for fw in meta.controls)

    return check


def _evidence_exists(root: Path) -> Callable[[str], bool]:
    """Whether a repository-relative path names a file inside `root`, asked once per path
    in a run (models cite the same evidence files again and again)."""
    resolved_root = root.resolve()
    known: dict[str, bool] = {}

    def exists(rel: str) -> bool:
        if rel not in known:
            if not rel or Path(rel).is_absolute():
                known[rel] = False
            else:
                target = (resolved_root / rel).resolve()
                known[rel] = target.is_relative_to(resolved_root) and target.is_file()
        return known[rel]

    return exists


def _cadence_days(model: Mapping[str, Any], default: Cadence, as_of: date) -> int:
    """Days in the model's review window: from its last review (or the as-of date) to due."""
    review = model.get("review") or {}
    start = parse_day(review.get("last_reviewed")) or as_of
    return (due_date(start, review.get("cadence") or default) - start).days


def review_verdicts(
    documents: Sequence[Document], config: Config, as_of: date, atlas: AtlasCatalog
) -> dict[str, ReviewVerdict]:
    """The review verdict of each valid model, with git change facts from one history pass."""
    changes = collect_change_facts(
        config.root, [d.path for d in documents], {d.path: d.data for d in documents}
    )
    return {d.path: _verdict(d, config, as_of, atlas, changes.get(d.path)) for d in documents}


def _verdict(
    doc: Document, config: Config, as_of: date, atlas: AtlasCatalog, changes: ChangeFacts | None
) -> ReviewVerdict:
    return review_model(
        doc.data,
        as_of=as_of,
        cadence_default=config.review.cadence,
        remind_before=config.review.remind_before,
        atlas=atlas,
        changes=changes,
    )


@dataclass(frozen=True)
class _Run:
    """What checking one model needs besides the model: made once per run (and once in
    each worker process)."""

    options: RunOptions
    atlas: AtlasCatalog
    controls: ControlCatalog
    policy_set: PolicySet


def _model_input(
    doc: Document, verdict: ReviewVerdict, run: _Run, exists: Callable[[str], bool]
) -> dict[str, Any]:
    config, as_of = run.options.config, run.options.as_of
    facts = build_facts(
        doc.data,
        as_of=as_of,
        review_status=verdict.status,
        cadence_days=_cadence_days(doc.data, config.review.cadence, as_of),
        atlas=run.atlas,
        evidence_exists=exists,
    )
    return policy_input(doc.data, facts)


def _model_report(
    f: FileResult, out: EngineOutput, inp: Mapping[str, Any], verdict: ReviewVerdict, run: _Run
) -> ModelReport:
    """The report of a valid model from what the policies answered."""
    doc, policy_set = f.document, run.policy_set
    assert doc is not None  # only valid files are evaluated
    frameworks = _model_frameworks(doc.data, run.options.frameworks)
    outcomes = collect_outcomes(
        out.deny, out.not_applicable, policy_set.checks, doc, _in_scope(frameworks)
    )
    catalog = [(fw, c.key) for fw in frameworks for c in run.controls.controls if c.framework == fw]
    scoping = scoping_of(doc.data, [w["expired"] for w in inp["facts"]["waivers"]])
    check_controls = {cid: meta.control_keys() for cid, meta in policy_set.checks.items()}
    return ModelReport(
        path=f.path,
        model_id=f.model_id,
        owner=f.owner,
        diagnostics=f.diagnostics,
        checks=outcomes,
        controls=derive_controls(outcomes, check_controls, catalog, scoping),
        review=verdict,
    )


def run_check(
    paths: Sequence[Path],
    options: RunOptions,
    engine: Engine | None = None,
    policy_set: PolicySet | None = None,
) -> RunResult:
    """Validate, then evaluate every valid model; invalid models are reported, not evaluated.

    The review verdict of each model feeds ISO 8.2 and MEASURE 3.1. Raises `PolicyError`
    for broken policies, `EngineError` when the engine fails (never a partial result) and
    `GitError` when git itself fails. Many models on the embedded engine (more than
    `WORKER_MIN` a worker) are checked end to end in its worker processes
    (`_check_in_workers`): the same result, in less time and memory. `policy_set` is the
    policies when the caller has read them already (a pull request checks two sides).
    """
    config = options.config
    atlas, controls = _catalogs(config)  # here too for worker runs: errors named at once
    if policy_set is None:
        policy_set = load_policy_set(policy_dirs(config, options.extra_policy_dirs))
    processes = _worker_processes(options, engine)
    if processes > 1:
        listing = find_models(paths, config.root, () if paths else config.models)
        workers = _workers_for(listing, processes)
        if workers > 1:
            return _check_in_workers(listing, options, policy_set, workers)
    run = _Run(options, atlas, controls, policy_set)
    validated = _validated(paths, config, atlas, controls)
    exists = _evidence_exists(config.root)

    valid = [(f, f.document) for f in validated.files if f.document is not None and f.valid]
    verdicts = review_verdicts([doc for _, doc in valid], config, options.as_of, atlas)
    inputs = [_model_input(doc, verdicts[f.path], run, exists) for f, doc in valid]
    outputs = _evaluate(policy_set, inputs, options.engine, engine)
    answers = {f.path: (out, inp) for (f, _), out, inp in zip(valid, outputs, inputs, strict=True)}
    reports = [
        _model_report(f, *answers[f.path], verdicts[f.path], run)
        if f.path in answers
        else f.to_report()
        for f in validated.files
    ]
    return RunResult(
        models=tuple(reports),
        as_of=options.as_of,
        skipped=validated.skipped,
        frameworks=tuple(options.frameworks),
        diagnostics=validated.diagnostics,
    )


# --- many models: end to end in worker processes --------------------------------------

WORKER_MIN = 16
"""Candidate files per worker process below which a run stays in one process."""
MAX_WORKERS = 8
"""At most this many worker processes (~60-100 MB each), whatever the CPU count."""
_CHUNK = 8
"""Files per task sent to a worker: small, so that both workers finish together."""
_BATCH = 64
"""Files whose git change facts are found together before their chunks are sent."""

_Chunk = Sequence[tuple[Candidate, ChangeFacts | None]]
"""Some candidate files, each with its git change facts."""
_T = TypeVar("_T")


_worker_state: tuple[_Run, Engine, Callable[[str], bool]] | PolicyEngineError | None = None
"""In a worker process: the run, its own in-process engine and evidence lookup."""


def _worker_processes(options: RunOptions, engine: Engine | None) -> int:
    """How many processes may check models end to end: the embedded engine's worker count
    (the CPUs when the run makes its own engine); 1 for OPA."""
    from .engine.embedded import EmbeddedEngine

    if engine is None:
        return _cpus() if options.engine.name == "embedded" else 1
    return min(engine.workers, MAX_WORKERS) if isinstance(engine, EmbeddedEngine) else 1


def _cpus() -> int:
    """The CPUs this process may run on (its affinity, where the OS says), at most
    `MAX_WORKERS`: a container often reports every CPU of its host."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        count = os.cpu_count() or 1
    return max(1, min(count, MAX_WORKERS))


def _init_worker(options: RunOptions, digest: str) -> None:
    """Pool initializer: the catalogs and policies read again (as the main process read
    them: sending them would hold the main process until the worker has started) and one
    in-process engine, its programs compiled (or loaded from the cache) once. A policy
    error, or policies changed since the main process read them, is kept and raised by
    every task."""
    from .engine.embedded import EmbeddedEngine

    global _worker_state
    try:
        policy_set = load_policy_set(policy_dirs(options.config, options.extra_policy_dirs))
    except PolicyEngineError as exc:
        _worker_state = exc
        return
    if policy_set.digest != digest:
        _worker_state = PolicyError("the policy files changed while the check ran: run it again")
        return
    run = _Run(options, *_catalogs(options.config), policy_set)
    engine = EmbeddedEngine(workers=1)
    # Freed before the interpreter tears modules down: regopy's own finalizer needs them.
    atexit.register(engine.close)
    try:
        engine.prepare(run.policy_set)
    except PolicyEngineError as exc:
        _worker_state = exc
        return
    _worker_state = (run, engine, _evidence_exists(run.options.config.root))


def _check_chunk(chunk: _Chunk) -> list[ModelReport | None]:
    """In a worker: each file read, validated, judged and evaluated; None when skipped."""
    state = _worker_state
    if state is None:
        raise EngineError("a check worker has nothing to check with (a bug)")
    if isinstance(state, PolicyEngineError):
        raise state
    run, engine, exists = state
    config = run.options.config
    out: list[ModelReport | None] = []
    for candidate, changes in chunk:
        loaded = load_candidate(candidate)
        if loaded is None:
            out.append(None)
            continue
        f = validate_file(loaded, root=config.root, control_ids=run.controls.ids(), atlas=run.atlas)
        if f.document is None or not f.valid:
            out.append(f.to_report())
            continue
        verdict = _verdict(f.document, config, run.options.as_of, run.atlas, changes)
        inp = _model_input(f.document, verdict, run, exists)
        [answer] = engine.evaluate(run.policy_set, [inp])
        out.append(_model_report(f, answer, inp, verdict, run))
    return out


_validate_state: tuple[Path, AtlasCatalog, ControlCatalog] | None = None
"""In a validate worker process: the repository root and the catalogs."""


def _init_validate_worker(config: Config) -> None:
    global _validate_state
    _validate_state = (config.root, *_catalogs(config))


def _validate_chunk(chunk: _Chunk) -> list[ModelReport | None]:
    """In a worker: each file read and validated; None when skipped."""
    if _validate_state is None:
        raise EngineError("a validate worker has nothing to validate with (a bug)")
    root, atlas, controls = _validate_state
    out: list[ModelReport | None] = []
    ids = controls.ids()
    for candidate, _ in chunk:
        loaded = load_candidate(candidate)
        if loaded is None:
            out.append(None)
        else:
            out.append(validate_file(loaded, root=root, control_ids=ids, atlas=atlas).to_report())
    return out


def _check_in_workers(
    listing: Listing, options: RunOptions, policy_set: PolicySet, workers: int
) -> RunResult:
    """`run_check` with each model read, validated, judged and evaluated in one of
    `workers` processes; only the reports come back."""
    initargs = (options, policy_set.digest)
    root = options.config.root
    chunks = _in_workers(listing, root, workers, _init_worker, initargs, _check_chunk)
    return replace(_collected(listing, chunks, options.as_of), frameworks=tuple(options.frameworks))


def _collected(
    listing: Listing, chunks: Sequence[Sequence[ModelReport | None]], as_of: date
) -> RunResult:
    """The run of the workers' reports (None for a skipped file), sorted by path."""
    results = [r for chunk in chunks for r in chunk]
    return RunResult(
        models=tuple(sorted((r for r in results if r is not None), key=lambda r: r.path)),
        as_of=as_of,
        skipped=sum(1 for r in results if r is None),
        diagnostics=tuple(sorted(listing.diagnostics, key=lambda d: (d.file, d.message))),
    )


def _workers_for(listing: Listing, processes: int) -> int:
    """Worker processes for the files of `listing`: one per `WORKER_MIN` of them, at
    most `processes`."""
    return min(processes, -(-len(listing.candidates) // WORKER_MIN))


def _in_workers(
    listing: Listing,
    root: Path,
    workers: int,
    initializer: Callable[..., None],
    initargs: tuple[Any, ...],
    task: Callable[[_Chunk], _T],
    *,
    history: bool = True,
) -> list[_T]:
    """`task` over the candidates `_CHUNK` at a time, each with its change facts (None
    without `history`), in `workers` spawned processes (safe beside threads and on every
    platform); the answers in order. The workers start first, and the git history is read
    here while they do. Never a partial result: a failing or dying worker fails the run."""
    candidates = listing.candidates
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=initializer,
        initargs=initargs,
    )
    futures: list[Future[_T]] = []
    try:
        for _ in range(workers):  # start every worker now
            pool.submit(int)
        with ChangeHistory(root, len(candidates)) if history else contextlib.nullcontext() as git:
            # A batch's facts, then its chunks to the workers: they start on the first
            # batch while the next one's facts are found.
            for first in range(0, len(candidates), _BATCH):
                batch = candidates[first : first + _BATCH]
                # Only files the loader would read: not, say, a 2 GB YAML file.
                readable = [c.shown for c in batch if _within_limit(c.path)]
                changes = git.facts(readable) if git is not None else {}
                for start in range(0, len(batch), _CHUNK):
                    chunk = [(c, changes.get(c.shown)) for c in batch[start : start + _CHUNK]]
                    futures.append(pool.submit(task, chunk))
        return [future.result() for future in futures]
    except BrokenProcessPool as exc:
        raise EngineError(f"a worker process died ({exc}); no results were kept") from None
    finally:
        for future in futures:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def _within_limit(path: Path) -> bool:
    try:
        return path.stat().st_size <= MAX_BYTES
    except OSError:
        return False


def _evaluate(
    policy_set: PolicySet,
    inputs: list[dict[str, Any]],
    choice: EngineChoice,
    engine: Engine | None,
) -> list[Any]:
    if not inputs:
        return []
    if engine is not None:
        return engine.evaluate(policy_set, inputs)
    # A run that gets here is small (`WORKER_MIN`) or has one CPU: it stays in one process.
    own = make_engine(
        choice.name,
        opa_url=choice.opa_url,
        token=choice.token,
        use_loaded=choice.use_loaded,
        workers=1,
    )
    try:
        return own.evaluate(policy_set, inputs)
    finally:
        own.close()


# --- review only (status, remind) --------------------------------------------------------


def run_review(paths: Sequence[Path], config: Config, as_of: date) -> RunResult:
    """Load the models and apply the review rules only (`status`, `remind`): one report
    per model with its verdict; files that do not load are run-level diagnostics. More
    than `WORKER_MIN` files a CPU are read and judged in worker processes, the git history
    read once here meanwhile: the same result."""
    atlas = catalog_for_repo(config.root, config.atlas_catalog)
    globs = () if paths else config.models
    listing = find_models(paths, config.root, globs)
    workers = _workers_for(listing, _cpus())
    if workers > 1:
        return _review_in_workers(listing, config, as_of, workers)
    found = discover(paths, config.root, globs)
    docs = found.documents
    facts = collect_change_facts(
        config.root, [d.path for d in docs], {d.path: d.data for d in docs}
    )
    models = _reviews(docs, config, as_of, atlas, facts)
    return RunResult(
        models=models, as_of=as_of, skipped=found.skipped, diagnostics=found.diagnostics
    )


def _reviews(
    docs: Sequence[Document],
    config: Config,
    as_of: date,
    atlas: AtlasCatalog,
    changes: Mapping[str, ChangeFacts],
) -> tuple[ModelReport, ...]:
    return review_documents(
        docs,
        as_of=as_of,
        cadence_default=config.review.cadence,
        remind_before=config.review.remind_before,
        atlas=atlas,
        changes=changes,
    )


_review_state: tuple[Config, date, AtlasCatalog] | None = None
"""In a review worker process: the config, the as-of date and the ATLAS catalog."""


def _init_review_worker(config: Config, as_of: date) -> None:
    global _review_state
    _review_state = (config, as_of, catalog_for_repo(config.root, config.atlas_catalog))


def _review_chunk(chunk: _Chunk) -> tuple[tuple[ModelReport, ...], list[Diagnostic], int]:
    """In a worker: the chunk's files read and judged: reports, load problems, skipped."""
    if _review_state is None:
        raise EngineError("a review worker has nothing to review with (a bug)")
    config, as_of, atlas = _review_state
    found = load_candidates([candidate for candidate, _ in chunk])
    changes = {c.shown: facts for c, facts in chunk if facts is not None}
    reports = _reviews(found.documents, config, as_of, atlas, changes)
    return reports, list(found.diagnostics), found.skipped


def _review_in_workers(listing: Listing, config: Config, as_of: date, workers: int) -> RunResult:
    """`run_review` with the files read and judged in `workers` processes."""
    results = _in_workers(
        listing, config.root, workers, _init_review_worker, (config, as_of), _review_chunk
    )
    models = sorted((m for reports, _, _ in results for m in reports), key=lambda m: m.path)
    diagnostics = sorted(
        [*listing.diagnostics, *(d for _, problems, _ in results for d in problems)],
        key=lambda d: (d.file, d.line, d.column, d.message),
    )
    return RunResult(
        models=tuple(models),
        as_of=as_of,
        skipped=sum(skipped for _, _, skipped in results),
        diagnostics=tuple(diagnostics),
    )
