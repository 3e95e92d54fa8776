"""`check --base`: pull requests built to pass the gate, found by a security review.

Each test starts from the example history (`scripts/make_example_history.py`), whose last
commit adds an agent tool (`voucher-tool`) to the support assistant without a new review:
`--base HEAD~1` is the pull request that adds it, `--base HEAD` a pull request on top of
it. The attacker's edit is committed on top, as a pull request's branch would hold it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import git
import pytest
from conftest import commit_all as _commit
from conftest import edit_once as _edit
from conftest import pr_findings as _gate

from policyengine.cli import main

REPO = Path(__file__).resolve().parents[2]
AS_OF = ["--as-of", "2026-11-27"]
SUPPORT = "models/support-assistant.yaml"
PARTNER = "models/partner-classifier.yaml"
CODING = "models/coding-agent.yaml"


def _on_main(root: Path) -> None:
    """Make the clone's HEAD the commit before the agent tool: the base branch of the
    reviewer's attacks that start from main."""
    repo = git.Repo(root)
    repo.git.reset("-q", "--hard", "HEAD~1")
    repo.close()


def _check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main(["check", *argv, *AS_OF, "-f", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def _messages(doc: dict[str, Any], check: str) -> list[str]:
    found = [f for m in doc["pull_request"]["models"] for f in m["findings"]]
    found += doc["pull_request"]["findings"]
    return [f["message"] for f in found if f["check"] == check]


# --- 4. with --policies-from head, every config change is still reported ---------------

_UNTREATED = """\
  - id: T-099
    title: Voucher fraud through prompt injection
    surface: chat-io
    atlas: [AML.T0051]
    stride: [tampering]
    likelihood: 4
    impact: 5
    assumptions: [Vouchers are capped at 50 EUR.]
    mitigations: []
    status: identified
"""


def test_a_config_that_loosens_risk_and_review_is_reported_from_the_head(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """The reviewer's repro: thresholds raised to 25, max_cadence annual, an untreated
    threat of risk 20. The head's config lets it pass; the change must still show."""
    config = pr / ".policyengine.yaml"
    _edit(
        config,
        "thresholds: {low: 8, medium: 10, high: 15}",
        "thresholds: {low: 25, medium: 25, high: 25}",
    )
    _edit(config, "max_cadence: quarterly ", "max_cadence: annual ")
    _edit(pr / SUPPORT, "threats:\n", "threats:\n" + _UNTREATED)
    _commit(pr, "Add a voucher threat and tune the config")
    code, doc = _check(capsys, "--base", "HEAD~1", "--policies-from", "head")
    assert (".policyengine.yaml", "PR-POLICY-001", "high") in _gate(doc)
    assert code == 1
    (message,) = _messages(doc, "PR-POLICY-001")
    for setting in (
        "review.max_cadence: quarterly -> annual",
        "risk.thresholds.low: 8 -> 25",
        "risk.thresholds.medium: 10 -> 25",
        "risk.thresholds.high: 15 -> 25",
    ):
        assert setting in message
    assert "--policies-from head" in message


def test_new_owners_and_acceptors_are_reported(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    config = pr / ".policyengine.yaml"
    _edit(
        config,
        "acceptors: [head of support engineering,",
        "acceptors: [anyone, head of support engineering,",
    )
    _edit(config, "max_acceptance_days: 365", "max_acceptance_days: 3650")
    _commit(pr, "Widen who may accept risk")
    _, doc = _check(capsys, "--base", "HEAD~1")
    (message,) = _messages(doc, "PR-POLICY-001")
    assert "risk.max_acceptance_days: 365 -> 3650" in message
    assert (
        "risk.acceptors: [head of support engineering, head of risk, AI governance board] "
        "-> [anyone, " in message
    )
    assert (".policyengine.yaml", "PR-POLICY-001", "high") in _gate(doc)
    # a new contact alone changes whom reminders reach, not what passes: low
    _edit(config, "[devprod@example.com]", "[devprod@example.com, ops@example.com]")
    _edit(
        config,
        "acceptors: [anyone, head of support engineering,",
        "acceptors: [head of support engineering,",
    )
    _edit(config, "max_acceptance_days: 3650", "max_acceptance_days: 365")
    _commit(pr, "Reach ops too")
    _, doc = _check(capsys, "--base", "HEAD~2")
    (message,) = _messages(doc, "PR-POLICY-001")
    assert (
        "owners: {ai-platform-team: [ai-platform@example.com, @example-org/ai-platform], "
        "developer-productivity: [devprod@example.com]} -> " in message
    )
    assert (".policyengine.yaml", "PR-POLICY-001", "low") in _gate(doc)


# --- 2. a second waiver for one control ------------------------------------------------

_SECOND_WAIVER = """\
      expires: 2026-10-31
    - control: nist-ai-rmf/MEASURE 2.11
      reason: The addendum is still being negotiated with the partners.
      approved_by: AI governance board
      expires: 2027-04-30
"""


def test_a_second_waiver_for_a_control_is_an_error_and_a_scope_finding(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """The reviewer's repro: after the expired waiver of MEASURE 2.11, a second one that
    runs to 2027-04-30. The engine honours it; the gate compared only the first."""
    _on_main(pr)
    _edit(pr / PARTNER, "      expires: 2026-10-31\n", _SECOND_WAIVER)
    _commit(pr, "Waive MEASURE 2.11 until the addendum is signed")
    code, doc = _check(capsys, "--base", "HEAD~1", "--fail-on", "critical")
    assert code == 1  # a model the pull request made invalid fails whatever --fail-on
    (partner,) = [m for m in doc["pull_request"]["models"] if m["path"] == PARTNER]
    lines = (pr / PARTNER).read_text(encoding="utf-8").splitlines()
    first, second = [n for n, t in enumerate(lines, 1) if "control: nist-ai-rmf/MEASURE 2.11" in t]
    (error,) = partner["errors"]
    assert (error["line"], error["pointer"]) == (second, "/compliance/waivers/1")
    assert error["message"].startswith(
        f"second waiver for nist-ai-rmf/MEASURE 2.11 (the first is at line {first})"
    )
    assert [f["check"] for f in partner["findings"]] == ["PR-SCOPE-003"]
    assert partner["findings"][0]["pointer"] == "/compliance/waivers/1"
    assert (
        "extends the waiver of nist-ai-rmf/MEASURE 2.11 from 2026-10-31 to 2027-04-30"
        in (partner["findings"][0]["message"])
    )


def test_a_repeated_not_applicable_entry_is_an_error(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    _on_main(pr)
    entry = "    - {technique: AML.T0056, reason: There is no system prompt.}\n"
    _edit(pr / PARTNER, entry, entry + "    - {technique: AML.T0056, reason: Still none.}\n")
    _commit(pr, "Repeat a scope decision")
    code, doc = _check(capsys, "--base", "HEAD~1")
    assert code == 1
    (partner,) = [m for m in doc["pull_request"]["models"] if m["path"] == PARTNER]
    (error,) = partner["errors"]
    assert error["pointer"] == "/compliance/not_applicable/3"
    assert error["message"].startswith("second not_applicable entry for AML.T0056")
    assert partner["findings"] == []  # nothing new is scoped out


# --- 3. a score lowered behind a respaced assumption or a new id -----------------------


def _lower_t004(pr: Path) -> None:
    """T-004 (compromised serving dependency) from impact 5 to 1, at the head."""
    _edit(pr / SUPPORT, "    likelihood: 2\n    impact: 5\n", "    likelihood: 2\n    impact: 1\n")


def _score_messages(capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code, doc = _check(capsys, "--base", "HEAD~1")
    return code, _messages(doc, "PR-SCORE-001")


def test_a_respaced_assumption_is_no_reason_to_lower_a_score(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    _on_main(pr)
    _lower_t004(pr)
    _edit(
        pr / SUPPORT,
        "      - Dependencies are pinned by hash and mirrored internally.\n",
        "      - dependencies are  pinned by hash, and mirrored internally\n",
    )
    _commit(pr, "Rescore T-004")
    code, messages = _score_messages(capsys)
    assert code == 1
    assert messages == [
        "threat T-004 impact lowered 5 -> 1 without a changed assumption or new validation"
    ]


def test_a_reworded_assumption_is_a_reason(capsys: pytest.CaptureFixture[str], pr: Path) -> None:
    _on_main(pr)
    _lower_t004(pr)
    _edit(
        pr / SUPPORT,
        "      - Dependencies are pinned by hash and mirrored internally.\n",
        "      - Dependencies are pinned by hash, mirrored internally and rebuilt from source.\n",
    )
    _commit(pr, "Rescore T-004: the serving stack is rebuilt from source")
    _, messages = _score_messages(capsys)
    assert messages == []


_T003 = """\
    likelihood: 2
    impact: 4
    prerequisites: [training_access]
    assumptions:
      - Only ml-engineering can write to the fine-tuning dataset.
      - Ticket text written by customers is part of the training set.
"""


def test_a_removed_assumption_is_no_reason_to_lower_a_score(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """The tester's B6: T-003 rescored 8 -> 2 while the premise that made poisoning likely
    (customers' text is in the training set) is deleted; no entry at the head is new."""
    _on_main(pr)
    head = (
        "    likelihood: 1\n"
        "    impact: 2\n"
        "    prerequisites: [training_access]\n"
        "    assumptions:\n"
        "      - Only ml-engineering can write to the fine-tuning dataset.\n"
    )
    _edit(pr / SUPPORT, _T003, head)
    _commit(pr, "Rescore T-003 and drop an assumption")
    code, messages = _score_messages(capsys)
    assert code == 1
    assert messages == [
        "threat T-003 likelihood lowered 2 -> 1 and impact lowered 4 -> 2 without a changed "
        'assumption or new validation (removing an assumption is no reason: "Ticket text '
        'written by customers is part of the training set.")'
    ]


@pytest.mark.parametrize(
    "assumptions",
    [
        "      - Only ml-engineering can write to the fine-tuning dataset.\n"
        "      - Ticket text written by customers is part of the training set.\n"
        "      - Tickets enter the training set only after two-person review.\n",
        "      - Only ml-engineering can write to the fine-tuning dataset.\n"
        "      - Tickets enter the training set only after two-person review.\n",
    ],
    ids=["added", "replaced"],
)
def test_a_new_assumption_is_a_reason_even_beside_a_removed_one(
    capsys: pytest.CaptureFixture[str], pr: Path, assumptions: str
) -> None:
    """A new premise explains the lower score, whether added to the others or put in the
    place of one the pull request removed."""
    _on_main(pr)
    head = _T003.split("    assumptions:\n")[0].replace("2\n", "1\n", 1)
    _edit(pr / SUPPORT, _T003, head + "    assumptions:\n" + assumptions)
    _commit(pr, "Rescore T-003: tickets are reviewed before training")
    code, messages = _score_messages(capsys)
    assert messages == []
    assert code == 0


def test_a_renamed_threat_keeps_its_old_score_to_compare(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    _on_main(pr)
    _lower_t004(pr)
    _edit(pr / SUPPORT, "  - id: T-004\n", "  - id: T-004a\n")
    _commit(pr, "Rescore and renumber T-004")
    code, doc = _check(capsys, "--base", "HEAD~1")
    assert code == 1
    (support,) = [m for m in doc["pull_request"]["models"] if m["path"] == SUPPORT]
    score = [f for f in support["findings"] if f["check"] == "PR-SCORE-001"]
    assert [f["message"] for f in score] == [
        "threat T-004a (renamed from T-004) impact lowered 5 -> 1 without a changed "
        "assumption or new validation"
    ]
    line = (pr / SUPPORT).read_text(encoding="utf-8").splitlines().index("    impact: 1") + 1
    assert (score[0]["pointer"], score[0]["line"]) == ("/threats/3/impact", line)


def test_citing_a_finding_about_another_threat_is_no_reason_to_lower_a_score(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """An outside tester rescored T-005 from 15 to 3 by citing RT-2026-09/F-4, a finding
    about T-006: that is no reason (PR-SCORE-001), and the citation is a located warning;
    a finding without a `threats` list is about no threat either."""
    _on_main(pr)
    before = "    impact: 5\n    owner: orders-team\n"
    _edit(pr / SUPPORT, before, "    impact: 1\n    owner: orders-team\n")
    _edit(
        pr / SUPPORT,
        "    validation: {status: not_reproduced}\n  - id: T-006\n",
        "    validation: {status: not_reproduced, findings: [RT-2026-09/F-4]}\n  - id: T-006\n",
    )
    _commit(pr, "Rescore T-005 after the red team")
    lowered = "threat T-005 impact lowered 5 -> 1 without a changed assumption or new validation"
    code, doc = _check(capsys, "--base", "HEAD~1")
    assert code == 1
    assert _messages(doc, "PR-SCORE-001") == [lowered]
    (support,) = [m for m in doc["models"] if m["path"] == SUPPORT]
    (warning,) = [d for d in support["errors"] if d["pointer"].startswith("/threats/4/")]
    assert (warning["pointer"], warning["level"], warning["message"]) == (
        "/threats/4/validation/findings/0",
        "warning",
        "threat T-005 cites finding 'RT-2026-09/F-4', which is about T-006, not this one "
        "(add the threat to the finding's threats if it is about it too)",
    )
    _edit(
        pr / SUPPORT,
        "        severity: medium\n        threats: [T-006]\n",
        "        severity: medium\n",
    )
    _commit(pr, "The finding names no threat now")
    code, doc = _check(capsys, "--base", "HEAD~2")
    assert code == 1
    assert _messages(doc, "PR-SCORE-001") == [lowered]


# --- 1. a backdated review is no review -------------------------------------------------


def _status(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """The status report's entry for the support assistant."""
    main(["status", *AS_OF, "-f", "json"])
    doc = json.loads(capsys.readouterr().out)
    (support,) = [m for m in doc["models"] if m["path"] == SUPPORT]
    return dict(support)


def _change_reasons(model: dict[str, Any]) -> list[str]:
    return [r["message"] for r in model["reasons"] if r["rule"] == "change"]


def test_a_backdated_review_does_not_clear_the_review_requirement(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """The reviewer's repro: on the branch that adds the voucher tool, last_reviewed moved
    back a day (2026-10-02 -> 2026-10-01) passed as a review."""
    _edit(pr / SUPPORT, "last_reviewed: 2026-10-02", "last_reviewed: 2026-10-01")
    _commit(pr, "Record the review")
    code, doc = _check(capsys, "--base", "HEAD~2")
    assert code == 1
    (support,) = [m for m in doc["pull_request"]["models"] if m["path"] == SUPPORT]
    checks = sorted((f["check"], f["severity"]) for f in support["findings"])
    assert checks == [("PR-REVIEW-001", "critical"), ("PR-REVIEW-002", "high")]
    review = next(f for f in support["findings"] if f["check"] == "PR-REVIEW-001")
    assert "agent tool voucher-tool was added" in review["message"]
    assert (
        "(now 2026-10-01, moved back from 2026-10-02: an earlier date is no review)"
        in (review["message"])
    )
    # status, from the history: the review of 2026-10-02 still stands, and the tool added
    # after it still needs one
    status = _status(capsys)
    assert status["status"] == "review_required"
    (reason,) = _change_reasons(status)
    assert reason.startswith("agent tool voucher-tool was added in commit ")
    assert "on 2026-11-24" in reason


def test_a_review_dated_before_the_change_does_not_cover_it(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """Moving last_reviewed forward, but to a day before the tool was committed
    (2026-11-24), claims a review that cannot have seen the tool."""
    _edit(pr / SUPPORT, "last_reviewed: 2026-10-02", "last_reviewed: 2026-10-15")
    _commit(pr, "Record the review")
    status = _status(capsys)
    assert status["status"] == "review_required"
    (reason,) = _change_reasons(status)
    assert reason.startswith("agent tool voucher-tool was added in commit ")
    code, doc = _check(capsys, "--base", "HEAD~2")
    assert code == 1
    (support,) = [m for m in doc["pull_request"]["models"] if m["path"] == SUPPORT]
    assert sorted(f["check"] for f in support["findings"]) == ["PR-REVIEW-003", "TM-REVIEW-001"]


def test_a_review_dated_after_the_change_covers_it(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """The review covers the tool; written in the pull request that adds the tool it is
    the pull request's claim (PR-REVIEW-003), for a reviewer to confirm."""
    _edit(pr / SUPPORT, "last_reviewed: 2026-10-02", "last_reviewed: 2026-11-26")
    _commit(pr, "Record the review")
    assert _change_reasons(_status(capsys)) == []
    code, doc = _check(capsys, "--base", "HEAD~2")
    (support,) = [m for m in doc["pull_request"]["models"] if m["path"] == SUPPORT]
    assert [(f["check"], f["severity"]) for f in support["findings"]] == [("PR-REVIEW-003", "high")]
    assert code == 1


# --- a waiver's approver changed, its expiry not ---------------------------------------


def _waiver_findings(doc: dict[str, Any], path: str) -> list[tuple[str, str]]:
    (model,) = [m for m in doc["pull_request"]["models"] if m["path"] == path]
    return [(f["pointer"], f["message"]) for f in model["findings"] if f["check"] == "PR-SCOPE-003"]


def test_a_waiver_whose_approver_changed_is_a_scope_finding(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """Same control, same expiry, someone else's approval: the approver named has not
    agreed to the waiver the base had, so it is the pull request's new claim."""
    _on_main(pr)
    _edit(
        pr / SUPPORT,
        "      approved_by: AI governance board\n      expires: 2027-03-31\n",
        "      approved_by: the support team lead\n      expires: 2027-03-31\n",
    )
    _commit(pr, "MEASURE 2.11: the team lead answers for the waiver")
    code, doc = _check(capsys, "--base", "HEAD~1")
    assert code == 1
    assert _waiver_findings(doc, SUPPORT) == [
        (
            "/compliance/waivers/0",
            "the pull request waives nist-ai-rmf/MEASURE 2.11 (until 2027-03-31) approved by "
            "the support team lead, where the base's waiver was approved by AI governance "
            "board: a waiver hides the control's findings from its status and needs the "
            "approval of whoever it names",
        )
    ]


def test_a_second_waiver_with_the_same_expiry_and_another_approver_is_reported(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    _on_main(pr)
    second = (
        "      expires: 2027-03-31\n"
        "    - control: nist-ai-rmf/MEASURE 2.11\n"
        "      reason: The fairness evaluation waits for the Q1 release.\n"
        "      approved_by: the support team lead\n"
        "      expires: 2027-03-31\n"
    )
    _edit(pr / SUPPORT, "      expires: 2027-03-31\n", second)
    _commit(pr, "A second waiver of MEASURE 2.11")
    code, doc = _check(capsys, "--base", "HEAD~1", "--fail-on", "critical")
    assert code == 1
    assert [p for p, _ in _waiver_findings(doc, SUPPORT)] == ["/compliance/waivers/1"]


def test_a_waiver_reworded_or_respelled_is_no_new_waiver(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    _on_main(pr)
    _edit(
        pr / SUPPORT,
        "      approved_by: AI governance board\n      expires: 2027-03-31\n",
        "      approved_by: AI Governance  Board\n      expires: 2027-02-28\n",
    )
    _commit(pr, "MEASURE 2.11: the waiver ends sooner")
    _, doc = _check(capsys, "--base", "HEAD~1")
    assert _waiver_findings(doc, SUPPORT) == []
