"""`check --base`: what a pull request writes in its own hands is a claim for a reviewer.

A red-team exercise or finding it adds, an exercise it re-dates, a remediation deadline it
pushes out, a tested validation status with nothing behind it, an attestation it adds or
re-dates, and a review it claims for its own trigger change (the outside tester's X4, X7,
X9, X10, X11, X12). Each test starts from the example history reset to the commit before
the voucher tool (the base branch) and commits the tester's edit on top.
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
SUPPORT = "models/support-assistant.yaml"
PARTNER = "models/partner-classifier.yaml"
CODING = "models/coding-agent.yaml"


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import sys

    sys.path.insert(0, str(REPO / "scripts"))
    from make_example_history import build_history

    dest = tmp_path_factory.mktemp("claims") / "repo"
    build_history(dest)
    repo = git.Repo(dest)
    repo.git.reset("-q", "--hard", "HEAD~1")  # the base branch: before the voucher tool
    repo.close()
    return dest


def _check(
    capsys: pytest.CaptureFixture[str], as_of: str = "2026-11-27", base: str = "HEAD~1"
) -> tuple[int, dict[str, Any]]:
    code = main(["check", "--base", base, "--as-of", as_of, "-f", "json"])
    return code, json.loads(capsys.readouterr().out)


def _messages(doc: dict[str, Any], check: str) -> list[tuple[str, str]]:
    """(severity, message) of the pull request's findings of `check`."""
    found = [f for m in doc["pull_request"]["models"] for f in m["findings"]]
    return [(f["severity"], f["message"]) for f in found if f["check"] == check]


# --- X4: a red-team exercise the pull request adds is its claim ----------------------------

_FAKE_EXERCISE = """\
  - id: RT-2026-11
    date: 2026-11-20
    performed_by: product security red team
    independent: true
    report: evidence/red-team/RT-2026-11.md
    scope: {surfaces: [chat-io], atlas: [AML.T0054, AML.T0057]}
    tools: [garak 0.10]
    test_sets: [200 jailbreak prompts asking for other customers' orders]
    metrics: [attack success rate per ATLAS technique]
    findings:
      - id: F-1
        title: Jailbreak prompts reach the order tool but it refuses foreign order ids
        atlas: [AML.T0054]
        severity: info
        threats: [T-005]
        remediation: {status: resolved, ticket: SEC-140}
"""


def test_a_red_team_exercise_the_pull_request_adds_excuses_no_lower_score(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """X4 (pr-fakert2): T-005 risk 15 -> 3 with a red-team exercise written in the same
    pull request as its proof. The exercise is a claim (PR-REDTEAM-006), and the score
    drop is still PR-SCORE-001: the reference to it is no reason."""
    model = pr / SUPPORT
    _edit(
        model,
        "    likelihood: 3\n    impact: 5\n    owner: orders-team\n",
        "    likelihood: 1\n    impact: 3\n    owner: orders-team\n",
    )
    _edit(
        model,
        "    validation: {status: not_reproduced}\n  - id: T-006\n",
        "    validation: {status: confirmed, findings: [RT-2026-11/F-1]}\n  - id: T-006\n",
    )
    _edit(model, "red_team:\n", "red_team:\n" + _FAKE_EXERCISE)
    report = pr / "evidence/red-team/RT-2026-11.md"
    report.write_text("# RT-2026-11\n\nsupport-assistant jailbreak run; nothing found.\n")
    _commit(pr, "Rescore T-005 after the November red team")
    code, doc = _check(capsys)
    assert code == 1
    assert _messages(doc, "PR-REDTEAM-006") == [
        (
            "high",
            "the pull request adds red-team exercise RT-2026-11 (2026-11-20, by product "
            "security red team, 1 finding): a red-team record written with the change is "
            "its claim until a reviewer checks it against its report "
            "evidence/red-team/RT-2026-11.md",
        )
    ]
    assert _messages(doc, "PR-SCORE-001") == [
        (
            "high",
            "threat T-005 likelihood lowered 3 -> 1 and impact lowered 5 -> 3 without a "
            "changed assumption or new validation",
        )
    ]


def test_a_finding_added_to_an_existing_exercise_is_a_claim(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """X4, a finding instead of an exercise: added to RT-2026-09 and cited by a threat
    whose score drops."""
    model = pr / SUPPORT
    _edit(
        model,
        "        remediation: {status: resolved, ticket: SEC-131}\n",
        "        remediation: {status: resolved, ticket: SEC-131}\n"
        "      - {id: F-9, title: Order jailbreak refused, atlas: [AML.T0054], "
        "severity: info, threats: [T-005], remediation: {status: resolved, ticket: SEC-141}}\n",
    )
    _edit(
        model,
        "    likelihood: 3\n    impact: 5\n    owner: orders-team\n",
        "    likelihood: 1\n    impact: 5\n    owner: orders-team\n",
    )
    _commit(pr, "Record F-9")
    code, doc = _check(capsys)
    assert code == 1
    assert _messages(doc, "PR-REDTEAM-006") == [
        (
            "high",
            "the pull request adds red-team finding RT-2026-09/F-9 (severity info, naming "
            "T-005) to the exercise of 2026-09-14: a red-team record written with the change "
            "is its claim until a reviewer checks it against the report",
        )
    ]
    assert [s for s, _ in _messages(doc, "PR-SCORE-001")] == ["high"]


def test_a_threat_added_to_an_existing_finding_is_a_claim(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """X4 without a new record: F-4 (which named T-006) made to name T-005 too, T-005
    confirmed by it and scored down. The edit is PR-REDTEAM-006, and no reason."""
    model = pr / SUPPORT
    _edit(model, "        threats: [T-006]\n", "        threats: [T-006, T-005]\n")
    _edit(
        model,
        "    likelihood: 3\n    impact: 5\n    owner: orders-team\n",
        "    likelihood: 1\n    impact: 5\n    owner: orders-team\n",
    )
    _edit(
        model,
        "    validation: {status: not_reproduced}\n  - id: T-006\n",
        "    validation: {status: confirmed, findings: [RT-2026-09/F-4]}\n  - id: T-006\n",
    )
    _commit(pr, "F-4 covered T-005 too")
    code, doc = _check(capsys)
    assert code == 1
    assert _messages(doc, "PR-REDTEAM-006") == [
        (
            "high",
            "the pull request makes red-team finding RT-2026-09/F-4 name T-005 (it named "
            "T-006 at the base): a red-team record rewritten with the change is its claim "
            "until a reviewer checks it against the report",
        )
    ]
    assert [s for s, _ in _messages(doc, "PR-SCORE-001")] == ["high"]


# --- X11: a red-team exercise re-dated ---------------------------------------------------


def test_moving_an_exercise_date_forward_is_a_finding(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """X11 (pr-rtdate): RT-2026-09 moved a year forward clears TM-REDTEAM-002/003 a year
    on; the move itself is PR-REDTEAM-007."""
    _edit(pr / SUPPORT, "    date: 2026-09-14\n", "    date: 2027-09-14\n")
    _commit(pr, "Fix the exercise date")
    code, doc = _check(capsys, "2027-10-01")
    assert code == 1
    assert _messages(doc, "PR-REDTEAM-007") == [
        (
            "high",
            "red-team exercise RT-2026-09: date moved forward from 2026-09-14 to 2027-09-14: "
            "the date decides whether the exercise is recent, and a re-dated exercise is no "
            "new test",
        )
    ]


# --- X7: a remediation deadline pushed out ------------------------------------------------


def test_pushing_an_overdue_remediation_out_is_a_finding(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """X7 (pr-rtdue, as of 2026-12-05): F-3 (high) was due 2026-12-01 and is still in
    progress; its due date moved to 2027-06-30 silences TM-ISO-050."""
    _edit(
        pr / SUPPORT,
        "remediation: {status: in_progress, ticket: SEC-123, due: 2026-12-01}",
        "remediation: {status: in_progress, ticket: SEC-123, due: 2027-06-30}",
    )
    _commit(pr, "Replan SEC-123")
    code, doc = _check(capsys, "2026-12-05")
    assert code == 1
    assert _messages(doc, "PR-REDTEAM-008") == [
        (
            "high",
            "red-team finding RT-2026-09/F-3 (high): remediation due moved from 2026-12-01 to "
            "2027-06-30, overdue on 2026-12-05 at the base (ticket SEC-123): a deadline pushed "
            "out silences the finding without fixing it and needs the approval of whoever "
            "owns the fix",
        )
    ]


def test_a_medium_finding_not_yet_due_pushed_out_is_medium(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """X7's lower bound: coding-agent's F-1 (medium, due 2026-12-31, not overdue on
    2026-11-27) moved to 2027-03-31 is a medium finding; dropping F-2's (high) due date
    is high."""
    model = pr / CODING
    _edit(
        model,
        "ticket: DEVPROD-88, due: 2026-12-31}",
        "ticket: DEVPROD-88, due: 2027-03-31}",
    )
    _edit(model, "ticket: DEVPROD-91, due: 2026-12-31}", "ticket: DEVPROD-91}")
    _commit(pr, "Replan the coding agent's fixes")
    code, doc = _check(capsys)
    assert code == 1
    found = _messages(doc, "PR-REDTEAM-008")
    assert [(s, m.split(":")[0]) for s, m in found] == [
        ("medium", "red-team finding RT-2026-04/F-1 (medium)"),
        ("high", "red-team finding RT-2026-04/F-2 (high)"),
    ]
    assert "due moved from 2026-12-31 to (none) (ticket DEVPROD-91)" in found[1][1]


# --- X9: attestations -------------------------------------------------------------------


_ATTESTED = (
    "    - {control: iso42001/A.5.4, evidence: docs/governance/"
    "partner-classifier-impact-assessment.md, by: AI governance board, date: 2026-08-20}\n"
)


def test_an_attestation_redated_or_added_is_a_claim(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """X9 (pr-attdate, pr-attadd): the stale A.5.4 attestation re-dated with the same
    evidence file, and one added for A.5.5 citing it: each is PR-ATTEST-001."""
    added = _ATTESTED.replace("A.5.4", "A.5.5").replace("2026-08-20", "2026-11-26")
    _edit(pr / PARTNER, _ATTESTED, _ATTESTED.replace("2026-08-20", "2026-11-26") + added)
    _commit(pr, "Re-confirm the impact assessment")
    code, doc = _check(capsys)
    assert code == 1
    assert _messages(doc, "PR-ATTEST-001") == [
        (
            "high",
            "the pull request moves the attestation of iso42001/A.5.4 forward from "
            "2026-08-20 to 2026-11-26 with the same evidence "
            "docs/governance/partner-classifier-impact-assessment.md: an attestation vouches "
            "for the control and needs the approval of whoever it names",
        ),
        (
            "high",
            "the pull request attests iso42001/A.5.5 (by AI governance board, dated "
            "2026-11-26, evidence docs/governance/partner-classifier-impact-assessment.md): "
            "an attestation vouches for the control and needs the approval of whoever it "
            "names",
        ),
    ]


def test_an_attestation_by_someone_else_is_a_claim(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """X9: the same attestation, now `by` someone else (and respacing the name is none)."""
    _edit(
        pr / PARTNER,
        "by: AI governance board, date: 2026-08-20",
        "by: ai  GOVERNANCE board, date: 2026-08-20",
    )
    _commit(pr, "Respell the board")
    code, doc = _check(capsys)
    assert _messages(doc, "PR-ATTEST-001") == []
    _edit(pr / PARTNER, "by: ai  GOVERNANCE board", "by: head of data science")
    _commit(pr, "Name the attester")
    code, doc = _check(capsys, base="HEAD~2")
    assert code == 1
    assert [m for _, m in _messages(doc, "PR-ATTEST-001")] == [
        "the pull request attests iso42001/A.5.4 by head of data science, where the base's "
        "attestation was by AI governance board: an attestation vouches for the control and "
        "needs the approval of whoever it names"
    ]


# --- X10: a review the pull request claims for its own trigger change ----------------------


def test_a_review_claimed_with_the_trigger_change_is_a_finding(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """X10 (pr-selfreview2): new order-tool actions and admin permissions with
    last_reviewed moved to the day itself: no PR-REVIEW-001, but PR-REVIEW-003 (high)
    names the triggers for the reviewer."""
    model = pr / SUPPORT
    _edit(
        model,
        "    actions: [read_order, cancel_order, change_address]\n    permissions: write\n",
        "    actions: [read_order, cancel_order, change_address, issue_refund, delete_account]\n"
        "    permissions: admin\n",
    )
    _edit(model, "  last_reviewed: 2026-10-02\n", "  last_reviewed: 2026-11-26\n")
    _commit(pr, "Refunds and account deletion for the agent")
    code, doc = _check(capsys)
    assert code == 1
    assert _messages(doc, "PR-REVIEW-001") == []
    ((severity, message),) = _messages(doc, "PR-REVIEW-003")
    assert severity == "high"
    assert message.startswith(
        "the pull request claims a review by security architecture, ai-platform-team of its "
        "own change: review.last_reviewed 2026-10-02 -> 2026-11-26 for agent tool order-tool"
    )
    assert "issue_refund" in message and "admin" in message
    assert message.endswith(": a reviewer confirms that the model was reviewed for it")


def test_a_review_with_no_trigger_change_is_no_claim(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """The periodic review (no trigger field changed) stays a plain edit."""
    _edit(pr / SUPPORT, "  last_reviewed: 2026-10-02\n", "  last_reviewed: 2026-11-26\n")
    _commit(pr, "Quarterly review")
    code, doc = _check(capsys)
    assert _messages(doc, "PR-REVIEW-003") == []
    assert ("models/support-assistant.yaml", "PR-REVIEW-003", "high") not in _gate(doc)


# --- X12: a tested validation status with nothing behind it --------------------------------


def test_a_tested_status_with_nothing_behind_it_excuses_no_lower_score(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """X12 (pr-notrepro): T-104 untested -> not_reproduced, likelihood 3 -> 1; RT-2026-04
    never had its surface's technique AML.T0086 in scope (its scope has the surface
    `tools`, but the exercise is older than 365 days on 2027-05-01)."""
    model = pr / CODING
    _edit(
        model,
        "    likelihood: 3\n    impact: 4\n    prerequisites: [content_write_access]\n"
        "    # The team",
        "    likelihood: 1\n    impact: 4\n    prerequisites: [content_write_access]\n"
        "    # The team",
    )
    _edit(
        model,
        "    status: mitigating\n    validation: {status: untested}\n  - id: T-105\n",
        "    status: mitigating\n    validation: {status: not_reproduced}\n  - id: T-105\n",
    )
    _commit(pr, "T-104 did not reproduce")
    code, doc = _check(capsys, "2027-05-01")
    assert code == 1
    assert _messages(doc, "PR-REDTEAM-009") == [
        (
            "high",
            "threat T-104: validation.status moved from untested to not_reproduced with "
            "nothing behind it: no red-team finding cites or names it, and no exercise of "
            "the last 365 days had its surface (tools) or ATLAS techniques in scope",
        )
    ]
    assert [s for s, _ in _messages(doc, "PR-SCORE-001")] == ["high"]


def test_a_tested_status_backed_by_an_exercise_in_scope_is_no_claim(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """The rule's other side: on 2026-11-27 RT-2026-04 (2026-04-22) is recent and had the
    surface `tools` in scope, so T-104's not_reproduced has a basis: no PR-REDTEAM-009,
    and the lower score is explained."""
    model = pr / CODING
    _edit(
        model,
        "    status: mitigating\n    validation: {status: untested}\n  - id: T-105\n",
        "    status: mitigating\n    validation: {status: not_reproduced}\n  - id: T-105\n",
    )
    _commit(pr, "T-104 did not reproduce in RT-2026-04")
    code, doc = _check(capsys)
    assert _messages(doc, "PR-REDTEAM-009") == []


def test_tested_statuses_with_no_exercise_in_scope_fail_in_every_run(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """X12 (pr-notrepro2) on 2026-11-27: T-106 (weights) and T-107 (serving) untested ->
    not_reproduced; no exercise ever scoped those surfaces or techniques. Each is
    PR-REDTEAM-009 in the pull request and TM-REDTEAM-009 on the model, which keeps
    MEASURE 2.7 from reading satisfied."""
    model = pr / CODING
    for tid in ("T-106", "T-107"):
        text = model.read_text(encoding="utf-8")
        start = text.index(f"  - id: {tid}\n")
        end = text.index("validation: {status: untested}", start)
        text = text[:end] + "validation: {status: not_reproduced}" + text[end + 30 :]
        model.write_text(text, encoding="utf-8")
    _commit(pr, "Nothing reproduced on the weights and the serving stack")
    code, doc = _check(capsys)
    assert code == 1
    assert [m.split(":")[0] for _, m in _messages(doc, "PR-REDTEAM-009")] == [
        "threat T-106",
        "threat T-107",
    ]
    assert _messages(doc, "TM-REDTEAM-009") == [
        (
            "high",
            f"threat {tid} is not_reproduced with nothing behind it: no red-team finding "
            "cites or names it, and no red-team exercise of the last 365 days had its surface "
            "or ATLAS techniques in scope",
        )
        for tid in ("T-106", "T-107")
    ]
    code = main(["check", CODING, "--as-of", "2026-11-27", "-f", "json"])
    (report,) = json.loads(capsys.readouterr().out)["models"]
    statuses = {c["control"]: c["status"] for c in report["controls"]}
    assert statuses["nist-ai-rmf/MEASURE 2.7"] != "satisfied"
    assert "TM-REDTEAM-009" in {f["check"] for c in report["checks"] for f in c["findings"]}
