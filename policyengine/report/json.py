"""The versioned JSON report (`schema_version` 1), documented in the README."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from ..results import (
    CheckOutcome,
    ControlResult,
    Diagnostic,
    Finding,
    ModelReport,
    PullRequestDelta,
    ReviewVerdict,
    RunResult,
    Severity,
)
from . import Formatter

SCHEMA_VERSION = 1
"""Bumped on any change to the shape of the JSON report."""


def _diagnostic(d: Diagnostic) -> dict[str, Any]:
    return {
        "level": d.level.value,
        "code": d.code,
        "message": d.message,
        "pointer": d.pointer,
        "line": d.line,
        "column": d.column,
    }


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "check": f.check_id,
        "severity": f.severity.value,
        "message": f.message,
        "pointer": f.pointer,
        "line": f.line,
        "column": f.column,
        "controls": list(f.controls),
    }


def _check(c: CheckOutcome) -> dict[str, Any]:
    status = "not_applicable" if not c.applicable else ("pass" if c.passed else "fail")
    return {
        "id": c.check_id,
        "title": c.title,
        "severity": c.severity.value,
        "status": status,
        "findings": [_finding(f) for f in c.findings],
    }


def _control(c: ControlResult) -> dict[str, Any]:
    return {
        "framework": c.framework,
        "control": c.control_id,
        "status": c.status.value,
        "checks": list(c.checks),
        "findings": [_finding(f) for f in c.findings],
        "evidence": list(c.evidence),
        "note": c.note,
    }


def review_to_json(v: ReviewVerdict) -> dict[str, Any]:
    """The JSON shape of a review verdict (shared with the status and remind reports)."""
    return {
        "status": v.status.value,
        "due": v.due.isoformat() if v.due else None,
        "days_left": v.days_left,
        "reasons": [
            {
                "rule": r.rule.value,
                "status": r.status.value if r.status else "unknown",
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
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _delta(d: PullRequestDelta) -> dict[str, Any]:
    return {
        "base": d.base,
        "head": d.head,
        "models": [
            {
                "path": m.path,
                "id": m.model_id,
                "change": m.change,
                "threats_added": list(m.threats_added),
                "threats_removed": list(m.threats_removed),
                "threats_rescored": [
                    {"threat": t, "base_risk": b, "head_risk": h} for t, b, h in m.threats_rescored
                ],
                "control_changes": [
                    {"control": c, "base": b, "head": h} for c, b, h in m.control_changes
                ],
                "trigger_changes": list(m.trigger_changes),
                "findings": [_finding(f) for f in m.findings],
            }
            for m in d.models
        ],
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
        "review": review_to_json(m.review) if m.review else None,
    }


def summarize(run: RunResult) -> dict[str, Any]:
    """Counts over the whole run: models, findings by severity, control and review statuses."""
    findings: Counter[str] = Counter({s.value: 0 for s in Severity})
    controls: dict[str, Counter[str]] = {}
    review: Counter[str] = Counter()
    for m in run.models:
        for c in m.checks:
            findings[c.severity.value] += len(c.findings)
        for ctl in m.controls:
            controls.setdefault(ctl.framework, Counter())[ctl.status.value] += 1
        if m.review:
            review[m.review.status.value] += 1
    return {
        "models": len(run.models),
        "valid": sum(1 for m in run.models if m.valid),
        "invalid": sum(1 for m in run.models if not m.valid),
        "skipped_files": run.skipped,
        "findings": dict(findings),
        "controls": {fw: dict(c) for fw, c in sorted(controls.items())},
        "review": dict(review),
    }


_MODELS = "\0models\0"
"""Stands for the model list while the rest of the document is encoded."""


def _dumps(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


class JsonFormatter(Formatter):
    """`--format json`: one object, keys sorted, two-space indent, trailing newline."""

    def render(self, run: RunResult) -> str:
        """The report as a JSON document."""
        return "".join(self.pieces(run))

    def pieces(self, run: RunResult) -> Iterator[str]:
        """The document one model at a time: each model is turned into JSON and indented
        to its place alone, so neither the whole document nor its text is held at once
        (1,000 models make ~100 MB of text). The bytes are those of `json.dumps` of the
        whole document with the same options: JSON text has no raw newline inside a
        string, so indenting every line of a model's text is exact."""
        doc = {
            "schema_version": SCHEMA_VERSION,
            "tool": "policyengine",
            "as_of": run.as_of.isoformat(),
            "frameworks": list(run.frameworks),
            "errors": [_diagnostic(d) | {"file": d.file} for d in run.diagnostics],
            "models": _MODELS,
            "summary": summarize(run),
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
