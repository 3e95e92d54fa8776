"""The versioned JSON reports, documented in the README: one document per command.

Every document carries `schema_version`, bumped on any change to its shape: the
`check`/`validate` report (`SCHEMA_VERSION`), `status` and `remind`
(`REVIEW_SCHEMA_VERSION`), `test` and `atlas list`/`atlas diff` (`TOOL_SCHEMA_VERSION`),
`matrix` (`MATRIX_SCHEMA_VERSION`), `soa` (`SOA_SCHEMA_VERSION`). The check, matrix, soa,
status and remind reports carry their provenance (`provenance_json`).
A review verdict has one JSON shape everywhere (`review_json`); a rule that could not run
has the status `"unknown"` (the verdict fails), one that was not evaluated because the run
allowed it (`--allow-unknown-history`; an ATLAS rule without `review.atlas_version`) the
status `"not_evaluated"`.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict
from typing import Any, assert_never

import orjson

from ..results import (
    AtlasChange,
    AtlasListing,
    CheckExplanation,
    CheckListing,
    CheckOutcome,
    CodeFinding,
    ControlResult,
    ControlStatus,
    Diagnostic,
    DiscoveryReport,
    EvidencePointer,
    Finding,
    Level,
    Matrix,
    MatrixCell,
    MatrixReport,
    ModelReport,
    OrganisationReport,
    Outcome,
    PolicyTestReport,
    Provenance,
    PullRequestDelta,
    RemindReport,
    Report,
    ReviewStatus,
    ReviewVerdict,
    RunResult,
    Severity,
    Soa,
    SoaDecision,
    SoaReport,
    StatusReport,
)
from . import Formatter, OutputFormat, escape, no_view

SCHEMA_VERSION = 9
"""Version of the `check` and `validate` JSON report; bumped on any change to its shape.
9: a pull-request model's `change` may be `"affected"`: its file is the same on both sides
and a control's status changed with a file it cites (it was `"changed"`).
8: `pull_request` has `base_commit` (the commit the base ref names, whose rules judge)
and `merge_base` (the commit the pull request's changes are counted from).
7: a control's `checks` are those that ran; `not_run` lists the checks mapped to it that
did not apply to the model (they judged nothing and are no basis of its status).
6: `summary.errors` counts the error diagnostics the exit status judges (in pull-request
mode those the base did not have) and `summary.existing_errors` those the base had.
5: a control status `"attested"` (met by the organisation register or by system evidence,
not verified by a check) beside `"satisfied"`; the organisation's controls and the register
checks' findings are in one repository-level `organisation` section (null for
`validate`), never in a model's `controls`; `summary.controls` counts them once and
`summary.findings` counts the register's findings.
2: the report carries its `provenance` (`policy_digest` null for `validate`, which runs
no policy). 3: a review rule that was not evaluated has the status `"not_evaluated"` (it
was `"unknown"`, like a rule that could not run). 4: every finding has `hint`; in
pull-request mode `summary.findings` counts what the pull request made new or worse (one
per cause) and `summary.existing` what the base already had, `pull_request.models[].findings`
holds the new check findings too, each with `regresses` and `same_cause`, and each model
has `existing` and `errors` (README, "Versions of the check report")."""

MATRIX_SCHEMA_VERSION = 3
"""Version of the `matrix` JSON report. 2: the status `"attested"`; `judged_by` is
`checks`, `organisation` or `system`; each control has `organisation`, the register's one
result for an organisation control (null otherwise), which its model cells inherit and the
totals count once. 3: a cell's `checks` are those that ran and `not_run` those that did not
apply to the model; `judged` locates what a `satisfied`, `attested` or `partial` cell rests
on, the parts of the model its passing checks judged (`file`, `line`, `pointer`, `what`,
`judged_by`, `items`)."""

REVIEW_SCHEMA_VERSION = 4
"""Version of the `status` and `remind` JSON reports. 2: a rule that could not run has
the status `"unknown"` (it was `null`), as in the `check` report. 3: a rule that was not
evaluated has the status `"not_evaluated"` (it was `"unknown"` too). 4: the report carries
its `provenance` (`policy_digest` null: no policy runs)."""

REMIND_SCHEMA_VERSION = 5
"""Version of the `remind` JSON report: as `REVIEW_SCHEMA_VERSION` up to 3; 4: each owner
carries its `contacts` (the config's `owners`); 5: the report carries its `provenance`."""

TOOL_SCHEMA_VERSION = 1
"""Version of the `test`, `atlas list` and `atlas diff` JSON reports."""

DISCOVER_SCHEMA_VERSION = 1
"""Version of the `discover --format json` report."""

NOT_EVALUATED = "not_evaluated"
"""The status of a review rule that was not evaluated and does not count in the verdict
(`ReviewReason.status` None): the change rule under `--allow-unknown-history`, the ATLAS
rule without a catalog or a usable `review.atlas_version`. A rule that could not run and
fails the verdict has the status `"unknown"` (`ReviewStatus.UNKNOWN`)."""


def _diagnostic(d: Diagnostic) -> dict[str, Any]:
    return {
        "level": d.level.value,
        "code": d.code,
        "message": d.message,
        "pointer": d.pointer,
        "line": d.line,
        "column": d.column,
    }


def _located(f: Finding) -> dict[str, Any]:
    """A finding as the matrix report shows it (its version 1 has no hint)."""
    return {
        "check": f.check_id,
        "severity": f.severity,  # a StrEnum: written as its value (`.value` costs ~1 µs)
        "message": f.message,
        "pointer": f.pointer,
        "line": f.line,
        "column": f.column,
        "controls": list(f.controls),
    }


def _finding(f: Finding) -> dict[str, Any]:
    """A finding of the check report: located, with how to fix it."""
    return _located(f) | {"hint": f.hint}


def _gate_finding(f: Finding) -> dict[str, Any]:
    """A pull request's finding: with the controls it regresses and the findings of the
    same cause."""
    return _finding(f) | {
        "regresses": list(f.regresses),
        "same_cause": [_finding(g) for g in f.same_cause],
    }


def _check(c: CheckOutcome) -> dict[str, Any]:
    status = "not_applicable" if not c.applicable else ("pass" if c.passed else "fail")
    return {
        "id": c.check_id,
        "title": c.title,
        "severity": c.severity,
        "status": status,
        "findings": [_finding(f) for f in c.findings],
    }


def _control(c: ControlResult) -> dict[str, Any]:
    return {
        "framework": c.framework,
        "control": c.control_id,
        "status": c.status,
        "checks": list(c.checks),
        "not_run": list(c.not_run),
        "findings": [_finding(f) for f in c.findings],
        "evidence": list(c.evidence),
        "note": c.note,
    }


def review_json(v: ReviewVerdict) -> dict[str, Any]:
    """The JSON shape of a review verdict, the same in the check, status and remind reports:
    `{status, due, days_left, reasons: [{rule, status, message, details}]}`, where a rule
    that could not run has the status `"unknown"` and one that was not evaluated
    `"not_evaluated"`."""
    return {
        "status": v.status.value,
        "due": v.due.isoformat() if v.due else None,
        "days_left": v.days_left,
        "reasons": [
            {
                "rule": r.rule.value,
                "status": r.status.value if r.status is not None else NOT_EVALUATED,
                "message": r.message,
                "details": _plain(r.details),
            }
            for r in v.reasons
        ],
    }


def _plain(value: object) -> Any:
    """Mappings, sequences, dates and enums as JSON values (keys sorted by the encoder)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return _Float(value)  # written as `json.dumps` writes it (`_dumps`)
    if value is None or isinstance(value, bool | int | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _delta(d: PullRequestDelta) -> dict[str, Any]:
    return {
        "base": d.base,
        "head": d.head,
        "base_commit": d.base_commit,
        "merge_base": d.merge_base,
        "models": [
            {
                "path": m.path,
                "id": m.model_id,
                "change": m.change,
                "renamed_from": m.renamed_from,
                "threats_added": list(m.threats_added),
                "threats_removed": list(m.threats_removed),
                "threats_rescored": [
                    {"threat": t, "base_risk": b, "head_risk": h} for t, b, h in m.threats_rescored
                ],
                "control_changes": [
                    {"control": c, "base": b, "head": h} for c, b, h in m.control_changes
                ],
                "trigger_changes": list(m.trigger_changes),
                "findings": [_gate_finding(f) for f in m.findings],
                "errors": [_diagnostic(e) for e in m.errors],
                "existing": len(m.existing) + len(m.existing_errors),
            }
            for m in d.models
        ],
        "findings": [{"file": r.path} | _gate_finding(r.finding) for r in d.findings],
        "existing": len(d.existing),
    }


def _model(m: ModelReport) -> dict[str, Any]:
    return {
        "path": m.path,
        "id": m.model_id,
        "owner": m.owner,
        "valid": m.valid,
        "errors": [_diagnostic(d) for d in m.diagnostics],
        "checks": [_check(c) for c in m.checks],
        "controls": [_control(c) for c in m.controls],
        "review": review_json(m.review) if m.review else None,
    }


def organisation_json(o: OrganisationReport | None) -> dict[str, Any] | None:
    """The repository-level section of the check report: `{register, found, valid,
    errors, checks, controls}` (register checks and organisation controls, judged once),
    or None for a run that judges no control."""
    if o is None:
        return None
    return {
        "register": o.path,
        "found": o.found,
        "valid": o.valid,
        "errors": [_diagnostic(d) for d in o.diagnostics],
        "checks": [_check(c) for c in o.checks],
        "controls": [_control(c) for c in o.controls],
    }


def provenance_json(p: Provenance | None) -> dict[str, Any] | None:
    """`{tool_version, as_of, commit, dirty, policy_digest, catalogs: {catalog: version}}`,
    or None for a report made without provenance."""
    if p is None:
        return None
    return {
        "tool_version": p.tool_version,
        "as_of": p.as_of.isoformat(),
        "commit": p.commit,
        "dirty": p.dirty,
        "policy_digest": p.policy_digest,
        "catalogs": dict(p.catalogs),
    }


def severity_counts(findings: Iterable[Finding]) -> dict[str, int]:
    """Findings per severity, every severity listed, worst first."""
    counts = Counter(f.severity.value for f in findings)
    return {s.value: counts.get(s.value, 0) for s in Severity}


def judged_findings(run: RunResult) -> tuple[Finding, ...]:
    """The findings the exit status judges: every check finding of a run; in pull-request
    mode, what the pull request made new or worse, one per cause."""
    if run.delta is not None:
        return run.delta.all_findings()
    organisation = run.organisation.checks if run.organisation is not None else ()
    return (
        *(f for c in organisation for f in c.findings),
        *(f for m in run.models for c in m.checks for f in c.findings),
    )


def judged_errors(run: RunResult) -> tuple[Diagnostic, ...]:
    """The error diagnostics the exit status judges: the run's own, then the register's
    and every model's; in pull-request mode the run's own and those of the models the
    base did not have (`ModelDelta.errors`)."""
    own = tuple(d for d in run.diagnostics if d.level is Level.ERROR)
    if run.delta is not None:
        return (*own, *(e for m in run.delta.models for e in m.errors))
    organisation = run.organisation.diagnostics if run.organisation is not None else ()
    return (
        *own,
        *(d for d in organisation if d.level is Level.ERROR),
        *(d for m in run.models for d in m.diagnostics if d.level is Level.ERROR),
    )


def existing_errors(run: RunResult) -> tuple[Diagnostic, ...]:
    """In pull-request mode, the models' error diagnostics the base already had (not
    judged); none in a plain run."""
    if run.delta is None:
        return ()
    return tuple(e for m in run.delta.models for e in m.existing_errors)


def summarize(run: RunResult) -> dict[str, Any]:
    """Counts over the whole run: models, error diagnostics and findings by severity (those
    the exit status judges; in pull-request mode also those the base already had), control
    and review statuses. The organisation's controls count once for the repository, not
    per model."""
    controls: defaultdict[str, Counter[str]] = defaultdict(Counter)
    review: Counter[str] = Counter()
    for ctl in run.organisation.controls if run.organisation is not None else ():
        controls[ctl.framework][ctl.status.value] += 1
    for m in run.models:
        for ctl in m.controls:
            controls[ctl.framework][ctl.status.value] += 1
        if m.review:
            review[m.review.status.value] += 1
    existing = run.delta.existing_findings() if run.delta is not None else ()
    return {
        "models": len(run.models),
        "valid": sum(1 for m in run.models if m.valid),
        "invalid": sum(1 for m in run.models if not m.valid),
        "skipped_files": run.skipped,
        "errors": len(judged_errors(run)),
        "existing_errors": len(existing_errors(run)),
        "findings": severity_counts(judged_findings(run)),
        "existing": severity_counts(existing),
        "controls": {fw: dict(c) for fw, c in sorted(controls.items())},
        "review": dict(review),
    }


_MODELS = "\0models\0"
"""Stands for the model list while the rest of the document is encoded."""


_ORJSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS


class _Float(float):
    """A float of a model's own (`_plain`), which orjson leaves to `_as_python` (it writes
    `1e-5` or `0.00001` where Python writes `1e-05`, and NaN as `null`)."""


def _as_python(value: Any) -> orjson.Fragment:
    """orjson's `default`: a `_Float` as `json.dumps` writes it."""
    if isinstance(value, _Float):
        return orjson.Fragment(json.dumps(float(value)))
    raise TypeError(f"not JSON: {type(value).__name__}")


def _dumps(value: Any) -> str:
    """`value` as JSON text: `json.dumps(value, indent=2, sort_keys=True,
    ensure_ascii=False)`, then `escape.json_document`. Written by orjson (~10-25x faster;
    a check of 1,000 models writes ~70 MB), whose text is byte for byte the same: the same
    indentation, key order and string escapes, integers alike, and the floats of reports
    only under `_plain` (`_Float`); what orjson refuses (an integer beyond 64 bits, a lone
    surrogate, a key that is not a string) is written by `json.dumps`."""
    try:
        text = orjson.dumps(value, default=_as_python, option=_ORJSON_OPTIONS).decode()
    except TypeError:  # orjson.JSONEncodeError
        text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    return escape.json_document(text)


# --- status and remind ----------------------------------------------------------------

_NO_REVIEW: dict[str, Any] = {"status": None, "due": None, "days_left": None, "reasons": []}


def _review_model(model: ModelReport) -> dict[str, Any]:
    """One model's review, flat: path, id, owner, last review and the verdict's fields."""
    review = model.review
    last = review.last_reviewed if review is not None else None
    return {
        "path": model.path,
        "id": model.model_id,
        "owner": model.owner,
        "last_reviewed": last.isoformat() if last is not None else None,
    } | (review_json(review) if review is not None else dict(_NO_REVIEW))


def review_summary(models: Sequence[ModelReport]) -> dict[str, int]:
    """Count of models per review status, every status listed, in rank order."""
    counts = Counter(m.review.status for m in models if m.review is not None)
    return {s.value: counts.get(s, 0) for s in sorted(ReviewStatus, key=lambda s: s.rank)}


def _status_doc(run: RunResult) -> dict[str, Any]:
    return {
        "schema_version": REVIEW_SCHEMA_VERSION,
        "as_of": run.as_of.isoformat(),
        "provenance": provenance_json(run.provenance),
        "models": [_review_model(m) for m in run.models],
        "summary": review_summary(run.models),
        "diagnostics": [
            {"file": d.file, "line": d.line, "column": d.column, "level": d.level.value,
             "message": d.message}
            for d in run.diagnostics
        ],
    }  # fmt: skip


def _remind_doc(report: RemindReport) -> dict[str, Any]:
    return {
        "schema_version": REMIND_SCHEMA_VERSION,
        "as_of": report.run.as_of.isoformat(),
        "provenance": provenance_json(report.run.provenance),
        "within_days": report.within,
        "count": report.count,
        "owners": [
            {
                "owner": g.owner,
                "contacts": list(g.contacts),
                "models": [_review_model(m) for m in g.models],
            }
            for g in report.groups
        ],
    }


# --- test and atlas ----------------------------------------------------------------------


def _test_doc(report: PolicyTestReport) -> dict[str, Any]:
    results = report.results
    return {
        "schema_version": TOOL_SCHEMA_VERSION,
        "tests": [{**asdict(r), "outcome": r.outcome.value} for r in results],
        "summary": {
            "total": len(results),
            **{o.value: sum(r.outcome is o for r in results) for o in Outcome},
        },
    }


def _atlas_list_doc(report: AtlasListing) -> dict[str, Any]:
    return {
        "schema_version": TOOL_SCHEMA_VERSION,
        "atlas_version": report.version,
        "techniques": [
            {
                "id": t.id,
                "name": t.name,
                "parent": t.parent,
                "tactics": list(t.tactics),
                "maturity": t.maturity,
                "first_release": t.first_release,
                "former_names": list(t.former_names),
            }
            for t in report.techniques
        ],
    }


def _atlas_change_doc(report: AtlasChange) -> dict[str, Any]:
    change = report.diff
    return {
        "schema_version": TOOL_SCHEMA_VERSION,
        "old": report.old_version,
        "new": report.new_version,
        "added": list(change.added),
        "retired": list(change.retired),
        "renamed": [{"id": i, "old": o, "new": n} for i, o, n in change.renamed],
    }


def _checks_doc(report: CheckListing) -> dict[str, Any]:
    return {
        "schema_version": TOOL_SCHEMA_VERSION,
        "checks": [
            {
                "id": c.id,
                "title": c.title,
                "severity": c.severity,
                "controls": list(c.controls),
                "source": c.source,
                "description": c.description,
                "rationale": c.rationale,
                "hint": c.hint,
                "rule_out": c.rule_out,
            }
            for c in report.checks
        ],
    }


class JsonFormatter(Formatter):
    """`--format json`: one object, keys sorted, two-space indent, trailing newline."""

    def render(self, report: Report) -> str:
        """The report as one JSON document."""
        return "".join(self.pieces(report))

    def pieces(self, report: Report) -> Iterator[str]:
        """The document in pieces: a check run one model at a time, others whole."""
        match report:
            case RunResult():
                yield from _run_pieces(report)
            case StatusReport():
                yield _dumps(_status_doc(report.run)) + "\n"
            case RemindReport():
                yield _dumps(_remind_doc(report)) + "\n"
            case PolicyTestReport():
                yield _dumps(_test_doc(report)) + "\n"
            case AtlasListing():
                yield _dumps(_atlas_list_doc(report)) + "\n"
            case AtlasChange():
                yield _dumps(_atlas_change_doc(report)) + "\n"
            case MatrixReport():
                yield _dumps(_matrix_doc(report.matrix)) + "\n"
            case CheckListing():
                yield _dumps(_checks_doc(report)) + "\n"
            case CheckExplanation():
                raise no_view(OutputFormat.JSON, report)
            case DiscoveryReport():
                yield _dumps(_discover_doc(report)) + "\n"
            case SoaReport():
                yield _dumps(_soa_doc(report.soa)) + "\n"
            case _:
                assert_never(report)


def _code_finding(f: CodeFinding) -> dict[str, Any]:
    return {
        "kind": f.kind.value,
        "name": f.name,
        "version": f.version,
        "file": f.file,
        "line": f.line,
        "evidence": f.evidence,
        "provider": f.provider,
        "asset_type": f.asset_type,
    }


def _discover_doc(report: DiscoveryReport) -> dict[str, Any]:
    kinds = Counter(f.kind.value for f in report.findings)
    return {
        "schema_version": DISCOVER_SCHEMA_VERSION,
        "tool": "policyengine",
        "files": report.files,
        "findings": [_code_finding(f) for f in report.findings],
        "diagnostics": [{"file": d.file, **_diagnostic(d)} for d in report.diagnostics],
        "summary": dict(sorted(kinds.items())),
    }


def _run_pieces(run: RunResult) -> Iterator[str]:
    """The check report one model at a time: each model is turned into JSON and indented
    to its place alone, so neither the whole document nor its text is held at once (1,000
    models make ~100 MB of text). The bytes are those of `json.dumps` of the whole
    document with the same options: JSON text has no raw newline inside a string, so
    indenting every line of a model's text is exact."""
    doc = {
        "schema_version": SCHEMA_VERSION,
        "tool": "policyengine",
        "as_of": run.as_of.isoformat(),
        "frameworks": list(run.frameworks),
        "errors": [_diagnostic(d) | {"file": d.file} for d in run.diagnostics],
        "models": _MODELS,
        "summary": summarize(run),
        "provenance": provenance_json(run.provenance),
        "organisation": organisation_json(run.organisation),
    }
    if run.delta is not None:
        doc["pull_request"] = _delta(run.delta)
    # The only place a raw newline can be followed by `  "models": "`: not in a string.
    marker = '\n  "models": ' + json.dumps(_MODELS)
    head, _, tail = _dumps(doc).partition(marker)
    yield head + '\n  "models": '
    if not run.models:
        yield "[]"
    for i, m in enumerate(run.models):
        yield ("[\n    " if i == 0 else ",\n    ") + _dumps(_model(m)).replace("\n", "\n    ")
    if run.models:
        yield "\n  ]"
    yield tail + "\n"


# --- matrix ----------------------------------------------------------------------------------


def _cell(path: str, cell: MatrixCell | None) -> dict[str, Any]:
    if cell is None:
        return {"model": path, "status": None, "checks": [], "not_run": [], "failed": [],
                "findings": [], "evidence": [], "judged": [], "note": ""}  # fmt: skip
    return {
        "model": path,
        "status": cell.status.value,
        "checks": list(cell.checks),
        "not_run": list(cell.not_run),
        "failed": list(cell.failed),
        "findings": [_located(f) for f in cell.findings],
        "evidence": list(cell.evidence),
        "judged": [_pointer(p) for p in cell.judged],
        "note": cell.note,
    }


def _counts(totals: Mapping[ControlStatus, int]) -> dict[str, int]:
    return {status.value: n for status, n in totals.items()}


def _matrix_doc(matrix: Matrix) -> dict[str, Any]:
    paths = [m.path for m in matrix.models]
    return {
        "schema_version": MATRIX_SCHEMA_VERSION,
        "tool": "policyengine",
        "as_of": matrix.as_of.isoformat(),
        "provenance": provenance_json(matrix.provenance),
        "errors": [_diagnostic(d) | {"file": d.file} for d in matrix.diagnostics],
        "models": [
            {
                "path": m.path,
                "id": m.model_id,
                "owner": m.owner,
                "valid": m.valid,
                "threats": [
                    {
                        "id": r.threat_id,
                        "likelihood": r.likelihood,
                        "impact": r.impact,
                        "status": r.status,
                    }
                    for r in m.risks
                ],
            }  # fmt: skip
            for m in matrix.models
        ],
        "frameworks": [
            {
                "framework": fw.framework,
                "name": fw.name,
                "totals": _counts(fw.totals),
                "unjudged": fw.unjudged,
                "model_totals": [
                    {"model": path, "totals": _counts(t)}
                    for path, t in zip(paths, fw.model_totals, strict=True)
                ],
                "controls": [
                    {
                        "control": row.control,
                        "id": row.id,
                        "title": row.title,
                        "group": row.group,
                        "judged_by": row.judged_by,
                        "organisation": (
                            _cell("", row.organisation) if row.organisation is not None else None
                        ),
                        "cells": [
                            _cell(path, cell) for path, cell in zip(paths, row.cells, strict=True)
                        ],
                    }
                    for row in fw.rows
                ],
            }
            for fw in matrix.frameworks
        ],
    }


# --- the Statement of Applicability ------------------------------------------------------

SOA_SCHEMA_VERSION = 3
"""Version of the `soa` JSON report. 3: a control's `contradicted_by`, the models whose
verdict shows it applies when the register decides it does not (TM-REG-007). 2: a
verdict's `checks` are those that ran and
`not_run` those that did not apply to the model; its `evidence` ends with the parts of the
model the passing checks judged (the basis of a `satisfied`, `attested` or `partial`
verdict), and every piece of evidence has `judged_by` (those checks, else empty) and
`items` (the number of items of a whole list judged, else 0)."""


def _pointer(p: EvidencePointer) -> dict[str, Any]:
    return {
        "file": p.file,
        "line": p.line,
        "pointer": p.pointer,
        "what": p.what,
        "judged_by": list(p.judged_by),
        "items": p.items,
    }


def _soa_doc(soa: Soa) -> dict[str, Any]:
    def decision(d: SoaDecision | None) -> dict[str, Any] | None:
        if d is None:
            return None
        return {
            "applicable": d.applicable,
            "justification": d.justification,
            "implementation": d.implementation,
            "owner": d.owner,
            "documents": list(d.documents),
            "where": _pointer(d.where),
        }

    return {
        "schema_version": SOA_SCHEMA_VERSION,
        "tool": "policyengine",
        "as_of": soa.as_of.isoformat(),
        "provenance": provenance_json(soa.provenance),
        "register": soa.register,
        "organisation": soa.organisation,
        "errors": [_diagnostic(d) | {"file": d.file} for d in soa.diagnostics],
        "models": [
            {"path": m.path, "id": m.model_id, "owner": m.owner, "valid": m.valid}
            for m in soa.models
        ],
        "controls": [
            {
                "control": row.control,
                "id": row.id,
                "title": row.title,
                "judged_by": row.judged_by,
                "decision": decision(row.decision),
                "status": row.status.value if row.status is not None else None,
                "evidence": [_pointer(p) for p in row.evidence],
                "contradicted_by": list(row.contradicted_by),
                "verdicts": [
                    {
                        "model": v.model_path,
                        "id": v.model_id,
                        "status": v.status.value if v.status is not None else None,
                        "checks": list(v.checks),
                        "not_run": list(v.not_run),
                        "failed": list(v.failed),
                        "evidence": [_pointer(p) for p in v.evidence],
                        "note": v.note,
                    }
                    for v in row.verdicts
                ],
            }
            for row in soa.rows
        ],
    }
