"""What a policy sees of a model, and what its answer means: the input and the outcomes.

`build_facts` and `policy_input` make the policy input `{"model": ..., "facts": ...}`
(policies/README.md). Facts are what Rego cannot compute portably on both engines: dates
as day numbers and booleans, threat risks, ATLAS catalog facts, and whether evidence files
exist. Dates never reach Rego as strings to parse. `collect_outcomes` turns an engine's
raw answer (deny objects, not-applicable ids) into one `CheckOutcome` per check, each
finding located in the model file and counted against its controls. No engine runs here:
the pipeline sends the inputs to one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from .applicability import (
    ApplicabilityMapping,
    applicable_techniques,
    discloses_information,
    system_kinds,
)
from .atlas import AtlasCatalog
from .catalog import control_order
from .codefacts import NO_CODE
from .config import RISK_TOLERANCES, RiskCriteria
from .errors import PolicyError
from .judged import Selector
from .loader import Document
from .message import TemplateError
from .policyset import CheckMeta
from .results import CheckOutcome, Finding, JudgedPart, ReviewStatus
from .review import DEFAULT_CADENCE, Cadence, cadence_label, longer_cadence, parse_day
from .sbom import component_key, looks_like_sbom
from .substance import placeholders

_EPOCH = date(1970, 1, 1)

RECENT_DAYS = 365
"""How old a red-team exercise may be and still count as recent (MEASURE 2.7)."""


def day_number(d: date) -> int:
    """Days since 1970-01-01."""
    return (d - _EPOCH).days


def _date(value: object) -> date | None:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def team_name(name: object) -> str:
    """How a team is named, for telling whether two names are one team: case, runs of white
    space, `-` and `_` ignored, and a last word `team` dropped (`AI Platform Team`,
    `ai-platform-team` and `ai_platform` are one); "" for no text."""
    if not isinstance(name, str):
        return ""
    words = name.replace("-", " ").replace("_", " ").casefold().split()
    if len(words) > 1 and words[-1] == "team":
        words.pop()
    return " ".join(words)


def evidence_paths(model: Mapping[str, Any]) -> list[str]:
    """Every repository path the model names as evidence: controls, SBOMs, red-team
    reports, attestations."""
    paths: set[str] = set()
    for control in model.get("controls") or []:
        paths.update(str(p) for p in control.get("evidence") or [])
    for asset in model.get("assets") or []:
        if asset.get("sbom"):
            paths.add(str(asset["sbom"]))
    for exercise in model.get("red_team") or []:
        if exercise.get("report"):
            paths.add(str(exercise["report"]))
    compliance = model.get("compliance") or {}
    for attestation in compliance.get("attestations") or []:
        if attestation.get("evidence"):
            paths.add(str(attestation["evidence"]))
    return sorted(paths)


def _atlas_ids(model: Mapping[str, Any]) -> set[str]:
    ids: set[str] = set()
    for threat in model.get("threats") or []:
        ids.update(str(t) for t in threat.get("atlas") or [])
    for exercise in model.get("red_team") or []:
        ids.update(str(t) for t in (exercise.get("scope") or {}).get("atlas") or [])
        for finding in exercise.get("findings") or []:
            ids.update(str(t) for t in finding.get("atlas") or [])
    for entry in (model.get("compliance") or {}).get("not_applicable") or []:
        if entry.get("technique"):
            ids.add(str(entry["technique"]))
    return ids


def mentioned_techniques(model: Mapping[str, Any]) -> list[str]:
    """The ATLAS ids the threats name, with every proper prefix that ends before a dot.

    `AML.T0051.001` brings `AML.T0051` (and `AML`), so that a technique counts as named when
    one of its sub-techniques is. Sorted, no repeats: policies test membership in it instead
    of building the set themselves (slow on the embedded engine).
    """
    ids: set[str] = set()
    for threat in model.get("threats") or []:
        for named in threat.get("atlas") or []:
            parts = str(named).split(".")
            ids.update(".".join(parts[:k]) for k in range(1, len(parts) + 1))
    return sorted(ids)


def _atlas_applicable(
    model: Mapping[str, Any], atlas: AtlasCatalog, mapping: ApplicabilityMapping
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """`facts.atlas.applicable` and `facts.atlas.asks` (policies/README.md): what the
    applicability mapping says the model must consider, and the questions it puts, one per
    family asked and surface (index; -1: the model as a whole), naming the techniques it
    covers there, by id."""
    result = applicable_techniques(model, atlas, mapping)
    surfaces = model.get("surfaces")
    index: dict[str, int] = {}
    for i, surface in enumerate(surfaces if isinstance(surfaces, list) else []):
        if isinstance(surface, Mapping):
            index.setdefault(str(surface.get("id", "?")), i)
    applicable: dict[str, Any] = {}
    grouped: dict[tuple[str, int], list[str]] = {}
    for item in result.applicable:
        on = [index[s] for s in item.surfaces if s in index]
        applicable[item.technique] = {
            "surfaces": on,
            "asked_as": item.asked_as,
            "reason": item.reason,
            "information_disclosure": item.information_disclosure,
        }
        # A sub-technique by its own name: the question names its family already.
        known = atlas.lookup(item.technique)
        named = f"{item.technique} {known.name if known is not None else item.name}"
        for i in on or [-1]:
            grouped.setdefault((item.asked_as, i), []).append(named)
    asks = []
    for (family, i), names in sorted(grouped.items()):
        known = atlas.lookup(family)
        asks.append(
            {
                "family": family,
                "name": known.name if known is not None else family,
                "surface": i,
                "techniques": ", ".join(names),
            }
        )
    return applicable, asks


def _atlas_facts(
    model: Mapping[str, Any], atlas: AtlasCatalog, mapping: ApplicabilityMapping
) -> dict[str, Any]:
    applicable, asks = _atlas_applicable(model, atlas, mapping)
    techniques = {}
    for tid in sorted(_atlas_ids(model)):
        found = atlas.lookup(tid)
        techniques[tid] = {
            "valid": found is not None,
            "retired": bool(found is not None and found.retired),
            "current_id": atlas.current_id(tid) or "",
            "parent": (found.parent or "") if found is not None else "",
            "information_disclosure": found is not None and discloses_information(found),
        }
    return {
        "version": atlas.version,
        "kinds": sorted(kind.value for kind in system_kinds(model)),
        "techniques": techniques,
        "mentioned": mentioned_techniques(model),
        "applicable": applicable,
        "asks": asks,
    }


_DECIDED = ("accepted", "transferred")
"""Threat statuses that carry an acceptance (TM-TREAT-003): a transfer is approved too."""


def _acceptance_facts(threat: Mapping[str, Any], as_of: date, risk: RiskCriteria) -> dict[str, Any]:
    acceptance = threat.get("acceptance")
    acceptance = acceptance if isinstance(acceptance, Mapping) else {}
    expires = _date(acceptance.get("expires"))
    dated = _date(acceptance.get("date"))
    start = dated or as_of
    days = (expires - start).days if expires is not None else -1
    return {
        # It holds through its expires day (as a waiver or a review's due day does).
        "acceptance_expired": threat.get("status") in _DECIDED
        and (expires is None or expires < as_of),
        # Dated after the as-of date: nobody has accepted the risk yet on that date.
        "acceptance_not_yet": threat.get("status") in _DECIDED
        and dated is not None
        and dated > as_of,
        "acceptance_days": days,
        "acceptance_too_long": days > risk.max_acceptance_days,
        "acceptance_authorized": risk.authorizes(acceptance.get("approved_by")),
    }


def _red_team_findings(model: Mapping[str, Any]) -> dict[str, tuple[int, int, Any]]:
    """`EXERCISE/FINDING` to (exercise index, finding index, the finding)."""
    out: dict[str, tuple[int, int, Any]] = {}
    for e, exercise in enumerate(model.get("red_team") or []):
        for f, finding in enumerate(exercise.get("findings") or []):
            out.setdefault(f"{exercise.get('id')}/{finding.get('id')}", (e, f, finding))
    return out


_DONE = frozenset({"resolved", "accepted", "wont_fix"})
"""Remediation states that end the work on a red-team finding."""


def _overdue_remediations(exercise: Mapping[str, Any], as_of: date) -> list[int]:
    """Indexes of the exercise's findings whose remediation was due before `as_of` and is
    not resolved, accepted or declined (`wont_fix`)."""
    late = []
    for j, finding in enumerate(exercise.get("findings") or []):
        remediation = finding.get("remediation") if isinstance(finding, Mapping) else None
        if not isinstance(remediation, Mapping) or remediation.get("status") in _DONE:
            continue
        due = _date(remediation.get("due"))
        if due is not None and due < as_of:
            late.append(j)
    return late


def _recent_scope(model: Mapping[str, Any], as_of: date) -> list[str]:
    """The ATLAS ids in the scope of the exercises of the last `RECENT_DAYS` days."""
    ids: set[str] = set()
    for exercise in model.get("red_team") or []:
        dated = _date(exercise.get("date"))
        if dated is not None and 0 <= (as_of - dated).days <= RECENT_DAYS:
            ids.update(str(t) for t in (exercise.get("scope") or {}).get("atlas") or [])
    return sorted(ids)


def _in_scope(techniques: list[str], scope: list[str]) -> bool:
    """A technique, one of its sub-techniques or its parent technique is in the scope."""
    return any(
        t == s or t.startswith(s + ".") or s.startswith(t + ".") for t in techniques for s in scope
    )


def _naming(model: Mapping[str, Any]) -> dict[str, list[list[int]]]:
    """Threat id to the [exercise index, finding index] of each red-team finding that
    names it in `threats` (the threats the finding confirms), in model order."""
    out: dict[str, list[list[int]]] = {}
    for e, exercise in enumerate(model.get("red_team") or []):
        for f, finding in enumerate(exercise.get("findings") or []):
            names = finding.get("threats") if isinstance(finding, Mapping) else None
            for tid in dict.fromkeys(str(t) for t in names or []):
                out.setdefault(tid, []).append([e, f])
    return out


TESTED = ("confirmed", "not_reproduced")
"""The `validation.status` values that say the threat was tested (all but `untested`)."""


def tested_basis(
    threat: Mapping[str, Any],
    model: Mapping[str, Any],
    as_of: date,
    *,
    claimed: frozenset[str] = frozenset(),
) -> list[str]:
    """What a tested `validation.status` rests on: the `EXERCISE/FINDING` of each red-team
    finding of the model that the threat cites in `validation.findings` or whose `threats`
    name it (of an exercise not dated after `as_of`: one dated later has not taken place
    yet on that date), then (unless the status is `confirmed`: a confirmation is a
    finding) the id of each exercise dated in the last `RECENT_DAYS` days (not in the
    future) whose scope has the threat's surface, or one of its ATLAS techniques (a
    sub-technique or the parent). Empty: nothing behind the status. `claimed` are the
    exercise ids and `EXERCISE/FINDING` references that do not count (in a pull request:
    the records it wrote itself)."""
    validation = threat.get("validation")
    cited = validation.get("findings") if isinstance(validation, Mapping) else None
    refs = {str(r) for r in cited} if isinstance(cited, list) else set()
    tid = str(threat.get("id"))
    surface = threat.get("surface")
    techniques = (
        [str(t) for t in threat.get("atlas") or []] if isinstance(threat.get("atlas"), list) else []
    )
    found, exercises = [], []
    for exercise in model.get("red_team") or []:
        if not isinstance(exercise, Mapping) or str(exercise.get("id")) in claimed:
            continue
        eid = str(exercise.get("id"))
        dated = _date(exercise.get("date"))
        if dated is not None and dated > as_of:
            continue  # not run yet on the as-of date: its findings and scope show nothing
        for finding in exercise.get("findings") or []:
            if not isinstance(finding, Mapping):
                continue
            ref = f"{eid}/{finding.get('id')}"
            names = finding.get("threats")
            naming = isinstance(names, list) and tid in {str(t) for t in names}
            if ref not in claimed and (ref in refs or naming):
                found.append(ref)
        scope = exercise.get("scope")
        scope = scope if isinstance(scope, Mapping) else {}
        surfaces = scope.get("surfaces")
        atlas = scope.get("atlas")
        if dated is None or not 0 <= (as_of - dated).days <= RECENT_DAYS:
            continue
        if (
            surface is not None
            and isinstance(surfaces, list)
            and str(surface) in {str(s) for s in surfaces}
        ) or (isinstance(atlas, list) and _in_scope(techniques, [str(a) for a in atlas])):
            exercises.append(eid)
    status = validation.get("status") if isinstance(validation, Mapping) else None
    return list(dict.fromkeys(found)) + ([] if status == "confirmed" else exercises)


def _validation_facts(
    threat: Mapping[str, Any],
    found: Mapping[str, tuple[int, int, Any]],
    scope: list[str],
    named_by: list[list[int]],
) -> dict[str, Any]:
    links, open_, unrecorded = [], [], []
    for ref in (threat.get("validation") or {}).get("findings") or []:
        if str(ref) not in found:
            continue  # a dangling reference is a validation error
        e, f, finding = found[str(ref)]
        links.append([e, f])
        remediation = finding.get("remediation") or {}
        status = remediation.get("status")
        if not isinstance(status, str):
            unrecorded.append([e, f])
            open_.append({"exercise": e, "finding": f, "status": "unrecorded"})
        elif status != "resolved":
            open_.append({"exercise": e, "finding": f, "status": status})
    techniques = [str(t) for t in threat.get("atlas") or []]
    return {
        "links": links,
        "open": open_,
        "unrecorded": unrecorded,
        "in_recent_scope": _in_scope(techniques, scope),
        "named_by": named_by,
    }


def _review_facts(
    model: Mapping[str, Any],
    status: ReviewStatus,
    cadence_days: int,
    max_cadence: Cadence,
    as_of: date,
) -> dict[str, Any]:
    review = model.get("review") or {}
    stated = review.get("cadence")
    start = parse_day(review.get("last_reviewed"))
    exceeds = stated is not None and longer_cadence(
        stated, max_cadence, start if start is not None and start <= as_of else as_of
    )
    return {
        "status": status.value,
        "cadence_days": cadence_days,
        "cadence_exceeds": exceeds,
        "cadence": cadence_label(stated) if stated is not None and exceeds else "",
        "max_cadence": cadence_label(max_cadence),
    }


def threat_risk(threat: Mapping[str, Any]) -> int:
    """Likelihood x impact of a threat; 0 when either is missing or not an integer."""
    likelihood, impact = threat.get("likelihood"), threat.get("impact")
    if isinstance(likelihood, int) and isinstance(impact, int):
        return likelihood * impact
    return 0


def build_facts(
    model: Mapping[str, Any],
    *,
    as_of: date,
    review_status: ReviewStatus,
    cadence_days: int,
    atlas: AtlasCatalog,
    mapping: ApplicabilityMapping,
    evidence_exists: Callable[[str], bool],
    risk: RiskCriteria | None = None,
    max_cadence: Cadence = DEFAULT_CADENCE,
    evidence_names: Callable[[str, str], bool] | None = None,
    code: Mapping[str, Any] | None = None,
    sbom_read: Callable[[str], Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The `input.facts` object for one model (see policies/README.md for every field).

    `mapping` is the ATLAS applicability mapping (`applicability.load_mapping`): it decides
    `facts.atlas.applicable` and `facts.atlas.asks`.

    `cadence_days` is the length of the model's review window in days; `evidence_exists`
    answers whether a repository-relative path is a file inside the repository that is
    filed: not empty, not placeholder text (`pipeline.evidence_filed`); `risk` the
    organisation's risk criteria (the defaults when None) and `max_cadence` its longest
    review cadence. `evidence_names(path, id)` answers whether the evidence file mentions
    the model's `metadata.id` (`pipeline.evidence_naming`), for
    `facts.attestations[i].names_model`; None: not read, every filed evidence file counts
    as naming the model. `code` is `facts.code`
    (`codefacts.code_facts`); None: no code was compared (`codefacts.NO_CODE`).
    `sbom_read(path)` gives what the SBOM file at a path says (`pipeline.sbom_reading`,
    `sbom.read_sbom`), for `facts.sbom` (`sbom_facts`); None: no SBOM is read (`{}`).
    """
    criteria = risk if risk is not None else RiskCriteria()
    tolerance = (model.get("system") or {}).get("risk_tolerance")
    tolerance = tolerance if tolerance in RISK_TOLERANCES else None
    threshold = criteria.thresholds.of(tolerance)
    today = day_number(as_of)
    threats = {}
    risks = []
    found = _red_team_findings(model)
    scope = _recent_scope(model, as_of)
    validation = []
    naming = _naming(model)
    for t in model.get("threats") or []:
        score = threat_risk(t)
        threats[str(t.get("id"))] = {"risk": score, **_acceptance_facts(t, as_of, criteria)}
        risks.append(score)
        linked = _validation_facts(t, found, scope, naming.get(str(t.get("id")), []))
        validation.append({**linked, "basis": tested_basis(t, model, as_of)})
    compliance = model.get("compliance") or {}
    waivers = []
    for w in compliance.get("waivers") or []:
        expires = _date(w.get("expires"))
        days_left = (expires - as_of).days if expires else -1
        waivers.append(
            {
                # It holds through its expires day.
                "expired": expires is None or expires < as_of,
                "days_left": days_left,
                # No grant date to measure from: the bound counts from the as-of date.
                "too_long": days_left > criteria.max_waiver_days,
                # With acceptors named, a waiver is the organisation's only when one approved it.
                "authorized": not criteria.acceptors or criteria.authorizes(w.get("approved_by")),
            }
        )
    attestations = []
    model_id = str((model.get("metadata") or {}).get("id") or "")
    for a in compliance.get("attestations") or []:
        dated = _date(a.get("date"))
        age = (as_of - dated).days if dated else -1
        cited = str(a["evidence"]) if a.get("evidence") else ""
        exists = bool(cited) and evidence_exists(cited)
        # Whether it names the model is read from the text, filed or not: a placeholder
        # that names the model is one finding (not filed), not two.
        names = exists if evidence_names is None or not cited else evidence_names(cited, model_id)
        attestations.append(
            {
                "age_days": age,
                "within_cadence": dated is not None and 0 <= age <= cadence_days,
                "evidence_exists": exists,
                "names_model": names,
            }
        )
    red_team = {}
    owner = team_name((model.get("metadata") or {}).get("owner"))
    for exercise in model.get("red_team") or []:
        dated = _date(exercise.get("date"))
        red_team[str(exercise.get("id"))] = {
            "age_days": (as_of - dated).days if dated else 100_000,
            "overdue": _overdue_remediations(exercise, as_of),
            "by_owner": bool(owner) and team_name(exercise.get("performed_by")) == owner,
        }
    return {
        "as_of_day": today,
        "review": _review_facts(model, review_status, cadence_days, max_cadence, as_of),
        "risk": {
            "tolerance": tolerance or "undeclared",
            "threshold": threshold,
            "max_acceptance_days": criteria.max_acceptance_days,
            "max_waiver_days": criteria.max_waiver_days,
            "acceptors_from": criteria.acceptors_from,
        },
        "threats": threats,
        "threat_risks": risks,
        "high_risk_indices": [i for i, score in enumerate(risks) if score >= threshold],
        "validation": validation,
        "waivers": waivers,
        "attestations": attestations,
        "red_team": red_team,
        "evidence": {p: evidence_exists(p) for p in evidence_paths(model)},
        "placeholders": placeholders(model),
        "atlas": _atlas_facts(model, atlas, mapping),
        "code": dict(code) if code is not None else dict(NO_CODE),
        "sbom": sbom_facts(model, sbom_read) if sbom_read is not None else {},
    }


def sbom_facts(
    model: Mapping[str, Any], read: Callable[[str], Mapping[str, Any]]
) -> dict[str, Any]:
    """`facts.sbom`: for each SBOM the model cites, what `read` (`sbom.read_sbom`) says of
    it. An SBOM is cited by an asset's `sbom`, or is a control's evidence that is one: its
    file name says so (`sbom.looks_like_sbom`) or, for a JSON file, its content does (a
    CycloneDX or SPDX document). Each component an ML library that cites the SBOM declares
    is also listed under its own spelling when the SBOM lists it under the same
    `sbom.component_key` (`PyYAML` for `pyyaml`), so a policy looks a declared name up as
    written."""
    declared: dict[str, list[str]] = {}
    for asset in model.get("assets") or []:
        if isinstance(asset, Mapping) and isinstance(asset.get("sbom"), str) and asset["sbom"]:
            names = declared.setdefault(asset["sbom"], [])
            for c in asset.get("components") or []:
                if isinstance(c, Mapping) and isinstance(c.get("name"), str):
                    names.append(c["name"])
    out: dict[str, Mapping[str, Any]] = {p: read(p) for p in declared}
    for control in model.get("controls") or []:
        for cited in (control.get("evidence") or []) if isinstance(control, Mapping) else []:
            path = str(cited)
            if path in out or not (looks_like_sbom(path) or path.lower().endswith(".json")):
                continue
            said = read(path)
            if looks_like_sbom(path) or said["format"]:
                out[path] = said
    facts: dict[str, Any] = {}
    for path, said in sorted(out.items()):
        listed = said["components"]
        aliases = {
            name: listed[component_key(name)]
            for name in declared.get(path, ())
            if name not in listed and component_key(name) in listed
        }
        facts[path] = {**said, "components": {**listed, **aliases}} if aliases else dict(said)
    return facts


def policy_input(model: Mapping[str, Any], facts: Mapping[str, Any]) -> dict[str, Any]:
    """The document a policy sees. Free `x-` keys at the top level are left out."""
    lean = {k: v for k, v in model.items() if not str(k).startswith("x-")}
    return {"model": lean, "facts": dict(facts)}


def json_pointer(parts: Sequence[object]) -> str:
    """RFC 6901 pointer of a path array: `["threats", 3]` -> `/threats/3`."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _counted_against(meta: CheckMeta, finding: Mapping[str, Any]) -> tuple[str, ...]:
    """The controls a finding counts against.

    A finding that names one `control` narrows the check within that control's framework
    only: a missing ATLAS technique fails `atlas/<id>` and still fails the NIST or ISO
    controls the check evidences, but not the other ATLAS techniques of the same check.
    A finding that names `controls` (`lib.result.item_controls`) fails exactly those, a
    subset of its check's `custom.controls`: a placeholder AI task fails MAP 2.1, not the
    MAP 2.2 and 3.3 that the check's out-of-scope uses serve. Raises `PolicyError` when
    that list names a control its check does not declare, or comes with `control`.
    """
    keys = meta.control_keys()
    subset = finding.get("controls")
    if subset is not None:
        where = f"{meta.file}:{meta.line}: check {meta.id}"
        if "control" in finding:
            raise PolicyError(f"{where}: a finding names both control and controls")
        stray = sorted({str(c) for c in subset} - set(keys), key=control_order)
        if stray:
            raise PolicyError(
                f"{where}: a finding at {finding.get('path')!r} names "
                f"{', '.join(stray)}, not among its custom.controls"
            )
        return tuple(sorted({str(c) for c in subset}, key=control_order))
    raw = finding.get("control")
    control = str(raw) if raw else None
    if control is None:
        return keys
    framework = control.split("/", 1)[0]
    narrowed = {control, *(k for k in keys if not k.startswith(framework + "/"))}
    return tuple(sorted(narrowed, key=control_order))


def _message(meta: CheckMeta, finding: Mapping[str, Any], model: Any) -> str:
    """The text of one finding: its check's template filled from its params, or the legacy
    `msg` of a check without a template. Raises `PolicyError` on a mismatch."""
    where = f"{meta.file}:{meta.line}: check {meta.id}"
    if meta.message is None:
        if "msg" not in finding:
            raise PolicyError(
                f"{where} denied with params but declares no custom.message to render them"
            )
        return str(finding["msg"])
    if "params" not in finding:
        raise PolicyError(
            f"{where} declares custom.message, so its findings carry params "
            "(lib.result.finding or lib.result.item), not msg"
        )
    try:
        return meta.message.render(finding["params"], model if isinstance(model, dict) else {})
    except TemplateError as exc:
        raise PolicyError(
            f"{where}: a finding at {finding.get('path')!r} does not fill custom.message: {exc}"
        ) from None


def _structured(meta: CheckMeta, finding: Mapping[str, Any], model: Any) -> dict[str, Any]:
    """The `template` and `arguments` of a finding rendered from a template (`results.
    Finding`); nothing for a check that writes its own `msg`. Called after `_message`, so
    the params fill the template."""
    params = finding.get("params")
    if meta.message is None or not isinstance(params, Mapping):
        return {}
    data = model if isinstance(model, dict) else {}
    template = meta.message.chosen(params)
    return {
        "template": meta.message.chosen_name(params),
        "arguments": template.arguments(params, data),
    }


_IDENTIFIERS = ("id", "control", "technique", "name", "layer")
"""Fields that name a list element, in the order tried, for `element_path`."""


def element_path(model: object, parts: Sequence[object]) -> list[object]:
    """`parts` with each list index replaced by what names that element in `model`:
    `["threats", 3, "owner"]` -> `["threats", {"id": "T-4"}, "owner"]`, so that inserting
    a threat before T-4 leaves its path the same. An element is named by its first field
    of `_IDENTIFIERS`, a scalar element by `{"=": value}`; an index stays when nothing
    names the element, or when the path leaves the model."""
    out: list[object] = []
    here: object = model
    for part in parts:
        if isinstance(here, list) and isinstance(part, int) and 0 <= part < len(here):
            here = here[part]
            name: object = part
            if isinstance(here, Mapping):
                for field in _IDENTIFIERS:
                    value = here.get(field)
                    if isinstance(value, str | int) and not isinstance(value, bool):
                        name = {field: value}
                        break
            elif isinstance(here, str | int | float | bool):
                name = {"=": here}
            out.append(name)
        elif isinstance(here, Mapping) and isinstance(part, str):
            here = here.get(part)
            out.append(part)
        else:
            here = None
            out.append(part)
    return out


def finding_key(
    check_id: str, parts: Sequence[object], finding: Mapping[str, Any], model: object
) -> str:
    """A finding's identity (`results.Finding.key`): its check id, `element_path` of its
    path, the control(s) it narrows to and its params, pointers written by `element_path`
    too; a legacy finding (its own `msg`, no params) is named by its path alone."""
    raw = finding.get("params")
    params = raw if isinstance(raw, Mapping) else {}
    named = {
        str(k): element_path(model, v) if isinstance(v, list) else v
        for k, v in sorted(params.items(), key=lambda kv: str(kv[0]))
    }
    control = finding.get("control")
    narrowed = str(control) if control else ""
    if isinstance(finding.get("controls"), list):
        narrowed = ",".join(sorted((str(c) for c in finding["controls"]), key=control_order))
    key = [check_id, element_path(model, parts), narrowed, named]
    return json.dumps(key, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def collect_outcomes(
    deny: Sequence[Mapping[str, Any]],
    not_applicable: frozenset[str] | set[str],
    checks: Mapping[str, CheckMeta],
    doc: Document,
    in_scope: Callable[[CheckMeta], bool] = lambda _: True,
    facts: Mapping[str, Any] | None = None,
) -> tuple[CheckOutcome, ...]:
    """One `CheckOutcome` per check in scope, sorted by id, from an engine's raw answer.

    Each outcome counts the elements of the model its check judged (`custom.judges`).
    Each message is rendered from the check's template (`custom.message`) with the
    finding's params, pointers resolved in the model (`message.Template.render`); a legacy
    team check without a template gives its own `msg`.

    A params pointer whose first key is `facts` points into `facts` (the input's facts:
    the code a drift check names) rather than the model, which has no such top-level key.

    Raises `PolicyError` when a policy denies with a `rule_id` no METADATA declares (a
    finding nobody can map to a control would otherwise vanish from the matrix), or with
    params that do not fill its template.
    """
    model = doc.data if isinstance(doc.data, dict) else {}
    said: Any = {**model, "facts": facts} if facts is not None else doc.data
    findings: dict[str, list[Finding]] = {}
    for d in deny:
        rule_id = str(d.get("rule_id", ""))
        meta = checks.get(rule_id)
        if meta is None:
            raise PolicyError(
                f"a policy denied with rule_id {rule_id!r}, which no check METADATA declares "
                f"(path: {d.get('path')!r})"
            )
        raw_path = d.get("path")
        path_list = raw_path if isinstance(raw_path, list) else []
        parts = [p for p in path_list if isinstance(p, str | int)]
        line, column = doc.locate(parts)
        findings.setdefault(rule_id, []).append(
            Finding(
                check_id=rule_id,
                severity=meta.severity,
                message=_message(meta, d, said),
                pointer=json_pointer(parts),
                line=line,
                column=column,
                controls=_counted_against(meta, d),
                key=finding_key(rule_id, parts, d, said),
                hint=meta.hint,
                **_structured(meta, d, said),
            )
        )
    outcomes = []
    # Checks often judge the same elements: located (and so counted) once per model.
    counted: dict[tuple[str, ...], tuple[int, tuple[JudgedPart, ...]]] = {}
    located: dict[str, tuple[JudgedPart, ...]] = {}
    for check_id in sorted(checks):
        meta = checks[check_id]
        if not in_scope(meta):
            continue
        found = sorted(
            findings.get(check_id, []),
            # Numbers in a message as numbers: control MEASURE 2.9 before 2.10, T-2 before T-10.
            key=lambda f: (f.line, f.column, f.pointer, control_order(f.message), f.message),
        )
        applicable = check_id not in not_applicable or bool(found)
        judged: tuple[int, tuple[JudgedPart, ...]] = (0, ())
        if applicable and not meta.guard:
            selectors = tuple(j.text for j in meta.judges)
            if selectors not in counted:
                counted[selectors] = _judged(meta.judges, model, doc, located)
            judged = counted[selectors]
        outcomes.append(
            CheckOutcome(
                check_id=check_id,
                title=meta.title,
                severity=meta.severity,
                applicable=applicable,
                findings=tuple(found),
                judged=judged[0],
                note="" if applicable else meta.absent or f"{check_id} does not apply",
                judged_parts=judged[1],
            )
        )
    return tuple(outcomes)


def _judged(
    selectors: Sequence[Selector],
    model: Mapping[str, Any],
    doc: Document,
    located: dict[str, tuple[JudgedPart, ...]],
) -> tuple[int, tuple[JudgedPart, ...]]:
    """How many elements `selectors` pick (`judged.judged_count`) and where they are in the
    model file (`Selector.parts`, a part two selectors pick given once), each selector
    located once per model in `located`."""
    for s in selectors:
        if s.text not in located:
            located[s.text] = tuple(
                JudgedPart(json_pointer(path), doc.locate(path)[0], items)
                for path, items in s.parts(model)
            )
    count = sum(p.items or 1 for s in selectors for p in located[s.text])
    if len(selectors) == 1:
        return count, located[selectors[0].text]
    parts = {p.pointer: p for s in selectors for p in located[s.text]}
    return count, tuple(parts.values())
