"""The orchestrator: wires the stages together for `validate`, `check`, `status` and
`remind`. No rules here.

load -> validate -> facts (atlas, review) -> evaluate (engine) -> control status -> RunResult.

A run over many models takes each model through those stages in worker processes
(`workers.SpawnPool`; `_check_in_workers`, `_review_in_workers`): nothing but reports
comes back, so the main process never holds every model; it reads the git history once
meanwhile. The result is the one process's result, which the tests hold it to.
"""

from __future__ import annotations

import atexit
import gc
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from . import __version__, bundled
from .applicability import ApplicabilityMapping, load_mapping
from .atlas import AtlasCatalog, catalog_for_repo
from .budget import DEFAULT_BUDGET, Budget, guard_process, over_budget
from .catalog import ControlCatalog, load_controls
from .codefacts import code_facts, code_scope, uncovered_code
from .config import FRAMEWORKS, Config
from .controls import derive_controls, scoping_of, with_atlas_asked
from .discovery import analyse
from .engine import Engine, EngineOutput, make_engine
from .errors import BudgetExceeded, InvalidDocument, PolicyError, WorkerError
from .evaluate import build_facts, collect_outcomes, json_pointer, policy_input
from .gitfacts import (
    ChangeFacts,
    ChangeHistory,
    FileHistory,
    HistoryWalker,
    collect_change_facts,
    work_tree_state,
)
from .loader import (
    MAX_BYTES,
    Candidate,
    Document,
    Listing,
    discover,
    find_models,
    load_candidate,
    load_candidates,
    load_document,
)
from .policyset import CheckMeta, PolicySet, load_policy_set
from .references import PathChecks, not_evidence
from .register import LoadedRegister, judge_register, load_register, register_checks
from .results import (
    OVER_BUDGET,
    CheckInfo,
    CodeScan,
    Diagnostic,
    Level,
    ModelReport,
    OrganisationReport,
    Provenance,
    ReviewVerdict,
    RunResult,
    ThreatRisk,
    budget_errors,
)
from .review import cadence_days, review_documents, review_model
from .sbom import SBOM_MAX_BYTES, read_sbom
from .sources import read_sources
from .substance import placeholder_document
from .validate import FileResult, Validation, duplicate_ids, validate_file, validate_paths
from .workers import FILES_PER_WORKER, SpawnPool, Unpacker, pack, thread_map, worker_count


@dataclass(frozen=True)
class EngineChoice:
    """Which Rego engine evaluates, and how to reach it."""

    name: str = "auto"
    """`auto` (wasm when the policy set has a module, else embedded), `wasm` (OPA
    WebAssembly in process), `embedded` (regopy, in process) or `opa` (an OPA server)."""
    opa_url: str | None = None
    """The OPA server's URL, for `opa`."""
    token: str | None = None
    """Bearer token for the OPA server."""
    use_loaded: bool = False
    """Query the policies the OPA server already holds instead of loading ours."""
    timeout: float = 10.0
    """Seconds a request to the OPA server may take in all (`--opa-timeout`)."""
    budget: Budget = DEFAULT_BUDGET
    """What one model's evaluation may take on the wasm and embedded engines."""


def in_process_engine(choice: EngineChoice) -> Engine:
    """The engine `choice` names, evaluating in this process (`make_engine`, one worker):
    runs that need worker processes start them themselves. Raises `UsageError` for an
    unknown engine."""
    return make_engine(
        choice.name,
        opa_url=choice.opa_url,
        token=choice.token,
        use_loaded=choice.use_loaded,
        workers=1,
        timeout=choice.timeout,
        budget=choice.budget,
    )


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
    workers: int = 0
    """Worker processes asked for (`--workers`): 0 automatic, 1 in process."""
    code: tuple[str, ...] | None = None
    """`--code` paths (relative to the root, POSIX): the code the models are compared
    with; None: the config's `code`."""

    def code_paths(self) -> tuple[str, ...]:
        """The code the models are compared with: `code`, else the config's."""
        return self.code if self.code is not None else self.config.code


def scan_code(root: Path, paths: Sequence[str], *, missing_ok: bool = False) -> CodeScan | None:
    """What `discover` finds in the code under `paths` (relative to `root`); None when
    there are none (no comparison). Nothing is imported or executed. Raises UsageError
    for a path that does not exist (unless `missing_ok`: a pull request's base may not
    have the code yet) or leaves the repository."""
    if not paths:
        return None
    targets = [root / p for p in paths]
    if missing_ok:
        targets = [t for t in targets if t.exists()]
    sources, skipped = read_sources(targets, root) if targets else ((), ())
    findings, problems = analyse(sources)
    diagnostics = sorted([*skipped, *problems], key=lambda d: (d.file, d.line, d.message))
    return CodeScan(
        paths=tuple(paths),
        files=tuple(s.path for s in sources),
        findings=findings,
        diagnostics=tuple(diagnostics),
    )


Catalogs = tuple[AtlasCatalog, ApplicabilityMapping, ControlCatalog]
"""The ATLAS catalog in use, the applicability mapping and the control catalogs."""


def read_catalogs(config: Config) -> Catalogs:
    """The ATLAS catalog in use, the applicability mapping (read once a run, and once in
    each worker) and the control catalogs."""
    return catalog_for_repo(config.root, config.atlas_catalog), load_mapping(), load_controls()


_catalogs = read_catalogs


def provenance(
    config: Config,
    as_of: date,
    *,
    policy_set: PolicySet | None = None,
    atlas: AtlasCatalog | None = None,
    controls: ControlCatalog | None = None,
) -> Provenance:
    """Where a run's report comes from: the tool version, the as-of date, the commit of
    the repository at `config.root` and whether its work tree was dirty, the policy set's
    digest, and the ATLAS release and control catalog editions (each with the sha256 of
    its file, first 12 hex digits). Raises GitError when git fails."""
    commit, dirty = work_tree_state(config.root)
    catalogs: list[tuple[str, str]] = []
    if atlas is not None:
        catalogs.append(("atlas-catalog", f"ATLAS {atlas.version}"))
    if controls is not None:
        catalogs.extend(
            (framework, f"{name} (sha256 {digest[:12]})")
            for framework, name, digest in controls.editions
        )
    return Provenance(
        tool_version=__version__,
        as_of=as_of,
        commit=commit,
        dirty=dirty,
        policy_digest=policy_set.digest if policy_set is not None else None,
        catalogs=tuple(catalogs),
    )


def _risks(model: Mapping[str, Any]) -> tuple[ThreatRisk, ...]:
    """The likelihood and impact of each threat of a valid model, in file order."""

    def score(value: Any) -> int:
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    return tuple(
        ThreatRisk(
            threat_id=str(t.get("id", "")),
            likelihood=score(t.get("likelihood")),
            impact=score(t.get("impact")),
            status=str(t.get("status") or ""),
        )
        for t in model.get("threats") or ()
        if isinstance(t, dict)
    )


def _validated(
    paths: Sequence[Path],
    config: Config,
    atlas: AtlasCatalog,
    controls: ControlCatalog,
    workers: int,
    as_of: date,
) -> Validation:
    # The config's `models` globs say where models live when no PATH is given; a PATH
    # given on the command line replaces them.
    return validate_paths(
        paths,
        root=config.root,
        globs=() if paths else config.models,
        control_ids=controls.judging(),
        atlas=atlas,
        workers=workers,
        not_models=_not_models(config),
        as_of=as_of,
    )


def _not_models(config: Config) -> tuple[Path, ...]:
    """The files no run reads as threat models: the organisation register, which
    `validate` and `check` read as the register (not counted as other YAML skipped)."""
    return (config.root / config.register,)


def _workers_for(listing: Listing, requested: int) -> int:
    """Worker processes for the files of `listing` (`workers.worker_count`)."""
    return worker_count(requested, len(listing.candidates), FILES_PER_WORKER)


def _unique_ids(run: RunResult, root: Path) -> RunResult:
    """`run` with an error on each model whose `metadata.id` another model also uses
    (`validate.duplicate_ids`); such a model is invalid, so it is not judged."""

    def locate(path: str) -> tuple[int, int]:
        try:
            return load_document(root / path, root).locate(["metadata", "id"])
        except InvalidDocument:
            return (0, 0)

    found = duplicate_ids(run.models, locate)
    if not found:
        return run
    models = tuple(
        replace(m, diagnostics=(*m.diagnostics, found[m.path]), checks=(), controls=(), review=None)
        if m.path in found
        else m
        for m in run.models
    )
    return replace(run, models=models)


def run_validate(
    paths: Sequence[Path], config: Config, as_of: date, *, workers: int = 0
) -> RunResult:
    """Schema and reference checks only: one report per file, diagnostics and nothing else.

    `workers` is the worker processes asked for (0 automatic, 1 in process): more than
    `FILES_PER_WORKER` files a worker are read and checked in worker processes.
    """
    atlas, _, controls = _catalogs(config)  # here too for worker runs: errors named at once
    if paths and all(is_register(config, p) for p in paths):
        # The register named on its own: checked as the register, as with no PATH.
        return RunResult(
            models=(),
            as_of=as_of,
            diagnostics=_register_problems(config, controls),
            provenance=provenance(config, as_of, atlas=atlas, controls=controls),
        )
    paths = [p for p in paths if not is_register(config, p)]
    listing = find_models(
        paths, config.root, () if paths else config.models, not_models=_not_models(config)
    )
    count = _workers_for(listing, workers)
    if count > 1:
        with SpawnPool(count, _init_validate, (config, as_of), what="validate") as pool:
            pool.start()
            chunks = pool.map(_validate_chunk, _chunks(listing.candidates))
        run = _unique_ids(_collected(listing, chunks, as_of), config.root)
        return replace(
            run,
            diagnostics=(*run.diagnostics, *_register_problems(config, controls)),
            provenance=provenance(config, as_of, atlas=atlas, controls=controls),
        )
    validated = _validated(paths, config, atlas, controls, workers, as_of)
    models = tuple(f.to_report() for f in validated.files)
    run = RunResult(
        models=models,
        as_of=as_of,
        skipped=validated.skipped,
        diagnostics=(*validated.diagnostics, *_register_problems(config, controls)),
        provenance=provenance(config, as_of, atlas=atlas, controls=controls),
    )
    return _unique_ids(run, config.root)


def is_register(config: Config, path: Path) -> bool:
    """Whether `path` (as given on the command line) is the organisation register the
    config names: `validate` checks it as the register, not as a threat model."""
    return path.resolve() == (config.root / config.register).resolve()


def _register_problems(config: Config, controls: ControlCatalog) -> tuple[Diagnostic, ...]:
    """The located problems of the organisation register (none when there is none):
    `validate` checks it as it checks the models."""
    return load_register(config.root, config.register, catalog=controls).diagnostics


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
    wanted = frozenset(frameworks)

    def check(meta: CheckMeta) -> bool:
        return not meta.controls or not wanted.isdisjoint(meta.controls)

    return check


EVIDENCE_MIN_BYTES = 16
"""A file with fewer bytes than this that are not white space is empty as evidence: a
placeholder (`x`), not a document."""

EVIDENCE_READ_BYTES = 1 << 16
"""How much of an evidence file is read to judge whether it is filed (the first 64 KiB)."""


def evidence_filed(root: Path) -> Callable[[str], bool]:
    """Whether a repository-relative path names a file inside `root` that is filed
    evidence: not empty (`EVIDENCE_MIN_BYTES` bytes that are not white space), for a
    text file not placeholder text (`substance.placeholder_document`: `TODO: write this`,
    `lorem ipsum`), judged from its first `EVIDENCE_READ_BYTES`, and none of the files
    that are never evidence (`references.not_evidence`: under `.git/`, the config, a
    threat model, the register; validation warns where one is cited); asked once per path in a
    run (models cite the same evidence files again and again)."""
    resolved_root = root.resolve()
    known: dict[str, bool] = {}

    def filed(rel: str) -> bool:
        if rel not in known:
            if not rel or Path(rel).is_absolute():
                known[rel] = False
            else:
                target = Path(os.path.realpath(resolved_root / rel))  # never raises on a loop
                known[rel] = (
                    target.is_relative_to(resolved_root)
                    and _has_content(target)
                    and not_evidence(str(resolved_root), str(target)) is None
                )
        return known[rel]

    return filed


EVIDENCE_NAME_BYTES = 1 << 20
"""How much of an evidence file is searched for the model's id (the first MiB)."""


def evidence_naming(root: Path) -> Callable[[str, str], bool]:
    """Whether the evidence file at a repository-relative path mentions a model's
    `metadata.id` as a whole word (not inside a longer id: `support-assistant` is not
    named by `support-assistant-v2`), in its first `EVIDENCE_NAME_BYTES`: system evidence
    names the model it covers. Each file is read once in a run; a file outside `root` or
    unreadable names nothing."""
    resolved_root = root.resolve()
    texts: dict[str, str] = {}

    def names(rel: str, model_id: str) -> bool:
        if not model_id:
            return False
        if rel not in texts:
            texts[rel] = _evidence_text(resolved_root, rel)
        return names_whole(texts[rel], model_id)

    return names


_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_IN_ID = _ALNUM | {"_", "-"}
"""Characters that continue an id (ASCII: `support-assistant_v2`)."""


def names_whole(text: str, model_id: str) -> bool:
    """Whether `text` mentions `model_id` as a whole word: not inside a longer id (after
    an id character, `.` or `:`; before an id character, or a `.` or `:` that goes on
    with a letter or digit, as in `support-assistant.v2`). A search, not a regex: each
    model has an id of its own, and compiling a pattern for it cost ~0.5 ms a model."""
    start = text.find(model_id)
    while start != -1:
        end = start + len(model_id)
        before = text[start - 1] if start else ""
        after = text[end : end + 2]
        joined = after[:1] in _IN_ID if after else False
        dotted = len(after) == 2 and after[0] in ".:" and after[1] in _ALNUM
        if not (before and (before in _IN_ID or before in ".:")) and not joined and not dotted:
            return True
        start = text.find(model_id, start + 1)
    return False


def _evidence_text(root: Path, rel: str) -> str:
    if not rel or Path(rel).is_absolute():
        return ""
    target = Path(os.path.realpath(root / rel))
    if not target.is_relative_to(root):
        return ""
    try:
        with target.open("rb") as f:
            return f.read(EVIDENCE_NAME_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return ""


def sbom_reading(root: Path) -> Callable[[str], Mapping[str, Any]]:
    """The facts of the SBOM file at a repository-relative path (`sbom.read_sbom`: its
    format or why it has none, and the components it lists), read once per path in a run
    and at most `sbom.SBOM_MAX_BYTES` of it; a path outside `root`, a folder or an
    unreadable file is not a readable file. The caller must not change what it returns."""
    resolved_root = root.resolve()
    known: dict[str, Mapping[str, Any]] = {}

    def read(rel: str) -> Mapping[str, Any]:
        if rel not in known:
            known[rel] = read_sbom(_sbom_bytes(resolved_root, rel))
        return known[rel]

    return read


def _sbom_bytes(root: Path, rel: str) -> bytes | None:
    if not rel or Path(rel).is_absolute():
        return None
    target = Path(os.path.realpath(root / rel))
    if not target.is_relative_to(root):
        return None
    try:
        with target.open("rb") as f:
            return f.read(SBOM_MAX_BYTES + 1)  # one byte more tells a file that is too large
    except OSError:
        return None


def _has_content(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            head = f.read(EVIDENCE_READ_BYTES)
    except OSError:  # not a file, unreadable, a folder
        return False
    if len(bytes(head).translate(None, b" \t\r\n\f\v")) < EVIDENCE_MIN_BYTES:
        return False
    if b"\x00" in head or head.startswith(b"%PDF"):  # binary: no text to judge here
        return True
    return not placeholder_document(head.decode("utf-8", errors="replace"))


def review_verdicts(
    documents: Sequence[Document],
    config: Config,
    as_of: date,
    atlas: AtlasCatalog,
    mapping: ApplicabilityMapping,
) -> dict[str, ReviewVerdict]:
    """The review verdict of each valid model, with git change facts from one history pass."""
    changes = collect_change_facts(
        config.root, [d.path for d in documents], {d.path: d for d in documents}
    )
    return {
        d.path: _verdict(d, config, as_of, (atlas, mapping), changes.get(d.path)) for d in documents
    }


def _verdict(
    doc: Document,
    config: Config,
    as_of: date,
    atlas: tuple[AtlasCatalog, ApplicabilityMapping],
    changes: ChangeFacts | None,
) -> ReviewVerdict:
    return review_model(
        doc.data,
        as_of=as_of,
        cadence_default=config.review.cadence,
        remind_before=config.review.remind_before,
        max_cadence=config.review.max_cadence,
        atlas=atlas[0],
        mapping=atlas[1],
        changes=changes,
        allow_unknown_history=config.review.allow_unknown_history,
    )


_Evidence = tuple[
    Callable[[str], bool], Callable[[str, str], bool], Callable[[str], Mapping[str, Any]]
]
"""Whether an evidence path is a filed document, whether it names a model, and what the
SBOM at a path says."""


def _evidence(root: Path) -> _Evidence:
    return evidence_filed(root), evidence_naming(root), sbom_reading(root)


@dataclass(frozen=True)
class _Run:
    """What checking one model needs besides the model: made once per run (and once in
    each worker process)."""

    options: RunOptions
    atlas: AtlasCatalog
    mapping: ApplicabilityMapping
    controls: ControlCatalog
    policy_set: PolicySet
    code: CodeScan | None = None

    @cached_property
    def paths(self) -> PathChecks:
        """The problems of the evidence paths models cite, each resolved once a run."""
        return PathChecks(self.options.config.root)

    @cached_property
    def check_controls(self) -> dict[str, tuple[str, ...]]:
        """Each check's controls (`CheckMeta.control_keys`), made once a run."""
        return {cid: meta.control_keys() for cid, meta in self.policy_set.checks.items()}

    @cached_property
    def check_guards(self) -> dict[str, tuple[str, ...]]:
        """Each check's controls its passes are no evidence for (`CheckMeta.evidences`)."""
        return {
            cid: tuple(k for k in meta.control_keys() if not meta.evidences(k))
            for cid, meta in self.policy_set.checks.items()
            if meta.guard or meta.guards
        }

    @cached_property
    def check_decides(self) -> dict[str, tuple[str, ...]]:
        """Each check's controls a finding of it decides alone (`CheckMeta.decides`)."""
        return {cid: m.decides for cid, m in self.policy_set.checks.items() if m.decides}


def _model_input(
    doc: Document, verdict: ReviewVerdict, run: _Run, exists: _Evidence
) -> dict[str, Any]:
    config, as_of = run.options.config, run.options.as_of
    facts = build_facts(
        doc.data,
        as_of=as_of,
        review_status=verdict.status,
        cadence_days=cadence_days(
            doc.data, config.review.cadence, as_of, config.review.max_cadence
        ),
        atlas=run.atlas,
        mapping=run.mapping,
        evidence_exists=exists[0],
        risk=config.risk,
        max_cadence=config.review.max_cadence,
        evidence_names=exists[1],
        code=code_facts(doc.data, run.code),
        sbom_read=exists[2],
    )
    return policy_input(doc.data, facts)


def _model_report(
    f: FileResult, out: EngineOutput, inp: Mapping[str, Any], verdict: ReviewVerdict, run: _Run
) -> ModelReport:
    """The report of a valid model from what the policies answered."""
    doc, policy_set = f.document, run.policy_set
    assert doc is not None  # only valid files are evaluated
    frameworks = _model_frameworks(doc.data, run.options.frameworks)
    facts = inp["facts"]
    outcomes = collect_outcomes(
        out.deny, out.not_applicable, policy_set.checks, doc, _in_scope(frameworks), facts
    )
    catalog = [
        (fw, c.key)
        for fw in frameworks
        for c in run.controls.controls
        if c.framework == fw and not c.organisational
    ]
    hollow = {json_pointer(p["path"]) for p in facts["placeholders"]}
    scoping = with_atlas_asked(
        scoping_of(
            doc.data,
            [w["expired"] or w["too_long"] or not w["authorized"] for w in facts["waivers"]],
            hollow,
        ),
        [key for fw, key in catalog if fw == "atlas"],
        {ask["family"] for ask in facts["atlas"]["asks"]},
        {t: a["asked_as"] for t, a in facts["atlas"]["applicable"].items()},
    )
    return ModelReport(
        path=f.path,
        model_id=f.model_id,
        owner=f.owner,
        diagnostics=f.diagnostics,
        checks=outcomes,
        controls=derive_controls(
            outcomes,
            run.check_controls,
            catalog,
            scoping,
            attested={c.key for c in run.controls.judged("system")},
            guards=run.check_guards,
            decides=run.check_decides,
        ),
        review=verdict,
        risks=_risks(doc.data),
        code_scope=code_scope(doc.data) if run.code is not None else None,
    )


Progress = Callable[[int, int], None]
"""Told (files done, files in all) as a large run's worker processes finish chunks."""


def run_check(
    paths: Sequence[Path],
    options: RunOptions,
    engine: Engine | None = None,
    policy_set: PolicySet | None = None,
    progress: Progress | None = None,
    *,
    code_missing_ok: bool = False,
    catalogs: Catalogs | None = None,
) -> RunResult:
    """Validate, then evaluate every valid model; invalid models are reported, not evaluated.

    The review verdict of each model feeds ISO 8.2 and MEASURE 3.1. Raises `PolicyError`
    for broken policies, `EngineError` when the engine fails and `WorkerError` when a
    worker process dies (never a partial result), and `GitError` when git itself fails.
    A model whose evaluation goes over its budget is no exception: its report carries the
    error (`over_budget_report`) and the other models are judged.
    Many models on the embedded engine (more than `FILES_PER_WORKER` a worker,
    `options.workers` asked for) are checked end to end in
    worker processes (`_check_in_workers`): the same result, in less time and memory.
    Fewer are checked in this process, with `engine` when given. `policy_set` is the
    policies when the caller has read them already (a pull request checks two sides), and
    `catalogs` the catalogs (`read_catalogs`) likewise.
    `progress`, when given, is told how many files are done as worker processes finish
    their chunks (a run in this process tells nothing).

    With code to compare (`RunOptions.code_paths`), the code is read once
    (`scan_code`; a missing path is a UsageError unless `code_missing_ok`) and each model
    gets its `facts.code` (`codefacts.code_facts`); files not analysed are run-level
    warnings. A run of all the config's models (no `paths`) makes each AI asset in code
    that no model's `x-code-paths` covers a run-level error (`codefacts.uncovered_code`).
    """
    config = options.config
    # Here too for worker runs: errors named at once.
    atlas, mapping, controls = catalogs if catalogs is not None else _catalogs(config)
    if policy_set is None:
        policy_set = load_policy_set(policy_dirs(config, options.extra_policy_dirs))
    loaded = load_register(config.root, config.register, catalog=controls)
    options = with_register(options, loaded)
    config = options.config
    scan = scan_code(config.root, options.code_paths(), missing_ok=code_missing_ok)
    code_warnings = scan.diagnostics if scan is not None else ()
    options = _resolved(options, policy_set, engine)
    processes = _processes(options, engine)
    if processes != 1:
        listing = find_models(
            paths, config.root, () if paths else config.models, not_models=_not_models(config)
        )
        workers = _workers_for(listing, processes)
        if workers > 1:
            run_result = _check_in_workers(listing, options, policy_set, workers, progress, scan)
            run_result = _unique_ids(run_result, config.root)
            uncovered = uncovered_code(scan, run_result.models) if scan and not paths else ()
            return replace(
                run_result,
                diagnostics=(*run_result.diagnostics, *code_warnings, *uncovered),
                provenance=provenance(
                    config, options.as_of, policy_set=policy_set, atlas=atlas, controls=controls
                ),
                rules=check_rules(policy_set),
                organisation=_organisation(run_result, loaded, controls, options),
            )
    run = _Run(options, atlas, mapping, controls, policy_set, scan)
    validated = _validated(paths, config, atlas, controls, options.workers, options.as_of)
    exists = _evidence(config.root)

    valid = [(f, f.document) for f in validated.files if f.document is not None and f.valid]
    verdicts = review_verdicts([doc for _, doc in valid], config, options.as_of, atlas, mapping)
    inputs = [_model_input(doc, verdicts[f.path], run, exists) for f, doc in valid]
    outputs = _evaluate(policy_set, inputs, options.engine, engine)
    answers = {f.path: (out, inp) for (f, _), out, inp in zip(valid, outputs, inputs, strict=True)}
    reports = [_judged(f, answers.get(f.path), verdicts.get(f.path), run) for f in validated.files]
    run_result = RunResult(
        models=tuple(reports),
        as_of=options.as_of,
        skipped=validated.skipped,
        frameworks=tuple(options.frameworks),
        diagnostics=(*validated.diagnostics, *code_warnings),
        provenance=provenance(
            config, options.as_of, policy_set=policy_set, atlas=atlas, controls=controls
        ),
        rules=check_rules(policy_set),
    )
    run_result = _unique_ids(run_result, config.root)
    if scan is not None and not paths:  # all the models: which code none of them reads
        uncovered = uncovered_code(scan, run_result.models)
        run_result = replace(run_result, diagnostics=(*run_result.diagnostics, *uncovered))
    return replace(run_result, organisation=_organisation(run_result, loaded, controls, options))


def _judged(
    f: FileResult,
    answer: tuple[EngineOutput | BudgetExceeded, Mapping[str, Any]] | None,
    verdict: ReviewVerdict | None,
    run: _Run,
) -> ModelReport:
    """The report of one file: judged from the policies' answer, over budget, or (not
    evaluated: invalid) its diagnostics alone."""
    if answer is None or verdict is None:
        return f.to_report()
    out, inp = answer
    if isinstance(out, BudgetExceeded):
        return over_budget_report(f, str(out))
    return _model_report(f, out, inp, verdict, run)


def over_budget_report(f: FileResult, message: str) -> ModelReport:
    """The report of a valid model whose evaluation went over its budget: no check
    judged it, and its error (code `OVER_BUDGET`, at `metadata`) says why, naming the
    budget and what went over it (on the embedded engine, the package and its file)."""
    line, column = f.document.locate(["metadata"]) if f.document is not None else (1, 1)
    error = Diagnostic(
        file=f.path,
        line=line,
        column=column,
        message=message,
        pointer="/metadata",
        level=Level.ERROR,
        code=OVER_BUDGET,
    )
    return replace(f.to_report(), diagnostics=(*f.diagnostics, error))


def judged_whole(run: RunResult) -> RunResult:
    """`run`, when every model's evaluation kept to its budget; else `BudgetExceeded`
    with the first model's reason: a view of the run (matrix, SoA, evidence pack) is
    wrong with a model missing, so it stops (exit 2) rather than show the others."""
    over = budget_errors(run)
    if over:
        raise BudgetExceeded(over[0].message)
    return run


def _organisation(
    run: RunResult, loaded: LoadedRegister, controls: ControlCatalog, options: RunOptions
) -> OrganisationReport | None:
    """The register judged once for the repository, over the frameworks its valid models
    are judged on (a model inherits the register; with no valid model there is nothing
    to inherit it: None), its documents in the repository judged as cited evidence files
    are (`evidence_filed`: empty or placeholder text implements nothing), its decisions
    that a control does not apply against the models' results (TM-REG-007)."""
    used = {c.framework for m in run.models if m.valid for c in m.controls}
    if not used:
        return None
    frameworks = [fw for fw in options.frameworks if fw in used]
    return judge_register(
        loaded,
        controls,
        frameworks,
        options.as_of,
        evidence_filed(options.config.root),
        models=run.models,
    )


def with_register(options: RunOptions, loaded: LoadedRegister) -> RunOptions:
    """`options` whose risk criteria take the register's `risk_acceptors` when it names
    them (the config's `risk.acceptors` otherwise)."""
    register = loaded.register
    if register is None or register.risk_acceptors is None:
        return options
    config = options.config
    risk = replace(
        config.risk,
        acceptors=register.risk_acceptors,
        acceptors_from=f"risk_acceptors in {register.path}",
    )
    return replace(options, config=replace(config, risk=risk))


def check_rules(policy_set: PolicySet) -> tuple[CheckInfo, ...]:
    """Every check of `policy_set` and the register's checks (`register.register_checks`),
    by id, as a reader sees them (`RunResult.rules`)."""
    infos = [policy_set.checks[i].info() for i in policy_set.checks]
    return tuple(sorted([*infos, *register_checks(load_controls())], key=lambda c: c.id))


# --- many models: end to end in worker processes --------------------------------------

_CHUNK = 8
"""Files per task sent to a worker: small, so that both workers finish together."""
_BATCH = 64
"""Files whose git change facts are found together before their chunks are sent."""

_Chunk = Sequence[tuple[Candidate, FileHistory | ChangeFacts | None]]
"""Some candidate files, each with its git history to walk where it is loaded (or its
change facts when they are known without it; None when none are wanted)."""
_Histories = Callable[[list[str]], Mapping[str, FileHistory | ChangeFacts]]
"""The histories of some files (`ChangeHistory.histories`)."""
_Walkers = dict[Path, HistoryWalker]
"""A worker's history walker of each work tree, made when first asked."""


def _resolved(options: RunOptions, policy_set: PolicySet, engine: Engine | None) -> RunOptions:
    """`options` naming the in-process engine that evaluates `policy_set` (`auto` resolved
    to `wasm` or `embedded`, saying why once; the given `engine`'s own), so that check
    workers all run the engine chosen here; unchanged for OPA."""
    if engine is None:
        if options.engine.name != "auto":
            return options
        from .engine.wasm import AutoEngine

        with AutoEngine() as chooser:
            name = chooser.runs_in_process(policy_set)
    else:
        name = engine.runs_in_process(policy_set)
    if name is None:
        return options
    return replace(options, engine=replace(options.engine, name=name))


def resolved_engine(options: RunOptions, policy_set: PolicySet) -> str:
    """The engine a run with `options` evaluates `policy_set` on: `auto` resolved to
    `wasm` or `embedded`; `opa` as it is."""
    return _resolved(options, policy_set, None).engine.name


def _processes(options: RunOptions, engine: Engine | None) -> int:
    """The worker processes a run asks for (`RunOptions.workers`; 0 automatic): those of
    an in-process engine; 1 for OPA, which evaluates in its own server."""
    return options.workers if options.engine.name in ("wasm", "embedded") else 1


_CheckState = tuple[_Run, Engine, _Evidence, _Walkers]
"""A check worker's state: the run, its engine, the evidence checks, its history walkers."""


def _init_check(
    options: RunOptions, digest: str, scan: CodeScan | None = None, report: Path | None = None
) -> _CheckState:
    """A check worker's state: the catalogs and policies read again (as the main process
    read them: sending them would hold the main process until the worker has started)
    and one in-process engine (the one the main process chose: `wasm` or `embedded`), its
    programs compiled (or loaded from the cache) once. On the embedded engine the worker
    watches itself against the budget (`budget.guard_process`, reasons left in `report`).
    Raises `PolicyError` for a policy error, or policies changed since the main process
    read them.

    Python's cyclic garbage collector is then left to `_check_chunk` (`_collect_garbage`)."""
    policy_set = load_policy_set(policy_dirs(options.config, options.extra_policy_dirs))
    if policy_set.digest != digest:
        raise PolicyError("the policy files changed while the check ran: run it again")
    run = _Run(options, *_catalogs(options.config), policy_set, scan)
    budget = options.engine.budget
    if options.engine.name != "wasm" and report is not None:
        guard_process(budget, report)
    engine: Engine
    # Only the engine in use is imported: regopy alone is 16 MB of each wasm worker's memory.
    if options.engine.name == "wasm":
        from .engine.wasm import WasmEngine

        engine = WasmEngine(budget=budget)
    else:
        from .engine.embedded import EmbeddedEngine

        engine = EmbeddedEngine(workers=1, budget=budget, guarded=report is not None)
    # Freed before the interpreter tears modules down: regopy's own finalizer needs them.
    atexit.register(engine.close)
    engine.prepare(run.policy_set)
    state: _CheckState = (run, engine, _evidence(run.options.config.root), {})
    # What the worker was set up with lives as long as it does: out of the collector's
    # passes for good. The collector runs from `_check_chunk` only (`_collect_garbage`).
    gc.collect()
    gc.freeze()
    gc.disable()
    return state


_FULL_PASS = 16
"""Chunks between a worker's full passes of the cyclic garbage collector."""


def _collect_garbage() -> None:
    """In a check worker, before each chunk: Python's cyclic garbage collector run on the
    objects made since the last chunk started, and on every object every `_FULL_PASS`
    chunks; it does not run by itself (`_init_check` turns it off).

    A worker's data is acyclic (a model's tree, its report): the collector, started by
    allocation counts, traversed each model's tree again and again as it was built (2.1 ms
    of CPU a model, 11% of a worker's time, over the 1,000-model benchmark). A chunk
    leaves a few dozen objects in cycles (ctypes types made by wasmtime's memory access),
    found here once its reports are gone: ~0.01 ms a model."""
    # A young pass counts one in generation 1; any older pass sets that count to 0.
    gc.collect(2 if gc.get_count()[1] >= _FULL_PASS else 0)


def _walked(
    walkers: _Walkers, chunk: _Chunk, documents: Mapping[str, Document]
) -> tuple[dict[str, ChangeFacts], list[bytes]]:
    """In a worker: the change facts of the chunk's files that are in `documents` (by
    `Candidate.shown`: the files loaded here), their histories walked from the loaded
    models together, and the cache entries the walk learnt (the main process writes them)."""
    changes = {c.shown: f for c, f in chunk if isinstance(f, ChangeFacts)}
    walk = [h for _, h in chunk if isinstance(h, FileHistory) and h.path in documents]
    if not walk:
        return changes, []
    walker = walkers.get(walk[0].top)
    if walker is None:
        walker = walkers[walk[0].top] = HistoryWalker(walk[0].top)
        atexit.register(walker.close)
    changes.update(walker.facts(walk, documents))
    return changes, walker.learnt()


_Answer = tuple[bytes, list[bytes]]
"""A check worker's answer for a chunk: its reports (None for a file skipped), `pack`ed
(`workers.Unpacker` reads them in the main process), and the cache entries its history
walk learnt."""

_Read = tuple[list[ModelReport | None], list[bytes]]
"""An `_Answer` read in the main process."""


def _check_chunk(state: _CheckState, chunk: _Chunk) -> _Answer:
    """In a worker: each file read and validated, the histories of the valid ones walked
    from the loaded models (each file parsed once, here), then each judged and evaluated:
    the reports (None for a file skipped) and the cache entries the walk learnt."""
    _collect_garbage()
    run, engine, exists, walkers = state
    config = run.options.config
    out: list[ModelReport | None] = []
    valid: dict[str, tuple[int, FileResult, Document]] = {}
    for candidate, _ in chunk:
        loaded = load_candidate(candidate)
        if loaded is None:
            out.append(None)
            continue
        f = validate_file(
            loaded,
            root=config.root,
            control_ids=run.controls.judging(),
            atlas=run.atlas,
            as_of=run.options.as_of,
            paths=run.paths,
        )
        if f.document is None or not f.valid:
            out.append(f.to_report())
            continue
        valid[candidate.shown] = (len(out), f, f.document)
        out.append(None)  # its report once its history is walked
    changes, learnt = _walked(walkers, chunk, {shown: doc for shown, (_, _, doc) in valid.items()})
    for shown, (i, f, doc) in valid.items():
        verdict = _verdict(
            doc, config, run.options.as_of, (run.atlas, run.mapping), changes.get(shown)
        )
        inp = _model_input(doc, verdict, run, exists)
        [answer] = engine.evaluate_each(run.policy_set, [inp])
        out[i] = _judged(f, (answer, inp), verdict, run)
    return pack(out), learnt


def _init_validate(config: Config, as_of: date) -> tuple[Path, AtlasCatalog, ControlCatalog, date]:
    """A validate worker's state: the repository root, the catalogs and the as-of date."""
    atlas, _, controls = _catalogs(config)
    return config.root, atlas, controls, as_of


def _validate_chunk(
    state: tuple[Path, AtlasCatalog, ControlCatalog, date], chunk: _Chunk
) -> list[ModelReport | None]:
    """In a worker: each file read and validated; None when skipped."""
    root, atlas, controls, as_of = state
    out: list[ModelReport | None] = []
    ids = controls.judging()
    for candidate, _ in chunk:
        loaded = load_candidate(candidate)
        if loaded is None:
            out.append(None)
        else:
            f = validate_file(loaded, root=root, control_ids=ids, atlas=atlas, as_of=as_of)
            out.append(f.to_report())
    return out


def _check_in_workers(
    listing: Listing,
    options: RunOptions,
    policy_set: PolicySet,
    workers: int,
    progress: Progress | None = None,
    scan: CodeScan | None = None,
) -> RunResult:
    """`run_check` with each model read, validated, judged and evaluated in one of
    `workers` processes (each given the code `scan`); only the reports come back."""
    total = len(listing.candidates)
    unpacker = Unpacker()
    finished = [0]

    def read(answer: _Answer) -> _Read:
        # Each answer is read as it arrives, the workers still busy; its bytes are let go.
        reports: list[ModelReport | None] = unpacker.load(answer[0])
        finished[0] += len(reports)
        if progress is not None:
            progress(finished[0], total)
        return reports, answer[1]

    with (
        tempfile.TemporaryDirectory(prefix="policyengine-budget-") as report,
        SpawnPool(
            workers, _init_check, (options, policy_set.digest, scan, Path(report)), what="check"
        ) as pool,
    ):
        pool.start()
        with ChangeHistory(options.config.root, total) as history:
            sent, answers = pool.map_settled(
                _check_chunk,
                _history_chunks(history.histories, listing.candidates),
                read,
            )
            results = [a for a in answers if a is not None]
            left = [c for c, a in zip(sent, answers, strict=True) if a is None]
            if left:
                # A worker died: over its budget (its watch left the reason), or not.
                if over_budget(Path(report)) is None:
                    raise WorkerError(
                        "check: a worker process died; no results were kept. Run again "
                        "with --workers 1 to find the model that crashes it"
                    )
                pool.terminate()
                again = _one_by_one(left, options, policy_set.digest, scan, workers, report)
                results += [read(answer) for answer in again]
            for _, learnt in results:
                history.keep(learnt)
    chunks = [reports for reports, _ in results]
    return replace(_collected(listing, chunks, options.as_of), frameworks=tuple(options.frameworks))


def _alone(
    lane: Sequence[_Chunk], options: RunOptions, digest: str, scan: CodeScan | None, folder: str
) -> list[_Answer]:
    """The chunks of `lane` (one model each) checked one after the other in a one-worker
    pool of their own, made again after its worker dies, so that a worker that goes over
    budget names its model and harms no other: that model's report says so
    (`over_budget_report`). Raises `WorkerError` when a worker died otherwise."""
    out: list[_Answer] = []
    pool: SpawnPool[_CheckState] | None = None
    report = Path(folder)
    try:
        for chunk in lane:
            if pool is None:
                report = Path(tempfile.mkdtemp(dir=folder))
                pool = SpawnPool(1, _init_check, (options, digest, scan, report), what="check")
            _, [answer] = pool.map_settled(_check_chunk, [chunk], lambda answer: answer)
            if answer is not None:
                out.append(answer)
                continue
            pool.terminate()
            pool = None
            why = over_budget(report)
            candidate = chunk[0][0]
            if why is None:
                raise WorkerError(
                    f"check: a worker process died checking {candidate.shown}; no results were kept"
                )
            loaded = load_candidate(candidate)
            f = (
                FileResult(loaded.path, loaded, ())
                if isinstance(loaded, Document)
                else FileResult(candidate.shown, None, ())
            )
            message = (
                f"the embedded engine: {why} (budget per model: "
                f"{options.engine.budget.text()}; see engine.budget in the README)"
            )
            out.append((pack([over_budget_report(f, message)]), []))
    finally:
        if pool is not None:
            pool.close()
    return out


def _one_by_one(
    chunks: Sequence[_Chunk],
    options: RunOptions,
    digest: str,
    scan: CodeScan | None,
    workers: int,
    folder: str,
) -> list[_Answer]:
    """The models of `chunks`, which a check worker that went over its budget left
    unfinished, each checked again alone (`_alone`), in `workers` lanes at a time: one
    retry per model at most, and the model that goes over budget again is reported as
    such."""
    alone = [[item] for chunk in chunks for item in chunk]
    lanes = [alone[i::workers] for i in range(min(workers, len(alone)))]
    done = thread_map(lambda lane: _alone(lane, options, digest, scan, folder), lanes, workers)
    return [answer for lane in done for answer in lane]


def _collected(
    listing: Listing, chunks: Sequence[Sequence[ModelReport | None]], as_of: date
) -> RunResult:
    """The run of the workers' reports (None for a skipped file), sorted by path."""
    results = [r for chunk in chunks for r in chunk]
    # A near-miss file (`loader.near_miss`) comes back as a report of its warning alone: it
    # is a run-level warning, as in one process, not a model.
    near = [r for r in results if r is not None and _is_near_miss(r)]
    run_level = [*listing.diagnostics, *(d for r in near for d in r.diagnostics)]
    return RunResult(
        models=tuple(
            sorted(
                (r for r in results if r is not None and not _is_near_miss(r)),
                key=lambda r: r.path,
            )
        ),
        as_of=as_of,
        skipped=sum(1 for r in results if r is None),
        diagnostics=tuple(sorted(run_level, key=lambda d: (d.file, d.message))),
    )


def _is_near_miss(report: ModelReport) -> bool:
    return (
        not report.model_id
        and all(d.code == "kind" for d in report.diagnostics)
        and bool(report.diagnostics)
    )


def _chunks(candidates: Sequence[Candidate]) -> Iterator[_Chunk]:
    """The candidates `_CHUNK` at a time, with no history (validation)."""
    for start in range(0, len(candidates), _CHUNK):
        yield [(c, None) for c in candidates[start : start + _CHUNK]]


def _history_chunks(
    histories: _Histories, candidates: Sequence[Candidate], batch: int = _BATCH
) -> Iterator[_Chunk]:
    """The candidates `_CHUNK` at a time, each with its history (`histories`:
    `ChangeHistory.histories`), found `batch` files at a time as the chunks are asked for:
    the workers start on the first batch while the next one's histories are found. Only
    files the loader would read are asked about (not, say, a 2 GB YAML file)."""
    for first in range(0, len(candidates), batch):
        files = candidates[first : first + batch]
        readable = [c.shown for c in files if _within_limit(c.path)]
        found = histories(readable) if readable else {}
        for start in range(0, len(files), _CHUNK):
            yield [(c, found.get(c.shown)) for c in files[start : start + _CHUNK]]


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
) -> list[EngineOutput | BudgetExceeded]:
    """One output per input, or the `BudgetExceeded` of an input whose evaluation went
    over its budget (`Engine.evaluate_each`: the others are still evaluated)."""
    if not inputs:
        return []
    if engine is not None:
        return engine.evaluate_each(policy_set, inputs)
    # A run that gets here is small (`FILES_PER_WORKER`), has one CPU or was asked to stay
    # in one process: so it does.
    own = in_process_engine(choice)
    try:
        return own.evaluate_each(policy_set, inputs)
    finally:
        own.close()


# --- review only (status, remind) --------------------------------------------------------


def run_review(
    paths: Sequence[Path], config: Config, as_of: date, *, workers: int = 0
) -> RunResult:
    """Load the models and apply the review rules only (`status`, `remind`): one report
    per model with its verdict; files that do not load are run-level diagnostics.

    `workers` is the worker processes asked for (0 automatic, 1 in process): more than
    `FILES_PER_WORKER` files a worker are read and judged in worker processes, the git
    history read once here meanwhile: the same result. The run carries its provenance
    (no policy set: the review rules are the tool's own; the ATLAS release they read).
    """
    atlas = catalog_for_repo(config.root, config.atlas_catalog), load_mapping()
    made = provenance(config, as_of, atlas=atlas[0])
    globs = () if paths else config.models
    listing = find_models(paths, config.root, globs, not_models=_not_models(config))
    count = _workers_for(listing, workers)
    if count > 1:
        return replace(_review_in_workers(listing, config, as_of, count), provenance=made)
    found = discover(paths, config.root, globs, not_models=_not_models(config))
    docs = found.documents
    facts = collect_change_facts(config.root, [d.path for d in docs], {d.path: d for d in docs})
    models = _reviews(docs, config, as_of, atlas, facts)
    return RunResult(
        models=models,
        as_of=as_of,
        skipped=found.skipped,
        diagnostics=found.diagnostics,
        provenance=made,
    )


def _reviews(
    docs: Sequence[Document],
    config: Config,
    as_of: date,
    atlas: tuple[AtlasCatalog, ApplicabilityMapping],
    changes: Mapping[str, ChangeFacts],
) -> tuple[ModelReport, ...]:
    return review_documents(
        docs,
        as_of=as_of,
        cadence_default=config.review.cadence,
        remind_before=config.review.remind_before,
        max_cadence=config.review.max_cadence,
        atlas=atlas[0],
        mapping=atlas[1],
        changes=changes,
        allow_unknown_history=config.review.allow_unknown_history,
    )


_ReviewState = tuple[Config, date, tuple[AtlasCatalog, ApplicabilityMapping], _Walkers]
"""A review worker's state: the config, the as-of date, the ATLAS catalog and the
applicability mapping, and its history walker of each work tree (made when first asked)."""


def _init_review(config: Config, as_of: date) -> _ReviewState:
    """A review worker's state (`_ReviewState`)."""
    atlas = catalog_for_repo(config.root, config.atlas_catalog), load_mapping()
    return config, as_of, atlas, {}


def _review_chunk(
    state: _ReviewState, chunk: _Chunk
) -> tuple[tuple[ModelReport, ...], list[Diagnostic], int, list[bytes]]:
    """In a worker: the chunk's files read, their histories walked from the loaded models
    (each file parsed once, here) and judged: reports, load problems, skipped, and the
    cache entries the walk learnt (the main process writes them)."""
    config, as_of, atlas, walkers = state
    found = load_candidates([candidate for candidate, _ in chunk])
    changes, learnt = _walked(walkers, chunk, {d.path: d for d in found.documents})
    reports = _reviews(found.documents, config, as_of, atlas, changes)
    return reports, list(found.diagnostics), found.skipped, learnt


def _review_in_workers(listing: Listing, config: Config, as_of: date, workers: int) -> RunResult:
    """`run_review` with the files read, their histories walked and judged in `workers`
    processes; the history is read once here, while they start."""
    with SpawnPool(workers, _init_review, (config, as_of), what="review") as pool:
        pool.start()
        with ChangeHistory(config.root, len(listing.candidates)) as history:
            results = pool.map(
                _review_chunk, _history_chunks(history.histories, listing.candidates)
            )
            for _, _, _, learnt in results:
                history.keep(learnt)
    models = sorted((m for reports, _, _, _ in results for m in reports), key=lambda m: m.path)
    diagnostics = sorted(
        [*listing.diagnostics, *(d for _, problems, _, _ in results for d in problems)],
        key=lambda d: (d.file, d.line, d.column, d.message),
    )
    return RunResult(
        models=tuple(models),
        as_of=as_of,
        skipped=sum(skipped for _, _, skipped, _ in results),
        diagnostics=tuple(diagnostics),
    )
