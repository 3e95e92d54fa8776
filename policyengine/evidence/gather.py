"""What an evidence pack is made from, gathered: the I/O side of `policyengine evidence`.

Runs the check (the pipeline, as `check` and `matrix` do), builds the matrix, and asks git
for what the pack shows as it stood at the commit: each model file's committed bytes, the
commits that changed its `review` section, and the documents the models cite. It refuses
a working tree whose model files, register or cited files differ from the commit (the
check judges cited files in the work tree) unless that is allowed, and then names them.
Everything it returns is a `results.PackSources`; the pack itself is made by
`evidence.pack`, which reads nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

from ..atlas import AtlasCatalog, catalog_for_repo
from ..catalog import load_controls
from ..config import Config
from ..errors import EvidenceError, InvalidDocument
from ..gitfacts import (
    files_at,
    review_histories,
    top_relative,
    uncommitted,
    work_tree_state,
)
from ..loader import load_document, parse_document
from ..matrix import build_matrix
from ..pipeline import (
    RunOptions,
    judged_whole,
    policy_dirs,
    resolved_engine,
    run_check,
    with_register,
)
from ..policyset import load_policy_set
from ..register import load_register
from ..results import (
    Commitment,
    ModelEvidence,
    ModelReport,
    PackDocument,
    PackSources,
    RegisterEvidence,
    ReviewChange,
    RunResult,
    Soa,
)
from ..review import cadence_days, due_date, parse_day
from ..soa import build_soa


def _engine(name: str) -> dict[str, str]:
    """The engine that evaluated, with the version of the package that runs it."""
    package = {"wasm": "wasmtime", "embedded": "regopy"}.get(name)
    out = {"name": name}
    if package is not None:
        out["package"] = package
        try:
            out["version"] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out["version"] = "unknown"
    return out


def pack_excludes(config: Config, target: Path) -> list[str]:
    """Glob pathspecs (from the top of the work tree) of the packs that do not make the
    work tree dirty: the target, its temporary siblings, and the dated packs in the
    config's `evidence_dir`."""
    out = []
    for folder, pattern in (
        (target.parent, f"{target.name}/**"),
        (target.parent, f".{target.name}.*/**"),
        (config.evidence_dir, "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]-*/**"),
    ):
        rel = top_relative(config.root, folder)
        if rel is not None:
            out.append(pattern if rel == "." else f"{rel}/{pattern}")
    return out


def gather(
    paths: Sequence[Path],
    options: RunOptions,
    *,
    target: Path,
    allow_dirty: bool = False,
    register: str | None = None,
) -> tuple[PackSources, RunResult]:
    """The sources of an evidence pack of the models under `paths` (else the config's
    globs), checked with `options`, to be written to `target`; `register` is the
    organisation register's path (relative to the root), shown as committed when it is.

    Returns the sources and the check run (the CLI checks that it found models). Raises
    EvidenceError outside a git repository, before the first commit, or when model files,
    the register or the files they cite differ from the commit and `allow_dirty` is False;
    GitError, PolicyError and EngineError as a check run does.
    """
    config = options.config
    commit, _ = work_tree_state(config.root)
    if commit is None:
        raise EvidenceError(
            f"{config.root}: an evidence pack shows the models as committed, and there is no "
            "commit here (not a git repository, or no commit yet): commit the models first"
        )
    policy_set = load_policy_set(policy_dirs(config, options.extra_policy_dirs))
    engine = resolved_engine(options, policy_set)
    run = judged_whole(run_check(paths, options, policy_set=policy_set))
    model_paths = [m.path for m in run.models]
    committed = files_at(config.root, commit, model_paths)
    histories = review_histories(config.root, model_paths)
    # The risk criteria the run judged by: the register's acceptors replace the config's.
    judged = (
        with_register(options, load_register(config.root, register, catalog=load_controls()))
        if register is not None
        else options
    ).config
    models = tuple(
        _model(m, committed[m.path], histories[m.path], judged, options.as_of) for m in run.models
    )
    org = _register(config, commit, register, run, options.as_of) if register else None
    watched = [*model_paths, register] if register is not None else model_paths
    dirty = uncommitted(config.root, watched)
    cited = sorted(p for p in _cited_paths(models, run, org) if _inside(config.root, p))
    dirty_documents = [p for p in uncommitted(config.root, cited) if p not in dirty]
    if (dirty or dirty_documents) and not allow_dirty:
        raise EvidenceError(
            "files the pack shows as committed (models, the register, the documents they "
            f"cite) differ from the commit {commit[:12]}: {', '.join([*dirty, *dirty_documents])}"
            "; commit them (a pack is of one commit, and the check judges the cited files "
            "in the work tree), or pass --allow-dirty and the pack says they differ"
        )
    _, tree_dirty = work_tree_state(config.root, pack_excludes(config, target))
    if run.provenance is not None:
        run = replace(run, provenance=replace(run.provenance, dirty=tree_dirty))
    atlas = catalog_for_repo(config.root, config.atlas_catalog)
    soa = _soa(run, config, register) if "iso42001" in run.frameworks else None
    sources = PackSources(
        run=run,
        matrix=build_matrix(run, load_controls()),
        models=models,
        documents=_documents(config, commit, run, models, org),
        techniques=_techniques(models, atlas),
        engine=_engine(engine),
        commit=commit,
        dirty_models=tuple(dirty),
        dirty_documents=tuple(dirty_documents),
        scope=tuple(_shown(p, config.root) for p in paths) or tuple(config.models),
        register=org,
        soa=soa,
    )
    return sources, run


def _shown(path: Path, root: Path) -> str:
    """A PATH argument as the pack names it: relative to the repository root when inside
    it (so the pack does not depend on where the clone is), else as given."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix() or "."
    except ValueError:
        return path.as_posix()


def _model(
    report: ModelReport,
    committed: bytes | None,
    history: tuple[list[ReviewChange], str],
    config: Config,
    as_of: date,
) -> ModelEvidence:
    data: Mapping[str, Any] = {}
    lines: dict[str, tuple[int, int]] = {}
    try:
        doc = load_document(config.root / report.path, config.root)
    except InvalidDocument:
        doc = None
    if doc is not None and isinstance(doc.data, Mapping):
        data = doc.data
        pointers = {e for c in report.controls for e in c.evidence if e.startswith("/")}
        lines = {p: doc.locate_pointer(p) for p in sorted(pointers)}
    return ModelEvidence(
        path=report.path,
        committed=committed,
        data=data,
        review_history=tuple(history[0]),
        history_note=history[1],
        commitments=tuple(_commitments(data, config, as_of)),
        lines=lines,
    )


def _items(data: Mapping[str, Any], *keys: str) -> list[Mapping[str, Any]]:
    node: Any = data
    for key in keys:
        node = node.get(key) if isinstance(node, Mapping) else None
    return [i for i in node if isinstance(i, Mapping)] if isinstance(node, list) else []


def _day(value: Any) -> str:
    found = parse_day(value)
    return found.isoformat() if found is not None else ""


def _in_force(expires: str, as_of: date) -> bool:
    """Whether a commitment whose last day in force is `expires` ("" unknown) still holds
    on `as_of`: through that day, lapsed the day after."""
    return not expires or date.fromisoformat(expires) >= as_of


def _not_yet(granted: str, as_of: date) -> bool:
    """Whether a commitment dated `granted` ("" unknown) was given after `as_of`."""
    return bool(granted) and date.fromisoformat(granted) > as_of


def _attestation_expiry(data: Mapping[str, Any], granted: str, config: Config, as_of: date) -> str:
    """The last day an attestation dated `granted` holds, as the attestation checks judge it
    (`facts.attestations[i].within_cadence`): while it is at most the model's review window
    old (`review.cadence_days`: its review cadence, capped at the config's most, counted in
    days from its last review)."""
    if not granted:
        return ""
    days = cadence_days(data, config.review.cadence, as_of, config.review.max_cadence)
    try:
        return (date.fromisoformat(granted) + timedelta(days=days)).isoformat()
    except (ValueError, OverflowError):
        return ""


def _commitments(data: Mapping[str, Any], config: Config, as_of: date) -> list[Commitment]:
    """The model's waivers, risk acceptances and attestations, each with its approver and
    expiry, in that order and file order. Each is in force from the day it was granted
    through its expiry (`_in_force`); one granted after `as_of` is not yet (`not_yet`). A
    waiver counts only when one of the risk criteria's acceptors approved it if they name
    any (TM-WAIVER-002), and when its expiry lies at most `risk.max_waiver_days` after
    `as_of` (TM-WAIVER-003)."""
    out = []
    risk = config.risk
    for w in _items(data, "compliance", "waivers"):
        expires = _day(w.get("expires"))
        approved = not risk.acceptors or risk.authorizes(w.get("approved_by"))
        # Further ahead than the risk criteria allow, it waives nothing (TM-WAIVER-003).
        bounded = not expires or (date.fromisoformat(expires) - as_of).days <= risk.max_waiver_days
        out.append(
            Commitment(
                kind="waiver",
                subject=str(w.get("control", "")),
                approver=str(w.get("approved_by", "") or ""),
                granted=_day(w.get("date")),
                expires=expires,
                in_force=approved and bounded and _in_force(expires, as_of),
                detail=str(w.get("reason", "") or ""),
            )
        )
    for t in _items(data, "threats"):
        acceptance = t.get("acceptance")
        if not isinstance(acceptance, Mapping):
            continue
        expires, granted = _day(acceptance.get("expires")), _day(acceptance.get("date"))
        not_yet = _not_yet(granted, as_of)
        out.append(
            Commitment(
                kind="acceptance",
                subject=str(t.get("id", "")),
                approver=str(acceptance.get("approved_by", "") or ""),
                granted=granted,
                expires=expires,
                in_force=not not_yet
                and _in_force(expires, as_of)
                and t.get("status") == "accepted",
                detail=str(acceptance.get("rationale", "") or ""),
                not_yet=not_yet,
            )
        )
    for a in _items(data, "compliance", "attestations"):
        granted = _day(a.get("date"))
        expires = _attestation_expiry(data, granted, config, as_of)
        out.append(
            Commitment(
                kind="attestation",
                subject=str(a.get("control", "")),
                approver=str(a.get("by", "") or ""),
                granted=granted,
                expires=expires,
                in_force=bool(granted)
                and not _not_yet(granted, as_of)
                and _in_force(expires, as_of),
                detail=str(a.get("evidence", "") or ""),
                not_yet=_not_yet(granted, as_of),
            )
        )
    return out


def _cited(models: Sequence[ModelEvidence], run: RunResult) -> dict[str, set[str]]:
    """Repository files the models cite (control evidence, attestations, red-team reports,
    anything their control results name), each with the models that cite it."""
    cited: dict[str, set[str]] = {}
    for report in run.models:
        for control in report.controls:
            for e in control.evidence:
                if not e.startswith("/"):
                    cited.setdefault(e, set()).add(report.path)
    for m in models:
        found = [
            *(c.get("evidence") for c in _items(m.data, "controls")),
            *(a.get("evidence") for a in _items(m.data, "compliance", "attestations")),
            *(r.get("report") for r in _items(m.data, "red_team")),
        ]
        for value in found:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str) and item and not item.startswith("/"):
                    if "://" not in item:
                        cited.setdefault(item, set()).add(m.path)
    return cited


def _soa(run: RunResult, config: Config, register: str | None) -> Soa:
    """The Statement of Applicability of the run, with the register's decisions and the
    evidence located (file, line, JSON pointer) in the files the check read."""
    controls = load_controls()
    loaded = load_register(config.root, register, catalog=controls) if register else None
    documents: dict[str, Any] = {}

    def locate(file: str, pointer: str) -> int:
        if file not in documents:
            try:
                documents[file] = load_document(config.root / file, config.root)
            except InvalidDocument:
                documents[file] = None
        doc = documents[file]
        return doc.locate_pointer(pointer)[0] if doc is not None and pointer else 0

    return build_soa(run, controls, loaded.register if loaded else None, locate)


def _register(
    config: Config, commit: str, path: str, run: RunResult, as_of: date
) -> RegisterEvidence | None:
    """The register as committed (None when there is none, committed or not), with the
    last day each document is in force (its approval plus its review period; none for one
    approved after `as_of`), which are not in force on `as_of` and why (as
    `register.judge_register` judges them: expired the day after that last day, not yet
    approved before the approval date), and the line and column of each pointer into it
    the organisation controls of `run` cite as evidence."""
    committed = files_at(config.root, commit, [path])[path]
    if committed is None and not (config.root / path).exists():
        return None
    data: Mapping[str, Any] = {}
    lines: dict[str, tuple[int, int]] = {}
    if committed is not None:
        try:
            doc = parse_document(committed, path)
        except InvalidDocument:
            doc = None
        data = doc.data if doc is not None and isinstance(doc.data, Mapping) else {}
        if doc is not None and data:
            prefix = f"{path}#"
            organisation = run.organisation.controls if run.organisation is not None else ()
            pointers = {
                e.removeprefix(prefix)
                for c in organisation
                for e in c.evidence
                if e.startswith(prefix + "/")
            }
            lines = {p: doc.locate_pointer(p) for p in sorted(pointers)}
    expires: dict[str, str] = {}
    not_in_force: dict[str, str] = {}
    for d in _items(data, "documents"):
        approved, period = parse_day(d.get("approved")), d.get("review_period")
        if approved is None or not isinstance(d.get("id"), str):
            continue
        if approved > as_of:
            not_in_force[d["id"]] = "not yet approved"
            continue
        if not isinstance(period, str | int | Mapping):
            continue
        try:
            until = due_date(approved, period)
        except (ValueError, TypeError):
            continue
        expires[d["id"]] = until.isoformat()
        if until < as_of:
            not_in_force[d["id"]] = "expired"
    return RegisterEvidence(
        path=path,
        committed=committed,
        data=data,
        expires=expires,
        not_in_force=not_in_force,
        lines=lines,
    )


def _cited_by(
    models: Sequence[ModelEvidence], run: RunResult, register: RegisterEvidence | None
) -> dict[str, set[str]]:
    """`_cited`, with the documents the register lists (cited by the register)."""
    cited = _cited(models, run)
    if register is not None:
        for d in _items(register.data, "documents"):
            if isinstance(d.get("path"), str) and d["path"]:
                cited.setdefault(d["path"], set()).add(register.path)
    return cited


def _cited_paths(
    models: Sequence[ModelEvidence], run: RunResult, register: RegisterEvidence | None
) -> list[str]:
    """Every repository file the models and the register cite: the check judges them in
    the work tree, so one that differs from the commit makes the pack dirty."""
    return sorted(_cited_by(models, run, register))


def _documents(
    config: Config,
    commit: str,
    run: RunResult,
    models: Sequence[ModelEvidence],
    register: RegisterEvidence | None = None,
) -> tuple[PackDocument, ...]:
    cited = _cited_by(models, run, register)
    inside = {p: by for p, by in cited.items() if _inside(config.root, p)}
    contents = files_at(config.root, commit, sorted(inside))
    return tuple(
        PackDocument(path=p, content=contents[p], cited_by=tuple(sorted(inside[p])))
        for p in sorted(inside)
    )


def _inside(root: Path, rel: str) -> bool:
    """A relative path that stays inside the repository root (no `..` out, not absolute)."""
    if Path(rel).is_absolute():
        return False
    resolved = (root / rel).resolve()
    return resolved.is_relative_to(root.resolve())


def _techniques(models: Sequence[ModelEvidence], atlas: AtlasCatalog) -> dict[str, str]:
    """ATLAS id -> name for every technique the models name (threats, red team, scoping)."""
    ids: set[str] = set()
    for m in models:
        for t in _items(m.data, "threats"):
            ids.update(x for x in t.get("atlas") or () if isinstance(x, str))
        for rt in _items(m.data, "red_team"):
            scope = rt.get("scope")
            if isinstance(scope, Mapping):
                ids.update(x for x in scope.get("atlas") or () if isinstance(x, str))
            for f in _items(rt, "findings"):
                ids.update(x for x in f.get("atlas") or () if isinstance(x, str))
        for na in _items(m.data, "compliance", "not_applicable"):
            if isinstance(na.get("technique"), str):
                ids.add(na["technique"])
    out = {}
    for tid in sorted(ids):
        technique = atlas.lookup(tid)
        parent = atlas.lookup(technique.parent) if technique and technique.parent else None
        name = technique.name if technique is not None else ""
        out[tid] = f"{parent.name}: {name}" if parent is not None else name
    return out
