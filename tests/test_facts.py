"""The facts build_facts derives from the threats for the policies (policies/README.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from policyengine.applicability import load_mapping
from policyengine.atlas import AtlasCatalog, load_catalog
from policyengine.config import RiskCriteria
from policyengine.evaluate import build_facts, mentioned_techniques
from policyengine.results import ReviewStatus


@pytest.fixture(scope="module")
def atlas() -> AtlasCatalog:
    """The shipped ATLAS catalog."""
    return load_catalog()


def _facts(model: dict[str, Any], atlas: AtlasCatalog, **kw: Any) -> dict[str, Any]:
    return build_facts(
        model,
        as_of=date(2026, 11, 27),
        review_status=ReviewStatus.CURRENT,
        cadence_days=92,
        atlas=atlas,
        mapping=load_mapping(),
        evidence_exists=lambda _path: True,
        **kw,
    )


_THREATS = [
    {"id": "T-1", "likelihood": 4, "impact": 3, "atlas": ["AML.T0051.001"]},
    {"id": "T-2", "likelihood": 2, "impact": 2, "atlas": ["AML.T0070", "AML.T0051"]},
    {"id": "T-3", "likelihood": 5},
    {"id": "T-4", "likelihood": 2, "impact": 5},
]


def test_threat_risks_follow_the_threats_by_index(atlas: AtlasCatalog) -> None:
    facts = _facts({"threats": _THREATS}, atlas)
    assert facts["threat_risks"] == [12, 4, 0, 10]


def test_threat_risks_of_a_repeated_id_are_each_threats_own(atlas: AtlasCatalog) -> None:
    threats = [
        {"id": "T-1", "likelihood": 5, "impact": 5},
        {"id": "T-1", "likelihood": 1, "impact": 1},
    ]
    assert _facts({"threats": threats}, atlas)["threat_risks"] == [25, 1]


def test_high_risk_indices_are_the_threats_at_or_above_the_threshold(atlas: AtlasCatalog) -> None:
    facts = _facts({"threats": _THREATS}, atlas)
    assert facts["risk"] == {
        "tolerance": "undeclared",
        "threshold": 8,
        "max_acceptance_days": 365,
        "max_waiver_days": 365,
        "acceptors_from": "risk.acceptors in .policyengine.yaml",
    }
    assert facts["high_risk_indices"] == [0, 3]


@pytest.mark.parametrize(
    ("tolerance", "threshold", "indices"),
    [("low", 8, [0, 3]), ("medium", 10, [0, 3]), ("high", 15, []), ("reckless", 8, [0, 3])],
)
def test_the_threshold_follows_the_risk_tolerance(
    atlas: AtlasCatalog, tolerance: str, threshold: int, indices: list[int]
) -> None:
    model = {"system": {"risk_tolerance": tolerance}, "threats": _THREATS}
    facts = _facts(model, atlas)
    assert facts["risk"]["threshold"] == threshold
    assert facts["high_risk_indices"] == indices


def test_acceptance_facts_judge_span_and_approver(atlas: AtlasCatalog) -> None:
    threats = [
        {
            "id": "A",
            "status": "accepted",
            "acceptance": {"approved_by": "CISO", "date": "2026-10-01", "expires": "2027-09-30"},
        },
        {
            "id": "B",
            "status": "accepted",
            "acceptance": {"approved_by": "x", "date": "2026-10-01", "expires": "2027-10-02"},
        },
        {
            "id": "C",
            "status": "accepted",
            "acceptance": {"approved_by": "ciso", "expires": "2026-11-26"},
        },
        {"id": "D", "status": "accepted", "acceptance": {"expires": "2028-01-01"}},
        {
            "id": "E",
            "status": "accepted",
            "acceptance": {"approved_by": "CISO", "date": "2027-01-15", "expires": "2027-01-31"},
        },
        {  # granted on the as-of date itself, expiring that day: in force all of it
            "id": "F",
            "status": "accepted",
            "acceptance": {"approved_by": "CISO", "date": "2026-11-27", "expires": "2026-11-27"},
        },
        {  # the day after its expiry
            "id": "G",
            "status": "accepted",
            "acceptance": {"approved_by": "CISO", "date": "2026-10-01", "expires": "2026-11-26"},
        },
    ]
    risk = RiskCriteria(acceptors=("CISO",))
    facts = _facts({"threats": threats}, atlas, risk=risk)["threats"]
    got = {
        k: (
            v["acceptance_expired"],
            v["acceptance_not_yet"],
            v["acceptance_days"],
            v["acceptance_too_long"],
            v["acceptance_authorized"],
        )
        for k, v in facts.items()
    }
    assert got == {
        "A": (False, False, 364, False, True),
        "B": (False, False, 366, True, False),
        "C": (True, False, -1, False, True),  # expired; no date: counted from the as-of date
        "D": (False, False, 400, True, False),
        "E": (False, True, 16, False, True),  # dated after the as-of date: not granted yet
        "F": (False, False, 0, False, True),
        "G": (True, False, 56, False, True),
    }


@pytest.mark.parametrize(
    ("expires", "expired", "too_long"),
    [
        ("2026-11-26", True, False),  # the day before the as-of date: lapsed
        ("2026-11-27", False, False),  # its last day is the as-of date: still in force
        ("2027-11-27", False, False),  # exactly 365 days ahead: the longest allowed
        ("2027-11-28", False, True),  # 366 days ahead
        ("2126-03-31", False, True),  # a century (tester-a A10)
    ],
)
def test_waiver_facts_bound_the_expiry_from_the_as_of_date(
    atlas: AtlasCatalog, expires: str, expired: bool, too_long: bool
) -> None:
    waiver = {"control": "nist-ai-rmf/MEASURE 2.11", "reason": "r", "expires": expires}
    facts = _facts({"compliance": {"waivers": [waiver]}}, atlas)
    (fact,) = facts["waivers"]
    assert (fact["expired"], fact["too_long"]) == (expired, too_long)
    assert facts["risk"]["max_waiver_days"] == 365
    shorter = _facts(
        {"compliance": {"waivers": [waiver]}}, atlas, risk=RiskCriteria(max_waiver_days=30)
    )
    assert shorter["waivers"][0]["too_long"] is (expires > "2026-12-27")


def test_validation_facts_link_findings_and_recent_scopes(atlas: AtlasCatalog) -> None:
    model = {
        "threats": [
            {
                "id": "T-1",
                "atlas": ["AML.T0051.001"],
                "validation": {
                    "status": "confirmed",
                    "findings": ["RT-1/F-1", "RT-1/F-2", "RT-0/F-9"],
                },
            },
            {
                "id": "T-2",
                "atlas": ["AML.T0020"],
                "validation": {"status": "confirmed", "findings": ["RT-0/F-1"]},
            },
            {"id": "T-3", "atlas": ["AML.T0018"]},
        ],
        "red_team": [
            {
                "id": "RT-0",
                "date": "2025-11-26",
                "scope": {"atlas": ["AML.T0020", "AML.T0018.000"]},
                "findings": [{"id": "F-1", "remediation": {"status": "resolved"}}],
            },
            {
                "id": "RT-1",
                "date": "2026-09-01",
                "scope": {"atlas": ["AML.T0051"]},
                "findings": [
                    {"id": "F-1", "remediation": {"status": "in_progress"}},
                    {"id": "F-2", "threats": ["T-3", "T-1", "T-3"]},
                ],
            },
        ],
    }
    assert _facts(model, atlas)["validation"] == [
        {
            "links": [[1, 0], [1, 1]],
            "open": [
                {"exercise": 1, "finding": 0, "status": "in_progress"},
                {"exercise": 1, "finding": 1, "status": "unrecorded"},
            ],
            "unrecorded": [[1, 1]],
            "in_recent_scope": True,  # AML.T0051 covers its sub-technique
            "named_by": [[1, 1]],  # the findings whose threats name it
            "basis": ["RT-1/F-1", "RT-1/F-2"],  # cited or naming it; confirmed: no scope
        },
        # RT-0 is 366 days old: its scope is not recent.
        {
            "links": [[0, 0]],
            "open": [],
            "unrecorded": [],
            "in_recent_scope": False,
            "named_by": [],
            "basis": ["RT-0/F-1"],  # a cited finding counts whatever its exercise's age
        },
        # named twice by one finding: once
        {
            "links": [],
            "open": [],
            "unrecorded": [],
            "in_recent_scope": False,
            "named_by": [[1, 1]],
            "basis": ["RT-1/F-2"],
        },
    ]


def test_a_red_team_finding_dated_after_the_as_of_date_is_no_basis(atlas: AtlasCatalog) -> None:
    """An exercise dated after the as-of date has not taken place on it: a threat `confirmed`
    by one of its findings has nothing behind it yet (TM-REDTEAM-009)."""

    def basis(day: str) -> list[str]:
        model = {
            "threats": [
                {"id": "T-1", "atlas": ["AML.T0051"], "validation": {"status": "confirmed"}},
            ],
            "red_team": [
                {
                    "id": "RT-1",
                    "date": day,
                    "scope": {"atlas": ["AML.T0051"]},
                    "findings": [{"id": "F-1", "threats": ["T-1"]}],
                }
            ],
        }
        return list(_facts(model, atlas)["validation"][0]["basis"])

    assert basis("2026-11-27") == ["RT-1/F-1"]  # on the as-of date itself
    assert basis("2026-11-28") == []  # the day after


@pytest.mark.parametrize(
    ("cadence", "ceiling", "exceeds"),
    [
        ("annual", "quarterly", True),
        ("quarterly", "quarterly", False),
        ({"days": 92}, "quarterly", False),
        ({"days": 93}, "quarterly", True),
        ("semiannual", 200, False),
    ],
)
def test_review_facts_compare_the_cadence_with_the_ceiling(
    atlas: AtlasCatalog, cadence: Any, ceiling: Any, exceeds: bool
) -> None:
    model = {"review": {"cadence": cadence, "last_reviewed": "2026-10-02"}}
    review = _facts(model, atlas, max_cadence=ceiling)["review"]
    assert review["cadence_exceeds"] is exceeds
    assert review["cadence"] == ("" if not exceeds else review["cadence"])
    if exceeds and cadence == "annual":
        assert (review["cadence"], review["max_cadence"]) == ("annual", "quarterly")


def test_no_threats_give_empty_risk_facts(atlas: AtlasCatalog) -> None:
    facts = _facts({}, atlas)
    assert facts["threat_risks"] == []
    assert facts["high_risk_indices"] == []
    assert facts["atlas"]["mentioned"] == []


def test_mentioned_holds_named_ids_and_their_parents_sorted(atlas: AtlasCatalog) -> None:
    facts = _facts({"threats": _THREATS}, atlas)
    assert facts["atlas"]["mentioned"] == [
        "AML",
        "AML.T0051",
        "AML.T0051.001",
        "AML.T0070",
    ]


def test_mentioned_ignores_ids_named_outside_the_threats() -> None:
    model = {
        "threats": [{"id": "T-1", "atlas": ["AML.T0010.003"]}],
        "compliance": {"not_applicable": [{"technique": "AML.T0057", "reason": "no PII"}]},
        "red_team": [{"id": "RT-1", "scope": {"atlas": ["AML.T0054"]}}],
    }
    assert mentioned_techniques(model) == ["AML", "AML.T0010", "AML.T0010.003"]


def test_asks_are_one_question_per_family_and_surface(atlas: AtlasCatalog) -> None:
    model = {
        "system": {"ai_tasks": ["generation", "tool_use"]},
        "assets": [
            {"id": "llm", "type": "base_model", "supplier": "third_party"},
            {"id": "shell", "type": "agent_tool", "actions": ["run_command"]},
        ],
        "surfaces": [
            {"id": "chat", "layer": "input_output", "assets": ["llm"]},
            {"id": "tools", "layer": "agentic", "assets": ["shell"]},
        ],
        "threats": [{"id": "T-1", "atlas": ["AML.T0086"]}],
    }
    facts = _facts(model, atlas)["atlas"]
    asks = facts["asks"]
    keys = [(a["family"], a["surface"]) for a in asks]
    assert keys == sorted(set(keys))  # one question per family and surface, in order
    steered = next(a for a in asks if a["family"] == "AML.T0053" and a["surface"] == 1)
    assert steered["name"] == "AI Agent Tool Invocation"
    assert "AML.T0105 Escape to Host" in steered["techniques"]
    assert "AML.T0083 Credentials from AI Agent Configuration" in steered["techniques"]
    assert ("AML.T0051", 0) in keys and ("AML.T0051", 1) in keys
    assert not [k for k in keys if k[0] in ("AML.T0083", "AML.T0105", "AML.T0015")]
    assert facts["applicable"]["AML.T0105"]["surfaces"] == [1]
    assert facts["applicable"]["AML.T0105"]["asked_as"] == "AML.T0053"
    assert facts["applicable"]["AML.T0086"]["information_disclosure"] is True
    assert facts["techniques"]["AML.T0086"]["information_disclosure"] is True


@pytest.mark.parametrize(
    ("owner", "performer", "by_owner"),
    [
        ("ai-platform-team", "ai-platform-team", True),
        ("ai-platform-team", "AI Platform Team", True),
        ("ai-platform-team", "ai_platform", True),
        ("developer-productivity", "developer-productivity team", True),
        ("ai-platform-team", "ai platform security", False),
        ("ai-platform-team", "external security firm", False),
        ("team", "Team", True),
        (None, "ai-platform-team", False),
        ("ai-platform-team", None, False),
    ],
    ids=[
        "same",
        "case-spaces",
        "underscore",
        "team-word",
        "other-team",
        "external",
        "team-alone",
        "no-owner",
        "no-performer",
    ],
)
def test_red_team_facts_say_whether_the_owner_team_performed_it(
    atlas: AtlasCatalog, owner: str | None, performer: str | None, by_owner: bool
) -> None:
    exercise: dict[str, Any] = {"id": "RT-1", "date": "2026-09-01"}
    if performer is not None:
        exercise["performed_by"] = performer
    model = {"metadata": {"owner": owner}, "threats": [], "red_team": [exercise]}
    assert _facts(model, atlas)["red_team"]["RT-1"]["by_owner"] is by_owner
