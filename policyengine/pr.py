"""Pull-request mode: evaluate the base and the head, and report what the change did.

`check --base REF` evaluates the models at REF and in the working tree (or `--head REF`)
and reports: models added or removed; threats added, removed or rescored; controls that
changed status (a regression from `satisfied` is a finding at the failing check's
severity); and the change rule between base and head, so that a pull request that
changes a review-trigger field without a new `review.last_reviewed` fails.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from .config import Config
from .engine import Engine, make_engine
from .errors import GitError, InvalidDocument
from .evaluate import evidence_paths, threat_risk
from .gitfacts import changed_model_paths, diff_models, export_tree, model_at
from .loader import Document, load_document
from .pipeline import RunOptions, policy_dirs, run_check
from .policyset import PolicySet, load_policy_set
from .results import (
    ControlStatus,
    Finding,
    ModelDelta,
    ModelReport,
    PullRequestDelta,
    RunResult,
    Severity,
)

REVIEW_CHECK_ID = "PR-REVIEW-001"
"""The id of the finding for a trigger change without a new review."""

REGRESSION_CHECK_ID = "PR-REGRESSION-001"
"""The id of the finding for a control that was satisfied at the base and is not now."""


def _threats(model: Mapping[str, Any]) -> dict[str, int]:
    return {str(t.get("id")): threat_risk(t) for t in model.get("threats") or []}


def _last_reviewed(model: Mapping[str, Any]) -> object:
    return (model.get("review") or {}).get("last_reviewed")


def _regressions(
    base: ModelReport, head: ModelReport
) -> tuple[list[tuple[str, str, str]], list[Finding]]:
    before = {c.control_id: c for c in base.controls}
    changes, findings = [], []
    for ctl in head.controls:
        old = before.get(ctl.control_id)
        if old is None or old.status is ctl.status:
            continue
        changes.append((ctl.control_id, old.status.value, ctl.status.value))
        if old.status is ControlStatus.SATISFIED and ctl.status in (
            ControlStatus.PARTIAL,
            ControlStatus.NOT_SATISFIED,
        ):
            severity = max(
                (f.severity for f in ctl.findings), key=lambda s: s.rank, default=Severity.MEDIUM
            )
            first = ctl.findings[0] if ctl.findings else None
            findings.append(
                Finding(
                    check_id=REGRESSION_CHECK_ID,
                    severity=severity,
                    message=(
                        f"{ctl.control_id} was satisfied at the base and is "
                        f"{ctl.status.value} now"
                        + (f": {first.check_id} {first.message}" if first else "")
                    ),
                    pointer=first.pointer if first else "",
                    line=first.line if first else 0,
                    column=first.column if first else 0,
                    controls=(ctl.control_id,),
                )
            )
    return changes, findings


def model_delta(
    path: str,
    base: tuple[ModelReport, Mapping[str, Any]] | None,
    head: tuple[ModelReport, Mapping[str, Any]] | None,
    where: tuple[int, int] = (0, 0),
) -> ModelDelta:
    """The delta of one model; `base`/`head` are (report, loaded model) or None if absent.

    `where` is the (line, column) of `review.last_reviewed` in the head, for the finding.
    """
    if base is None and head is not None:
        return ModelDelta(
            path, head[0].model_id, "added", threats_added=tuple(sorted(_threats(head[1])))
        )
    if head is None and base is not None:
        return ModelDelta(
            path, base[0].model_id, "removed", threats_removed=tuple(sorted(_threats(base[1])))
        )
    assert base is not None and head is not None
    (base_report, old), (head_report, new) = base, head
    old_threats, new_threats = _threats(old), _threats(new)
    rescored = tuple(
        (tid, old_threats[tid], new_threats[tid])
        for tid in sorted(old_threats.keys() & new_threats.keys())
        if old_threats[tid] != new_threats[tid]
    )
    controls, findings = _regressions(base_report, head_report)
    triggers = diff_models(old, new)
    descriptions = tuple(c.describe() for c in triggers)
    if triggers and _last_reviewed(old) == _last_reviewed(new):
        findings.append(
            Finding(
                check_id=REVIEW_CHECK_ID,
                severity=Severity.CRITICAL,
                message=(
                    "this change needs a review of the threat model: "
                    + "; ".join(descriptions)
                    + f". Review the model and set review.last_reviewed (now {_last_reviewed(new)})"
                    " in the same pull request"
                ),
                pointer="/review/last_reviewed",
                line=where[0],
                column=where[1],
                controls=("iso42001/8.2", "nist-ai-rmf/MEASURE 3.1"),
            )
        )
    changed = bool(
        old_threats.keys() ^ new_threats.keys() or rescored or controls or triggers or old != new
    )
    return ModelDelta(
        path=path,
        model_id=head_report.model_id,
        change="changed" if changed else "unchanged",
        threats_added=tuple(sorted(new_threats.keys() - old_threats.keys())),
        threats_removed=tuple(sorted(old_threats.keys() - new_threats.keys())),
        threats_rescored=rescored,
        control_changes=tuple(controls),
        trigger_changes=descriptions,
        findings=tuple(findings),
    )


def _relative(paths: Sequence[Path], root: Path) -> list[str]:
    out = []
    for p in paths:
        try:
            out.append(p.resolve().relative_to(root.resolve()).as_posix())
        except ValueError:
            out.append(p.as_posix())
    return out


def _side(
    paths: list[str], root: Path, options: RunOptions, engine: Engine, policy_set: PolicySet
) -> tuple[RunResult, dict[str, Document]]:
    config = replace(options.config, root=root, policies=options.config.policies)
    if root != options.config.root:
        # An exported tree has no history: on that side the change rule is the pull
        # request's own diff (PR-REVIEW-001), not a gap in the history.
        config = replace(config, review=replace(config.review, allow_unknown_history=True))
    targets = [root / p for p in paths if (root / p).exists()]
    if paths and not targets:
        return RunResult(models=(), as_of=options.as_of), {}
    run = run_check(targets, replace(options, config=config), engine, policy_set)
    docs = {}
    for m in run.models:
        try:
            docs[m.path] = load_document(root / m.path, root)
        except InvalidDocument:
            continue  # reported in the run already; nothing to compare
    return run, docs


def _needed_files(root: Path, ref: str, models: Sequence[str]) -> list[str]:
    """The model files and the evidence files they name at `ref`: all a base side reads."""
    needed = set(models)
    for path in models:
        try:
            model = model_at(root, ref, path)
        except GitError:
            continue  # not valid YAML at the base: it is reported, not evaluated
        if isinstance(model, dict):
            needed.update(evidence_paths(model))
    return sorted(needed)


def _under(path: str, prefix: str) -> bool:
    return prefix in (".", "") or path == prefix or path.startswith(prefix.rstrip("/") + "/")


def _data(doc: Document | None) -> Mapping[str, Any]:
    return doc.data if doc is not None and isinstance(doc.data, dict) else {}


def run_pull_request(
    paths: Sequence[Path],
    options: RunOptions,
    *,
    base: str,
    head: str | None = None,
    changed_only: bool = False,
) -> RunResult:
    """Evaluate base and head; the head's run, with the delta attached.

    With `changed_only`, only models changed between the merge base and the head are
    evaluated on either side. Raises GitError for an unknown ref.
    """
    config: Config = options.config
    root = config.root
    wanted = _relative(paths, root)
    if changed_only:
        changed = set(changed_model_paths(root, base, head))
        wanted = sorted(c for c in changed if not wanted or any(_under(c, w) for w in wanted))
        if not wanted:
            return RunResult(
                models=(),
                as_of=options.as_of,
                delta=PullRequestDelta(base, head or "working tree", ()),
            )
    with tempfile.TemporaryDirectory(prefix="policyengine-pr-") as tmp:
        needed = _needed_files(root, base, wanted) if changed_only else None
        base_root = export_tree(root, base, Path(tmp) / "base", needed)
        head_root = root if head is None else export_tree(root, head, Path(tmp) / "head")
        # One engine for both sides: the policy set is compiled (or loaded into OPA) once.
        # It evaluates in this process: a side with many models is checked in worker
        # processes of its own (`run_check`, `options.workers`), a small one stays here.
        choice = options.engine
        engine = make_engine(
            choice.name,
            opa_url=choice.opa_url,
            token=choice.token,
            use_loaded=choice.use_loaded,
            workers=1,
        )
        # And one read of the policies: the working tree's, for both sides.
        policy_set = load_policy_set(policy_dirs(options.config, options.extra_policy_dirs))
        try:
            base_run, base_docs = _side(wanted, base_root, options, engine, policy_set)
            head_run, head_docs = _side(wanted, head_root, options, engine, policy_set)
        finally:
            engine.close()
    base_reports = {m.path: m for m in base_run.models}
    head_reports = {m.path: m for m in head_run.models}
    deltas = []
    for path in sorted(base_reports.keys() | head_reports.keys()):
        b = (base_reports[path], _data(base_docs.get(path))) if path in base_reports else None
        h = (head_reports[path], _data(head_docs.get(path))) if path in head_reports else None
        doc = head_docs.get(path)
        where = doc.locate(["review", "last_reviewed"]) if doc is not None else (0, 0)
        deltas.append(model_delta(path, b, h, where))
    delta = PullRequestDelta(base=base, head=head or "working tree", models=tuple(deltas))
    return replace(head_run, delta=delta)
