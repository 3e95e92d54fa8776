"""Control status derivation: the table of controls.md, waivers and scoping."""

from __future__ import annotations

import pytest

from policyengine.controls import (
    NOT_ASKED_NOTE,
    Scoping,
    derive_controls,
    scoping_of,
    status_from_checks,
    with_atlas_asked,
)
from policyengine.results import (
    Basis,
    CheckOutcome,
    ControlStatus,
    EvidencePointer,
    Finding,
    JudgedPart,
    Severity,
)

KEY = "nist-ai-rmf/MEASURE 2.7"
OTHER = "iso42001/9.1"


def _finding(check: str, controls: tuple[str, ...] = (KEY,)) -> Finding:
    return Finding(check, Severity.HIGH, f"{check} failed", "/red_team", 3, 1, controls)


def _outcome(
    check: str,
    *,
    applicable: bool = True,
    fails: bool = False,
    controls: tuple[str, ...] = (KEY,),
    judged: int = 1,
    note: str = "",
) -> CheckOutcome:
    findings = (_finding(check, controls),) if fails else ()
    parts = (JudgedPart("/red_team", 40, judged),) if applicable and judged else ()
    return CheckOutcome(
        check,
        check,
        Severity.HIGH,
        applicable,
        findings,
        judged if applicable else 0,
        note,
        judged_parts=parts,
    )


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        ([], ControlStatus.NOT_ASSESSED),
        ([_outcome("A"), _outcome("B")], ControlStatus.SATISFIED),
        ([_outcome("A"), _outcome("B", fails=True)], ControlStatus.PARTIAL),
        ([_outcome("A", fails=True), _outcome("B", fails=True)], ControlStatus.NOT_SATISFIED),
        ([_outcome("A", applicable=False)], ControlStatus.NOT_APPLICABLE),
        ([_outcome("A", applicable=False), _outcome("B", fails=True)], ControlStatus.NOT_SATISFIED),
        ([_outcome("A", fails=True, controls=(OTHER,))], ControlStatus.SATISFIED),
        ([_outcome("A", judged=0)], ControlStatus.NOT_ASSESSED),
        ([_outcome("A", judged=0), _outcome("B")], ControlStatus.SATISFIED),
        ([_outcome("A", judged=0), _outcome("B", fails=True)], ControlStatus.NOT_SATISFIED),
        ([_outcome("A", judged=0, fails=True, controls=(OTHER,))], ControlStatus.NOT_ASSESSED),
    ],
    ids=[
        "no-check",
        "all-pass",
        "some-fail",
        "all-fail",
        "none-applicable",
        "inapplicable-ignored",
        "finding-for-other-control",
        "nothing-judged",
        "one-judged-one-idle",
        "idle-is-no-pass",
        "other-control-idle",
    ],
)
def test_status_table(outcomes: list[CheckOutcome], expected: ControlStatus) -> None:
    assert status_from_checks(outcomes, KEY) is expected


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        ([_outcome("A", fails=True), _outcome("B")], ControlStatus.NOT_SATISFIED),
        ([_outcome("A"), _outcome("B", fails=True)], ControlStatus.PARTIAL),
        ([_outcome("A"), _outcome("B")], ControlStatus.SATISFIED),
        ([_outcome("A", fails=True, controls=(OTHER,)), _outcome("B")], ControlStatus.SATISFIED),
    ],
    ids=["decider-fails", "other-fails", "all-pass", "decider-fails-other-control"],
)
def test_a_deciding_check_that_fails_decides_alone(
    outcomes: list[CheckOutcome], expected: ControlStatus
) -> None:
    # MEASURE 2.7 with TM-REDTEAM-002 ("A") deciding it: the other checks' passes (a report
    # filed for an old exercise) do not make "no exercise within 365 days" partial.
    assert status_from_checks(outcomes, KEY, deciding={"A"}) is expected


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        ([_outcome("G")], ControlStatus.NOT_ASSESSED),
        ([_outcome("G"), _outcome("B", applicable=False)], ControlStatus.NOT_ASSESSED),
        ([_outcome("G", fails=True)], ControlStatus.NOT_SATISFIED),
        ([_outcome("G"), _outcome("B", fails=True)], ControlStatus.NOT_SATISFIED),
        ([_outcome("G"), _outcome("B")], ControlStatus.SATISFIED),
        ([_outcome("G", fails=True), _outcome("B")], ControlStatus.PARTIAL),
    ],
    ids=[
        "guard-alone",
        "guard-and-not-run",
        "guard-fails",
        "guard-no-partial",
        "with-a-basis",
        "guard-fails-partial",
    ],
)
def test_a_guard_of_a_control_counts_when_it_fails_never_when_it_passes(
    outcomes: list[CheckOutcome], expected: ControlStatus
) -> None:
    # ISO 8.3 with TM-ISO-062 ("G", metadata.owner) guarding it: an owner's name is no
    # evidence of risk treatment, a missing owner is a gap in it.
    assert status_from_checks(outcomes, KEY, guarding={"G"}) is expected


def test_a_control_guarded_only_is_not_assessed_and_says_why() -> None:
    outcomes = [_outcome("G"), _outcome("I", judged=0), _outcome("B", applicable=False)]
    (result,) = derive_controls(
        outcomes,
        {"G": (KEY, OTHER), "I": (KEY,), "B": (KEY,)},
        [("nist-ai-rmf", KEY)],
        Scoping({}, {}, {}),
        guards={"G": (KEY,)},
    )
    assert result.status is ControlStatus.NOT_ASSESSED
    assert result.note == (
        "nothing in the model to judge (I); G only guards it, no evidence on its own"
    )
    assert result.basis == ()
    assert result.not_run == ("B",)
    # The same pass is evidence for the check's other control, which it does not guard.
    (other,) = derive_controls(
        outcomes[:1],
        {"G": (KEY, OTHER)},
        [("iso42001", OTHER)],
        Scoping({}, {}, {}),
        guards={"G": (KEY,)},
    )
    assert other.status is ControlStatus.SATISFIED
    assert [b.check_id for b in other.basis] == ["G"]


def test_a_deciding_check_is_applied_per_control() -> None:
    outcomes = [_outcome("A", fails=True, controls=(KEY, OTHER)), _outcome("B", controls=())]
    results = derive_controls(
        outcomes,
        {"A": (KEY, OTHER), "B": (KEY, OTHER)},
        [("nist-ai-rmf", KEY), ("iso42001", OTHER)],
        Scoping({}, {}, {}),
        decides={"A": (KEY,)},
    )
    assert [(r.control_id, r.status) for r in results] == [
        (KEY, ControlStatus.NOT_SATISFIED),
        (OTHER, ControlStatus.PARTIAL),
    ]
    assert results[0].basis == ()


MODEL = {
    "compliance": {
        "not_applicable": [
            {"control": "iso42001/A.7.6", "reason": "The system prepares no training data."},
            {"technique": "AML.T0010.003", "reason": "The model is hosted by its provider."},
        ],
        "waivers": [
            {"control": KEY, "reason": "Scheduled with the Q1 release.", "expires": "2027-03-31"},
            {"control": OTHER, "reason": "Lapsed at the end of January.", "expires": "2026-01-31"},
        ],
        "attestations": [{"control": "nist-ai-rmf/MEASURE 2.12", "evidence": "docs/e.md"}],
    }
}


def test_scoping_reads_not_applicable_waivers_and_attestations() -> None:
    s = scoping_of(MODEL, [False, True])
    assert s.not_applicable == {
        "iso42001/A.7.6": ("The system prepares no training data.", "/compliance/not_applicable/0"),
        "atlas/AML.T0010.003": (
            "The model is hosted by its provider.",
            "/compliance/not_applicable/1",
        ),
    }
    assert s.waivers == {KEY: ("Scheduled with the Q1 release.", "/compliance/waivers/0")}
    assert s.attestations == {
        "nist-ai-rmf/MEASURE 2.12": ("/compliance/attestations/0", "docs/e.md")
    }


def test_derive_applies_waiver_only_while_it_runs_and_only_to_failing_controls() -> None:
    outcomes = [_outcome("A", fails=True), _outcome("B", fails=True, controls=(OTHER,))]
    check_controls = {"A": (KEY,), "B": (OTHER,)}
    catalog = [
        ("nist-ai-rmf", KEY),
        ("iso42001", OTHER),
        ("iso42001", "iso42001/A.7.6"),
        ("nist-ai-rmf", "nist-ai-rmf/MAP 1.1"),
    ]
    results = derive_controls(outcomes, check_controls, catalog, scoping_of(MODEL, [False, True]))
    by_key = {r.control_id: r for r in results}
    assert [r.control_id for r in results] == [k for _, k in catalog]
    assert by_key[KEY].status is ControlStatus.WAIVED
    assert by_key[KEY].note == "Scheduled with the Q1 release."
    assert by_key[KEY].evidence == ("/compliance/waivers/0",)
    # the waiver of OTHER expired: the control stays not satisfied
    assert by_key[OTHER].status is ControlStatus.NOT_SATISFIED
    assert by_key["iso42001/A.7.6"].status is ControlStatus.NOT_APPLICABLE
    assert by_key["iso42001/A.7.6"].note == "The system prepares no training data."
    assert by_key["nist-ai-rmf/MAP 1.1"].status is ControlStatus.NOT_ASSESSED


def test_waived_control_is_waived_even_when_its_checks_pass() -> None:
    # An attestation check excuses a waived control; it must not then read as satisfied.
    results = derive_controls(
        [_outcome("A")], {"A": (KEY,)}, [("nist-ai-rmf", KEY)], scoping_of(MODEL, [False, False])
    )
    assert results[0].status is ControlStatus.WAIVED
    assert results[0].note == "Scheduled with the Q1 release."


def test_finding_naming_a_control_outside_metadata_counts_for_it() -> None:
    outcome = _outcome("W", fails=True, controls=(KEY,))
    results = derive_controls(
        [outcome], {"W": (OTHER,)}, [("nist-ai-rmf", KEY), ("iso42001", OTHER)], scoping_of({}, [])
    )
    assert [r.status for r in results] == [ControlStatus.NOT_SATISFIED, ControlStatus.SATISFIED]


def test_a_control_whose_checks_judged_nothing_is_not_assessed_and_says_why() -> None:
    results = derive_controls(
        [_outcome("A", judged=0), _outcome("B", judged=0)],
        {"A": (KEY,), "B": (KEY,)},
        [("nist-ai-rmf", KEY)],
        scoping_of({}, []),
    )
    assert (results[0].status, results[0].note) == (
        ControlStatus.NOT_ASSESSED,
        "nothing in the model to judge (A, B)",
    )


def test_a_control_no_check_applies_to_gives_the_checks_reasons() -> None:
    outcomes = [
        _outcome("A", applicable=False, note="no agent tools in this model"),
        _outcome("B", applicable=False, note="no dataset in this model"),
        _outcome("C", applicable=False, note="no agent tools in this model"),
    ]
    results = derive_controls(
        outcomes, dict.fromkeys("ABC", (KEY,)), [("nist-ai-rmf", KEY)], scoping_of({}, [])
    )
    assert (results[0].status, results[0].note) == (
        ControlStatus.NOT_APPLICABLE,
        "no agent tools in this model; no dataset in this model",
    )


def test_a_placeholder_reason_scopes_nothing() -> None:
    model = {
        "compliance": {
            "not_applicable": [{"control": "iso42001/A.7.6", "reason": "n/a"}],
            "waivers": [{"control": KEY, "reason": "x", "expires": "2027-03-31"}],
        }
    }
    hollow = {"/compliance/not_applicable/0/reason", "/compliance/waivers/0/reason"}
    s = scoping_of(model, [False], hollow)
    assert (s.not_applicable, s.waivers) == ({}, {})
    assert scoping_of(model, [False]).waivers == {KEY: ("x", "/compliance/waivers/0")}


def test_the_basis_of_a_status_is_what_the_passing_checks_judged() -> None:
    outcomes = [
        _outcome("A"),
        _outcome("B", fails=True),
        _outcome("C", judged=0),  # passed having judged nothing: no basis
        _outcome("D", applicable=False, note="no code compared"),
    ]
    (result,) = derive_controls(
        outcomes, dict.fromkeys("ABCD", (KEY,)), [("nist-ai-rmf", KEY)], scoping_of({}, [])
    )
    assert result.status is ControlStatus.PARTIAL
    assert (result.checks, result.not_run) == (("A", "B", "C"), ("D",))
    assert result.basis == (Basis("A", (JudgedPart("/red_team", 40, 1),)),)
    assert result.judged_evidence("m.yaml") == (
        EvidencePointer(
            "m.yaml", 40, "/red_team", "all 1 item judged by A", judged_by=("A",), items=1
        ),
    )


def test_checks_that_did_not_run_are_no_basis_and_never_satisfy() -> None:
    outcomes = [_outcome("CODE", applicable=False, note="no code compared")]
    (result,) = derive_controls(
        outcomes, {"CODE": (KEY,)}, [("nist-ai-rmf", KEY)], scoping_of({}, [])
    )
    assert (result.status, result.checks, result.not_run, result.basis) == (
        ControlStatus.NOT_APPLICABLE,
        (),
        ("CODE",),
        (),
    )


def test_a_part_two_checks_judged_is_shown_once_with_both() -> None:
    shared = (JudgedPart("/threats", 9, 4), JudgedPart("/system", 3))
    outcomes = [
        CheckOutcome("B", "B", Severity.LOW, True, (), 5, judged_parts=shared),
        CheckOutcome("A", "A", Severity.LOW, True, (), 4, judged_parts=shared[:1]),
    ]
    (result,) = derive_controls(
        outcomes, {"A": (KEY,), "B": (KEY,)}, [("nist-ai-rmf", KEY)], scoping_of({}, [])
    )
    assert result.status is ControlStatus.SATISFIED
    assert [(p.line, p.pointer, p.what, p.judged_by) for p in result.judged_evidence("m")] == [
        (3, "/system", "judged by B", ("B",)),
        (9, "/threats", "all 4 items judged by A, B", ("A", "B")),
    ]


def test_a_waived_control_rests_on_its_waiver_not_on_checks() -> None:
    results = derive_controls(
        [_outcome("A")], {"A": (KEY,)}, [("nist-ai-rmf", KEY)], scoping_of(MODEL, [False, False])
    )
    assert results[0].status is ControlStatus.WAIVED and results[0].basis == ()


def test_an_atlas_row_whose_techniques_are_asked_elsewhere_says_where() -> None:
    """An outside auditor read "AML.T0080 AI Agent Context Poisoning: not applicable" for an
    agent: its techniques do apply, asked under AML.T0051. The note says so; a row none of
    whose techniques apply keeps the plain note."""
    empty = Scoping(not_applicable={}, waivers={}, attestations={})
    scoped = with_atlas_asked(
        empty,
        ["atlas/AML.T0080", "atlas/AML.T0029", "atlas/AML.T0051"],
        {"AML.T0051"},
        {"AML.T0080": "AML.T0051", "AML.T0080.001": "AML.T0051", "AML.T0051.000": "AML.T0051"},
    )
    assert scoped.not_applicable == {
        "atlas/AML.T0080": (
            "its techniques that apply to this system (AML.T0080, AML.T0080.001) are "
            "considered under AML.T0051 (asked_under in "
            "policies/catalog/atlas-applicability.csv): judged there",
            "/system/ai_tasks",
        ),
        "atlas/AML.T0029": (NOT_ASKED_NOTE, "/system/ai_tasks"),
    }


def test_a_ruling_of_not_applicable_the_controls_checks_contradict_does_not_stand() -> None:
    """The auditor's A4: a model ruling a control out while a check finds a gap in it read
    `not_applicable`, the gap hidden in the cell. The findings show the control applies:
    it keeps the checks' status, and the note names the ruling and the checks. A ruling
    no finding contradicts stands, and a waiver still waives."""
    ruled = Scoping(
        not_applicable={KEY: ("Nothing is red-teamed here.", "/compliance/not_applicable/0")},
        waivers={},
        attestations={},
    )
    failing = [_outcome("A", fails=True), _outcome("B")]
    (result,) = derive_controls(failing, {"A": (KEY,), "B": (KEY,)}, [("nist", KEY)], ruled)
    assert result.status is ControlStatus.PARTIAL
    assert result.note == (
        "ruled not applicable (Nothing is red-teamed here.), but A finds it applies: the "
        "ruling does not stand"
    )
    assert result.evidence == ("/compliance/not_applicable/0",)
    assert [f.check_id for f in result.findings] == ["A"]
    (result,) = derive_controls([_outcome("B")], {"B": (KEY,)}, [("nist", KEY)], ruled)
    assert result.status is ControlStatus.NOT_APPLICABLE
    waived = Scoping(
        not_applicable=ruled.not_applicable,
        waivers={KEY: ("Until the Q1 exercise.", "/compliance/waivers/0")},
        attestations={},
    )
    (result,) = derive_controls(failing, {"A": (KEY,), "B": (KEY,)}, [("nist", KEY)], waived)
    assert result.status is ControlStatus.WAIVED
