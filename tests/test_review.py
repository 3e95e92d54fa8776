"""review: the four review rules of controls.md, each firing and not firing, and the verdict."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from policyengine.applicability import ApplicabilityMapping, load_mapping
from policyengine.atlas import AtlasCatalog, Technique, load_catalog
from policyengine.gitfacts import ChangeFacts, ChangeKind, CommitInfo, diff_models
from policyengine.loader import parse_document
from policyengine.results import ReviewRule, ReviewStatus
from policyengine.review import (
    cadence_days,
    cadence_label,
    due_date,
    review_model,
)

AS_OF = date(2026, 11, 1)
NO_CHANGES = ChangeFacts(baseline="commit 0123456789")
MAPPING: ApplicabilityMapping = load_mapping()


@pytest.fixture(scope="module")
def catalog() -> AtlasCatalog:
    return load_catalog()


@pytest.fixture(scope="module")
def example_data(design_example: Path) -> dict[str, Any]:
    path = design_example
    data: dict[str, Any] = parse_document(path.read_bytes(), "example.yaml").data
    return data


@pytest.fixture
def model(example_data: dict[str, Any]) -> dict[str, Any]:
    """A fresh copy of the example model (reviewed 2026-10-02, quarterly, ATLAS 5.6.1)."""
    return copy.deepcopy(example_data)


def verdict(model: dict[str, Any], catalog: AtlasCatalog, as_of: date = AS_OF, **kw: Any) -> Any:
    kw.setdefault("changes", NO_CHANGES)
    kw.setdefault("mapping", MAPPING)
    return review_model(model, as_of=as_of, atlas=catalog, **kw)


# --- calendar -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last", "cadence", "due"),
    [
        (date(2025, 11, 30), "quarterly", date(2026, 2, 28)),
        (date(2027, 11, 30), "quarterly", date(2028, 2, 29)),
        (date(2024, 2, 29), "annual", date(2025, 2, 28)),
        (date(2023, 2, 28), "annual", date(2024, 2, 28)),
        (date(2026, 1, 31), "monthly", date(2026, 2, 28)),
        (date(2028, 1, 31), "monthly", date(2028, 2, 29)),
        (date(2026, 8, 31), "semiannual", date(2027, 2, 28)),
        (date(2026, 3, 31), "quarterly", date(2026, 6, 30)),
        (date(2026, 12, 31), {"days": 1}, date(2027, 1, 1)),
        (date(2026, 1, 1), 90, date(2026, 4, 1)),
    ],
    ids=[
        "nov30+3m",
        "nov30+3m-leap",
        "feb29+12m",
        "feb28+12m-to-leap",
        "jan31+1m",
        "jan31+1m-leap",
        "aug31+6m",
        "mar31+3m",
        "days",
        "config-int-days",
    ],
)
def test_due_date_clamps_to_month_end(last: date, cadence: Any, due: date) -> None:
    assert due_date(last, cadence) == due


@pytest.mark.parametrize(
    "cadence", ["weekly", {"days": 0}, {"days": "7"}, {"weeks": 1}, True], ids=str
)
def test_unknown_cadence_raises(cadence: Any) -> None:
    with pytest.raises(ValueError, match="cadence"):
        due_date(date(2026, 1, 1), cadence)


def test_cadence_label() -> None:
    assert cadence_label("annual") == "annual"
    assert cadence_label({"days": 30, "x-note": "audit"}) == "every 30 days"


@pytest.mark.parametrize(
    ("as_of", "status", "days_left"),
    [
        (date(2026, 12, 18), ReviewStatus.CURRENT, 15),
        (date(2026, 12, 19), ReviewStatus.DUE_SOON, 14),
        (date(2027, 1, 2), ReviewStatus.DUE_SOON, 0),
        (date(2027, 1, 3), ReviewStatus.OVERDUE, -1),
    ],
    ids=["15-days-left", "14-days-left", "due-today", "one-day-late"],
)
def test_calendar_boundaries(
    model: dict[str, Any], catalog: AtlasCatalog, as_of: date, status: ReviewStatus, days_left: int
) -> None:
    v = verdict(model, catalog, as_of)
    assert (v.status, v.due, v.days_left) == (status, date(2027, 1, 2), days_left)
    assert v.last_reviewed == date(2026, 10, 2)
    rules = [(r.rule, r.status) for r in v.reasons]
    assert rules == ([] if status is ReviewStatus.CURRENT else [(ReviewRule.CALENDAR, status)])


def test_overdue_message_names_dates(model: dict[str, Any], catalog: AtlasCatalog) -> None:
    (reason,) = verdict(model, catalog, date(2027, 1, 12)).reasons
    assert reason.message == (
        "review was due on 2027-01-02, 10 days ago (last reviewed 2026-10-02, quarterly)"
    )
    assert reason.details["due"] == "2027-01-02"


def test_cadence_from_model_then_config(model: dict[str, Any], catalog: AtlasCatalog) -> None:
    del model["review"]["cadence"]
    assert verdict(model, catalog, cadence_default="monthly").due == date(2026, 11, 2)
    assert verdict(model, catalog, cadence_default=30).due == date(2026, 11, 1)
    model["review"]["cadence"] = {"days": 10}
    assert verdict(model, catalog, cadence_default="annual").due == date(2026, 10, 12)


def test_remind_before_from_model_overrides_config(
    model: dict[str, Any], catalog: AtlasCatalog
) -> None:
    as_of = date(2026, 12, 3)  # 30 days before the due date
    assert verdict(model, catalog, as_of, remind_before=14).status is ReviewStatus.CURRENT
    assert verdict(model, catalog, as_of, remind_before=30).status is ReviewStatus.DUE_SOON
    model["review"]["remind_before"] = 7
    assert verdict(model, catalog, as_of, remind_before=30).status is ReviewStatus.CURRENT


def test_never_reviewed(model: dict[str, Any], catalog: AtlasCatalog) -> None:
    del model["review"]["last_reviewed"]
    v = verdict(model, catalog, changes=None)
    assert v.status is ReviewStatus.NEVER_REVIEWED
    assert (v.due, v.days_left, v.last_reviewed) == (None, None, None)
    assert [r.rule for r in v.reasons] == [ReviewRule.CALENDAR]


def test_bad_cadence_is_reported_not_passed(model: dict[str, Any], catalog: AtlasCatalog) -> None:
    model["review"]["cadence"] = "weekly"
    v = verdict(model, catalog)
    assert v.status is ReviewStatus.NEVER_REVIEWED
    (reason,) = v.reasons
    assert reason.rule is ReviewRule.CALENDAR and reason.status is ReviewStatus.NEVER_REVIEWED
    assert "unknown review cadence 'weekly'" in reason.message
    assert "fix review.cadence" in reason.message


@pytest.mark.parametrize(
    ("field", "value", "why"),
    [
        ("cadence", {"days": 0}, "outside 1-3660 days"),
        ("cadence", {"days": 2.5}, "unknown review cadence"),
        ("cadence", {"days": True}, "unknown review cadence"),
        ("cadence", {"days": 3_000_000}, "outside 1-3660 days"),
        ("cadence", None, "unknown review cadence None"),
        ("last_reviewed", "2026-02-29", "is not a date that exists"),
        ("last_reviewed", "2026-10-2", "is not a date that exists"),
        ("last_reviewed", "20261002", "is not a date that exists"),
        ("last_reviewed", "2099-12-31", "is after 2026-11-27"),
        ("last_reviewed", "9999-12-31", "is after 2026-11-27"),
    ],
)
def test_review_data_that_cannot_be_judged_is_never_reviewed(
    model: dict[str, Any], catalog: AtlasCatalog, field: str, value: Any, why: str
) -> None:
    model["review"][field] = value
    v = verdict(model, catalog, date(2026, 11, 27))
    assert v.status is ReviewStatus.NEVER_REVIEWED
    assert (v.due, v.days_left) == (None, None)
    (reason,) = v.reasons
    assert reason.message.startswith("the review record cannot be judged: ")
    assert why in reason.message


def test_a_due_date_past_the_calendar_is_never_reviewed(
    model: dict[str, Any], catalog: AtlasCatalog
) -> None:
    model["review"].update(last_reviewed="9999-12-01", cadence={"days": 3660})
    v = verdict(model, catalog, date(9999, 12, 31))
    assert v.status is ReviewStatus.NEVER_REVIEWED
    assert "would be due after 9999-12-31" in v.reasons[0].message
    assert cadence_days(model, "quarterly", date(9999, 12, 31), 3660) == 3660
    # At the default ceiling (quarterly) the window is a quarter, measured from 2000-01-01.
    assert cadence_days(model, "quarterly", date(9999, 12, 31)) == 91


# --- change ---------------------------------------------------------------------------


def test_change_rule_fires_with_who_and_when(model: dict[str, Any], catalog: AtlasCatalog) -> None:
    new = copy.deepcopy(model)
    new["assets"][0]["version"] = "2025-12-01"
    change = diff_models(model, new)[0]
    commit = CommitInfo("a" * 40, "Bob Builder", "bob@example.com", "2026-10-20")
    review = CommitInfo("b" * 40, "Alice", "alice@example.com", "2026-10-02")
    facts = ChangeFacts((replace(change, introduced=commit),), review, "commit bbbbbbbbbb")
    v = verdict(new, catalog, changes=facts)
    assert v.status is ReviewStatus.REVIEW_REQUIRED
    (reason,) = v.reasons
    assert reason.rule is ReviewRule.CHANGE
    assert reason.message == (
        "base model base-model: version changed from 2025-08-01 to 2025-12-01 in commit "
        "aaaaaaaaaa by Bob Builder on 2026-10-20, since the review recorded in commit "
        "bbbbbbbbbb (2026-10-02): review the threat model"
    )
    assert reason.details["change"] == ChangeKind.VERSION_CHANGED.value
    assert reason.details["commit"] == "a" * 40
    assert reason.details["author"] == "Bob Builder"
    assert reason.details["review_commit"] == "b" * 40


def test_no_change_no_reason(model: dict[str, Any], catalog: AtlasCatalog) -> None:
    assert verdict(model, catalog).reasons == ()


@pytest.mark.parametrize(
    ("facts", "why"),
    [
        (None, "no git history was read"),
        (ChangeFacts(unknown="git history is shallow: fetch the full history"), "shallow"),
    ],
    ids=["no-facts", "shallow"],
)
def test_change_rule_unknown_is_never_silent(
    model: dict[str, Any], catalog: AtlasCatalog, facts: ChangeFacts | None, why: str
) -> None:
    v = verdict(model, catalog, changes=facts)
    assert v.status is ReviewStatus.UNKNOWN
    (reason,) = v.reasons
    assert reason.rule is ReviewRule.CHANGE and reason.status is ReviewStatus.UNKNOWN
    assert reason.message.startswith("change rule not evaluated: ")
    assert why in reason.message
    assert reason.message.endswith("(or accept that with --allow-unknown-history)")
    allowed = verdict(model, catalog, changes=facts, allow_unknown_history=True)
    assert allowed.status is ReviewStatus.CURRENT
    (reason,) = allowed.reasons
    assert reason.status is None
    assert reason.message.startswith(
        "change rule not evaluated (allowed by --allow-unknown-history): "
    )


# --- ATLAS ----------------------------------------------------------------------------


def test_atlas_rule_fires_for_relevant_new_techniques(
    model: dict[str, Any], catalog: AtlasCatalog
) -> None:
    model["review"]["atlas_version"] = "4.9.0"
    v = verdict(model, catalog)
    assert v.status is ReviewStatus.REVIEW_REQUIRED
    (reason,) = v.reasons
    assert reason.rule is ReviewRule.ATLAS
    techniques = reason.details["techniques"]
    assert isinstance(techniques, list)
    ids = [t["id"] for t in techniques]
    # the model has agentic, write-tool and input_output surfaces: these are new since 4.9.0
    assert "AML.T0086" in ids and "AML.T0101" in ids
    # a new sub-technique of a listed technique counts, named with its parent
    sub = next(t for t in techniques if t["id"] == "AML.T0051.002")
    assert sub["asked_as"] == "AML.T0051"
    assert sub["name"] == "LLM Prompt Injection: Triggered"
    assert sub["first_release"] == "5.0.0"
    # a new technique that does not apply to this model does not
    assert "AML.T0080.000" not in ids  # no memory: true anywhere
    assert all(catalog.lookup(i) is not None for i in ids)
    assert "AML.T0086 Exfiltration via AI Agent Tool Invocation (5.0.0)" in reason.message
    assert reason.details["atlas_version"] == "4.9.0"


def test_atlas_rule_silent_when_current(model: dict[str, Any], catalog: AtlasCatalog) -> None:
    model["review"]["atlas_version"] = catalog.version
    assert verdict(model, catalog).reasons == ()


def test_atlas_memory_condition(model: dict[str, Any], catalog: AtlasCatalog) -> None:
    model["review"]["atlas_version"] = "4.9.0"
    model["assets"][6]["memory"] = True
    (reason,) = verdict(model, catalog).reasons
    techniques = reason.details["techniques"]
    assert isinstance(techniques, list)
    assert "AML.T0080.000" in [t["id"] for t in techniques]


@pytest.mark.parametrize(
    ("atlas_version", "expect"),
    [(None, "review.atlas_version is not set"), ("five", "not an ATLAS version")],
    ids=["missing", "malformed"],
)
def test_atlas_rule_unknown(
    model: dict[str, Any], catalog: AtlasCatalog, atlas_version: str | None, expect: str
) -> None:
    if atlas_version is None:
        del model["review"]["atlas_version"]
    else:
        model["review"]["atlas_version"] = atlas_version
    (reason,) = verdict(model, catalog).reasons
    assert reason.rule is ReviewRule.ATLAS and reason.status is None
    assert expect in reason.message


def test_atlas_rule_without_catalog(model: dict[str, Any]) -> None:
    v = review_model(model, as_of=AS_OF, atlas=None, mapping=None, changes=NO_CHANGES)
    assert [(r.rule, r.status) for r in v.reasons] == [(ReviewRule.ATLAS, None)]


def test_atlas_rule_uses_the_whole_mapping(model: dict[str, Any], catalog: AtlasCatalog) -> None:
    # AML.T0105 (escape to host, 5.4.0) was in no completeness table: an agent tool that
    # runs commands puts it in scope now.
    model["review"]["atlas_version"] = "5.3.0"
    model["assets"].append(
        {"id": "shell", "type": "agent_tool", "name": "shell", "actions": ["run_command"]}
    )
    (reason,) = verdict(model, catalog).reasons
    techniques = reason.details["techniques"]
    assert isinstance(techniques, list)
    escape = next(t for t in techniques if t["id"] == "AML.T0105")
    assert escape["asked_as"] == "AML.T0053"
    assert escape["because"].startswith("an agent tool that runs code or commands")


def test_atlas_rule_skips_llm_techniques_for_a_classifier(catalog: AtlasCatalog) -> None:
    classifier = {
        "system": {"ai_tasks": ["classification"]},
        "assets": [{"id": "xgb", "type": "fine_tuned_model", "supplier": "first_party"}],
        "surfaces": [{"id": "scoring", "layer": "input_output", "assets": ["xgb"]}],
        "review": {"last_reviewed": "2026-10-02", "atlas_version": "4.0.0"},
    }
    reasons = verdict(classifier, catalog).reasons
    ids = [t["id"] for r in reasons for t in r.details.get("techniques", [])]  # type: ignore[union-attr]
    assert ids, "a classifier still has new techniques to consider"
    assert not [
        i for i in ids if (catalog.lookup(i) or catalog.techniques[i]).name.startswith("LLM")
    ]
    assert "AML.T0051.002" not in ids and "AML.T0086" not in ids


def test_atlas_rule_unmapped_import_applies_until_mapped(
    model: dict[str, Any], catalog: AtlasCatalog
) -> None:
    later = Technique(
        id="AML.T0199",
        name="Technique From A Later Release",
        parent=None,
        tactics=("AML.TA0011",),
        maturity="feasible",
        first_release="6.0.0",
    )
    newer = replace(catalog, version="6.0.0", techniques={**catalog.techniques, later.id: later})
    model["review"]["atlas_version"] = catalog.version
    (reason,) = verdict(model, newer).reasons
    assert reason.status is ReviewStatus.REVIEW_REQUIRED
    assert reason.details["techniques"] == [
        {
            "id": "AML.T0199",
            "name": "Technique From A Later Release",
            "first_release": "6.0.0",
            "asked_as": "AML.T0199",
            "because": "not mapped",
        }
    ]


# --- red team -------------------------------------------------------------------------


def add_exercise(model: dict[str, Any], day: str, findings: list[dict[str, Any]]) -> None:
    model["red_team"].append(
        {"id": "RT-2026-10", "date": day, "performed_by": "x", "findings": findings}
    )


@pytest.mark.parametrize(
    "finding",
    [{"id": "F-1", "title": "tool leaks tokens"}, {"id": "F-1", "threats": []},
     {"id": "F-1", "threats": ["T-999"]}],
    ids=["missing", "empty", "unknown-threat"],
)  # fmt: skip
def test_red_team_rule_fires(
    model: dict[str, Any], catalog: AtlasCatalog, finding: dict[str, Any]
) -> None:
    add_exercise(model, "2026-10-20", [finding, {"id": "F-2", "threats": ["T-001"]}])
    v = verdict(model, catalog)
    assert v.status is ReviewStatus.REVIEW_REQUIRED
    (reason,) = v.reasons
    assert reason.rule is ReviewRule.RED_TEAM
    assert reason.details["finding"] == "RT-2026-10/F-1"
    assert "red-team finding RT-2026-10/F-1" in reason.message
    assert "after the last review on 2026-10-02" in reason.message


@pytest.mark.parametrize(
    ("day", "finding"),
    [
        ("2026-10-02", {"id": "F-1", "threats": []}),  # same day as the review
        ("2026-09-01", {"id": "F-1", "threats": []}),  # before the review
        ("2026-10-20", {"id": "F-1", "threats": ["T-002"]}),
    ],
    ids=["same-day", "before-review", "names-a-threat"],
)
def test_red_team_rule_silent(
    model: dict[str, Any], catalog: AtlasCatalog, day: str, finding: dict[str, Any]
) -> None:
    add_exercise(model, day, [finding])
    assert verdict(model, catalog).reasons == ()


def test_red_team_finding_mapped_from_a_threat(
    model: dict[str, Any], catalog: AtlasCatalog
) -> None:
    add_exercise(model, "2026-10-20", [{"id": "F-1", "threats": []}])
    model["threats"][2]["validation"] = {"status": "confirmed", "findings": ["RT-2026-10/F-1"]}
    assert verdict(model, catalog).reasons == ()


# --- verdict --------------------------------------------------------------------------


def test_verdict_is_the_worst_and_keeps_every_reason(
    model: dict[str, Any], catalog: AtlasCatalog
) -> None:
    model["review"]["atlas_version"] = "4.9.0"
    add_exercise(model, "2026-10-20", [{"id": "F-1"}])
    v = verdict(model, catalog, date(2027, 2, 1), changes=None)
    assert v.status is ReviewStatus.REVIEW_REQUIRED
    assert [(r.rule, r.status) for r in v.reasons] == [
        (ReviewRule.CALENDAR, ReviewStatus.OVERDUE),
        (ReviewRule.CHANGE, ReviewStatus.UNKNOWN),
        (ReviewRule.ATLAS, ReviewStatus.REVIEW_REQUIRED),
        (ReviewRule.RED_TEAM, ReviewStatus.REVIEW_REQUIRED),
    ]


def test_a_cadence_over_the_ceiling_falls_due_at_the_ceiling(
    model: dict[str, Any], catalog: AtlasCatalog
) -> None:
    model["review"]["cadence"] = "annual"
    capped = verdict(model, catalog, date(2027, 1, 12))
    assert (capped.status, capped.due) == (ReviewStatus.OVERDUE, date(2027, 1, 2))
    assert capped.reasons[0].details["cadence"] == (
        "quarterly, the ceiling (review.cadence says annual)"
    )
    allowed = verdict(model, catalog, date(2027, 1, 12), max_cadence="annual")
    assert (allowed.status, allowed.due) == (ReviewStatus.CURRENT, date(2027, 10, 2))
    # A cadence under the ceiling keeps its own due date.
    model["review"]["cadence"] = "monthly"
    assert verdict(model, catalog, max_cadence="semiannual").due == date(2026, 11, 2)
