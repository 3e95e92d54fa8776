"""Pull-request mode's pure parts: which changed files a run selects, and model deltas."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from policyengine.config import RiskCriteria, RiskThresholds
from policyengine.evaluate import element_path, finding_key
from policyengine.loader import find_models
from policyengine.pr import (
    ACCEPTANCE_CHECK_ID,
    APPLICABILITY_CHECK_ID,
    CONTROL_CHECK_ID,
    FORWARD_CHECK_ID,
    FRAMEWORKS_CHECK_ID,
    NOT_APPLICABLE_CHECK_ID,
    RED_TEAM_CHECK_ID,
    REGRESSION_CHECK_ID,
    REMOVED_CHECK_ID,
    REVIEW_CHECK_ID,
    SCORE_CHECK_ID,
    SURFACE_REMOVED_CHECK_ID,
    THREAT_REMOVED_CHECK_ID,
    TOLERANCE_CHECK_ID,
    WAIVER_CHECK_ID,
    _changed_ids,
    _model_pairs,
    found_by,
    model_delta,
)
from policyengine.report.text import finding_lines
from policyengine.results import (
    CheckOutcome,
    ControlResult,
    ControlStatus,
    Finding,
    ModelReport,
    Severity,
    View,
)

TREE = [
    "a.yaml",
    ".policyengine.yaml",
    "models/m.yaml",
    "models/m.yml",
    "models/notes.txt",
    "models/.policyengine.yaml",
    "models/team/x.yaml",
    "models/team/.hidden/y.yaml",
    "models/.drafts/z.yaml",
    ".github/workflows/ci.yml",
    "deploy/values.yaml",
    "deploy/chart/templates/t.yaml",
]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    for name in TREE:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("a: 1\n", encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("wanted", "globs"),
    [
        ([], []),
        ([], ["models/**/*.yaml"]),
        ([], ["models/*.y*ml"]),
        ([], ["models"]),
        ([], ["models/**"]),
        ([], ["**/*.yaml"]),
        ([], ["*.yaml", "deploy/*"]),
        ([], ["models/.drafts/*.yaml", ".github/**/*.yml"]),
        (["models"], []),
        (["models/team"], []),
        (["."], []),
        (["a.yaml", "deploy"], []),
    ],
    ids=lambda v: ",".join(v) or "-",
)
def test_found_by_agrees_with_find_models(tree: Path, wanted: list[str], globs: list[str]) -> None:
    listing = find_models([tree / w for w in wanted], tree, () if wanted else globs)
    listed = {c.shown for c in listing.candidates}
    assert {n for n in TREE if found_by(n, wanted, () if wanted else globs)} == listed


def _report(path: str) -> ModelReport:
    return ModelReport(path=path, model_id="m", owner="o", diagnostics=())


def _model(**extra: Any) -> dict[str, Any]:
    return {"system": {"frameworks": ["nist-ai-rmf", "iso42001"]}, "compliance": {}, **extra}


def test_model_delta_scope_reductions() -> None:
    old = _model(
        compliance={
            "waivers": [{"control": "nist-ai-rmf/MAP 1.1", "expires": "2027-01-01"}],
            "not_applicable": [{"technique": "AML.T0051"}],
        }
    )
    new = _model(
        system={"frameworks": ["iso42001"]},
        compliance={
            "waivers": [
                {"control": "nist-ai-rmf/MAP 1.1", "expires": "2026-12-01"},  # shortened
                {"control": "iso42001/6.1.2", "expires": "2027-01-01"},
            ],
            "not_applicable": [{"technique": "AML.T0051"}, {"technique": "AML.T0054"}],
        },
    )
    delta = model_delta("m.yaml", (_report("m.yaml"), old), (_report("m.yaml"), new))
    found = [(f.check_id, f.severity, f.pointer) for f in delta.findings]
    assert found == [
        (FRAMEWORKS_CHECK_ID, Severity.HIGH, "/system/frameworks"),
        (WAIVER_CHECK_ID, Severity.HIGH, "/compliance/waivers/1"),
        (NOT_APPLICABLE_CHECK_ID, Severity.HIGH, "/compliance/not_applicable/1"),
    ]
    assert "no longer declares nist-ai-rmf" in delta.findings[0].message
    # the reverse (scope widened) is no finding
    back = model_delta("m.yaml", (_report("m.yaml"), new), (_report("m.yaml"), old))
    assert [f.check_id for f in back.findings] == [WAIVER_CHECK_ID]  # MAP 1.1 extended again


def test_no_frameworks_declared_means_all() -> None:
    old = {"system": {}}
    new = {"system": {"frameworks": ["nist-ai-rmf", "iso42001"]}}
    delta = model_delta("m.yaml", (_report("m.yaml"), old), (_report("m.yaml"), new))
    assert delta.findings == ()
    delta = model_delta("m.yaml", (_report("m.yaml"), new), (_report("m.yaml"), {"system": {}}))
    assert delta.findings == ()


def test_removed_model_is_a_finding_only_when_the_pull_request_removed_it() -> None:
    base = (_report("m.yaml"), _model())
    assert model_delta("m.yaml", base, None).findings == ()  # the base moved on
    delta = model_delta("m.yaml", base, None, removal="was deleted")
    assert [(f.check_id, f.severity) for f in delta.findings] == [(REMOVED_CHECK_ID, Severity.HIGH)]
    assert delta.change == "removed"


def _failing(key: str, check: str = "TM-X-001", controls: tuple[str, ...] = ("f/C1",)) -> Finding:
    return Finding(check, Severity.HIGH, f"{check} {key}", "/x", 3, 1, controls, key=key)


def _judged(findings: tuple[Finding, ...], satisfied: bool) -> ModelReport:
    status = ControlStatus.SATISFIED if satisfied else ControlStatus.NOT_SATISFIED
    control = ControlResult("f/C1", "f", status, ("TM-X-001",), () if satisfied else findings)
    check = CheckOutcome("TM-X-001", "x", Severity.HIGH, True, findings)
    return ModelReport("m.yaml", "m", "o", (), checks=(check,), controls=(control,))


def test_a_new_finding_carries_the_control_it_regresses() -> None:
    old = new = _model()
    base = _judged((), satisfied=True)
    head = _judged((_failing("k1"),), satisfied=False)
    delta = model_delta("m.yaml", (base, old), (head, new))
    assert [(f.check_id, f.regresses) for f in delta.findings] == [("TM-X-001", ("f/C1",))]
    assert delta.control_changes == (("f/C1", "satisfied", "not_satisfied"),)


def test_a_finding_the_base_had_is_existing_whatever_its_message() -> None:
    base = _judged((_failing("k1"),), satisfied=False)
    moved = replace(_failing("k1"), message="other words", line=9, pointer="/y")
    delta = model_delta("m.yaml", (base, _model()), (_judged((moved,), False), _model()))
    assert delta.findings == () and delta.existing == (moved,)
    # the same key twice at the head: the base's one covers one of them
    twice = _judged((moved, moved), False)
    delta = model_delta("m.yaml", (base, _model()), (twice, _model()))
    assert len(delta.findings) == 1 and len(delta.existing) == 1


def test_a_regression_no_finding_explains_stays_a_finding_of_its_own() -> None:
    base = _judged((), satisfied=True)
    head = replace(
        _judged((), satisfied=True),
        controls=(ControlResult("f/C1", "f", ControlStatus.PARTIAL, ("TM-X-001",), ()),),
    )
    delta = model_delta("m.yaml", (base, _model()), (head, _model()))
    assert [f.check_id for f in delta.findings] == [REGRESSION_CHECK_ID]
    assert delta.findings[0].hint  # every pull-request check has its fix


def test_element_path_names_list_elements_by_id() -> None:
    model = {"threats": [{"id": "T-0"}, {"id": "T-1", "mitigations": ["C-1", "C-2"]}]}
    assert element_path(model, ["threats", 1, "mitigations", 1]) == [
        "threats",
        {"id": "T-1"},
        "mitigations",
        {"=": "C-2"},
    ]
    assert element_path(model, ["threats", 7]) == ["threats", 7]  # outside the model
    shifted = {"threats": [{"id": "T-9"}, *model["threats"]]}
    finding = {"params": {"threat": ["threats", 1, "id"], "risk": 12}}
    assert finding_key("C", ["threats", 1], finding, model) == finding_key(
        "C", ["threats", 2], {"params": {"threat": ["threats", 2, "id"], "risk": 12}}, shifted
    )
    assert finding_key("C", ["threats", 1], finding, model) != finding_key(
        "C", ["threats", 1], {"params": {"threat": ["threats", 1, "id"], "risk": 15}}, model
    )


_RED_TEAM = [
    {
        "id": "RT-1",
        "findings": [{"id": "F-1", "threats": ["T-1"]}, {"id": "F-2", "threats": ["T-9"]}],
    }
]
"""F-1 is about T-1; F-2 about another threat."""


def _scored(**threat: Any) -> dict[str, Any]:
    base = {"id": "T-1", "likelihood": 4, "impact": 4, "assumptions": ["b", "a"]}
    return _model(threats=[{**base, **threat}], red_team=_RED_TEAM)


@pytest.mark.parametrize(
    ("head", "found"),
    [
        ({"impact": 2}, ["threat T-1 impact lowered 4 -> 2"]),
        ({"likelihood": 3, "assumptions": ["a", "b"]}, ["threat T-1 likelihood lowered 4 -> 3"]),
        ({"impact": 2, "validation": {"status": "untested"}}, ["threat T-1 impact lowered 4 -> 2"]),
        ({"impact": 2, "assumptions": ["a", "b", "c"]}, []),
        ({"impact": 2, "assumptions": ["a", "c"]}, []),
        (
            {"impact": 2, "validation": {"status": "not_reproduced"}},
            ["threat T-1 impact lowered 4 -> 2"],
        ),
        ({"impact": 2, "validation": {"findings": ["RT-1/F-1"]}}, []),
        (
            {"impact": 2, "validation": {"findings": ["RT-1/F-2"]}},
            ["threat T-1 impact lowered 4 -> 2"],
        ),
        ({"impact": 5, "likelihood": 5}, []),
        ({"impact": "2"}, []),
        ({"id": "T-2", "impact": 1}, []),
    ],
    ids=[
        "lowered",
        "reordered-assumptions-are-no-reason",
        "untested-is-no-validation",
        "assumption-added",
        "assumption-replaced",
        "validated-with-nothing-behind-it",
        "red-team-reference",
        "reference-to-a-finding-about-another-threat",
        "raised",
        "not-a-number",
        "new-threat",
    ],
)
def test_a_lowered_score_needs_a_reason(head: dict[str, Any], found: list[str]) -> None:
    old, new = _scored(), _scored(**head)
    delta = model_delta("m.yaml", (_report("m.yaml"), old), (_report("m.yaml"), new))
    messages = [f.message for f in delta.findings if f.check_id == SCORE_CHECK_ID]
    suffix = " without a changed assumption or new validation"
    assert messages == [m + suffix for m in found]
    assert all(f.severity is Severity.HIGH for f in delta.findings)


def test_a_removed_assumption_is_no_reason_and_is_named() -> None:
    """Only a new or reworded assumption explains a lower score: one taken away is no
    reason (it may be the premise that made the threat likely)."""
    old = _scored(assumptions=["b", "Customers write the training data.", "a"])
    new = _scored(impact=2, assumptions=["a", "B."])
    delta = model_delta("m.yaml", (_report("m.yaml"), old), (_report("m.yaml"), new))
    assert [f.message for f in delta.findings if f.check_id == SCORE_CHECK_ID] == [
        "threat T-1 impact lowered 4 -> 2 without a changed assumption or new validation "
        '(removing an assumption is no reason: "Customers write the training data.")'
    ]


def test_a_renamed_threat_is_compared_with_its_old_self() -> None:
    about = {"surface": "chat", "atlas": ["AML.T0051", "AML.T0054"]}
    old = _scored(**about)
    renamed = {**about, "atlas": ["AML.T0054", "AML.T0051"], "id": "T-1a", "impact": 1}
    delta = model_delta("m.yaml", (_report("m.yaml"), old), (_report("m.yaml"), _scored(**renamed)))
    assert [f.message for f in delta.findings if f.check_id == SCORE_CHECK_ID] == [
        "threat T-1a (renamed from T-1) impact lowered 4 -> 1 without a changed assumption "
        "or new validation"
    ]
    # about something else (another surface): a new threat, not the old one renamed
    other = {**renamed, "surface": "kb"}
    delta = model_delta("m.yaml", (_report("m.yaml"), old), (_report("m.yaml"), _scored(**other)))
    assert [f for f in delta.findings if f.check_id == SCORE_CHECK_ID] == []


@pytest.mark.parametrize(  # fmt: skip
    "respaced",
    [
        ["b", "A."],
        ["  b ", "a"],
        ["b", "a", "a!"],
        ["b", "\u0430"],
        ["\uff42", "a"],
        ["b\u200b", "a"],
        ["\u0432", "\u0391"],
    ],
    ids=[
        "case-and-punctuation",
        "spaces",
        "repeated",
        "cyrillic-a",
        "full-width-b",
        "zero-width-space",
        "cyrillic-and-greek-capitals",
    ],
)
def test_an_assumption_changed_in_form_only_is_no_reason(respaced: list[str]) -> None:
    old, new = _scored(), _scored(impact=2, assumptions=respaced)
    delta = model_delta("m.yaml", (_report("m.yaml"), old), (_report("m.yaml"), new))
    assert [f.pointer for f in delta.findings if f.check_id == SCORE_CHECK_ID] == [
        "/threats/0/impact"
    ]


def test_a_red_team_finding_naming_the_threat_is_a_reason() -> None:
    """A finding that names the threat at the base, newly cited in validation.findings,
    explains a lower score. A finding the pull request makes name the threat, or adds (a
    whole exercise here), is its claim (PR-REDTEAM-006) and explains nothing."""
    exercise = {"id": "RT-2", "findings": [{"id": "F-1", "threats": ["T-9"]}]}
    naming = {"id": "RT-2", "findings": [{"id": "F-1", "threats": ["T-9", "T-1"]}]}
    old = {**_scored(), "red_team": [*_RED_TEAM, naming]}
    cited = {
        **_scored(likelihood=2, validation={"findings": ["RT-2/F-1"]}),
        "red_team": old["red_team"],
    }
    delta = model_delta("m.yaml", (_report("m.yaml"), old), (_report("m.yaml"), cited))
    assert delta.findings == ()
    # the same finding, named but not cited: no new reference
    lowered = {**_scored(likelihood=2), "red_team": old["red_team"]}
    delta = model_delta("m.yaml", (_report("m.yaml"), old), (_report("m.yaml"), lowered))
    assert [f.pointer for f in delta.findings] == ["/threats/0/likelihood"]
    # the pull request makes RT-2/F-1 name T-1 and cites it
    base = {**_scored(), "red_team": [*_RED_TEAM, exercise]}
    delta = model_delta("m.yaml", (_report("m.yaml"), base), (_report("m.yaml"), cited))
    assert sorted(f.check_id for f in delta.findings) == ["PR-REDTEAM-006", "PR-SCORE-001"]
    (edit,) = [f.message for f in delta.findings if f.check_id == "PR-REDTEAM-006"]
    assert edit.startswith(
        "the pull request makes red-team finding RT-2/F-1 name T-1 (it named T-9"
    )
    # an exercise the pull request adds
    delta = model_delta("m.yaml", (_report("m.yaml"), _scored()), (_report("m.yaml"), cited))
    assert sorted(f.check_id for f in delta.findings) == ["PR-REDTEAM-006", "PR-SCORE-001"]


def test_a_tested_status_counts_with_an_exercise_in_scope() -> None:
    """not_reproduced explains a lower score when an exercise of the last 365 days had the
    threat's surface or techniques in scope (and not when the pull request wrote it)."""
    exercise = {"id": "RT-3", "date": "2026-09-01", "scope": {"surfaces": ["chat"]}}
    about = {"id": "T-5", "surface": "chat"}  # no red-team finding names T-5
    old = {**_scored(**about), "red_team": [*_RED_TEAM, exercise]}
    head = _scored(**about, impact=2, validation={"status": "not_reproduced"})
    new = {**head, "red_team": [*_RED_TEAM, exercise]}
    as_of = date(2026, 11, 27)
    delta = model_delta("m.yaml", (_report("m.yaml"), old), (_report("m.yaml"), new), as_of=as_of)
    assert delta.findings == ()
    late = date(2027, 12, 1)  # the exercise is older than 365 days
    delta = model_delta("m.yaml", (_report("m.yaml"), old), (_report("m.yaml"), new), as_of=late)
    assert sorted(f.check_id for f in delta.findings) == ["PR-REDTEAM-009", "PR-SCORE-001"]
    # written by the pull request: a claim, and no basis
    delta = model_delta(
        "m.yaml",
        (_report("m.yaml"), _scored(surface="chat")),
        (_report("m.yaml"), new),
        as_of=as_of,
    )
    assert {"PR-REDTEAM-006", "PR-REDTEAM-009", "PR-SCORE-001"} <= {
        f.check_id for f in delta.findings
    }


# --- weakening ----------------------------------------------------------------------------


def _weakened(old: dict[str, Any], new: dict[str, Any], **kw: Any) -> list[tuple[str, str, str]]:
    delta = model_delta("m.yaml", (_report("m.yaml"), old), (_report("m.yaml"), new), **kw)
    return [(f.check_id, f.pointer, f.message) for f in delta.findings]


BASE = {
    "system": {"risk_tolerance": "medium"},
    "surfaces": [{"id": "chat", "layer": "input_output"}, {"id": "kb", "layer": "retrieval"}],
    "threats": [
        {"id": "T-1", "atlas": ["AML.T0051.001"], "likelihood": 3, "impact": 4,
         "assumptions": ["a"], "mitigations": ["C-1", "C-2"]},
        {"id": "T-2", "atlas": ["AML.T0070", "AML.T0054"], "likelihood": 2, "impact": 5,
         "assumptions": ["b"], "mitigations": ["C-2"]},
    ],
    "controls": [{"id": "C-1", "status": "verified"}, {"id": "C-2", "status": "implemented"}],
    "red_team": [
        {"id": "RT-1", "date": "2026-09-14",
         "findings": [{"id": "F-1", "threats": ["T-1"]}, {"id": "F-2"}]},
        {"id": "RT-2", "date": "2026-10-01", "findings": [{"id": "F-1"}]},
    ],
}  # fmt: skip


def _changed(**parts: Any) -> dict[str, Any]:
    return {**BASE, **parts}


def test_an_unchanged_model_is_weakened_nowhere() -> None:
    assert _weakened(BASE, dict(BASE)) == []


def test_a_surface_removed_names_a_layer_left_without_one() -> None:
    kept = _changed(surfaces=[BASE["surfaces"][0], {"id": "kb2", "layer": "retrieval"}])
    assert [(c, m) for c, _, m in _weakened(BASE, kept)] == [
        (SURFACE_REMOVED_CHECK_ID, "surface kb (retrieval) was removed: the ATLAS techniques "
         "asked of it are no longer asked"),
    ]  # fmt: skip
    gone = _changed(surfaces=[BASE["surfaces"][0]])
    assert _weakened(BASE, gone)[0][2].endswith("; the model has no retrieval surface left")


def _with_control(status: ControlStatus) -> ModelReport:
    control = ControlResult("atlas/AML.T0070", "atlas", status, ("TM-ATLAS-001",), ())
    return replace(_report("m.yaml"), controls=(control,))


def test_a_surface_removed_carries_the_controls_it_made_not_applicable() -> None:
    """One cause, one finding: removing the only retrieval surface is PR-SCOPE-006, and the
    techniques it made not applicable (PR-SCOPE-007) are shown under it as the same cause,
    both kept (the JSON has the second in `same_cause`)."""
    gone = _changed(surfaces=[BASE["surfaces"][0]])
    base = (_with_control(ControlStatus.SATISFIED), BASE)
    head = (_with_control(ControlStatus.NOT_APPLICABLE), gone)
    (finding,) = model_delta("m.yaml", base, head).findings
    assert finding.check_id == SURFACE_REMOVED_CHECK_ID
    (same,) = finding.same_cause
    assert same.check_id == APPLICABILITY_CHECK_ID
    assert "(surfaces removed: kb): atlas/AML.T0070" in same.message
    assert same.hint  # explained like any PR check
    lines = finding_lines("m.yaml", finding, View())
    assert lines[0].startswith("m.yaml: high: PR-SCOPE-006 surface kb (retrieval) was removed")
    assert lines[1].startswith("  same cause: PR-SCOPE-007 the pull request makes 1 control ")
    # A relabelling besides the removal is a cause of its own: two findings, and the
    # changed ai_tasks are a review trigger besides (PR-REVIEW-001).
    relabelled = {**gone, "system": {**BASE["system"], "ai_tasks": ["anomaly_detection"]}}
    delta = model_delta("m.yaml", base, (head[0], relabelled))
    assert [(f.check_id, f.same_cause) for f in delta.findings] == [
        (REVIEW_CHECK_ID, ()),
        (SURFACE_REMOVED_CHECK_ID, ()),
        (APPLICABILITY_CHECK_ID, ()),
    ]


def test_a_threat_removal_needs_every_family_covered_by_a_new_or_reassumed_threat() -> None:
    t1, t2 = BASE["threats"]
    only_t1 = _changed(threats=[t1])
    assert [(c, p) for c, p, _ in _weakened(BASE, only_t1)] == [
        (THREAT_REMOVED_CHECK_ID, "/threats")
    ]
    assert "names AML.T0054, AML.T0070" in _weakened(BASE, only_t1)[0][2]
    # T-1 re-assumed to cover T-2's families: T-2 was merged into it (the sub-technique of a
    # family counts for the family)
    merged = {**t1, "atlas": ["AML.T0051.001", "AML.T0070.000", "AML.T0054"], "assumptions": ["c"]}
    assert _weakened(BASE, _changed(threats=[merged])) == []
    # the same families without a changed assumption explain nothing
    same = {**t1, "atlas": merged["atlas"]}
    assert [c for c, _, _ in _weakened(BASE, _changed(threats=[same]))] == [THREAT_REMOVED_CHECK_ID]
    # a new threat covering one family only leaves the other named
    half = {"id": "T-3", "atlas": ["AML.T0054"], "assumptions": ["d"]}
    (finding,) = _weakened(BASE, _changed(threats=[t1, half]))
    assert "names AML.T0070;" in finding[2]


def test_controls_removed_or_moved_back_or_forward_on_no_new_evidence() -> None:
    c1, c2 = BASE["controls"]
    back = _changed(controls=[{**c1, "status": "implemented"}])
    assert [(c, p, m) for c, p, m in _weakened(BASE, back)] == [
        (CONTROL_CHECK_ID, "/controls/0/status",
         "control C-1 moved back from verified to implemented; it mitigated T-1 at the base"),
        (CONTROL_CHECK_ID, "/controls",
         "control C-2 (implemented) was removed; it mitigated T-1, T-2 at the base"),
    ]  # fmt: skip
    forward = _changed(controls=[c1, {**c2, "status": "verified"}])
    assert _weakened(BASE, forward) == [
        (FORWARD_CHECK_ID, "/controls/1/status",
         "control C-2 moved forward from implemented to verified with no evidence: nothing "
         "shows it"),
    ]  # fmt: skip
    # A verification result cited that the pull request did not write: the base had it.
    cited = _changed(controls=[c1, {**c2, "status": "verified", "evidence": ["./v.md"]}])
    assert _weakened(BASE, cited) == []
    assert _weakened(BASE, cited, written=["v.md"]) == [
        (FORWARD_CHECK_ID, "/controls/1/status",
         "control C-2 moved forward from implemented to verified on evidence the pull "
         "request wrote (v.md): the status is its claim until a reviewer reads it"),
    ]  # fmt: skip


def test_red_team_exercises_and_findings_removed() -> None:
    rt1, rt2 = BASE["red_team"]
    trimmed = _changed(red_team=[{**rt1, "findings": rt1["findings"][1:]}])
    assert [(c, p, m) for c, p, m in _weakened(BASE, trimmed)] == [
        (RED_TEAM_CHECK_ID, "/red_team/0/findings",
         "red-team finding RT-1/F-1 was removed (it named T-1): record its fix in its "
         "remediation instead"),
        (RED_TEAM_CHECK_ID, "/red_team",
         "red-team exercise RT-2 (2026-10-01, 1 finding) was removed: what it tested and "
         "found is no longer on record"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("was", "now", "raised"),
    [
        ("medium", "high", "10 -> 15"),
        (None, "medium", "8 -> 10"),  # none declared: the lowest threshold
        ("medium", None, ""),
        ("medium", "low", ""),
        ("medium", "medium", ""),
    ],
    ids=["raised", "declared", "dropped", "lowered", "same"],
)
def test_a_raised_risk_tolerance_by_the_judging_thresholds(
    was: str | None, now: str | None, raised: str
) -> None:
    def tolerant(value: str | None) -> dict[str, Any]:
        return _changed(system={"risk_tolerance": value} if value else {})

    found = _weakened(tolerant(was), tolerant(now))
    assert [c for c, _, _ in found] == ([TOLERANCE_CHECK_ID] if raised else [])
    if raised:
        assert f"threshold goes {raised}" in found[0][2]
    # the judging config's thresholds decide: equal thresholds raise nothing
    flat = RiskCriteria(thresholds=RiskThresholds(low=10, medium=10, high=10))
    assert _weakened(tolerant(was), tolerant(now), risk=flat) == []


def test_an_acceptance_added_or_extended_but_not_shortened() -> None:
    accepted = {"approved_by": "head of risk", "expires": "2027-01-31"}
    t1, t2 = BASE["threats"]
    added = _changed(threats=[t1, {**t2, "acceptance": accepted}])
    assert _weakened(BASE, added) == [
        (ACCEPTANCE_CHECK_ID, "/threats/1/acceptance",
         "the pull request accepts the risk of threat T-2 (until 2027-01-31, by head of "
         "risk): an acceptance needs the approval of whoever it names"),
    ]  # fmt: skip
    later = _changed(threats=[t1, {**t2, "acceptance": {**accepted, "expires": "2027-06-30"}}])
    assert (
        "extends the acceptance of threat T-2 from 2027-01-31 to 2027-06-30"
        in (_weakened(added, later)[0][2])
    )
    assert _weakened(later, added) == []


def _reports(**ids: str) -> dict[str, ModelReport]:
    """Model reports by path (`a` for `models/a.yaml`), each with the id given."""
    return {f"models/{p}.yaml": ModelReport(f"models/{p}.yaml", i, "o", ()) for p, i in ids.items()}


@pytest.mark.parametrize(
    ("base", "head", "renamed", "pairs", "changed"),
    [
        ({"x": "x"}, {"x": "x"}, {}, {"x": "x"}, {}),
        ({"x": "x"}, {"y": "x"}, {"y": "x"}, {"y": "x"}, {}),
        ({"x": "x"}, {"y": "x"}, {}, {"y": "x"}, {}),
        ({"x": "x"}, {"a": "x", "b": "b"}, {"b": "x"}, {"a": "x"}, {"b": ("x", "x")}),
        ({"x": "x"}, {"x": "y"}, {}, {"x": "x"}, {"x": ("x", "x")}),
        ({"x": "x"}, {"x": "y", "z": "x"}, {}, {"z": "x"}, {"x": ("x", "x")}),
        ({"x": "x", "y": "y"}, {"x": "y", "y": "x"}, {}, {"x": "y", "y": "x"},
         {"x": ("x", "x"), "y": ("y", "y")}),
        ({"x": "x"}, {"x": "x", "c": "x"}, {}, {"x": "x"}, {}),
        ({"x": ""}, {"x": "x"}, {}, {"x": "x"}, {}),
    ],
    ids=[
        "kept",
        "renamed-by-git",
        "moved-and-rewritten",
        "decoy-rename",
        "id-changed-in-place",
        "id-changed-and-taken-by-a-copy",
        "ids-swapped",
        "duplicate-id-stays-with-its-path",
        "no-id-at-the-base",
    ],
)  # fmt: skip
def test_models_are_paired_by_id_before_path_and_rename(
    base: dict[str, str],
    head: dict[str, str],
    renamed: dict[str, str],
    pairs: dict[str, str],
    changed: dict[str, tuple[str, str]],
) -> None:
    """A model is its metadata.id: a head model is compared with the base model of its
    id wherever git put it; a file whose id changed with its own base version only when
    no model took that by id."""

    def m(p: str) -> str:
        return f"models/{p}.yaml"

    before, after = _reports(**base), _reports(**head)
    moved = {m(n): m(o) for n, o in renamed.items()}
    assert _model_pairs(before, after, moved) == {m(n): m(o) for n, o in pairs.items()}
    assert _changed_ids(before, after, moved) == {m(p): (m(o), i) for p, (o, i) in changed.items()}
