"""The `check` report as SARIF 2.1.0, for code scanning (GitHub, Azure DevOps, IDEs).

One run. Every check of the policy set is a rule, also those that found nothing: its
title and description, its help in text and Markdown (the fix hint, why the check
exists, how to rule it out), tags naming its controls and frameworks, and
`security-severity` (critical 9.5, high 8.0, medium 5.5, low 3.0) from its severity. A
check whose severity follows its cause (the pull request's PR-REGRESSION-001, PR-SCOPE-*)
takes the worst severity of its results in the run, else medium. Invalid files and
located run-level problems are results of one more rule, `PE-VALIDATE`.

A finding is a result: `ruleId`, a message given as the check's template (a message
string of the rule with numbered placeholders) and the finding's `arguments`, never
parsed out of the message text; the model's path relative to the repository root
(`uriBaseId` `%SRCROOT%`), line and column. `partialFingerprints` hash the path and the
finding's identity (`Finding.key`: check, element named by its id, params), so a finding
keeps its fingerprint when lines move. A check finding whose every control is waived by
the model (an unexpired waiver; in pull-request mode only one the base had, never one the
pull request adds) carries a suppression with the waiver's reason as its justification;
the pull request's own findings (PR-*) never do. In pull-request mode the results are the
head's findings, each with its `baselineState` (`new` for what the pull request made new
or worse, `unchanged` for what the base already had), and the pull request's own findings.

Locations are relative to the top of the git work tree (`%SRCROOT%`), as code scanning
maps them, also when the run's root is a folder inside it. A log made from a commit
names it in `versionControlProvenance`: the `origin` remote without credentials, the
commit, the branch when one is checked out, and `mappedTo` `%SRCROOT%`. No absolute path
of this machine is written, so the same commit gives the same log.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import quote

from ..results import (
    PULL_REQUEST_SOURCE,
    CheckInfo,
    Diagnostic,
    Finding,
    Level,
    Report,
    RunResult,
    Severity,
    VersionControl,
    excusing_waivers,
    waiver_reason,
)
from . import Formatter, OutputFormat, no_view
from .escape import json_document

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
"""The `$schema` of the log: the SARIF 2.1.0 schema as code-scanning services name it."""

INFORMATION_URI = "https://policyengine.dev/"
"""The tool's home page (`tool.driver.informationUri`)."""

SRCROOT = "%SRCROOT%"
"""The base of every artifact's `uri`: the repository root."""

VALIDATE_RULE = "PE-VALIDATE"
"""The rule of the results that are not a check's findings: a file that does not load or
validate, a located run-level problem."""

_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
}
"""Code scanning's `security-severity` of each severity (its bands: critical above 9.0,
high 7.0 to 8.9, medium 4.0 to 6.9, low below 4.0)."""

_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
}

_FINGERPRINT = "policyengine/v1"
"""The name of our `partialFingerprints` entry; a new way to compute it gets a new name."""


def _sentence(text: str) -> str:
    """`text` ending with a full stop, as SARIF's plain-text messages should."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _severity_of(rule: CheckInfo, worst: Mapping[str, Severity]) -> Severity:
    try:
        return Severity(rule.severity)
    except ValueError:
        return worst.get(rule.id, Severity.MEDIUM)


def _help(rule: CheckInfo) -> dict[str, str]:
    """What the check looks at, how to fix a finding, why it exists, how to rule it out
    and its controls, in plain text and in Markdown."""
    parts = [("How to fix", rule.hint), ("Why", rule.rationale), ("Ruling it out", rule.rule_out)]
    given = [(head, body) for head, body in parts if body]
    about = _sentence(rule.description or rule.title)
    text = " ".join([about, *(_sentence(f"{head}: {body}") for head, body in given)])
    markdown = "\n\n".join([about, *(f"**{head}.** {_sentence(body)}" for head, body in given)])
    if rule.controls:
        text += f" Controls: {', '.join(rule.controls)}."
        markdown += "\n\n**Controls:** " + ", ".join(f"`{c}`" for c in rule.controls)
    return {"text": text, "markdown": markdown}


def _tags(rule: CheckInfo) -> list[str]:
    frameworks = sorted({c.split("/", 1)[0] for c in rule.controls})
    return ["security", "compliance", *frameworks, *rule.controls]


def _rule(rule: CheckInfo, severity: Severity) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": rule.id,
        "name": _name(rule.title),
        "shortDescription": {"text": _sentence(rule.title)},
        "fullDescription": {"text": _sentence(rule.description or rule.title)},
        "help": _help(rule),
        "defaultConfiguration": {"level": _LEVEL[severity]},
        "properties": {
            "tags": _tags(rule),
            "security-severity": _SECURITY_SEVERITY[severity],
            "precision": "very-high",
            "problem.severity": _problem_severity(severity),
            "controls": list(rule.controls),
        },
    }
    if rule.messages:
        out["messageStrings"] = {
            name or "default": {"text": _sentence(text)} for name, text in rule.messages
        }
    return out


def _name(title: str) -> str:
    """A rule's `name`: its title in PascalCase, letters and digits only."""
    words = "".join(ch if ch.isalnum() else " " for ch in title).split()
    return "".join(w[:1].upper() + w[1:] for w in words)


def _problem_severity(severity: Severity) -> str:
    return {"error": "error", "warning": "warning", "note": "recommendation"}[_LEVEL[severity]]


_VALIDATE = CheckInfo(
    VALIDATE_RULE,
    "A threat-model file loads and validates",
    Severity.HIGH.value,
    (),
    "policyengine",
    description="The file is YAML within the limits, matches the threat-model JSON Schema, "
    "and its references (ids, ATLAS techniques, evidence paths) resolve; an invalid model "
    "is not evaluated, so it fails the run at any --fail-on.",
    hint="Fix the error at the line shown; policyengine validate PATH repeats the check "
    "without the policies.",
)


def _fingerprint(*parts: str) -> dict[str, str]:
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()
    return {_FINGERPRINT: digest}


def _location(path: str, line: int, column: int) -> dict[str, Any]:
    """A location in the repository: `path` (POSIX, relative to the root) as the RFC 3986
    relative reference SARIF requires, every byte but unreserved ones and `/`
    percent-encoded (a space, `#`, `%`, a newline or `<` in a file name; `:` too, so no
    first segment reads as a scheme)."""
    uri = quote(path, safe="/")
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri, "uriBaseId": SRCROOT}}
    if line > 0:
        region: dict[str, int] = {"startLine": line}
        if column > 0:
            region["startColumn"] = column
        physical["region"] = region
    return {"physicalLocation": physical}


class _Log:
    """The rules and results of one log, built in report order."""

    def __init__(self, run: RunResult) -> None:
        self.run = run
        self.vc = run.provenance.version_control if run.provenance is not None else None
        rules = {r.id: r for r in run.rules}
        self.index = {rule_id: i for i, rule_id in enumerate(sorted(rules))}
        self.rules = [rules[i] for i in sorted(rules)]
        self.results: list[dict[str, Any]] = []
        self.worst: dict[str, Severity] = {}
        self.used_validate = False

    def finding(
        self,
        path: str,
        f: Finding,
        *,
        waived: str | None = None,
        baseline: str | None = None,
    ) -> None:
        prior = self.worst.get(f.check_id)
        if prior is None or f.severity.rank > prior.rank:
            self.worst[f.check_id] = f.severity
        rule = self.rules[self.index[f.check_id]] if f.check_id in self.index else None
        message: dict[str, Any]
        names = dict(rule.messages) if rule is not None else {}
        if f.template in names and len(f.arguments) == _placeholders(names[f.template]):
            message = {"id": f.template or "default"}
            if f.arguments:
                message["arguments"] = list(f.arguments)
        else:
            message = {"text": _sentence(f.message)}
        result: dict[str, Any] = {"ruleId": f.check_id}
        if f.check_id in self.index:
            result["ruleIndex"] = self.index[f.check_id]
        uri = self.run.in_repository(path)
        result |= {
            "level": _LEVEL[f.severity],
            "message": message,
            "locations": [_location(uri, f.line, f.column)],
            "partialFingerprints": _fingerprint(
                uri, f.check_id, f.key or f"{f.pointer}\x00{f.message}"
            ),
        }
        if baseline is not None:
            result["baselineState"] = baseline
        if waived is not None:
            result["suppressions"] = [
                {"kind": "external", "status": "accepted", "justification": waived}
            ]
        properties: dict[str, Any] = {
            "severity": f.severity.value,
            "pointer": f.pointer,
            "controls": list(f.controls),
        }
        if f.regresses:
            properties["regresses"] = list(f.regresses)
        if f.same_cause:
            properties["sameCause"] = [g.check_id for g in f.same_cause]
        result["properties"] = properties
        self.results.append(result)

    def diagnostic(self, d: Diagnostic, *, baseline: str | None = None) -> None:
        self.used_validate = True
        result: dict[str, Any] = {
            "ruleId": VALIDATE_RULE,
            "ruleIndex": -1,  # set once the rules are known (`document`)
            "level": "error" if d.level is Level.ERROR else "warning",
            "message": {"text": _sentence(d.message)},
            "locations": [_location(self.run.in_repository(d.file), d.line, d.column)],
            "partialFingerprints": _fingerprint(
                self.run.in_repository(d.file), VALIDATE_RULE, d.code, d.pointer
            ),
            "properties": {"code": d.code, "pointer": d.pointer},
        }
        if baseline is not None:
            result["baselineState"] = baseline
        self.results.append(result)

    def document(self, notifications: list[dict[str, Any]]) -> dict[str, Any]:
        rules = [_rule(r, _severity_of(r, self.worst)) for r in self.rules]
        if self.used_validate:
            index = len(rules)
            rules.append(_rule(_VALIDATE, Severity.HIGH))
            for result in self.results:
                if result["ruleId"] == VALIDATE_RULE:
                    result["ruleIndex"] = index
        driver: dict[str, Any] = {
            "name": "policyengine",
            "informationUri": INFORMATION_URI,
            "rules": rules,
        }
        provenance = self.run.provenance
        if provenance is not None:
            driver = {
                "name": "policyengine",
                "version": provenance.tool_version,
                "semanticVersion": provenance.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        run: dict[str, Any] = {
            "tool": {"driver": driver},
            "invocations": [
                {"executionSuccessful": True, "toolExecutionNotifications": notifications}
                if notifications
                else {"executionSuccessful": True}
            ],
            "originalUriBaseIds": {
                SRCROOT: {"description": {"text": "The root of the repository."}}
            },
        }
        if self.vc is not None and self.vc.repository is not None:
            run["versionControlProvenance"] = [_version_control(self.vc)]
        run |= {
            "results": self.results,
            "columnKind": "unicodeCodePoints",
            "properties": _run_properties(self.run),
        }
        return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _version_control(vc: VersionControl) -> dict[str, Any]:
    """The repository the locations are in (SARIF `versionControlDetails`)."""
    out: dict[str, Any] = {"repositoryUri": vc.repository, "revisionId": vc.revision}
    if vc.branch:
        out["branch"] = vc.branch
    out["mappedTo"] = {"uriBaseId": SRCROOT}
    return out


def _placeholders(text: str) -> int:
    """How many numbered placeholders a message string has (`{0}` .. `{n}`)."""
    count = 0
    while f"{{{count}}}" in text:
        count += 1
    return count


def _run_properties(run: RunResult) -> dict[str, Any]:
    out: dict[str, Any] = {"asOf": run.as_of.isoformat(), "frameworks": list(run.frameworks)}
    p = run.provenance
    if p is not None:
        out["provenance"] = {
            "toolVersion": p.tool_version,
            "commit": p.commit,
            "dirty": p.dirty,
            "policyDigest": p.policy_digest,
            "catalogs": dict(p.catalogs),
        }
    if run.delta is not None:
        out["pullRequest"] = {"base": run.delta.base, "head": run.delta.head}
    return out


def _notification(d: Diagnostic) -> dict[str, Any]:
    return {
        "level": "error" if d.level is Level.ERROR else "warning",
        "message": {"text": _sentence(d.message)},
        "properties": {"code": d.code},
    }


def _fill(log: _Log, run: RunResult) -> list[dict[str, Any]]:
    """Add every result of `run` to `log`; the notifications of unlocated problems."""
    notifications = []
    for d in run.diagnostics:
        if d.file:
            log.diagnostic(d)
        else:
            notifications.append(_notification(d))
    models = {m.path: m for m in run.models}
    if run.delta is None:
        organisation = run.organisation
        if organisation is not None:  # judged once: its findings are in the register file
            for d in organisation.diagnostics:
                log.diagnostic(d)
            for check in organisation.checks:
                for f in check.findings:
                    log.finding(organisation.path, f)
        for model in run.models:
            for d in model.diagnostics:
                log.diagnostic(d)
            waivers = excusing_waivers(model)
            for check in model.checks:
                for f in check.findings:
                    log.finding(model.path, f, waived=waiver_reason(f, waivers))
        return notifications
    own = {r.id for r in run.rules if r.source == PULL_REQUEST_SOURCE}
    for m in run.delta.models:
        waivers = excusing_waivers(models.get(m.path), m)
        for d in m.errors:
            log.diagnostic(d, baseline="new")
        for d in m.existing_errors:
            log.diagnostic(d, baseline="unchanged")
        for f in m.findings:
            reason = None if f.check_id in own else waiver_reason(f, waivers)
            log.finding(m.path, f, waived=reason, baseline="new")
        for f in m.existing:
            log.finding(m.path, f, waived=waiver_reason(f, waivers), baseline="unchanged")
    for r in run.delta.findings:
        log.finding(r.path, r.finding, baseline="new")
    for r in run.delta.existing:
        log.finding(r.path, r.finding, baseline="unchanged")
    return notifications


def sarif_document(run: RunResult) -> dict[str, Any]:
    """The SARIF log of a check run, as a JSON value (see the module docstring)."""
    log = _Log(run)
    notifications = _fill(log, run)
    return log.document(notifications)


class SarifFormatter(Formatter):
    """SARIF 2.1.0 of a `check` run (a `RunResult`)."""

    def render(self, report: Report) -> str:
        """The SARIF log, indented JSON ending with a newline; TypeError for any report
        but a `RunResult`."""
        return "".join(self.pieces(report))

    def pieces(self, report: Report) -> Iterator[str]:
        """The log in pieces (see `Formatter.pieces`)."""
        if not isinstance(report, RunResult):
            raise no_view(OutputFormat.SARIF, report)
        yield from _dumped(sarif_document(report))


def _dumped(document: Mapping[str, Any]) -> Iterable[str]:
    # JSON leaves line separators and bidi controls raw inside strings: escaped here too,
    # so no text from a model starts a line of the log (`escape.json_document`)
    text = json_document(json.dumps(document, indent=2, ensure_ascii=False))
    yield text + "\n"
