"""The text format (the default): what a developer reads in a terminal or a CI log.

`check`/`validate`: compiler-style lines a developer can click, then one line per
framework. `status`: an aligned table with the reasons under each model. `remind`: the
reviews to do, by owner. `test`: failures and errors, then a summary line. `atlas`: one
technique per line, or the ids added, retired and renamed. The wording of a review
(`reason_label`, `when_due`, `review_cells`) is shared with the Markdown and CSV views.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import assert_never

from ..results import (
    AtlasChange,
    AtlasListing,
    ControlStatus,
    Finding,
    ModelReport,
    Outcome,
    PolicyTestReport,
    PullRequestDelta,
    RemindReport,
    Report,
    ReviewReason,
    ReviewVerdict,
    RunResult,
    StatusReport,
    TestResult,
)
from . import Formatter
from .json import review_summary, summarize

_STATUS_ORDER = [
    ControlStatus.SATISFIED,
    ControlStatus.PARTIAL,
    ControlStatus.NOT_SATISFIED,
    ControlStatus.WAIVED,
    ControlStatus.NOT_APPLICABLE,
    ControlStatus.NOT_ASSESSED,
]


def review_line(v: ReviewVerdict) -> str:
    """`review: overdue (due 2026-09-30, 58 days overdue)`: the verdict in one line."""
    if v.due is None or v.days_left is None:
        when = "no calendar due date"
    elif v.days_left < 0:
        when = f"due {v.due.isoformat()}, {-v.days_left} days overdue"
    else:
        when = f"due {v.due.isoformat()}, in {v.days_left} days"
    return f"review: {v.status.value} ({when})"


def _model_lines(m: ModelReport) -> list[str]:
    title = m.model_id or "(not loaded)"
    owner = f", owner {m.owner}" if m.owner else ""
    lines = [f"{m.path}: {title}{owner}"]
    lines.extend(f"  {d.render()}" for d in m.diagnostics)
    for check in m.checks:
        for f in check.findings:
            controls = ", ".join(f.controls)
            lines.append(
                f"  {m.path}:{f.line}:{f.column}: {f.severity.value}: {f.check_id} "
                f"{f.message} [{controls}]"
            )
    if m.review is not None:
        lines.append(f"  {review_line(m.review)}")
        for r in m.review.reasons:
            status = r.status.value if r.status else "not evaluated"
            lines.append(f"    - {r.rule.value} ({status}): {r.message}")
    frameworks: dict[str, Counter[ControlStatus]] = {}
    for c in m.controls:
        frameworks.setdefault(c.framework, Counter())[c.status] += 1
    for fw, counts in frameworks.items():
        parts = [f"{counts[s]} {s.value}" for s in _STATUS_ORDER if counts[s]]
        lines.append(f"  {fw}: {sum(counts.values())} controls: " + ", ".join(parts))
    return lines


def _delta_lines(d: PullRequestDelta) -> list[str]:
    lines = [f"pull request: {d.base} -> {d.head}"]
    for m in d.models:
        if m.change == "unchanged":
            continue
        moved = f" (renamed from {m.renamed_from})" if m.renamed_from else ""
        lines.append(f"  {m.path}: {m.change}{moved}")
        if m.threats_added:
            lines.append(f"    threats added: {', '.join(m.threats_added)}")
        if m.threats_removed:
            lines.append(f"    threats removed: {', '.join(m.threats_removed)}")
        for tid, old, new in m.threats_rescored:
            lines.append(f"    threat {tid} rescored: risk {old} -> {new}")
        for key, old_status, new_status in m.control_changes:
            lines.append(f"    {key}: {old_status} -> {new_status}")
        lines.extend(f"    review trigger: {t}" for t in m.trigger_changes)
        lines.extend(_finding_line(m.path, f) for f in m.findings)
    lines.extend(_finding_line(r.path, r.finding) for r in d.findings)
    return lines


def _finding_line(path: str, f: Finding) -> str:
    where = f"{path}:{f.line}:{f.column}" if f.line else path
    return f"  {where}: {f.severity.value}: {f.check_id} {f.message}"


def _check_text(run: RunResult) -> str:
    """Per model: diagnostics, failing checks, review verdict, framework lines."""
    lines = [d.render() for d in run.diagnostics]
    for m in run.models:
        lines.extend(_model_lines(m))
    if run.delta is not None:
        lines.extend(_delta_lines(run.delta))
    s = summarize(run)
    found = ", ".join(f"{n} {sev}" for sev, n in s["findings"].items() if n) or "no findings"
    skipped = f", {s['skipped_files']} other YAML files skipped" if s["skipped_files"] else ""
    lines.append(
        f"{s['models']} models ({s['valid']} valid, {s['invalid']} invalid){skipped}; {found}"
    )
    return "\n".join(lines) + "\n"


# --- status and remind: the review of each model -----------------------------------------


def reason_label(reason: ReviewReason) -> str:
    """`[overdue] review was due ...`, or `[not evaluated] ...` for a rule that could not run."""
    status = reason.status.value if reason.status is not None else "not evaluated"
    return f"[{status}] {reason.message}"


def reasons_of(model: ModelReport) -> tuple[ReviewReason, ...]:
    """The reasons of the model's verdict; none when no review ran."""
    return model.review.reasons if model.review is not None else ()


def status_of(model: ModelReport) -> str:
    """The verdict as shown: the status value, or `-` when no review ran."""
    return model.review.status.value if model.review is not None else "-"


def review_cells(model: ModelReport) -> tuple[str, str, str, str, str]:
    """(last review, due, days left, status, reasons) as plain strings, "" when unknown."""
    review = model.review
    if review is None:
        return ("", "", "", "", "")
    return (
        review.last_reviewed.isoformat() if review.last_reviewed is not None else "",
        review.due.isoformat() if review.due is not None else "",
        str(review.days_left) if review.days_left is not None else "",
        review.status.value,
        "; ".join(reason_label(r) for r in review.reasons),
    )


def status_summary_line(run: RunResult) -> str:
    """`3 models: 1 current, 1 due_soon, 1 overdue` (only non-zero counts)."""
    parts = [f"{n} {status}" for status, n in review_summary(run.models).items() if n]
    noun = "model" if len(run.models) == 1 else "models"
    return f"{len(run.models)} {noun}" + (": " + ", ".join(parts) if parts else "")


def status_row(model: ModelReport) -> tuple[str, ...]:
    """PATH, MODEL, OWNER, LAST REVIEW, DUE, DAYS, STATUS as the tables show them."""
    last, due, days, _, _ = review_cells(model)
    return (
        model.path,
        model.model_id,
        model.owner,
        last or "never",
        due or "-",
        days or "-",
        status_of(model),
    )


_STATUS_HEADERS = ("PATH", "MODEL", "OWNER", "LAST REVIEW", "DUE", "DAYS", "STATUS")


def _status_text(run: RunResult) -> str:
    rows = [status_row(m) for m in run.models]
    widths = [max(len(r[i]) for r in [_STATUS_HEADERS, *rows]) for i in range(7)]
    right = {5}  # DAYS is numeric

    def line(cells: Sequence[str]) -> str:
        out = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(out).rstrip()

    lines = [f"Review status as of {run.as_of.isoformat()}", "", line(_STATUS_HEADERS)]
    for model, row in zip(run.models, rows, strict=True):
        lines.append(line(row))
        lines.extend(f"    {reason_label(r)}" for r in reasons_of(model))
    if not run.models:
        lines.append("(no threat models found)")
    lines.extend(["", status_summary_line(run)])
    return "\n".join(lines) + "\n"


def when_due(model: ModelReport) -> str:
    """`due 2026-09-10 (78 days ago)`, `(today)`, `(in 9 days)` or `never reviewed`."""
    review = model.review
    if review is None or review.due is None:
        return "never reviewed"
    days = review.days_left or 0
    if days < 0:
        return f"due {review.due.isoformat()} ({-days} days ago)"
    if days == 0:
        return f"due {review.due.isoformat()} (today)"
    return f"due {review.due.isoformat()} (in {days} days)"


def remind_heading(report: RemindReport) -> str:
    """`2 threat-model reviews to do as of ... (due within 14 days, overdue or required)`."""
    noun = "review" if report.count == 1 else "reviews"
    return (
        f"{report.count} threat-model {noun} to do as of {report.run.as_of.isoformat()} "
        f"(due within {report.within} days, overdue or required)"
    )


def _remind_text(report: RemindReport) -> str:
    lines = [remind_heading(report)]
    for group in report.groups:
        lines.extend(["", f"{group.owner}:"])
        for m in group.models:
            lines.append(f"  {m.model_id or m.path}  {status_of(m)}  {when_due(m)}  {m.path}")
            lines.extend(f"      {reason_label(r)}" for r in reasons_of(m))
    if not report.groups:
        lines.extend(["", "Nothing is due."])
    return "\n".join(lines) + "\n"


# --- test and atlas ------------------------------------------------------------------------


def _test_label(r: TestResult) -> str:
    name = f"data.{r.package}.{r.name}" if r.name else f"data.{r.package}"
    return f"{r.file}:{r.line}: {name}"


def _test_text(report: PolicyTestReport) -> str:
    lines: list[str] = []
    results = report.results
    for r in results:
        if r.outcome is Outcome.PASS and not report.show_passing:
            continue
        lines.append(f"{r.outcome.value.upper()}: {_test_label(r)}")
        if r.message:
            lines.append(f"  {r.message}")
    passed = sum(r.outcome is Outcome.PASS for r in results)
    failed = sum(r.outcome is Outcome.FAIL for r in results)
    errors = sum(r.outcome is Outcome.ERROR for r in results)
    if lines:
        lines.append("-" * 60)
    lines.append(f"PASS: {passed}/{len(results)}, FAIL: {failed}, ERROR: {errors}")
    return "\n".join(lines) + "\n"


def _atlas_list_text(report: AtlasListing) -> str:
    return "".join(f"{t.id:<14} {t.first_release:<8} {t.name}\n" for t in report.techniques)


def _atlas_change_text(report: AtlasChange) -> str:
    change = report.diff
    lines = [f"ATLAS {report.old_version} -> {report.new_version}"]
    lines.append(f"added ({len(change.added)}):")
    lines.extend(f"  {tid}" for tid in change.added)
    lines.append(f"retired ({len(change.retired)}):")
    lines.extend(f"  {tid}" for tid in change.retired)
    lines.append(f"renamed ({len(change.renamed)}):")
    lines.extend(f"  {tid}: {old} -> {new}" for tid, old, new in change.renamed)
    return "\n".join(lines) + "\n"


class TextFormatter(Formatter):
    """`--format text` (the default of every command)."""

    def render(self, report: Report) -> str:
        """The report as text lines, ending with a newline."""
        match report:
            case RunResult():
                return _check_text(report)
            case StatusReport():
                return _status_text(report.run)
            case RemindReport():
                return _remind_text(report)
            case PolicyTestReport():
                return _test_text(report)
            case AtlasListing():
                return _atlas_list_text(report)
            case AtlasChange():
                return _atlas_change_text(report)
            case _:
                assert_never(report)
