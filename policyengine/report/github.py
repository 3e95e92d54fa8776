"""The `check` report as GitHub Actions workflow commands: one annotation per finding.

Each finding is `::error file=PATH,line=N,col=N,title=CHECK (severity)::message` (critical
and high are `error`, medium `warning`, low `notice`), shown by GitHub on the line of the
model in the pull request's diff; an invalid file is an `error` at its problem. In
pull-request mode the annotations are what the pull request made new or worse, and the
findings the base already had are counted in one `notice`. A finding whose every control
the model waives is a `notice` naming the waiver. Every value is escaped as workflow
commands need (`%`, CR and LF in the message; also `:` and `,` in a property), so no text
from a model can end a command or start another. The CLI also appends the Markdown
report to `$GITHUB_STEP_SUMMARY` when it is set.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..results import ControlStatus, Diagnostic, Finding, Level, Report, RunResult, Severity
from . import Formatter, OutputFormat, no_view
from .escape import github_data, github_property

_COMMAND = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
}


def _command(
    kind: str, message: str, *, file: str = "", line: int = 0, col: int = 0, title: str = ""
) -> str:
    """One workflow command, its properties and message escaped."""
    props = []
    if file:
        props.append(f"file={github_property(file)}")
    if line > 0:
        props.append(f"line={line}")
        if col > 0:
            props.append(f"col={col}")
    if title:
        props.append(f"title={github_property(title)}")
    head = f"::{kind} {','.join(props)}" if props else f"::{kind}"
    return f"{head}::{github_data(message)}"


def _finding(path: str, f: Finding, waived: Mapping[str, str]) -> str:
    reasons = [waived[c] for c in f.controls if c in waived]
    title = f"{f.check_id} ({f.severity.value})"
    if f.controls and len(reasons) == len(f.controls):
        why = "; ".join(dict.fromkeys(r for r in reasons if r)) or "no reason given"
        return _command(
            "notice",
            f"{f.message} (waived: {why})",
            file=path,
            line=f.line,
            col=f.column,
            title=title + " waived",
        )
    message = f.message
    if f.same_cause:
        message += "; also " + ", ".join(f"{g.check_id} {g.message}" for g in f.same_cause)
    if f.hint:
        message += f" (fix: {f.hint})"
    return _command(
        _COMMAND[f.severity], message, file=path, line=f.line, col=f.column, title=title
    )


def _diagnostic(d: Diagnostic) -> str:
    kind = "error" if d.level is Level.ERROR else "warning"
    title = "invalid threat model" if d.level is Level.ERROR else "threat model warning"
    return _command(kind, d.message, file=d.file, line=d.line, col=d.column, title=title)


def _waivers(run: RunResult, path: str) -> dict[str, str]:
    for m in run.models:
        if m.path == path:
            return {c.control_id: c.note for c in m.controls if c.status is ControlStatus.WAIVED}
    return {}


def github_lines(run: RunResult) -> list[str]:
    """The workflow commands of a check run, in report order (see the module docstring)."""
    lines = [_diagnostic(d) for d in run.diagnostics]
    if run.delta is None:
        if run.organisation is not None:  # the register, judged once for the repository
            lines.extend(_diagnostic(d) for d in run.organisation.diagnostics)
            org = run.organisation
            lines.extend(_finding(org.path, f, {}) for c in org.checks for f in c.findings)
        for m in run.models:
            lines.extend(_diagnostic(d) for d in m.diagnostics)
            waived = _waivers(run, m.path)
            lines.extend(_finding(m.path, f, waived) for c in m.checks for f in c.findings)
        return lines
    existing = 0
    for d in run.delta.models:
        lines.extend(_diagnostic(e) for e in d.errors)
        waived = _waivers(run, d.path)
        lines.extend(_finding(d.path, f, waived) for f in d.findings)
        existing += len(d.existing) + len(d.existing_errors)
    lines.extend(_finding(r.path, r.finding, {}) for r in run.delta.findings)
    existing += len(run.delta.existing)
    if existing:
        lines.append(
            _command(
                "notice",
                f"{existing} findings were already on the base {run.delta.base} "
                "(policyengine check --show-existing lists them)",
                title="existing findings",
            )
        )
    return lines


class GithubFormatter(Formatter):
    """GitHub Actions workflow commands of a `check` run (a `RunResult`)."""

    def render(self, report: Report) -> str:
        """One workflow command a line, ending with a newline (empty when nothing was
        found); TypeError for any report but a `RunResult`."""
        if not isinstance(report, RunResult):
            raise no_view(OutputFormat.GITHUB, report)
        lines = github_lines(report)
        found = sum(1 for line in lines if line.startswith(("::error", "::warning")))
        lines.append(f"policyengine: {found} annotations (errors and warnings)")
        return "".join(line + "\n" for line in lines)
