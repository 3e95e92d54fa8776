"""The `check` report as JUnit XML, for CI systems that show test reports (GitLab, Jenkins).

One `testsuite` per framework evaluated, one `testcase` per check mapped to that framework
and model (passing ones too; classname the model's path, name the check's id and title):
a `failure` lists the findings (message, severity, line), `skipped` says why the check did
not count (not applicable to the model, or every finding waived, with the waiver's
reason; in pull-request mode only a waiver the base had). One more suite, `validate`, has
a case per file: an `error` for a file that does not load or validate (and for run-level
errors). The root `testsuites` carries the
provenance as properties of every suite. Counts are attributes of each suite and of the
root. The XML is written with `xml.etree`, which escapes every text and attribute.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence

from ..results import (
    CheckInfo,
    CheckOutcome,
    Diagnostic,
    Level,
    Report,
    RunResult,
    excusing_waivers,
    waiver_reason,
)
from . import Formatter, OutputFormat, no_view
from .escape import text as one_line


def _framework_of(control: str) -> str:
    return control.split("/", 1)[0]


def _file_case(
    path: str, waived: Mapping[str, str], outcome: CheckOutcome, rule: CheckInfo | None
) -> ET.Element:
    title = rule.title if rule is not None else outcome.title
    case = ET.Element(
        "testcase",
        {"classname": one_line(path), "name": one_line(f"{outcome.check_id} {title}")},
    )
    if not outcome.applicable:
        ET.SubElement(case, "skipped", {"message": "not applicable to this model"})
        return case
    live = [f for f in outcome.findings if waiver_reason(f, waived) is None]
    if outcome.findings and not live:
        reasons = dict.fromkeys(waiver_reason(f, waived) for f in outcome.findings)
        why = "; ".join(r for r in reasons if r)
        ET.SubElement(case, "skipped", {"message": one_line(f"waived: {why}")})
        return case
    if live:
        first = live[0]
        failure = ET.SubElement(
            case,
            "failure",
            {
                "message": one_line(first.message)
                + (f" (and {len(live) - 1} more)" if len(live) > 1 else ""),
                "type": outcome.severity.value,
            },
        )
        failure.text = "\n".join(
            one_line(f"{path}:{f.line}:{f.column}: {f.severity.value}: {f.message}") for f in live
        )
    return case


def _diagnostic_case(path: str, errors: Sequence[Diagnostic]) -> ET.Element:
    case = ET.Element("testcase", {"classname": one_line(path), "name": "valid threat model"})
    if errors:
        error = ET.SubElement(
            case, "error", {"message": one_line(errors[0].message), "type": errors[0].code}
        )
        error.text = "\n".join(one_line(d.render()) for d in errors)
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
    return out


def junit_tree(run: RunResult) -> ET.Element:
    """The `testsuites` element of a check run (see the module docstring)."""
    rules = {r.id: r for r in run.rules}
    properties = _properties(run)
    frameworks = list(run.frameworks) or sorted(
        {_framework_of(c) for r in run.rules for c in r.controls}
    )
    deltas = {d.path: d for d in run.delta.models} if run.delta is not None else {}
    waivers = {m.path: excusing_waivers(m, deltas.get(m.path)) for m in run.models}
    suites = []
    for fw in frameworks:
        cases = []
        for model in run.models:
            for outcome in model.checks:
                rule = rules.get(outcome.check_id)
                mapped = rule.controls if rule is not None else ()
                counted = {c for f in outcome.findings for c in f.controls}
                if any(_framework_of(c) == fw for c in (*mapped, *counted)):
                    cases.append(_file_case(model.path, waivers[model.path], outcome, rule))
        suites.append(_suite(fw, cases, properties))
    organisation = run.organisation
    if organisation is not None:  # the register, judged once for the repository
        cases = [
            _file_case(organisation.path, {}, outcome, rules.get(outcome.check_id))
            for outcome in organisation.checks
        ]
        suites.append(_suite("organisation", cases, properties))
    validity = (
        [_diagnostic_case("(run)", [d for d in run.diagnostics if d.level is Level.ERROR])]
        if any(d.level is Level.ERROR for d in run.diagnostics)
        else []
    )
    if organisation is not None and organisation.diagnostics:
        errors = [d for d in organisation.diagnostics if d.level is Level.ERROR]
        validity.append(_diagnostic_case(organisation.path, errors))
    validity += [
        _diagnostic_case(m.path, [d for d in m.diagnostics if d.level is Level.ERROR])
        for m in run.models
    ]
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
