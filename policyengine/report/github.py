"""The `check` report as GitHub Actions workflow commands: one annotation per finding.

Each finding is `::error file=PATH,line=N,col=N,title=CHECK (severity)::message` (critical
and high are `error`, medium `warning`, low `notice`), shown by GitHub on the line of the
model in the pull request's diff; an invalid file is an `error` at its problem. In
pull-request mode the annotations are what the pull request made new or worse, and the
findings the base already had are counted in one `notice`; after the findings, each changed
model has a `notice` saying what changed (threats added, removed and rescored, control status
changes, review triggers: the text report's summary). A check finding whose every
control the model waives (`excusing_waivers`: in pull-request mode, only a waiver the base
had) keeps its level, since a waiver does not change the exit status, and names the waiver;
the pull request's own findings (PR-*) are never waived. The last line counts the
annotations and gives the verdict at `--fail-on`, the exit status's. A file is named by
its path in the repository (`RunResult.repository_path` before the root-relative path),
so an annotation lands on the pull request's file also when the config and the models sit
in a folder of the repository. Every value is
escaped as workflow commands need (`%`, CR and LF in the message; also `:` and `,` in a
property), so no text from a model can end a command or start another. The CLI also
appends the Markdown report to `$GITHUB_STEP_SUMMARY` when it is set.
"""

from __future__ import annotations

from collections import Counter

from ..results import (
    PULL_REQUEST_SOURCE,
    Diagnostic,
    Finding,
    Level,
    Report,
    RunResult,
    Severity,
    excusing_waivers,
    exit_status,
    waiver_reason,
)
from . import Formatter, OutputFormat, counted, no_view
from .escape import github_data, github_file, github_property
from .text import change_label, model_changes

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
        props.append(f"file={github_file(file)}")
    if line > 0:
        props.append(f"line={line}")
        if col > 0:
            props.append(f"col={col}")
    if title:
        props.append(f"title={github_property(title)}")
    head = f"::{kind} {','.join(props)}" if props else f"::{kind}"
    return f"{head}::{github_data(message)}"


def _finding(path: str, f: Finding, waived: str | None = None) -> str:
    """The annotation of `f`, at its severity's level; `waived` is the reason of the
    waiver that excuses it (`waiver_reason`), named in the title and the message."""
    title = f"{f.check_id} ({f.severity.value})" + (" waived" if waived is not None else "")
    message = f.message
    if waived is not None:
        message += f" (waived: {waived})"
    if f.same_cause:
        message += "; also " + ", ".join(f"{g.check_id} {g.message}" for g in f.same_cause)
    if f.hint:
        message += f" (fix: {f.hint})"
    return _command(
        _COMMAND[f.severity], message, file=path, line=f.line, col=f.column, title=title
    )


def _diagnostic(d: Diagnostic, file: str) -> str:
    kind = "error" if d.level is Level.ERROR else "warning"
    title = "invalid threat model" if d.level is Level.ERROR else "threat model warning"
    return _command(kind, d.message, file=file, line=d.line, col=d.column, title=title)


def github_lines(run: RunResult) -> list[str]:
    """The workflow commands of a check run, in report order (see the module docstring).
    Files are named by their path in the repository (`RunResult.in_repository`), as
    GitHub places an annotation, also when the run's root is a folder of it."""
    at = run.in_repository

    def diagnostic(d: Diagnostic) -> str:
        return _diagnostic(d, at(d.file))

    lines = [diagnostic(d) for d in run.diagnostics]
    if run.delta is None:
        if run.organisation is not None:  # the register, judged once for the repository
            lines.extend(diagnostic(d) for d in run.organisation.diagnostics)
            org = run.organisation
            lines.extend(_finding(at(org.path), f) for c in org.checks for f in c.findings)
        for m in run.models:
            lines.extend(diagnostic(d) for d in m.diagnostics)
            waivers = excusing_waivers(m)
            lines.extend(
                _finding(at(m.path), f, waiver_reason(f, waivers))
                for c in m.checks
                for f in c.findings
            )
        return lines
    existing = 0
    heads = {m.path: m for m in run.models}
    own = {r.id for r in run.rules if r.source == PULL_REQUEST_SOURCE}
    for d in run.delta.models:
        lines.extend(diagnostic(e) for e in d.errors)
        waivers = excusing_waivers(heads.get(d.path), d)
        lines.extend(
            _finding(at(d.path), f, None if f.check_id in own else waiver_reason(f, waivers))
            for f in d.findings
        )
    for d in run.delta.models:  # then what changed, for the reviewer
        changed = model_changes(d)
        if d.change != "unchanged" and (changed or d.renamed_from):
            moved = [f"renamed from {d.renamed_from}"] if d.renamed_from else []
            lines.append(
                _command(
                    "notice",
                    f"{d.path} {change_label(d)}: " + "; ".join([*moved, *changed]),
                    file=at(d.path),
                    title="pull request changes",
                )
            )
        existing += len(d.existing) + len(d.existing_errors)
    lines.extend(_finding(at(r.path), r.finding) for r in run.delta.findings)
    existing += len(run.delta.existing)
    if existing:
        lines.append(
            _command(
                "notice",
                f"{counted(existing, 'finding')} "
                f"{'was' if existing == 1 else 'were'} already on the base {run.delta.base} "
                "(policyengine check --show-existing lists them)",
                title="existing findings",
            )
        )
    return lines


def _tally(lines: list[str], run: RunResult) -> str:
    """The last line: the annotations by kind and the verdict at `--fail-on`, which is the
    exit status's (`exit_status`): a run that fails always has an annotation that says why."""
    kinds = Counter(line[2 : line.index(" ")] for line in lines if line.startswith("::"))
    shown = ", ".join(counted(kinds[k], k) for k in ("error", "warning", "notice") if kinds[k])
    fail_on = run.view.fail_on
    verdict = "fails" if exit_status(run, fail_on) else "passes"
    return (
        f"policyengine: {counted(sum(kinds.values()), 'annotation')}"
        + (f" ({shown})" if shown else "")
        + f"; the check {verdict} at --fail-on {fail_on.value}"
    )


class GithubFormatter(Formatter):
    """GitHub Actions workflow commands of a `check` run (a `RunResult`)."""

    def render(self, report: Report) -> str:
        """One workflow command a line, ending with a newline (empty when nothing was
        found); TypeError for any report but a `RunResult`."""
        if not isinstance(report, RunResult):
            raise no_view(OutputFormat.GITHUB, report)
        lines = github_lines(report)
        lines.append(_tally(lines, report))
        return "".join(line + "\n" for line in lines)
