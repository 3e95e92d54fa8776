"""The text format (the default): what a developer reads in a terminal or a CI log.

`check`/`validate`: compiler-style lines a developer can click, then one line per
framework. `status`: an aligned table with the reasons under each model. `remind`: the
reviews to do, by owner. `test`: failures and errors, then a summary line. `atlas`: one
technique per line, or the ids added, retired and renamed. The wording of a review
(`reason_label`, `when_due`, `review_cells`) is shared with the Markdown and CSV views.
Every line goes through `escape.text`, so that no field (a path, an owner, a message
quoting a model) can start a line of its own or send terminal control sequences.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import assert_never

from ..results import (
    AtlasChange,
    AtlasListing,
    CheckExplanation,
    CheckInfo,
    CheckListing,
    ControlResult,
    ControlStatus,
    DiscoveryReport,
    EvidencePointer,
    Finding,
    Matrix,
    MatrixCell,
    MatrixFramework,
    MatrixReport,
    ModelDelta,
    ModelReport,
    OrganisationReport,
    Outcome,
    PolicyTestReport,
    Provenance,
    PullRequestDelta,
    RemindReport,
    Report,
    ReviewReason,
    ReviewVerdict,
    RunResult,
    SoaReport,
    StatusReport,
    TestResult,
    View,
)
from . import (
    NO_RESULT,
    STATUS_STYLE,
    Formatter,
    OutputFormat,
    StatusStyle,
    counted,
    escape,
    no_view,
)
from .json import (
    existing_errors,
    judged_errors,
    judged_findings,
    review_summary,
    severity_counts,
    summarize,
)

_STATUS_ORDER = [
    ControlStatus.SATISFIED,
    ControlStatus.ATTESTED,
    ControlStatus.PARTIAL,
    ControlStatus.NOT_SATISFIED,
    ControlStatus.WAIVED,
    ControlStatus.NOT_APPLICABLE,
    ControlStatus.NOT_ASSESSED,
]


def _join(lines: Sequence[str]) -> str:
    """The lines as the text report: each escaped on its own line, and a final newline."""
    return "".join(escape.text(line) + "\n" for line in lines)


def review_line(v: ReviewVerdict) -> str:
    """`review: overdue (due 2026-09-30, 58 days overdue)`: the verdict in one line."""
    if v.due is None or v.days_left is None:
        when = "no calendar due date"
    elif v.days_left < 0:
        when = f"due {v.due.isoformat()}, {-v.days_left} days overdue"
    else:
        when = f"due {v.due.isoformat()}, in {v.days_left} days"
    return f"review: {v.status.value} ({when})"


def _shown(f: Finding, view: View) -> bool:
    return f.severity.rank >= view.min_severity.rank


def finding_lines(path: str, f: Finding, view: View, indent: str = "") -> list[str]:
    """`path:line:col: severity: CHECK message [controls]`, what else the one cause holds
    (pull-request mode: the controls it regresses, the findings of the same cause) and,
    with `--explain`, its fix."""
    where = f"{path}:{f.line}:{f.column}" if f.line else path
    controls = f" [{', '.join(f.controls)}]" if f.controls else ""
    lines = [f"{indent}{where}: {f.severity.value}: {f.check_id} {f.message}{controls}"]
    if f.regresses:
        lines.append(f"{indent}  regresses: {', '.join(f.regresses)} (satisfied at the base)")
    for g in f.same_cause:
        at = f" (line {g.line})" if g.line else ""
        lines.append(f"{indent}  same cause: {g.check_id}{at} {g.message}")
    if view.explain:
        lines.append(f"{indent}  fix: {f.hint or 'see policyengine explain ' + f.check_id}")
    return lines


GROUP_AT = 3
"""A check with this many findings of one message template in one file prints them as one
line: the count and the list of what differs (every finding stays in the JSON)."""


def _template_of(f: Finding, rules: Mapping[str, CheckInfo]) -> str | None:
    """The message template (`control {0} has no evidence`) a finding was rendered from,
    when the check declares it and the finding carries its arguments."""
    info = rules.get(f.check_id)
    if info is None or not f.arguments:
        return None
    return dict(info.messages).get(f.template)


def _varying(template: str, group: Sequence[Finding]) -> int | None:
    """The one placeholder whose text differs across `group`; None when another differs too."""
    count = len(group[0].arguments)
    differ = [i for i in range(count) if len({f.arguments[i] for f in group}) > 1]
    if len(differ) == 1 and f"{{{differ[0]}}}" in template:
        return differ[0]
    return None


def check_lines(
    path: str,
    findings: Sequence[Finding],
    view: View,
    rules: Mapping[str, CheckInfo],
    indent: str = "",
) -> list[str]:
    """The lines of one check's findings in one file: each finding on its own line, except
    `GROUP_AT` or more of one template that differ in one placeholder, which print as one
    line with the count and the list (`TM-ATTEST-001 12 x "control ... has no evidence":
    nist-ai-rmf/MAP 1.4, ...`), at the first one's place."""
    groups: dict[tuple[str, str, tuple[str, ...]], list[Finding]] = {}
    order: list[tuple[str, str, tuple[str, ...]] | Finding] = []
    for f in findings:
        template = _template_of(f, rules)
        if template is None or len(findings) < GROUP_AT:
            order.append(f)
            continue
        key = (f.template, f.severity.value, (str(len(f.arguments)),))
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(f)
    lines: list[str] = []
    for item in order:
        if isinstance(item, Finding):
            lines.extend(finding_lines(path, item, view, indent))
            continue
        group = groups[item]
        template = _template_of(group[0], rules)
        at = _varying(template, group) if template is not None and len(group) >= GROUP_AT else None
        if template is None or at is None:
            for f in group:
                lines.extend(finding_lines(path, f, view, indent))
            continue
        lines.extend(_group_lines(path, group, template, at, view, indent))
    return lines


def _group_lines(
    path: str, group: Sequence[Finding], template: str, at: int, view: View, indent: str
) -> list[str]:
    first = group[0]
    shown = list(first.arguments)
    shown[at] = "..."
    pattern = re.sub(r"\{(\d+)\}", lambda m: shown[int(m.group(1))], template)
    items = ", ".join(dict.fromkeys(f.arguments[at] for f in group))
    where = f"{path}:{first.line}:{first.column}" if first.line else path
    lines = [
        f"{indent}{where}: {first.severity.value}: {first.check_id} {len(group)} x "
        f'"{pattern}": {items}'
    ]
    if view.explain:
        lines.append(f"{indent}  fix: {first.hint or 'see policyengine explain ' + first.check_id}")
    return lines


def _model_lines(m: ModelReport, view: View, rules: Mapping[str, CheckInfo]) -> list[str]:
    lines = [] if view.quiet else [f"{m.path}: {m.model_id or '(not loaded)'}" + (
        f", owner {m.owner}" if m.owner else "")]  # fmt: skip
    indent = "" if view.quiet else "  "
    lines.extend(f"{indent}{d.render()}" for d in m.diagnostics)
    for check in m.checks:
        shown = [f for f in check.findings if _shown(f, view)]
        lines.extend(check_lines(m.path, shown, view, rules, indent))
    if view.quiet:
        return lines
    if m.review is not None:
        lines.append(f"  {review_line(m.review)}")
        for r in m.review.reasons:
            status = r.status.value if r.status else "not evaluated"
            lines.append(f"    - {r.rule.value} ({status}): {r.message}")
    lines.extend(_control_counts(m.controls))
    return lines


def _control_counts(controls: Sequence[ControlResult]) -> list[str]:
    """`  iso42001: 30 controls: 20 satisfied, 4 attested, ...`, a line per framework."""
    frameworks: dict[str, Counter[ControlStatus]] = {}
    for c in controls:
        frameworks.setdefault(c.framework, Counter())[c.status] += 1
    lines = []
    for fw, counts in frameworks.items():
        parts = [f"{counts[s]} {s.value}" for s in _STATUS_ORDER if counts[s]]
        lines.append(f"  {fw}: {sum(counts.values())} controls: " + ", ".join(parts))
    return lines


def organisation_lines(
    o: OrganisationReport, view: View, rules: Mapping[str, CheckInfo]
) -> list[str]:
    """The repository's organisation register, judged once: its errors, the register
    checks' findings (grouped like a model's) and its controls per framework."""
    if view.quiet:
        lines = []
    elif not o.found:
        lines = [f"{o.path}: organisation register (not found: `policyengine init-register` "
                 "writes a starter)"]  # fmt: skip
    else:
        lines = [f"{o.path}: organisation register"]
    indent = "" if view.quiet else "  "
    lines.extend(f"{indent}{d.render()}" for d in o.diagnostics)
    for check in o.checks:
        shown = [f for f in check.findings if _shown(f, view)]
        lines.extend(check_lines(o.path, shown, view, rules, indent))
    if not view.quiet:
        lines.extend(_control_counts(o.controls))
    return lines


def _delta_lines(d: PullRequestDelta, view: View) -> list[str]:
    """What the pull request changed (unless `--quiet`), then what it made new or worse:
    errors and findings, one per cause; with `--show-existing`, what the base already had."""
    since = (
        f" (changes since the merge base {d.merge_base[:12]}; {d.base} has moved on)"
        if d.merge_base and d.merge_base != d.base_commit
        else ""
    )
    lines = [] if view.quiet else [f"pull request: {d.base} -> {d.head}{since}"]
    for m in d.models:
        if m.change == "unchanged" or view.quiet:
            continue
        moved = f" (renamed from {m.renamed_from})" if m.renamed_from else ""
        lines.append(f"  {m.path}: {change_label(m)}{moved}")
        if m.threats_added:
            lines.append(f"    threats added: {', '.join(m.threats_added)}")
        if m.threats_removed:
            lines.append(f"    threats removed: {', '.join(m.threats_removed)}")
        for tid, old, new in m.threats_rescored:
            lines.append(f"    threat {tid} rescored: risk {old} -> {new}")
        shown = {c for f in m.findings for c in (*f.regresses, *_regression_of(f))}
        for key, old_status, new_status in m.control_changes:
            if key not in shown:  # a regression is shown with the finding that caused it
                lines.append(f"    {key}: {old_status} -> {new_status}")
        lines.extend(f"    review trigger: {t}" for t in m.trigger_changes)
    indent = "" if view.quiet else "  "
    for m in d.models:
        lines.extend(f"{indent}{e.render()}" for e in m.errors)
        for f in m.findings:
            if _shown(f, view):
                lines.extend(finding_lines(m.path, f, view, indent))
    for r in d.findings:
        if _shown(r.finding, view):
            lines.extend(finding_lines(r.path, r.finding, view, indent))
    on_base = d.existing or any(m.existing or m.existing_errors for m in d.models)
    if view.show_existing and on_base:
        if not view.quiet:
            lines.append("already on the base:")
        for r in d.existing:
            if _shown(r.finding, view):
                lines.extend(finding_lines(r.path, r.finding, view, indent))
        for m in d.models:
            lines.extend(f"{indent}{e.render()}" for e in m.existing_errors)
            for f in m.existing:
                if _shown(f, view):
                    lines.extend(finding_lines(m.path, f, view, indent))
    return lines


def change_label(m: ModelDelta) -> str:
    """How the pull request changed a model, as the reports say it: an `affected` model's
    own file is the same on both sides."""
    if m.change == "affected":
        return "affected (the file is unchanged; a file it cites changed)"
    return m.change


def model_changes(m: ModelDelta, *, controls: bool = True) -> list[str]:
    """What the pull request changed in one model, a line each, as the text report says it
    (threats added, removed and rescored, control status changes unless `controls` is
    False, review triggers): the view the `markdown` and `github` reports give reviewers
    too. Model text is in the lines: each format escapes it."""
    lines = []
    if m.threats_added:
        lines.append(f"threats added: {', '.join(m.threats_added)}")
    if m.threats_removed:
        lines.append(f"threats removed: {', '.join(m.threats_removed)}")
    lines += [f"threat {tid} rescored: risk {old} -> {new}" for tid, old, new in m.threats_rescored]
    if controls:
        lines += [f"{key}: {old} -> {new}" for key, old, new in m.control_changes]
    lines += [f"review trigger: {t}" for t in m.trigger_changes]
    return lines


def _regression_of(f: Finding) -> tuple[str, ...]:
    """The control of a regression no new finding explains (PR-REGRESSION-001)."""
    return f.controls if f.check_id == "PR-REGRESSION-001" else ()


def _by_severity(findings: Sequence[Finding]) -> str:
    counts = severity_counts(findings)
    return ", ".join(f"{n} {sev}" for sev, n in counts.items() if n)


def _check_text(run: RunResult) -> str:
    """Per model: diagnostics, failing checks, review verdict, framework lines; in
    pull-request mode, what the pull request changed and made new or worse instead; then
    the provenance and the summary line, last."""
    view = run.view
    rules = {r.id: r for r in run.rules}
    lines = [d.render() for d in run.diagnostics]
    if run.delta is None:
        if run.organisation is not None:
            lines.extend(organisation_lines(run.organisation, view, rules))
        for m in run.models:
            lines.extend(_model_lines(m, view, rules))
    else:
        lines.extend(_delta_lines(run.delta, view))
    if view.quiet:
        return _join(lines)
    s = summarize(run)
    judged = judged_findings(run)
    hidden = [f for f in judged if not _shown(f, view)]
    # the error diagnostics the exit status judges (JSON `summary.errors`), then findings
    errors = len(judged_errors(run))
    counts = ", ".join(
        p for p in (counted(errors, "error") if errors else "", _by_severity(judged)) if p
    )
    if run.delta is None:
        found = counts or "no findings"
    else:
        found = "new in this pull request: " + (counts or "nothing")
        existing = run.delta.existing_findings()
        on_base = len(existing) + len(existing_errors(run))
        if on_base:
            if view.show_existing:
                hidden += [f for f in existing if not _shown(f, view)]
            more = "" if view.show_existing else " (--show-existing prints them)"
            found += f"; {on_base} already on the base{more}"
    if hidden:
        found += f"; {len(hidden)} below {view.min_severity.value} not printed"
    skipped = (
        f", {counted(s['skipped_files'], 'other YAML file')} skipped" if s["skipped_files"] else ""
    )
    if run.provenance is not None:
        lines.extend(provenance_lines(run.provenance))
    lines.append(
        f"{counted(s['models'], 'model')} ({s['valid']} valid, {s['invalid']} invalid)"
        f"{skipped}; {found}"
    )
    return _join(lines)


def judged_label(p: EvidencePointer) -> str:
    """A judged part of a model in words, without its file: `line 120 /controls all 9 items
    judged by TM-CTRL-002`."""
    return f"line {p.line} {p.pointer} {p.what}"


def commit_label(p: Provenance) -> str:
    """`<commit>`, `<commit> (work tree dirty)`, or why there is none."""
    if p.commit is None:
        return "none (no commit yet)" if p.dirty is not None else "none (not a git repository)"
    return p.commit + (" (work tree dirty)" if p.dirty else "")


def provenance_lines(p: Provenance) -> list[str]:
    """Where the report comes from, one fact a line (each under 100 columns)."""
    lines = [
        f"made by policyengine {p.tool_version}, rules as of {p.as_of.isoformat()}",
        f"commit: {commit_label(p)}",
    ]
    if p.policy_digest is not None:
        lines.append(f"policy set: sha256 {p.policy_digest}")
    lines.extend(f"catalog {name}: {escape.text(version)}" for name, version in p.catalogs)
    return lines


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
    rows = [tuple(escape.text(c) for c in status_row(m)) for m in run.models]
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
    return _join(lines)


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
    unreachable = report.unreachable
    for group in report.groups:
        contacts = f" ({', '.join(group.contacts)})" if group.contacts else ""
        if group in unreachable:
            contacts = " (no contact: the config's owners has no entry for this owner)"
        lines.extend(["", f"{group.owner}{contacts}:"])
        for m in group.models:
            lines.append(f"  {m.model_id or m.path}  {status_of(m)}  {when_due(m)}  {m.path}")
            lines.extend(f"      {reason_label(r)}" for r in reasons_of(m))
    if not report.groups:
        lines.extend(["", "Nothing is due."])
    return _join(lines)


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
    return _join(lines)


def _discover_text(report: DiscoveryReport) -> str:
    """One compiler-style line per finding, then the warnings and a summary line."""
    lines = []
    for f in report.findings:
        version = f" {f.version}" if f.version else ""
        lines.append(f"{f.file}:{f.line}: {f.kind.value} {f.name}{version}: {f.evidence}")
    lines.extend(d.render() for d in report.diagnostics)
    lines.append(f"{report.files} files read; {len(report.findings)} findings")
    return _join(lines)


def _atlas_list_text(report: AtlasListing) -> str:
    return _join([f"{t.id:<14} {t.first_release:<8} {t.name}" for t in report.techniques])


def _atlas_change_text(report: AtlasChange) -> str:
    change = report.diff
    lines = [f"ATLAS {report.old_version} -> {report.new_version}"]
    lines.append(f"added ({len(change.added)}):")
    lines.extend(f"  {tid}" for tid in change.added)
    lines.append(f"retired ({len(change.retired)}):")
    lines.extend(f"  {tid}" for tid in change.retired)
    lines.append(f"renamed ({len(change.renamed)}):")
    lines.extend(f"  {tid}: {old} -> {new}" for tid, old, new in change.renamed)
    return _join(lines)


# --- checks and explain ----------------------------------------------------------------------


def explained(c: CheckInfo) -> list[tuple[str, str]]:
    """(label, text) of what `explain` says beyond the title, in reading order; a check
    without one of them (a team check) says so."""
    missing = "(the check does not say; its METADATA has no custom.{})"
    return [
        ("Why", c.rationale or missing.format("rationale")),
        ("How to fix it", c.hint or missing.format("hint")),
        ("How to rule it out", c.rule_out or missing.format("rule_out")),
    ]


def _checks_text(report: CheckListing) -> str:
    """One line per check: id, severity, title, then its controls."""
    width = max((len(c.id) for c in report.checks), default=0)
    lines = []
    for c in report.checks:
        controls = f" [{', '.join(c.controls)}]" if c.controls else ""
        lines.append(f"{c.id:<{width}}  {c.severity:<8}  {c.title}{controls}")
    lines.append(f"{len(report.checks)} checks; policyengine explain ID says more about one")
    return _join(lines)


def _explain_text(c: CheckInfo) -> str:
    lines = [
        f"{c.id}: {c.title}",
        f"severity: {c.severity}",
        f"controls: {', '.join(c.controls) or '-'}",
        f"defined in: {c.source}",
    ]
    if c.description:
        lines += ["", c.description]
    for label, text in explained(c):
        lines += ["", f"{label}: {text}"]
    return _join(lines)


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
            case MatrixReport():
                return _matrix_text(report.matrix, colour=report.colour)
            case CheckListing():
                return _checks_text(report)
            case CheckExplanation():
                return _explain_text(report.check)
            case DiscoveryReport():
                return _discover_text(report)
            case SoaReport():
                raise no_view(OutputFormat.TEXT, report)
            case _:
                assert_never(report)


# --- matrix ---------------------------------------------------------------------------------

WIDTH = 100
"""The terminal view of the matrix fits this many columns."""
_MIN_TITLE = 20
"""The narrowest title column: beyond it, models go to another block of columns."""


def style_of(cell: MatrixCell | None) -> StatusStyle:
    """How a cell is shown: its status's style, or `NO_RESULT`."""
    return STATUS_STYLE[cell.status] if cell is not None else NO_RESULT


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 3, 0)] + "..."


def _paint(text: str, style: StatusStyle, colour: bool) -> str:
    return f"\x1b[{style.ansi}m{text}\x1b[0m" if colour else text


def _counts(totals: Mapping[ControlStatus, int]) -> str:
    parts = [f"{n} {status.value}" for status, n in totals.items() if n]
    return ", ".join(parts) or "no cells"


def _blocks(count: int, fixed: int) -> list[range]:
    """Model indexes split into blocks whose columns (3 each) fit beside `fixed` columns
    and a title of at least `_MIN_TITLE`."""
    per = max((WIDTH - fixed - _MIN_TITLE) // 3, 1)
    return [range(i, min(i + per, count)) for i in range(0, max(count, 1), per)]


def _framework_text(fw: MatrixFramework, matrix: Matrix, colour: bool) -> list[str]:
    lines = [f"{escape.text(fw.name)} ({fw.framework}): {len(fw.rows)} controls"]
    idw = max([len("CONTROL"), *(len(escape.text(r.id)) for r in fw.rows)])
    for block in _blocks(len(matrix.models), idw + 2):
        titlew = WIDTH - idw - 2 - 3 * len(block)
        header = "".join(f"{i + 1:>3}" for i in block)
        lines.append(f"{'CONTROL':<{idw}}  {'TITLE':<{titlew}}{header}".rstrip())
        for row in fw.rows:
            cells = "".join(
                "  " + _paint(style_of(row.cells[i]).symbol, style_of(row.cells[i]), colour)
                for i in block
            )
            title = _fit(escape.text(row.title), titlew)
            lines.append(f"{escape.text(row.id):<{idw}}  {title:<{titlew}}{cells}")
    lines.append(_fit(f"  all models: {_counts(fw.totals)}", WIDTH))
    for i, totals in enumerate(fw.model_totals):
        label = escape.text(matrix.models[i].label)
        lines.append(_fit(f"  [{i + 1}] {label}: {_counts(totals)}", WIDTH))
    for row in fw.rows:
        # One line per control and kind of gap: the models where it is, the checks failed.
        gaps: dict[tuple[str, tuple[str, ...]], list[tuple[int, int]]] = {}
        for i, cell in enumerate(row.cells):
            if cell is not None and cell.failed:
                key = (cell.status.value, cell.failed)
                gaps.setdefault(key, []).append((i + 1, len(cell.findings)))
        for (status, failed), where in gaps.items():
            n = sum(count for _, count in where)
            models = ", ".join(f"[{i}]" for i, _ in where)
            text = (
                f"  gap: {escape.text(row.id)} {status} in {models}: {', '.join(failed)} "
                f"({n} finding{'' if n == 1 else 's'})"
            )
            lines.append(_fit(text, WIDTH))
    return lines


def _matrix_text(matrix: Matrix, colour: bool) -> str:
    lines = [f"Control-coverage matrix as of {matrix.as_of.isoformat()}", "", "models:"]
    for i, m in enumerate(matrix.models):
        invalid = "" if m.valid else " (invalid: no result)"
        lines.append(
            _fit(f"  [{i + 1}] {escape.text(m.label)}  {escape.text(m.path)}{invalid}", WIDTH)
        )
    if not matrix.models:
        lines.append("  (no threat models found)")
    for fw in matrix.frameworks:
        lines.extend(["", *_framework_text(fw, matrix, colour)])
    lines.append("")
    legend, used = "legend:", len("legend:")
    for style in [*STATUS_STYLE.values(), NO_RESULT]:
        entry = f"{style.symbol} {style.label}"
        if used + 2 + len(entry) > WIDTH:
            lines.append(legend)
            legend, used = "       ", 7
        legend += f"  {_paint(style.symbol, style, colour)} {style.label}"
        used += 2 + len(entry)
    lines.append(legend)
    lines.append("checks, findings and evidence of every cell: --format json, markdown, xlsx, html")
    if matrix.provenance is not None:
        lines.extend(["", *provenance_lines(matrix.provenance)])
    return "\n".join(lines) + "\n"
