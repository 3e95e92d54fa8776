"""An evidence pack's results as an OSCAL assessment-results document (OSCAL 1.1).

One result for the run; per model and control with a result, an observation (the checks
that judged it, their findings with file, line and JSON pointer, the evidence); per
control the checks judged `satisfied`, `partial` or `not_satisfied` (or a waiver covers), a
finding whose target status is `satisfied` or `not-satisfied`. Controls that are not
applicable or not assessed have their observation and no finding. The organisation
controls (catalog `judged_by: organisation`), judged once for the repository from the
organisation register, have one observation and finding each, not one per model: their
subject is the register, a resource of the document's back matter, and their evidence
links into the register's copy in the pack. OSCAL ids are tokens,
so a control id is written as `<framework>-<id>` in lower case with `-` for spaces
(`nist-ai-rmf-map-5.1`, `iso42001-a.6.2.8`), its own id kept in a property. UUIDs are
name-based (version 5) from the commit, the as-of date and what they name, so the same
sources give the same document. Pure: no I/O.
"""

from __future__ import annotations

import posixpath
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from ..results import ControlResult, ControlStatus, PackSources

OSCAL_VERSION = "1.1.2"
"""The OSCAL release the document follows."""

_NAMESPACE = uuid.UUID("6b1c1f1e-9a53-5d3e-8a8e-4f3c2d1b0a99")
"""The namespace of the document's name-based UUIDs (fixed, so UUIDs are stable)."""

_NS = "https://policyengine.dev/ns/oscal"
"""The namespace of our own properties."""

_JUDGED = {
    ControlStatus.SATISFIED: ("satisfied", "pass"),
    ControlStatus.ATTESTED: ("satisfied", "other"),
    ControlStatus.PARTIAL: ("not-satisfied", "fail"),
    ControlStatus.NOT_SATISFIED: ("not-satisfied", "fail"),
    ControlStatus.WAIVED: ("not-satisfied", "other"),
}
"""The OSCAL target state (and reason) of each status that has a finding."""


def control_token(control: str) -> str:
    """`nist-ai-rmf/MAP 5.1` as an OSCAL token: `nist-ai-rmf-map-5.1`."""
    framework, _, cid = control.partition("/")
    token = re.sub(r"[^a-z0-9._-]+", "-", f"{framework}-{cid}".lower()).strip("-")
    return token if token[:1].isalpha() else f"c-{token}"


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join(parts)))


def _prop(name: str, value: str) -> dict[str, str]:
    return {"name": name, "ns": _NS, "value": value or "-"}


def _evidence(
    c: ControlResult, path: str, copy: str, lines: Mapping[str, tuple[int, int]]
) -> list[dict[str, str]]:
    """The OSCAL relevant evidence of a control result read from the file `path` (a model
    or the register), whose copy in the pack is `copy` ("" when the pack has none): a JSON
    pointer into that file (`/controls/0`, or `governance/register.yaml#/controls/0`)
    links into the copy, any other cited file into `documents/`."""
    out = []
    for e in c.evidence:
        file, sep, pointer = e.partition("#")
        if e.startswith("/") or (sep and file == path and pointer.startswith("/")):
            pointer = e if e.startswith("/") else pointer
            line, column = lines.get(pointer, (0, 0))
            item = {"description": f"{path}:{line}:{column} {pointer}"}
            if copy:
                item["href"] = f"{copy}#{pointer}"
            out.append(item)
        else:
            out.append({"href": f"documents/{e}", "description": e})
    return out


def _judged(
    c: ControlResult,
    *,
    key: tuple[str, str],
    stamp: str,
    kind: str,
    path: str,
    name: str,
    who: str,
    evidence: list[dict[str, str]],
    extra: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The observation of one control result, and its finding (None for a status that has
    none). `kind` is what was judged (`model` or `register`), `path` its file, `name` how
    titles call it, `who` how the description does; `extra` the keys the observation
    carries besides (the register's subject reference)."""
    obs_id = _uuid(*key, "observation", *(() if kind == "model" else (kind,)), path, c.control_id)
    lines = [f"{who}, control {c.control_id}: {c.status.value}."]
    if c.checks:
        lines.append("Checks: " + ", ".join(c.checks) + ".")
    lines.extend(
        f"{f.severity.value} {f.check_id} at {path}:{f.line}:{f.column} "
        f"{f.pointer or '/'}: {f.message}"
        for f in c.findings
    )
    if c.note:
        lines.append(f"Note: {c.note}")
    observation: dict[str, Any] = {
        "uuid": obs_id,
        "title": f"{c.control_id} for {name}",
        "description": "\n".join(lines),
        "methods": ["TEST"],
        "collected": stamp,
        "props": [
            _prop("control", c.control_id),
            _prop(kind, path),
            _prop("status", c.status.value),
        ],
        **extra,
    }
    if evidence:
        observation["relevant-evidence"] = evidence
    judged = _JUDGED.get(c.status)
    if judged is None:
        return observation, None
    state, reason = judged
    status: dict[str, Any] = {"state": state, "reason": reason}
    if c.status is ControlStatus.WAIVED:
        status["remarks"] = f"waived: {c.note or 'by the model'}"
    if c.status is ControlStatus.ATTESTED:
        status["remarks"] = "attested: met by cited evidence, not verified by a check"
    finding = {
        "uuid": _uuid(*key, "finding", *(() if kind == "model" else (kind,)), path, c.control_id),
        "title": f"{c.control_id}: {c.status.value} ({name})",
        "description": f"{c.control_id} is {c.status.value} for {path}.",
        "props": [_prop("control", c.control_id), _prop(kind, path)],
        "target": {
            "type": "objective-id",
            "target-id": control_token(c.control_id),
            "status": status,
        },
        "related-observations": [{"observation-uuid": obs_id}],
    }
    return observation, finding


def assessment_results(
    sources: PackSources, *, model_folder: Callable[[str], str]
) -> dict[str, Any]:
    """The OSCAL document (`{"assessment-results": ...}`) of the pack's sources;
    `model_folder` names each model's folder in the pack, where its evidence links point."""
    run, commit = sources.run, sources.commit
    as_of = run.as_of.isoformat()
    stamp = f"{as_of}T00:00:00Z"
    key = (commit, as_of)
    observations: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    controls: list[str] = []

    def add(observation: dict[str, Any], finding: dict[str, Any] | None) -> None:
        observations.append(observation)
        if finding is not None:
            findings.append(finding)

    for report, m in zip(run.models, sources.models, strict=True):
        folder = model_folder(report.path)
        copy = f"{folder}/{report.path.rsplit('/', 1)[-1]}"
        for c in report.controls:
            token = control_token(c.control_id)
            if token not in controls:
                controls.append(token)
            add(
                *_judged(
                    c,
                    key=key,
                    stamp=stamp,
                    kind="model",
                    path=report.path,
                    name=report.model_id or report.path,
                    who=f"Model {report.model_id or report.path} ({report.path})",
                    evidence=_evidence(c, report.path, copy, m.lines),
                    extra={},
                )
            )
    organisation = run.organisation
    resources: list[dict[str, Any]] = []
    if organisation is not None and organisation.controls:
        reg = sources.register
        committed = reg is not None and reg.committed is not None and reg.path == organisation.path
        copy = f"register/{posixpath.basename(organisation.path)}" if committed else ""
        lines = reg.lines if reg is not None and committed else {}
        resource = _uuid(*key, "register", organisation.path)
        resources.append(
            {
                "uuid": resource,
                "title": f"Organisation register {organisation.path}",
                "description": (
                    "The organisation register: it decides the organisation controls, "
                    "judged once for the repository (not per model)."
                ),
                "props": [_prop("register", organisation.path)],
                **({"rlinks": [{"href": copy}]} if copy else {}),
            }
        )
        extra = {
            "subjects": [
                {
                    "subject-uuid": resource,
                    "type": "resource",
                    "title": f"Organisation register {organisation.path}",
                }
            ]
        }
        for c in organisation.controls:
            token = control_token(c.control_id)
            if token not in controls:
                controls.append(token)
            add(
                *_judged(
                    c,
                    key=key,
                    stamp=stamp,
                    kind="register",
                    path=organisation.path,
                    name=f"organisation register {organisation.path}",
                    who=f"Organisation register ({organisation.path})",
                    evidence=_evidence(c, organisation.path, copy, lines),
                    extra=extra,
                )
            )
    result: dict[str, Any] = {
        "uuid": _uuid(*key, "result"),
        "title": f"Threat-model assessment as of {as_of}",
        "description": (
            f"policyengine checks of {len(run.models)} threat models at commit {commit}, "
            "against the NIST AI RMF, ISO/IEC 42001 and MITRE ATLAS catalogs."
        ),
        "start": stamp,
        "end": stamp,
        "reviewed-controls": {
            "control-selections": (
                [{"include-controls": [{"control-id": t} for t in controls]}]
                if controls
                else [{"include-all": {}}]
            )
        },
    }
    if observations:
        result["observations"] = observations
    if findings:
        result["findings"] = findings
    p = run.provenance
    return {
        "assessment-results": {
            "uuid": _uuid(*key, "assessment-results"),
            "metadata": {
                "title": f"policyengine evidence pack as of {as_of}",
                "last-modified": stamp,
                "version": p.tool_version if p is not None else "0",
                "oscal-version": OSCAL_VERSION,
                "props": [
                    _prop("commit", commit),
                    _prop("policy-set-sha256", (p.policy_digest or "") if p else ""),
                ],
            },
            "import-ap": {
                "href": "index.md",
                "remarks": "The assessment plan is the policy set named in manifest.json.",
            },
            "results": [result],
            **({"back-matter": {"resources": resources}} if resources else {}),
        }
    }
