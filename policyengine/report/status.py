"""`policyengine status`: the review staleness of each model as a table (a pure view).

Renders the review verdicts already in a `RunResult` (one `ModelReport.review` per model)
as text, JSON, Markdown or CSV. It decides nothing: statuses, dates and reasons come from
review.py, the model order from upstream.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Sequence
from enum import StrEnum
from typing import Any, assert_never

from ..results import ModelReport, ReviewReason, ReviewStatus, RunResult

SCHEMA_VERSION = 1
"""Version of the JSON shape of `status` and `remind` reports."""


class StatusFormat(StrEnum):
    """Formats of `policyengine status`."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    CSV = "csv"


def reason_label(reason: ReviewReason) -> str:
    """`[overdue] review was due ...`, or `[not evaluated] ...` for a rule that could not run."""
    status = reason.status.value if reason.status is not None else "not evaluated"
    return f"[{status}] {reason.message}"


def status_of(model: ModelReport) -> str:
    """The verdict as shown: the status value, or `-` when no review ran."""
    return model.review.status.value if model.review is not None else "-"


def _day(model: ModelReport, which: str) -> str:
    review = model.review
    if review is None:
        return ""
    value = review.last_reviewed if which == "last" else review.due
    return value.isoformat() if value is not None else ""


def _days_left(model: ModelReport) -> str:
    review = model.review
    if review is None or review.days_left is None:
        return ""
    return str(review.days_left)


def _reasons(model: ModelReport) -> tuple[ReviewReason, ...]:
    return model.review.reasons if model.review is not None else ()


def model_json(model: ModelReport) -> dict[str, Any]:
    """One model's review as JSON types (shared by `status` and `remind` JSON)."""
    review = model.review
    return {
        "path": model.path,
        "id": model.model_id,
        "owner": model.owner,
        "status": review.status.value if review is not None else None,
        "last_reviewed": _day(model, "last") or None,
        "due": _day(model, "due") or None,
        "days_left": review.days_left if review is not None else None,
        "reasons": [
            {
                "rule": r.rule.value,
                "status": r.status.value if r.status is not None else None,
                "message": r.message,
                "details": dict(r.details),
            }
            for r in _reasons(model)
        ],
    }


def summary(models: Sequence[ModelReport]) -> dict[str, int]:
    """Count of models per review status, every status listed, in rank order."""
    counts = Counter(m.review.status for m in models if m.review is not None)
    return {s.value: counts.get(s, 0) for s in sorted(ReviewStatus, key=lambda s: s.rank)}


def summary_line(run: RunResult) -> str:
    """`3 models: 1 current, 1 due_soon, 1 overdue` (only non-zero counts)."""
    parts = [f"{n} {status}" for status, n in summary(run.models).items() if n]
    noun = "model" if len(run.models) == 1 else "models"
    return f"{len(run.models)} {noun}" + (": " + ", ".join(parts) if parts else "")


_HEADERS = ("PATH", "MODEL", "OWNER", "LAST REVIEW", "DUE", "DAYS", "STATUS")


def _row(model: ModelReport) -> tuple[str, ...]:
    return (
        model.path,
        model.model_id,
        model.owner,
        _day(model, "last") or "never",
        _day(model, "due") or "-",
        _days_left(model) or "-",
        status_of(model),
    )


def _render_text(run: RunResult) -> str:
    rows = [_row(m) for m in run.models]
    widths = [max(len(r[i]) for r in [_HEADERS, *rows]) for i in range(len(_HEADERS))]
    right = {5}  # DAYS is numeric

    def line(cells: Sequence[str]) -> str:
        out = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(out).rstrip()

    lines = [f"Review status as of {run.as_of.isoformat()}", "", line(_HEADERS)]
    for model, row in zip(run.models, rows, strict=True):
        lines.append(line(row))
        lines.extend(f"    {reason_label(r)}" for r in _reasons(model))
    if not run.models:
        lines.append("(no threat models found)")
    lines.extend(["", summary_line(run)])
    return "\n".join(lines) + "\n"


def _render_json(run: RunResult) -> str:
    doc = {
        "schema_version": SCHEMA_VERSION,
        "as_of": run.as_of.isoformat(),
        "models": [model_json(m) for m in run.models],
        "summary": summary(run.models),
        "diagnostics": [
            {"file": d.file, "line": d.line, "column": d.column, "level": d.level.value,
             "message": d.message}
            for d in run.diagnostics
        ],
    }  # fmt: skip
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def markdown_cell(text: str) -> str:
    """Text safe inside a Markdown table cell (pipes escaped, no line breaks)."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _render_markdown(run: RunResult) -> str:
    lines = [
        f"## Threat-model review status ({run.as_of.isoformat()})",
        "",
        "| Model | Path | Owner | Last review | Due | Days left | Status | Reasons |",
        "|---|---|---|---|---|---:|---|---|",
    ]
    for m in run.models:
        path, model_id, owner, last, due, days, status = _row(m)
        reasons = "<br>".join(markdown_cell(reason_label(r)) for r in _reasons(m))
        cells = [model_id, f"`{path}`", owner, last, due, days, f"**{status}**", reasons]
        lines.append(
            "| " + " | ".join(markdown_cell(c) if i != 7 else c for i, c in enumerate(cells)) + " |"
        )
    lines.extend(["", summary_line(run)])
    return "\n".join(lines) + "\n"


def _render_csv(run: RunResult) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(
        ["path", "id", "owner", "last_reviewed", "due", "days_left", "status", "reasons"]
    )
    for m in run.models:
        writer.writerow(
            [
                m.path,
                m.model_id,
                m.owner,
                _day(m, "last"),
                _day(m, "due"),
                _days_left(m),
                status_of(m) if m.review is not None else "",
                "; ".join(reason_label(r) for r in _reasons(m)),
            ]
        )
    return buf.getvalue()


def render_status(run: RunResult, fmt: StatusFormat) -> str:
    """The `status` report of `run` in format `fmt` (ends with a newline)."""
    match fmt:
        case StatusFormat.TEXT:
            return _render_text(run)
        case StatusFormat.JSON:
            return _render_json(run)
        case StatusFormat.MARKDOWN:
            return _render_markdown(run)
        case StatusFormat.CSV:
            return _render_csv(run)
        case _:
            assert_never(fmt)
