"""The `check` report as JUnit XML, for CI systems that show test reports (GitLab, Jenkins).

One `testsuite` per framework evaluated, one `testcase` per check mapped to that framework
and model (passing ones too; classname the model's path, name the check's id and title).
A case fails as the check's exit status does (`exit_status` at `--fail-on`): its
`failure` lists the findings that fail the run (message, severity, line; a waived one
says so, since a waiver never changes the exit status); the findings that do not (below
`--fail-on`, or in pull-request mode already on the base) are listed in its `system-out`
with why, so a report with no failure is a run that passes. `skipped` says the check is
not applicable to the model. In pull-request mode the findings are the gate's: a case
fails with what the pull request made new or worse, and one more suite, `pull-request`,
has a case per pull-request check (PR-*), its findings in the files they name. One more
suite, `validate`, has a case per file: an `error` for a file that does not load or
validate (in pull-request mode, errors the base did not have; and for run-level errors).
The root `testsuites` carries the provenance and the verdict at `--fail-on` as
properties of every suite. Counts are attributes of each suite and of the root. The XML
is written with `xml.etree`, which escapes every text and attribute.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence

from ..results import (
    PULL_REQUEST_SOURCE,
    CheckInfo,
    CheckOutcome,
    Diagnostic,
    Finding,
    Level,
    PullRequestDelta,
    Report,
    RunResult,
    Severity,
    excusing_waivers,
    exit_status,
    waiver_reason,
)
from . import Formatter, OutputFormat, no_view
from .escape import text as one_line


def _framework_of(control: str) -> str:
    return control.split("/", 1)[0]


_Located = tuple[str, Finding]
"""A finding and the file it is in (relative to the run's root)."""


def _line(path: str, f: Finding, waived: Mapping[str, str], why: str = "") -> str:
    reason = waiver_reason(f, waived)
    note = [f"waived: {reason}"] if reason is not None else []
    note += [why] if why else []
    tail = f" ({'; '.join(note)})" if note else ""
    return one_line(f"{path}:{f.line}:{f.column}: {f.severity.value}: {f.message}{tail}")


def _case(
    classname: str,
    name: str,
    failing: Sequence[_Located],
    aside: Sequence[tuple[_Located, str]],
    waived: Mapping[str, str],
    kind: str,
) -> ET.Element:
    """A case that fails with `failing` (type `kind`, the check's severity) and lists
    `aside` (with why each does not fail the run) in its `system-out`."""
    case = ET.Element("testcase", {"classname": one_line(classname), "name": one_line(name)})
    if failing:
        first = failing[0][1]
        failure = ET.SubElement(
            case,
            "failure",
            {
                "message": one_line(first.message)
                + (f" (and {len(failing) - 1} more)" if len(failing) > 1 else ""),
                "type": kind,
            },
        )
        failure.text = "\n".join(_line(p, f, waived) for p, f in failing)
    if aside:
        out = ET.SubElement(case, "system-out")
        out.text = "\n".join(_line(p, f, waived, why) for (p, f), why in aside)
    return case


def _title(outcome: CheckOutcome, rule: CheckInfo | None) -> str:
    return f"{outcome.check_id} {rule.title if rule is not None else outcome.title}"


class _Gate:
    """Which findings of a check fail the run at `--fail-on` (`exit_status`'s rule) and
    why the others do not."""

    def __init__(self, run: RunResult) -> None:
        self.fail_on = run.view.fail_on
        self.delta = run.delta
        self.below = f"below --fail-on {self.fail_on.value}"
        self.base = f"already on the base {run.delta.base}" if run.delta is not None else ""

    def plain(
        self, path: str, outcome: CheckOutcome
    ) -> tuple[list[_Located], list[tuple[_Located, str]]]:
        """A run without a base: a check fails the run when it found anything and its
        severity is at or above `--fail-on`."""
        found = [(path, f) for f in outcome.findings]
        if outcome.findings and outcome.severity.rank >= self.fail_on.rank:
            return found, []
        return [], [(x, self.below) for x in found]

    def split(
        self, new: Iterable[_Located], existing: Iterable[_Located]
    ) -> tuple[list[_Located], list[tuple[_Located, str]]]:
        """Pull-request mode: what the pull request made new or worse fails the run at or
        above `--fail-on`; another finding of its cause (`same_cause`) goes with it."""
        failing: list[_Located] = []
        aside: list[tuple[_Located, str]] = []
        for path, f in new:
            group = [(path, f), *((path, g) for g in f.same_cause)]
            if f.severity.rank >= self.fail_on.rank:
                failing += group
            else:
                aside += [(x, self.below) for x in group]
        aside += [(x, self.base) for x in existing]
        return failing, aside


def _of(check_id: str, located: Iterable[_Located]) -> list[_Located]:
    """The findings of `check_id` (also one counted with another: `same_cause`)."""
    out: list[_Located] = []
    for path, f in located:
        if f.check_id == check_id:
            out.append((path, f))
        out += [(path, g) for g in f.same_cause if g.check_id == check_id]
    return out


def _pull_request_suite(
    delta: PullRequestDelta, rules: Sequence[CheckInfo], gate: _Gate
) -> list[ET.Element]:
    """A case per pull-request check (PR-*), with the findings it made in any file."""
    new = [(d.path, f) for d in delta.models for f in d.findings]
    new += [(r.path, r.finding) for r in delta.findings]
    cases = []
    for rule in rules:
        if rule.source != PULL_REQUEST_SOURCE:
            continue
        mine = [(p, f) for p, f in new if f.check_id == rule.id]
        failing, aside = gate.split(mine, ())
        kind = failing[0][1].severity.value if failing else rule.severity
        name = f"{rule.id} {rule.title}"
        cases.append(_case(f"{delta.base}...{delta.head}", name, failing, aside, {}, kind))
    return cases


def _diagnostic_case(
    path: str, errors: Sequence[Diagnostic], aside: Sequence[Diagnostic] = (), why: str = ""
) -> ET.Element:
    """A file's validity: an `error` with `errors`; `aside` (errors that do not fail the
    run, `why`) in its `system-out`."""
    case = ET.Element("testcase", {"classname": one_line(path), "name": "valid threat model"})
    if errors:
        error = ET.SubElement(
            case, "error", {"message": one_line(errors[0].message), "type": errors[0].code}
        )
        error.text = "\n".join(one_line(d.render()) for d in errors)
    if aside:
        out = ET.SubElement(case, "system-out")
        out.text = "\n".join(one_line(f"{d.render()} ({why})") for d in aside)
    return case


def _suite(name: str, cases: list[ET.Element], properties: Mapping[str, str]) -> ET.Element:
    def count(tag: str) -> int:
        return sum(1 for c in cases if c.find(tag) is not None)

    suite = ET.Element(
        "testsuite",
        {
            "name": name,
            "tests": str(len(cases)),
            "failures": str(count("failure")),
            "errors": str(count("error")),
            "skipped": str(count("skipped")),
        },
    )
    if properties:
        props = ET.SubElement(suite, "properties")
        for key, value in properties.items():
            ET.SubElement(props, "property", {"name": key, "value": one_line(value)})
    suite.extend(cases)
    return suite


def _properties(run: RunResult) -> dict[str, str]:
    out = {"as_of": run.as_of.isoformat()}
    p = run.provenance
    if p is not None:
        out["tool_version"] = p.tool_version
        if p.commit is not None:
            out["commit"] = p.commit + (" (dirty)" if p.dirty else "")
        if p.policy_digest is not None:
            out["policy_digest"] = p.policy_digest
        out |= {f"catalog {name}": version for name, version in p.catalogs}
    fail_on: Severity = run.view.fail_on
    verdict = "fails" if exit_status(run, fail_on) else "passes"
    out["verdict"] = f"the check {verdict} at --fail-on {fail_on.value}"
    if run.delta is not None:
        out["pull_request"] = f"{run.delta.base}...{run.delta.head}"
    return out


def junit_tree(run: RunResult) -> ET.Element:
    """The `testsuites` element of a check run (see the module docstring)."""
    rules = {r.id: r for r in run.rules}
    properties = _properties(run)
    frameworks = list(run.frameworks) or sorted(
        {_framework_of(c) for r in run.rules for c in r.controls}
    )
    gate = _Gate(run)
    delta = run.delta
    deltas = {d.path: d for d in delta.models} if delta is not None else {}
    waivers = {m.path: excusing_waivers(m, deltas.get(m.path)) for m in run.models}

    def judged(
        path: str, outcome: CheckOutcome
    ) -> tuple[list[_Located], list[tuple[_Located, str]]]:
        if delta is None:
            return gate.plain(path, outcome)
        d = deltas.get(path)
        if d is None:  # a model no delta covers: nothing of it is the pull request's
            return gate.split((), ((path, f) for f in outcome.findings))
        return gate.split(
            _of(outcome.check_id, ((path, f) for f in d.findings)),
            _of(outcome.check_id, ((path, f) for f in d.existing)),
        )

    def check_case(path: str, outcome: CheckOutcome, waived: Mapping[str, str]) -> ET.Element:
        rule = rules.get(outcome.check_id)
        name = _title(outcome, rule)
        if not outcome.applicable:
            case = ET.Element("testcase", {"classname": one_line(path), "name": one_line(name)})
            ET.SubElement(case, "skipped", {"message": "not applicable to this model"})
            return case
        failing, aside = judged(path, outcome)
        return _case(path, name, failing, aside, waived, outcome.severity.value)

    suites = []
    for fw in frameworks:
        cases = []
        for model in run.models:
            for outcome in model.checks:
                rule = rules.get(outcome.check_id)
                mapped = rule.controls if rule is not None else ()
                counted = {c for f in outcome.findings for c in f.controls}
                if any(_framework_of(c) == fw for c in (*mapped, *counted)):
                    cases.append(check_case(model.path, outcome, waivers[model.path]))
        suites.append(_suite(fw, cases, properties))
    organisation = run.organisation
    if organisation is not None:  # the register, judged once for the repository
        org = organisation.path
        if delta is not None:  # its new findings are the pull request's, by file
            new = [(r.path, r.finding) for r in delta.findings if r.path == org]
            old = [(r.path, r.finding) for r in delta.existing if r.path == org]
        cases = []
        for outcome in organisation.checks:
            if delta is None or not outcome.applicable:
                cases.append(check_case(org, outcome, {}))
                continue
            failing, aside = gate.split(_of(outcome.check_id, new), _of(outcome.check_id, old))
            name = _title(outcome, rules.get(outcome.check_id))
            cases.append(_case(org, name, failing, aside, {}, outcome.severity.value))
        suites.append(_suite("organisation", cases, properties))
    if delta is not None:
        suites.append(
            _suite("pull-request", _pull_request_suite(delta, run.rules, gate), properties)
        )
    validity = (
        [_diagnostic_case("(run)", [d for d in run.diagnostics if d.level is Level.ERROR])]
        if any(d.level is Level.ERROR for d in run.diagnostics)
        else []
    )
    if organisation is not None and organisation.diagnostics:
        errors = [d for d in organisation.diagnostics if d.level is Level.ERROR]
        if delta is None:
            validity.append(_diagnostic_case(organisation.path, errors))
        else:  # the gate judges a change to the register (PR-POLICY-004), not its state
            why = "the register's state: the gate judges its changes (PR-POLICY-004)"
            validity.append(_diagnostic_case(organisation.path, [], errors, why))
    for m in run.models:
        errors = [d for d in m.diagnostics if d.level is Level.ERROR]
        d = deltas.get(m.path)
        if delta is None:
            validity.append(_diagnostic_case(m.path, errors))
        elif d is None:
            validity.append(_diagnostic_case(m.path, [], errors, gate.base))
        else:
            validity.append(
                _diagnostic_case(m.path, list(d.errors), list(d.existing_errors), gate.base)
            )
    suites.append(_suite("validate", validity, properties))
    root = ET.Element("testsuites", {"name": "policyengine check"})
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(s.get(key, "0")) for s in suites)))
    root.extend(suites)
    return root


class JunitFormatter(Formatter):
    """JUnit XML of a `check` run (a `RunResult`)."""

    def render(self, report: Report) -> str:
        """The XML document, indented, ending with a newline; TypeError for any report
        but a `RunResult`."""
        if not isinstance(report, RunResult):
            raise no_view(OutputFormat.JUNIT, report)
        tree = junit_tree(report)
        ET.indent(tree)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(tree, "unicode") + "\n"
