"""The Markdown format: the `check` report as a pull-request comment (and the GitHub step
summary), a `status` table for a comment or a wiki page, the `remind` list as the body of
a tracking issue (one checklist line per model) and the `matrix`.

The check comment opens with its verdict (the exit status at `--fail-on`), then in
pull-request mode what the pull request changed in each model (threats added, removed and
rescored, review triggers: the text report's summary), then the findings as a table (in
pull-request mode: what the pull request made new or worse), the coverage (in
pull-request mode: the controls whose status changed) and the review verdicts; the rest
(findings beyond the first rows, the findings the base already had, the provenance) is
folded in `<details>`.

Every field from a model goes through `escape.markdown` (or `escape.markdown_code` for a
path), so that no field makes a link, a tag, a table cell or a line of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import assert_never

from ..results import (
    AtlasChange,
    AtlasListing,
    CheckExplanation,
    CheckInfo,
    CheckListing,
    ControlStatus,
    DiscoveryReport,
    EvidencePointer,
    Finding,
    Matrix,
    MatrixCell,
    MatrixFramework,
    MatrixReport,
    ModelReport,
    PolicyTestReport,
    Provenance,
    RemindReport,
    Report,
    ReviewReason,
    RunResult,
    Soa,
    SoaDecision,
    SoaReport,
    SoaRow,
    StatusReport,
    exit_status,
)
from . import Formatter, OutputFormat, counted, no_view
from . import escape as _esc
from .escape import markdown as _md
from .escape import markdown_code as _code
from .json import existing_errors, judged_errors, judged_findings, severity_counts
from .text import (
    change_label,
    commit_label,
    explained,
    model_changes,
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


_NO_CONTACT = (
    "**No contact:** the config's `owners` has no entry for this owner, so nobody is "
    "mentioned or invited. Add one, or correct `metadata.owner`."
)


def _remind_markdown(report: RemindReport) -> str:
    unreachable = report.unreachable
    lines = [
        f"## Threat-model reviews due ({report.run.as_of.isoformat()})",
        "",
        remind_heading(report) + ".",
    ]
    for group in report.groups:
        lines.extend(["", f"### {_md(group.owner)}", ""])
        if group.contacts:
            lines.extend(["cc " + ", ".join(_mention(c) for c in group.contacts), ""])
        elif group in unreachable:
            lines.extend([_NO_CONTACT, ""])
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


def _explain_markdown(c: CheckInfo) -> str:
    """`policyengine explain ID --format markdown`: a section to paste into a wiki or a
    pull-request comment."""
    md = _md
    controls = ", ".join(c.controls) or "-"
    lines = [
        f"## {md(c.id)}: {md(c.title)}",
        "",
        "| severity | controls | defined in |",
        "|---|---|---|",
        f"| {md(c.severity)} | {md(controls)} | {_code(c.source, in_table=True)} |",
    ]
    if c.description:
        lines += ["", md(c.description)]
    for label, text in explained(c):
        lines += ["", f"**{label}.** {md(text)}"]
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
            case MatrixReport():
                return matrix_markdown(report.matrix)
            case RunResult():
                return check_markdown(report)
            case CheckExplanation():
                return _explain_markdown(report.check)
            case SoaReport():
                return soa_markdown(report.soa)
            case (
                PolicyTestReport()
                | AtlasListing()
                | AtlasChange()
                | CheckListing()
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
    if cell.not_run:
        facts.append("not run " + ", ".join(_md(c) for c in cell.not_run))
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
    lines.extend(f"  - {_code(p.pointer)} line {p.line}: {_md(p.what)}" for p in cell.judged)
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


# --- check ----------------------------------------------------------------------------------

ROWS = 50
"""Findings shown in a check comment's open table; the rest are folded."""


def _cell_code(value: str) -> str:
    return _esc.markdown_code(value, in_table=True)


def _finding_rows(rows: list[tuple[str, Finding]]) -> list[str]:
    out = ["| Severity | Check | Where | Finding |", "|---|---|---|---|"]
    for path, f in rows:
        where = f"{path}:{f.line}" if f.line else path
        message = f.message
        if f.same_cause:
            message += "; also " + "; ".join(f"{g.check_id} {g.message}" for g in f.same_cause)
        cells = [
            f.severity.value,
            _cell_code(f.check_id),
            _cell_code(where),
            _esc.markdown(message),
        ]
        out.append("| " + " | ".join(cells) + " |")
    return out


def _folded(summary: str, body: list[str]) -> list[str]:
    return ["<details>", f"<summary>{summary}</summary>", "", *body, "", "</details>", ""]


def _counted(findings: tuple[Finding, ...] | list[Finding]) -> str:
    counts = severity_counts(findings)
    return ", ".join(f"{n} {sev}" for sev, n in counts.items() if n) or "none"


def _verdict(run: RunResult) -> str:
    fail_on = run.view.fail_on
    judged = judged_findings(run)
    invalid = sum(1 for m in run.models if not m.valid)
    failed = exit_status(run, fail_on) != 0
    mark = ":x: **Fails**" if failed else ":white_check_mark: **Passes**"
    at_or_above = sum(1 for f in judged if f.severity.rank >= fail_on.rank)
    errors = len(judged_errors(run))
    if run.delta is None:
        found = counted(len(judged), "finding")
        shown_errors = counted(errors, "error")
    else:  # "1 new in this pull request"; with errors beside it, "1 finding new in ..."
        found = (counted(len(judged), "finding") if errors else str(len(judged))) + (
            " new in this pull request"
        )
        shown_errors = counted(errors, "new error")
    line = (
        f"{mark} at `--fail-on {fail_on.value}`: "
        + (f"{shown_errors} (each fails the check), " if errors else "")
        + f"{found} ({_counted(judged)}), "
        f"{at_or_above} at or above {fail_on.value}; {counted(len(run.models), 'model')}, "
        f"{invalid} invalid"
    )
    if run.delta is not None:
        had = len(existing_errors(run))
        line += f"; {counted(len(run.delta.existing_findings()), 'finding')}" + (
            f" and {counted(had, 'error')}" if had else ""
        )
        line += " already on the base"
    return line + "."


def _rows(run: RunResult) -> list[tuple[str, Finding]]:
    if run.delta is None:
        org = run.organisation
        own = [(org.path, f) for c in org.checks for f in c.findings] if org is not None else []
        return own + [(m.path, f) for m in run.models for c in m.checks for f in c.findings]
    rows = [(d.path, f) for d in run.delta.models for f in d.findings]
    return rows + [(r.path, r.finding) for r in run.delta.findings]


def _errors(run: RunResult) -> list[str]:
    found = list(run.diagnostics)
    if run.delta is None:
        if run.organisation is not None:
            found += run.organisation.diagnostics
        found += [d for m in run.models for d in m.diagnostics]
    else:
        found += [e for d in run.delta.models for e in d.errors]
    return [
        f"- {_cell_code(f'{d.file}:{d.line}:{d.column}')} {d.level.value}: "
        + _esc.markdown(d.message)
        for d in found
    ]


def _coverage(run: RunResult) -> list[str]:
    if run.delta is not None:
        changes = [(d.path, c) for d in run.delta.models for c in d.control_changes]
        if not changes:
            return ["No control changed status."]
        out = ["| Model | Control | Base | Head |", "|---|---|---|---|"]
        out += [f"| {_cell_code(p)} | {_cell_code(c)} | {b} | {h} |" for p, (c, b, h) in changes]
        return out
    statuses = list(ControlStatus)
    totals: dict[str, dict[ControlStatus, int]] = {}
    # The organisation's controls count once for the repository, then each model's own.
    org = run.organisation.controls if run.organisation is not None else ()
    for c in (*org, *(c for m in run.models for c in m.controls)):
        per = totals.setdefault(c.framework, dict.fromkeys(statuses, 0))
        per[c.status] += 1
    if not totals:
        return ["No control was judged."]
    out = [
        "| Framework | " + " | ".join(s.value.replace("_", " ") for s in statuses) + " |",
        "|---|" + "---:|" * len(statuses),
    ]
    for fw in sorted(totals, key=lambda f: (run.frameworks + (f,)).index(f)):
        out.append(
            f"| {_esc.markdown(fw)} | " + " | ".join(str(totals[fw][s]) for s in statuses) + " |"
        )
    return out


def _changes(run: RunResult) -> list[str]:
    """What the pull request changed in each model (`text.model_changes`; control status
    changes are the coverage table's), model text escaped: a reviewer sees a threat
    rescored or removed, or a review trigger, even when no finding is new."""
    assert run.delta is not None
    out = []
    for m in run.delta.models:
        if m.change == "unchanged":
            continue
        moved = f" (renamed from {_cell_code(m.renamed_from)})" if m.renamed_from else ""
        out.append(f"- {_cell_code(m.path)}: {change_label(m)}{moved}")
        out += [f"  - {_esc.markdown(line)}" for line in model_changes(m, controls=False)]
    return out or ["No model changed."]


def _reviews(models: tuple[ModelReport, ...]) -> list[str]:
    judged = [m for m in models if m.review is not None]
    if not judged:
        return ["No review verdict."]
    out = ["| Model | Owner | Review | Due | Reasons |", "|---|---|---|---|---|"]
    for m in judged:
        _, model_id, owner, _, due, _, status = status_row(m)
        reasons = "<br>".join(_reason(r) for r in reasons_of(m))
        who = [_esc.markdown(model_id or m.path), _esc.markdown(owner)]
        out.append("| " + " | ".join([*who, f"**{status}**", due, reasons]) + " |")
    return out


def check_markdown(run: RunResult) -> str:
    """A check run as a pull-request comment (see the module docstring)."""
    title = "policyengine check" + (
        f": {_esc.markdown(run.delta.base)}...{_esc.markdown(run.delta.head)}"
        if run.delta is not None
        else ""
    )
    lines = [f"## {title}", "", _verdict(run), ""]
    errors = _errors(run)
    if errors:
        lines += ["### Invalid files", "", *errors, ""]
    if run.delta is not None:
        lines += ["### Changes", "", *_changes(run), ""]
    rows = sorted(_rows(run), key=lambda row: -row[1].severity.rank)
    heading = "New findings" if run.delta is not None else "Findings"
    lines += [f"### {heading} ({len(rows)})", ""]
    if rows:
        lines += [*_finding_rows(rows[:ROWS]), ""]
        if len(rows) > ROWS:
            lines += _folded(f"{len(rows) - ROWS} more", _finding_rows(rows[ROWS:]))
    else:
        lines += ["None.", ""]
    if run.delta is not None:
        existing = [(r.path, r.finding) for r in run.delta.existing]
        existing += [(d.path, f) for d in run.delta.models for f in d.existing]
        if existing:
            lines += _folded(
                f"{len(existing)} findings already on the base", _finding_rows(existing)
            )
    lines += [
        "### Coverage" + (" changes" if run.delta is not None else ""),
        "",
        *_coverage(run),
        "",
    ]
    lines += ["### Reviews", "", *_reviews(run.models), ""]
    if run.provenance is not None:
        lines += _folded("Provenance", provenance_markdown(run.provenance).splitlines())
    return "\n".join(lines).rstrip("\n") + "\n"


# --- the Statement of Applicability ------------------------------------------------------


def _applicable(decision: SoaDecision | None) -> str:
    if decision is None or decision.applicable is None:
        return "undecided"
    return "yes" if decision.applicable else "no"


def soa_contradiction(row: SoaRow, soa: Soa) -> str:
    """The models that show a control applies which the register decides does not apply
    (`coding-agent, partner-classifier`), by id; "" when there is no contradiction."""
    ids = {m.path: m.model_id or m.path for m in soa.models}
    return ", ".join(ids.get(p, p) for p in row.contradicted_by)


def soa_pointer(p: EvidencePointer) -> str:
    """`path:line` `/pointer` what: one located piece of evidence, as Markdown."""
    where = _code(f"{p.file}:{p.line}" if p.line else p.file, in_table=True)
    pointer = f" {_code(p.pointer, in_table=True)}" if p.pointer else ""
    what = f" {_md(p.what)}" if p.what else ""
    return f"{where}{pointer}{what}"


def soa_result(row: SoaRow, soa: Soa) -> str:
    """The row's result in words: the register's for an organisation control, else each
    model's (`support-assistant: attested`)."""
    if row.judged_by == "organisation":
        return (row.status.value if row.status is not None else "no result") + " (organisation)"
    return "; ".join(
        f"{_md(v.model_id or v.model_path)}: {v.status.value if v.status else 'no result'}"
        for v in row.verdicts
    )


def _soa_counts(soa: Soa) -> str:
    decisions = [r.decision for r in soa.rows]
    yes = sum(1 for d in decisions if d is not None and d.applicable is True)
    no = sum(1 for d in decisions if d is not None and d.applicable is False)
    against = sum(1 for r in soa.rows if r.contradicted_by)
    contradicted = f" ({against} contradicted by the models)" if against else ""
    return (
        f"{len(soa.rows)} controls: {yes} applicable, {no} not applicable{contradicted}, "
        f"{len(soa.rows) - yes - no} undecided"
    )


def soa_table_markdown(soa: Soa) -> str:
    """One row per Annex A control: decision, owner, documents and result."""
    lines = [
        "| Control | Title | Applicable | Justification | Implementation | Owner | Documents "
        "| Result |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in soa.rows:
        d = row.decision
        cells = [
            _md(row.id),
            _md(row.title),
            _applicable(d)
            + (
                f" **(contradicted: {_md(soa_contradiction(row, soa))} show it applies)**"
                if row.contradicted_by
                else ""
            ),
            _md(d.justification) if d is not None else "",
            _md(d.implementation or "undecided") if d is not None else "undecided",
            _md(d.owner) if d is not None else "",
            "<br>".join(_md(doc) for doc in d.documents) if d is not None else "",
            soa_result(row, soa),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def soa_details_markdown(soa: Soa) -> str:
    """Per control: how it is judged, the decision's place, and each verdict with its
    checks and evidence located (file, line, JSON pointer)."""
    lines: list[str] = []
    for row in soa.rows:
        lines += ["", f"### {_md(row.id)} {_md(row.title)}", ""]
        how = {
            "organisation": "the organisation register, once for the repository",
            "system": "evidence each model cites about its system",
            "checks": "the checks, per model",
        }.get(row.judged_by, row.judged_by)
        lines.append(f"Judged by {how}.")
        lines.append("")
        if row.decision is not None:
            lines.append(f"- decision: {soa_pointer(row.decision.where)}")
        else:
            lines.append("- decision: none in the register")
        if row.contradicted_by:
            lines.append(
                "- **contradiction** (TM-REG-007): decided not applicable, but the verdicts "
                f"of {_md(soa_contradiction(row, soa))} show it applies"
            )
        if row.judged_by == "organisation":
            status = row.status.value if row.status is not None else "no result"
            lines.append(f"- result: **{status}**")
            lines.extend(f"  - {soa_pointer(p)}" for p in row.evidence)
        for v in row.verdicts:
            status = v.status.value if v.status is not None else "no result"
            checks = f"; checks {', '.join(v.checks)}" if v.checks else ""
            not_run = f"; not run {', '.join(v.not_run)}" if v.not_run else ""
            note = f": {_md(v.note)}" if v.note else ""
            name = _md(v.model_id or v.model_path)
            lines.append(f"- **{name}** ({_code(v.model_path)}): {status}{note}{checks}{not_run}")
            lines.extend(f"  - {soa_pointer(p)}" for p in v.evidence)
    return "\n".join(lines).lstrip("\n") + "\n"


def soa_markdown(soa: Soa) -> str:
    """The Statement of Applicability: the table, then the verdicts and their evidence,
    then the provenance."""
    who = f"{_md(soa.organisation)}: " if soa.organisation else ""
    register = (
        f"decisions from the register {_code(soa.register)}"
        if soa.register
        else "no register was read (`policyengine init-register` writes a starter)"
    )
    lines = [
        f"## Statement of Applicability, ISO/IEC 42001 Annex A ({soa.as_of.isoformat()})",
        "",
        f"{who}{_soa_counts(soa)}; {register}. Titles are our own paraphrases of the controls.",
        "",
    ]
    problems = [
        f"- {_cell_code(f'{d.file}:{d.line}:{d.column}')} {d.level.value}: {_md(d.message)}"
        for d in soa.diagnostics
    ]
    if problems:
        lines += ["### Problems", "", *problems, ""]
    lines += [soa_table_markdown(soa), "## Verdicts and evidence", "", soa_details_markdown(soa)]
    if soa.provenance is not None:
        lines.append(provenance_markdown(soa.provenance))
    return "\n".join(lines).rstrip("\n") + "\n"
