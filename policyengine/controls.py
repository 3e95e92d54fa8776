"""Control status: from the outcomes of the checks mapped to each control (controls.md).

Pure functions. For one model and one control: no mapped check failed and at least one
passed after judging at least one element of the model: `satisfied`; some failed and some
passed that way: `partial`; some failed and none passed that way, or one failed that
decides the control alone (`custom.decides`): `not_satisfied`; none
applicable: `not_applicable`, with the checks' reasons (`custom.absent`) as its note; no
check mapped at all, or none failed and none judged anything: `not_assessed` (a check with
nothing to judge is no evidence, issue 11); a check that guards the control (`custom.guard`:
what it judges is incidental to it, like the system owner's name to risk treatment) counts
when it fails and never when it passes. Then the model's own
scoping applies: a `compliance.not_applicable` entry with a reason makes the control
`not_applicable` (unless the control's own checks have findings against it: they show it
applies, so it keeps their status and a note says the ruling does not stand), and a
waiver that has not expired makes the control `waived` (checks may pass only because
they excuse a waived control, such as a missing attestation, so a waived control is never
shown as satisfied). An expired waiver, one whose expiry lies further ahead than the risk
criteria allow, or one approved by none of the organisation's acceptors when it names
them, waives nothing (a check reports it).

Each result lists the checks that ran (`checks`) apart from those that did not apply
(`not_run`: no code compared, no such layer), which judged nothing and are no basis of the
status, and the basis of a status the checks give (`satisfied`, `attested`, `partial`):
each passing check with the parts of the model it judged, located.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .results import Basis, CheckOutcome, ControlResult, ControlStatus, Finding


@dataclass(frozen=True)
class Scoping:
    """What the model itself says about controls, with the as-of facts already applied."""

    not_applicable: Mapping[str, tuple[str, str]]
    """Control key -> (reason, JSON pointer of the entry)."""
    waivers: Mapping[str, tuple[str, str]]
    """Control key -> (reason, JSON pointer) of waivers in force (not expired, approved)."""
    attestations: Mapping[str, tuple[str, ...]]
    """Control key -> JSON pointers and evidence paths of its attestations."""


def scoping_of(
    model: Mapping[str, Any],
    waiver_void: Sequence[bool],
    hollow_reasons: Collection[str] = (),
) -> Scoping:
    """Read `compliance.not_applicable`, `.waivers` and `.attestations` of a loaded model.

    `waiver_void[i]` says whether `compliance.waivers[i]` waives nothing: it expired before
    the as-of date, its expiry lies further ahead than the risk criteria allow
    (`facts.waivers[i].too_long`), or no acceptor approved it (`facts.waivers[i].authorized`).
    ATLAS techniques ruled out become control keys `atlas/<id>`. An entry whose reason is
    empty, or whose reason's JSON pointer is in `hollow_reasons` (placeholder text: "x",
    "n/a", two words; `facts.placeholders`), scopes nothing: check TM-TEXT-003 reports it.
    """
    compliance = model.get("compliance") or {}
    not_applicable: dict[str, tuple[str, str]] = {}
    for i, entry in enumerate(compliance.get("not_applicable") or []):
        where = f"/compliance/not_applicable/{i}"
        key = entry.get("control") or (
            f"atlas/{entry['technique']}" if entry.get("technique") else None
        )
        if key and key not in not_applicable and _justified(entry, where, hollow_reasons):
            not_applicable[key] = (str(entry.get("reason", "")), where)
    waivers: dict[str, tuple[str, str]] = {}
    for i, entry in enumerate(compliance.get("waivers") or []):
        where = f"/compliance/waivers/{i}"
        expired = waiver_void[i] if i < len(waiver_void) else True
        key = entry.get("control")
        if key and not expired and key not in waivers and _justified(entry, where, hollow_reasons):
            waivers[key] = (str(entry.get("reason", "")), where)
    attestations: dict[str, list[str]] = {}
    for i, entry in enumerate(compliance.get("attestations") or []):
        key = entry.get("control")
        if key:
            refs = attestations.setdefault(key, [])
            refs.append(f"/compliance/attestations/{i}")
            if entry.get("evidence"):
                refs.append(str(entry["evidence"]))
    return Scoping(
        not_applicable=not_applicable,
        waivers=waivers,
        attestations={k: tuple(v) for k, v in attestations.items()},
    )


NOT_ASKED_NOTE = (
    "no ATLAS technique asked under it applies to this system (its ai_tasks, surfaces and "
    "assets; policies/catalog/atlas-applicability.csv)"
)
"""The note of an ATLAS control that the applicability mapping does not ask of a model."""


def _asked_elsewhere(family: str, asked_as: Mapping[str, str]) -> str:
    """The note of an ATLAS control whose own techniques apply to the model but are asked
    under other families (`asked_under` in the mapping); NOT_ASKED_NOTE when none apply."""
    moved = sorted(
        (t, under)
        for t, under in asked_as.items()
        if (t == family or t.startswith(family + ".")) and under != family
    )
    if not moved:
        return NOT_ASKED_NOTE
    techniques = ", ".join(t for t, _ in moved)
    under = ", ".join(sorted({u for _, u in moved}))
    return (
        f"its techniques that apply to this system ({techniques}) are considered under "
        f"{under} (asked_under in policies/catalog/atlas-applicability.csv): judged there"
    )


def with_atlas_asked(
    scoping: Scoping,
    atlas_keys: Sequence[str],
    asked: Collection[str],
    asked_as: Mapping[str, str] | None = None,
) -> Scoping:
    """`scoping` with every ATLAS control in `atlas_keys` (`atlas/<id>`) whose id is not
    among the families `asked` of the model (`facts.atlas.asks`) made not applicable, with
    `NOT_ASKED_NOTE` and the model's `system.ai_tasks` as the pointer: a technique that does
    not apply to the system is neither satisfied nor failed by it. When some of its
    techniques do apply but are asked under another family (`asked_as`: applicable technique
    -> the family it is asked under, `facts.atlas.applicable`), the note says where they are
    judged instead. The model's own entries come first."""
    extra = {
        key: (_asked_elsewhere(key.split("/", 1)[1], asked_as or {}), "/system/ai_tasks")
        for key in atlas_keys
        if key.split("/", 1)[1] not in asked and key not in scoping.not_applicable
    }
    if not extra:
        return scoping
    return replace(scoping, not_applicable={**scoping.not_applicable, **extra})


def _justified(entry: Mapping[str, Any], where: str, hollow_reasons: Collection[str]) -> bool:
    reason = entry.get("reason")
    return (
        isinstance(reason, str) and bool(reason.strip()) and where + "/reason" not in hollow_reasons
    )


def _counts_against(finding: Finding, key: str) -> bool:
    return key in finding.controls


def status_from_checks(
    outcomes: Sequence[CheckOutcome],
    key: str,
    guarding: Collection[str] = (),
    deciding: Collection[str] = (),
) -> ControlStatus:
    """The status one control gets from the outcomes of the checks mapped to it.

    A check fails for the control when it has a finding that counts against this control;
    findings scoped to another control of the same check do not. A check that judged
    nothing and found nothing neither passes nor fails the control, and neither does a
    check in `guarding` that passed (it guards what the others judge). A check in
    `deciding` that fails makes the control `not_satisfied` on its own.
    """
    return judge_control(outcomes, key, guarding, deciding)[0]


def _evidence_for(o: CheckOutcome, key: str, guarding: Collection[str]) -> bool:
    """Whether `o` passed for control `key` after judging something it can show (a check
    whose findings all count against other controls of its own still passes this one)."""
    return (
        o.applicable
        and o.judged > 0
        and o.check_id not in guarding
        and not any(_counts_against(f, key) for f in o.findings)
    )


def judge_control(
    outcomes: Sequence[CheckOutcome],
    key: str,
    guarding: Collection[str] = (),
    deciding: Collection[str] = (),
) -> tuple[ControlStatus, str]:
    """The status of one control from its checks' outcomes, and a note saying why when it
    is `not_applicable` (the checks' reasons) or `not_assessed` for want of anything to
    judge ("" otherwise).

    `guarding` are the checks whose passes are no evidence for this control (a guard,
    `custom.guard`: what they judge is incidental to it), and `deciding` those whose
    finding alone makes it `not_satisfied` (`custom.decides`)."""
    if not outcomes:
        return ControlStatus.NOT_ASSESSED, ""
    applicable = [o for o in outcomes if o.applicable]
    if not applicable:
        reasons = dict.fromkeys(o.note for o in outcomes if o.note)
        return ControlStatus.NOT_APPLICABLE, "; ".join(reasons)
    failing = [o for o in applicable if any(_counts_against(f, key) for f in o.findings)]
    passed = sum(1 for o in applicable if _evidence_for(o, key, guarding))
    if not failing and passed == 0:
        return ControlStatus.NOT_ASSESSED, _nothing_judged(applicable, guarding)
    if not failing:
        return ControlStatus.SATISFIED, ""
    if passed == 0 or any(o.check_id in deciding for o in failing):
        return ControlStatus.NOT_SATISFIED, ""
    return ControlStatus.PARTIAL, ""


def _nothing_judged(applicable: Sequence[CheckOutcome], guarding: Collection[str]) -> str:
    """The note of a control none of whose checks failed or showed it: those that judged
    nothing, and the guards that judged something they do not show it by."""
    guards = [o.check_id for o in applicable if o.judged > 0 and o.check_id in guarding]
    idle = [o.check_id for o in applicable if o.check_id not in guards]
    said = f"nothing in the model to judge ({', '.join(idle)})" if idle else ""
    if guards:
        only = f"{', '.join(guards)} only guard{'s' if len(guards) == 1 else ''} it"
        said = f"{said}; {only}" if said else f"nothing in the model to judge: {only}"
        said += ", no evidence on its own" if len(guards) == 1 else ", no evidence on their own"
    return said


def derive_controls(
    outcomes: Sequence[CheckOutcome],
    check_controls: Mapping[str, Sequence[str]],
    catalog: Sequence[tuple[str, str]],
    scoping: Scoping,
    attested: Collection[str] = (),
    guards: Mapping[str, Collection[str]] | None = None,
    decides: Mapping[str, Collection[str]] | None = None,
) -> tuple[ControlResult, ...]:
    """One `ControlResult` per catalog control, in catalog order.

    `check_controls` maps a check id to the control keys its METADATA names; a check whose
    finding names a control outside its METADATA (for example an expired waiver) counts for
    that control too. `catalog` lists `(framework, key)` for every control in scope (the
    organisation's controls are not: the register judges them once per repository).
    `attested` are the keys of controls met by the evidence the model cites (catalog
    `judged_by: system`): met, they read `attested`, not `satisfied`.
    `guards` maps a check id to the controls its passes are no evidence for (its METADATA
    `custom.guard`: `CheckMeta.guards`, all its controls for `guard: true`), and
    `decides` a check id to the controls a finding of it makes `not_satisfied` alone
    (`custom.decides`).
    """
    guarding: dict[str, set[str]] = {}
    for check_id, keys in (guards or {}).items():
        for key in keys:
            guarding.setdefault(key, set()).add(check_id)
    deciding: dict[str, set[str]] = {}
    for check_id, keys in (decides or {}).items():
        for key in keys:
            deciding.setdefault(key, set()).add(check_id)
    by_control: dict[str, dict[str, CheckOutcome]] = {}
    by_id = {o.check_id: o for o in outcomes}
    for check_id, keys in check_controls.items():
        outcome = by_id.get(check_id)
        if outcome is None:
            continue
        for key in keys:
            by_control.setdefault(key, {})[check_id] = outcome
    for o in outcomes:
        for f in o.findings:
            for key in f.controls:
                by_control.setdefault(key, {})[o.check_id] = o

    results = []
    for framework, key in catalog:
        mapped = [by_control[key][cid] for cid in sorted(by_control.get(key, {}))]
        guarded = guarding.get(key, set())
        status, note = judge_control(mapped, key, guarded, deciding.get(key, set()))
        if status is ControlStatus.SATISFIED and key in attested:
            status = ControlStatus.ATTESTED
        findings = tuple(f for o in mapped for f in o.findings if _counts_against(f, key))
        evidence = scoping.attestations.get(key, ())
        if key in scoping.not_applicable and not findings:
            note, pointer = scoping.not_applicable[key]
            status = ControlStatus.NOT_APPLICABLE
            evidence = (pointer, *evidence)
        elif key in scoping.waivers:
            note, pointer = scoping.waivers[key]
            status = ControlStatus.WAIVED
            evidence = (pointer, *evidence)
        elif key in scoping.not_applicable:
            note, pointer = _contradicted(scoping.not_applicable[key], findings)
            evidence = (pointer, *evidence)
        results.append(
            ControlResult(
                control_id=key,
                framework=framework,
                status=status,
                checks=tuple(o.check_id for o in mapped if o.applicable),
                findings=findings,
                evidence=evidence,
                note=note,
                not_run=tuple(o.check_id for o in mapped if not o.applicable),
                basis=_basis(mapped, key, guarded) if status in _RESTS_ON_CHECKS else (),
            )
        )
    return tuple(results)


def _contradicted(ruling: tuple[str, str], findings: Sequence[Finding]) -> tuple[str, str]:
    """The note of a control the model rules not applicable while its own checks find
    gaps in it: the findings show it applies, so the ruling does not stand (the control
    keeps the checks' status) and the note says so."""
    reason, pointer = ruling
    checks = list(dict.fromkeys(f.check_id for f in findings))
    verb = "finds" if len(checks) == 1 else "find"
    return (
        f"ruled not applicable ({reason}), but {', '.join(checks)} {verb} it applies: the "
        "ruling does not stand",
        pointer,
    )


_RESTS_ON_CHECKS = frozenset(
    {ControlStatus.SATISFIED, ControlStatus.ATTESTED, ControlStatus.PARTIAL}
)
"""The statuses a passing check is a basis of (the model's own scoping decides the others)."""


def _basis(
    mapped: Sequence[CheckOutcome], key: str, guarding: Collection[str]
) -> tuple[Basis, ...]:
    """The checks that passed for control `key` after judging something they can show it
    by (as `judge_control` counts them), each with what it judged."""
    return tuple(
        Basis(o.check_id, o.judged_parts) for o in mapped if _evidence_for(o, key, guarding)
    )
