"""The Markdown format: a `status` table for a pull-request comment or a wiki page, and the
`remind` list as the body of a tracking issue (one checklist line per model)."""

from __future__ import annotations

from typing import assert_never

from ..results import (
    AtlasChange,
    AtlasListing,
    PolicyTestReport,
    RemindReport,
    Report,
    RunResult,
    StatusReport,
)
from . import Formatter, OutputFormat, no_view
from .text import (
    reason_label,
    reasons_of,
    remind_heading,
    status_of,
    status_row,
    status_summary_line,
    when_due,
)


def markdown_cell(text: str) -> str:
    """Text safe inside a Markdown table cell (pipes escaped, no line breaks)."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _status_markdown(run: RunResult) -> str:
    lines = [
        f"## Threat-model review status ({run.as_of.isoformat()})",
        "",
        "| Model | Path | Owner | Last review | Due | Days left | Status | Reasons |",
        "|---|---|---|---|---|---:|---|---|",
    ]
    for m in run.models:
        path, model_id, owner, last, due, days, status = status_row(m)
        reasons = "<br>".join(markdown_cell(reason_label(r)) for r in reasons_of(m))
        cells = [model_id, f"`{path}`", owner, last, due, days, f"**{status}**", reasons]
        lines.append(
            "| " + " | ".join(markdown_cell(c) if i != 7 else c for i, c in enumerate(cells)) + " |"
        )
    lines.extend(["", status_summary_line(run)])
    return "\n".join(lines) + "\n"


def _remind_markdown(report: RemindReport) -> str:
    lines = [
        f"## Threat-model reviews due ({report.run.as_of.isoformat()})",
        "",
        remind_heading(report) + ".",
    ]
    for group in report.groups:
        lines.extend(["", f"### {markdown_cell(group.owner)}", ""])
        for m in group.models:
            name = markdown_cell(m.model_id or m.path)
            lines.append(f"- [ ] **{name}** (`{m.path}`): {status_of(m)}, {when_due(m)}")
            lines.extend(f"  - {markdown_cell(reason_label(r))}" for r in reasons_of(m))
    if not report.groups:
        lines.extend(["", "Nothing is due."])
    return "\n".join(lines) + "\n"


class MarkdownFormatter(Formatter):
    """`--format markdown` (`status`, `remind`)."""

    def render(self, report: Report) -> str:
        """The report as GitHub-flavoured Markdown."""
        match report:
            case StatusReport():
                return _status_markdown(report.run)
            case RemindReport():
                return _remind_markdown(report)
            case RunResult() | PolicyTestReport() | AtlasListing() | AtlasChange():
                raise no_view(OutputFormat.MARKDOWN, report)
            case _:
                assert_never(report)
