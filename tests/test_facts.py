"""The facts build_facts derives from the threats for the policies (policies/README.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from policyengine.atlas import AtlasCatalog, load_catalog
from policyengine.evaluate import build_facts, mentioned_techniques
from policyengine.results import ReviewStatus


@pytest.fixture(scope="module")
def atlas() -> AtlasCatalog:
    """The shipped ATLAS catalog."""
    return load_catalog()


def _facts(model: dict[str, Any], atlas: AtlasCatalog) -> dict[str, Any]:
    return build_facts(
        model,
        as_of=date(2026, 11, 27),
        review_status=ReviewStatus.CURRENT,
        cadence_days=92,
        atlas=atlas,
        evidence_exists=lambda _path: True,
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


def test_high_risk_indices_are_the_threats_at_or_above_ten(atlas: AtlasCatalog) -> None:
    facts = _facts({"threats": _THREATS}, atlas)
    assert facts["high_risk_indices"] == [0, 3]


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
