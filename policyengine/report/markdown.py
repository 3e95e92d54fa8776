"""The Markdown format: a `status` table for a pull-request comment or a wiki page, and the
`remind` list as the body of a tracking issue (one checklist line per model).

Every field from a model goes through `escape.markdown` (or `escape.markdown_code` for a
path), so that no field makes a link, a tag, a table cell or a line of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import assert_never

from ..results import (
    AtlasChange,
    AtlasListing,
    ControlStatus,
    DiscoveryReport,
    Matrix,
    MatrixCell,
    MatrixFramework,
    MatrixReport,
    PolicyTestReport,
    Provenance,
    RemindReport,
    Report,
    ReviewReason,
    RunResult,
    StatusReport,
)
from . import Formatter, OutputFormat, no_view
from .escape import markdown as _md
from .escape import markdown_code as _code
from .text import (
    commit_label,
    reasons_of,
    remind_heading,
    status_of,
    status_row,
    status_summary_line,
    when_due,
)


def _reason(reason: ReviewReason) -> str:
    """`reason_label` with the message escaped (the `[status]` label is the tool's own)."""
    status = reason.status.value if reason.status is not None else "not evaluated"
    return f"[{status}] {_md(reason.message)}"


def _status_markdown(run: RunResult) -> str:
    lines = [
        f"## Threat-model review status ({run.as_of.isoformat()})",
        "",
        "| Model | Path | Owner | Last review | Due | Days left | Status | Reasons |",
        "|---|---|---|---|---|---:|---|---|",
    ]
    for m in run.models:
        path, model_id, owner, last, due, days, status = status_row(m)
        reasons = "<br>".join(_reason(r) for r in reasons_of(m))
        cells = [
            _md(model_id),
            _code(path, in_table=True),
            _md(owner),
            last,
            due,
            days,
            f"**{status}**",
            reasons,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines.extend(["", status_summary_line(run)])
    return "\n".join(lines) + "\n"


def _remind_markdown(report: RemindReport) -> str:
    lines = [
        f"## Threat-model reviews due ({report.run.as_of.isoformat()})",
        "",
        remind_heading(report) + ".",
    ]
    for group in report.groups:
        lines.extend(["", f"### {_md(group.owner)}", ""])
        if group.contacts:
            lines.extend(["cc " + ", ".join(_mention(c) for c in group.contacts), ""])
        for m in group.models:
            name = _md(m.model_id or m.path)
            path = _code(m.path)
            lines.append(f"- [ ] **{name}** ({path}): {status_of(m)}, {when_due(m)}")
            lines.extend(f"  - {_reason(r)}" for r in reasons_of(m))
    if not report.groups:
        lines.extend(["", "Nothing is due."])
    return "\n".join(lines) + "\n"


def _mention(contact: str) -> str:
    """A GitHub `@handle` as is (it notifies), an e-mail address as an autolink (the
    config admits only characters neither form can turn into markup)."""
    return contact if contact.startswith("@") else f"<{contact}>"


class MarkdownFormatter(Formatter):
    """`--format markdown` (`status`, `remind`)."""

    def render(self, report: Report) -> str:
        """The report as GitHub-flavoured Markdown."""
        match report:
            case StatusReport():
                return _status_markdown(report.run)
            case RemindReport():
                return _remind_markdown(report)
            case MatrixReport():
                return matrix_markdown(report.matrix)
            case (
                RunResult()
                | PolicyTestReport()
                | AtlasListing()
                | AtlasChange()
                | DiscoveryReport()
            ):
                raise no_view(OutputFormat.MARKDOWN, report)
            case _:
                assert_never(report)


# --- matrix ---------------------------------------------------------------------------------


def _counts(totals: Mapping[ControlStatus, int]) -> str:
    return ", ".join(f"{n} {s.value}" for s, n in totals.items() if n) or "no cells"


def provenance_markdown(p: Provenance) -> str:
    """Where the report comes from, as a Markdown list."""
    lines = [
        "## Provenance",
        "",
        f"- Tool: policyengine {_md(p.tool_version)}",
        f"- Rules as of: {p.as_of.isoformat()}",
        f"- Repository commit: {_md(commit_label(p))}",
    ]
    if p.policy_digest is not None:
        lines.append(f"- Policy set: sha256 `{p.policy_digest}`")
    lines.extend(f"- Catalog {_md(name)}: {_md(version)}" for name, version in p.catalogs)
    return "\n".join(lines) + "\n"


def matrix_models_markdown(matrix: Matrix) -> str:
    """The columns of the matrix: number, model, path, owner, validity."""
    lines = ["| # | Model | Path | Owner | Valid |", "|---:|---|---|---|---|"]
    for i, m in enumerate(matrix.models):
        valid = "yes" if m.valid else "**no** (no result)"
        path = _code(m.path, in_table=True)
        lines.append(f"| {i + 1} | {_md(m.label)} | {path} | {_md(m.owner)} | {valid} |")
    return "\n".join(lines) + "\n"


def _cell_label(cell: MatrixCell | None) -> str:
    return cell.status.value if cell is not None else "-"


def framework_table_markdown(fw: MatrixFramework, matrix: Matrix) -> str:
    """The framework's controls by models, each cell the status; then the totals."""
    heads = "".join(f" [{i + 1}] {_md(m.label)} |" for i, m in enumerate(matrix.models))
    lines = [
        "| Control | Title |" + heads,
        "|---|---|" + "---|" * len(matrix.models),
    ]
    for row in fw.rows:
        cells = "".join(f" {_cell_label(c)} |" for c in row.cells)
        lines.append(f"| {_md(row.id)} | {_md(row.title)} |{cells}")
    lines.extend(["", f"Totals, all models: {_counts(fw.totals)}."])
    if fw.unjudged:
        lines.append(f"Cells without a result: {fw.unjudged}.")
    lines.append("")
    for i, totals in enumerate(fw.model_totals):
        lines.append(f"- [{i + 1}] {_md(matrix.models[i].label)}: {_counts(totals)}")
    return "\n".join(lines) + "\n"


def _cell_lines(label: str, cell: MatrixCell) -> list[str]:
    facts = [f"**{cell.status.value}**"]
    if cell.checks:
        facts.append("checks " + ", ".join(_md(c) for c in cell.checks))
    if cell.failed:
        facts.append("failed " + ", ".join(_md(c) for c in cell.failed))
    if cell.evidence:
        facts.append("evidence " + ", ".join(_code(e) for e in cell.evidence))
    if cell.note:
        facts.append("note: " + _md(cell.note))
    lines = [f"- {label}: " + "; ".join(facts)]
    lines.extend(
        f"  - {f.severity.value} {_md(f.check_id)} at line {f.line}, {_code(f.pointer or '/')}:"
        f" {_md(f.message)}"
        for f in cell.findings
    )
    return lines


def framework_details_markdown(fw: MatrixFramework, matrix: Matrix) -> str:
    """Per control, each model's cell: status, checks, failed checks, evidence, note and
    findings (line and JSON pointer in the model)."""
    lines: list[str] = []
    for row in fw.rows:
        lines.extend(["", f"#### {_md(row.id)}: {_md(row.title)}", ""])
        lines.append(f"Group {_md(row.group)}; judged by {_md(row.judged_by)}.")
        lines.append("")
        for i, cell in enumerate(row.cells):
            label = f"[{i + 1}] {_md(matrix.models[i].label)}"
            lines.extend(_cell_lines(label, cell) if cell else [f"- {label}: no result"])
    return "\n".join(lines).lstrip("\n") + "\n"


def framework_heading(fw: MatrixFramework) -> str:
    """`NIST AI RMF 1.0 (nist-ai-rmf)`, escaped."""
    return f"{_md(fw.name)} ({_md(fw.framework)})"


def matrix_markdown(matrix: Matrix) -> str:
    """The whole matrix as GitHub-flavoured Markdown: models, then per framework the table,
    totals and every cell's checks, findings and evidence, then the provenance."""
    parts = [
        f"# Control-coverage matrix ({matrix.as_of.isoformat()})\n",
        matrix_models_markdown(matrix),
    ]
    for fw in matrix.frameworks:
        parts.append(f"## {framework_heading(fw)}\n")
        parts.append(framework_table_markdown(fw, matrix))
        parts.append(f"### Cells of {framework_heading(fw)}\n")
        parts.append(framework_details_markdown(fw, matrix))
    if matrix.provenance is not None:
        parts.append(provenance_markdown(matrix.provenance))
    return "\n".join(parts)
