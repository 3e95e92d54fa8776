"""The text report: compiler-style lines a developer can click, then one line per framework."""

from __future__ import annotations

from collections import Counter

from ..results import ControlStatus, ModelReport, PullRequestDelta, ReviewVerdict, RunResult
from . import Formatter
from .json import summarize

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
        lines.append(f"  {m.path}: {m.change}")
        if m.threats_added:
            lines.append(f"    threats added: {', '.join(m.threats_added)}")
        if m.threats_removed:
            lines.append(f"    threats removed: {', '.join(m.threats_removed)}")
        for tid, old, new in m.threats_rescored:
            lines.append(f"    threat {tid} rescored: risk {old} -> {new}")
        for key, old_status, new_status in m.control_changes:
            lines.append(f"    {key}: {old_status} -> {new_status}")
        lines.extend(f"    review trigger: {t}" for t in m.trigger_changes)
        lines.extend(
            f"  {m.path}:{f.line}:{f.column}: {f.severity.value}: {f.check_id} {f.message}"
            for f in m.findings
        )
    return lines


class TextFormatter(Formatter):
    """`--format text` (the default)."""

    def render(self, run: RunResult) -> str:
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
