"""`check --base`: a pull request that rewrites a record already made, rather than adding one.

A red-team exercise's scope, independence, performer or report, a finding's title,
techniques or ticket (PR-REDTEAM-010, and no basis for a tested status); a waiver's or a
`not_applicable` entry's reason (PR-SCOPE-003, -004); who took part in a review and the
review history (PR-REVIEW-002). The outside tester's B1 and B5. Each test starts from the
example history reset to the commit before the voucher tool (the base branch) and commits
the tester's edit on top, as a pull request's branch would hold it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import git
import pytest
from conftest import commit_all as _commit
from conftest import edit_once as _edit

from policyengine.cli import main

REPO = Path(__file__).resolve().parents[2]
SUPPORT = "models/support-assistant.yaml"
CODING = "models/coding-agent.yaml"


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import sys

    sys.path.insert(0, str(REPO / "scripts"))
    from make_example_history import build_history

    dest = tmp_path_factory.mktemp("past-records") / "repo"
    build_history(dest)
    repo = git.Repo(dest)
    repo.git.reset("-q", "--hard", "HEAD~1")  # the base branch: before the voucher tool
    repo.close()
    return dest


def _check(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["check", "--base", "HEAD~1", "--as-of", "2026-11-27", "-f", "json"])
    return code, json.loads(capsys.readouterr().out)


def _messages(doc: dict[str, Any], check: str) -> list[tuple[str, str]]:
    """(severity, message) of the pull request's findings of `check`."""
    found = [f for m in doc["pull_request"]["models"] for f in m["findings"]]
    return [(f["severity"], f["message"]) for f in found if f["check"] == check]


def _checks(doc: dict[str, Any]) -> list[str]:
    """The check id of every finding the pull request is judged on."""
    found = [f["check"] for m in doc["pull_request"]["models"] for f in m["findings"]]
    return sorted(found + [f["check"] for f in doc["pull_request"]["findings"]])


def _not_reproduced(model: Path, *tids: str) -> None:
    """Move each threat's `validation: {status: untested}` to not_reproduced."""
    text = model.read_text(encoding="utf-8")
    for tid in tids:
        start = text.index(f"  - id: {tid}\n")
        end = text.index("validation: {status: untested}", start)
        text = text[:end] + "validation: {status: not_reproduced}" + text[end + 30 :]
    model.write_text(text, encoding="utf-8")


_REWRITTEN = (
    "what a red team tested, found and by whom is its record, rewritten here, not "
    "retested, and no basis for a tested status in this pull request"
)


def _untested(tid: str, surface: str) -> str:
    return (
        f"threat {tid}: validation.status moved from untested to not_reproduced with "
        "nothing behind it: no red-team finding cites or names it, and no exercise of the "
        f"last 365 days had its surface ({surface}) or ATLAS techniques in scope (only "
        "records this pull request wrote: RT-2026-04)"
    )


# --- B1: a red-team exercise rewritten ------------------------------------------------------


def test_an_exercise_widened_and_made_independent_is_a_rewrite_and_no_basis(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """B1: RT-2026-04 (the team's own exercise of task-io and tools) made independent
    and widened to weights and serving, and T-106 (weights) and T-107 (serving) moved
    untested -> not_reproduced on the strength of it."""
    model = pr / CODING
    _edit(
        model,
        "      surfaces: [task-io, tools]\n",
        "      surfaces: [task-io, tools, weights, serving]\n",
    )
    _edit(model, "    independent: false\n", "    independent: true\n")
    _not_reproduced(model, "T-106", "T-107")
    _commit(pr, "widen RT scope")
    code, doc = _check(capsys)
    assert code == 1
    assert _messages(doc, "PR-REDTEAM-010") == [
        (
            "high",
            "red-team exercise RT-2026-04 rewritten by the pull request: independent false "
            "-> true; scope.surfaces [task-io, tools] -> [task-io, tools, weights, serving]: "
            + _REWRITTEN,
        )
    ]
    assert _messages(doc, "PR-REDTEAM-009") == [
        ("high", _untested("T-106", "weights")),
        ("high", _untested("T-107", "serving")),
    ]


def test_an_exercise_made_independent_alone_is_a_rewrite(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """B1, one part: only `independent: false -> true` (MEASURE 1.3 reads it). The
    owner team's own exercise marked independent is TM-REDTEAM-010 in every run too."""
    _edit(pr / CODING, "    independent: false\n", "    independent: true\n")
    _commit(pr, "RT-2026-04 was independent")
    code, doc = _check(capsys)
    assert code == 1
    assert [c for c in _checks(doc) if c.startswith("PR-")] == ["PR-REDTEAM-010"]
    ((_, message),) = _messages(doc, "PR-REDTEAM-010")
    assert message.startswith(
        "red-team exercise RT-2026-04 rewritten by the pull request: independent false -> true:"
    )


def test_a_scope_widened_alone_is_no_basis_for_not_reproduced(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """B1, the other part: the scope widened to weights and one threat of that surface
    not_reproduced."""
    model = pr / CODING
    _edit(
        model, "      surfaces: [task-io, tools]\n", "      surfaces: [task-io, tools, weights]\n"
    )
    _not_reproduced(model, "T-106")
    _commit(pr, "RT-2026-04 probed the weights too")
    code, doc = _check(capsys)
    assert code == 1
    assert _checks(doc) == ["PR-REDTEAM-009", "PR-REDTEAM-010"]
    assert _messages(doc, "PR-REDTEAM-009") == [("high", _untested("T-106", "weights"))]


def test_an_exercise_and_a_finding_rewritten_are_named_old_to_new(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """B1 (second repro): RT-2026-09 re-attributed and its report swapped for a summary
    the pull request writes; F-3's title watered down, its technique widened, its ticket
    swapped."""
    model = pr / SUPPORT
    for old, new in [
        (
            "    performed_by: product security red team",
            "    performed_by: external accredited red team",
        ),
        (
            "        atlas: [AML.T0051.001]\n        severity: high",
            "        atlas: [AML.T0051]\n        severity: high",
        ),
        (
            "        title: Injected KB note made the agent cancel an order",
            "        title: Agent note was indexed",
        ),
        ("ticket: SEC-123, due: 2026-12-01}", "ticket: SEC-999, due: 2026-12-01}"),
        (
            "    report: evidence/red-team/RT-2026-09.md",
            "    report: evidence/red-team/RT-2026-09-summary.md",
        ),
    ]:
        _edit(model, old, new)
    (pr / "evidence/red-team/RT-2026-09-summary.md").write_text(
        "# RT-2026-09 summary (support-assistant)\nNo significant issues were found.\n",
        encoding="utf-8",
    )
    _commit(pr, "rt")
    code, doc = _check(capsys)
    assert code == 1
    assert _messages(doc, "PR-REDTEAM-010") == [
        (
            "high",
            "red-team exercise RT-2026-09 rewritten by the pull request: performed_by "
            '"product security red team" -> "external accredited red team"; report '
            "evidence/red-team/RT-2026-09.md -> evidence/red-team/RT-2026-09-summary.md: "
            + _REWRITTEN,
        ),
        (
            "high",
            "red-team finding RT-2026-09/F-3 rewritten by the pull request: title "
            '"Injected KB note made the agent cancel an order" -> "Agent note was indexed"; '
            "atlas [AML.T0051.001] -> [AML.T0051]; remediation.ticket SEC-123 -> SEC-999: "
            + _REWRITTEN,
        ),
    ]
    support = next(m for m in doc["pull_request"]["models"] if m["path"] == SUPPORT)
    lines = {f["line"] for f in support["findings"] if f["check"] == "PR-REDTEAM-010"}
    text = model.read_text(encoding="utf-8").splitlines()
    assert {text[n - 1].strip().split(":")[0] for n in lines} == {"performed_by", "title"}


def test_a_new_exercise_and_a_respelled_one_are_no_rewrite(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """The benign side: an exercise added (PR-REDTEAM-006, no rewrite), and the recorded
    one with its scope reordered, its performer recased and its report spelled `./`."""
    model = pr / SUPPORT
    _edit(
        model,
        "      surfaces: [chat-io, kb-retrieval, order-actions, model-supply, runtime]\n",
        "      surfaces: [runtime, chat-io, kb-retrieval, order-actions, model-supply]\n",
    )
    _edit(
        model,
        "    performed_by: product security red team",
        "    performed_by: Product Security red team",
    )
    _edit(
        model,
        "    report: evidence/red-team/RT-2026-09.md",
        "    report: ./evidence/red-team/RT-2026-09.md",
    )
    _edit(
        model,
        "red_team:\n",
        "red_team:\n  - id: RT-2026-11\n    date: 2026-11-20\n"
        "    performed_by: product security red team\n    independent: true\n"
        "    scope: {surfaces: [chat-io], atlas: [AML.T0054]}\n",
    )
    _commit(pr, "November exercise")
    code, doc = _check(capsys)
    assert [c for c in _checks(doc) if c.startswith("PR-")] == ["PR-REDTEAM-006"]
    assert code == 1  # the new exercise is a claim for a reviewer


# --- B5: a waiver's and a scope exclusion's reason rewritten ------------------------------


def test_a_waiver_and_a_scope_exclusion_given_another_reason_are_reported(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """B5: the waiver of MEASURE 2.11 (a fix scheduled) turned into a permanent
    exclusion in the approver's name, and MEASURE 2.2's not_applicable reason reversed."""
    model = pr / SUPPORT
    _edit(
        model,
        "      reason: Fairness evaluation across customer languages is scheduled with the "
        "Q1 release.",
        "      reason: Fairness evaluation is out of scope for this system and will not be done.",
    )
    _edit(
        model,
        "reason: No human-subject studies are run; evaluation uses consented support "
        "transcripts only.",
        "reason: Human-subject studies are run and are not reviewed by anyone.",
    )
    _commit(pr, "tidy")
    code, doc = _check(capsys)
    assert code == 1
    assert _messages(doc, "PR-SCOPE-003") == [
        (
            "high",
            "the pull request rewrites the reason of the waiver of nist-ai-rmf/MEASURE 2.11 "
            '(approved by AI governance board, until 2027-03-31): "Fairness evaluation '
            'across customer languages is scheduled with the Q1 release." -> "Fairness '
            'evaluation is out of scope for this system and will not be done.": a waiver is '
            "its approver's decision for the reason it gives, and another reason needs their "
            "approval again",
        )
    ]
    assert _messages(doc, "PR-SCOPE-004") == [
        (
            "high",
            "the pull request rewrites why nist-ai-rmf/MEASURE 2.2 is not applicable: "
            '"No human-subject studies are run; evaluation uses consented support '
            'transcripts only." -> "Human-subject studies are run and are not reviewed by '
            'anyone.": a scope decision rests on its reason, and a new reason needs a reviewer',
        )
    ]


def test_a_reason_respaced_or_recased_is_no_rewrite(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    model = pr / SUPPORT
    _edit(
        model,
        "      reason: Fairness evaluation across customer languages is scheduled with the "
        "Q1 release.",
        "      reason: fairness evaluation across customer  languages is scheduled with the "
        "Q1 release",
    )
    _edit(
        model,
        "reason: No human-subject studies are run; evaluation uses consented support "
        "transcripts only.",
        "reason: no human subject studies are run;  evaluation uses consented support "
        "transcripts only",
    )
    _commit(pr, "typography")
    code, doc = _check(capsys)
    assert (code, _checks(doc)) == (0, [])


def test_a_waiver_extended_and_reworded_is_one_finding(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """A later expiry is PR-SCOPE-003 already, asking the approver for the same approval:
    a reason changed with it adds no second finding."""
    model = pr / SUPPORT
    _edit(model, "      expires: 2027-03-31\n", "      expires: 2027-09-30\n")
    _edit(
        model,
        "      reason: Fairness evaluation across customer languages is scheduled with the "
        "Q1 release.",
        "      reason: Fairness evaluation is scheduled with the Q3 release.",
    )
    _commit(pr, "Push the fairness evaluation out")
    code, doc = _check(capsys)
    assert code == 1
    ((_, message),) = _messages(doc, "PR-SCOPE-003")
    assert message.startswith(
        "the pull request extends the waiver of nist-ai-rmf/MEASURE 2.11 from 2027-03-31 "
        "to 2027-09-30"
    )


# --- B5: the review record rewritten -------------------------------------------------------

_SUPPORT_REVIEW = """\
  reviewed_by: [security architecture, ai-platform-team]
  atlas_version: 5.6.1
  history:
    - {date: 2026-04-01, reason: initial}
    - {date: 2026-07-01, reason: quarterly}
    - {date: 2026-10-02, reason: change, note: order tool gained change_address}
"""

_TAIL = (
    ": the record of a review already made is not edited; a new review is a new "
    "review.last_reviewed and a new history entry"
)


def test_past_reviews_removed_or_rewritten_are_reported(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """B5: "security architecture" dropped from the 2026-10-02 review, the two earlier
    reviews deleted, and the 2026-10-02 change review rewritten as a quarterly one."""
    _edit(
        pr / SUPPORT,
        _SUPPORT_REVIEW,
        "  reviewed_by: [ai-platform-team]\n  atlas_version: 5.6.1\n  history:\n"
        "    - {date: 2026-10-02, reason: quarterly, note: nothing changed}\n",
    )
    _commit(pr, "tidy")
    code, doc = _check(capsys)
    assert code == 1
    assert _messages(doc, "PR-REVIEW-002") == [
        (
            "high",
            "the pull request rewrites who reviewed the model on 2026-10-02: "
            "review.reviewed_by [security architecture, ai-platform-team] -> "
            "[ai-platform-team]" + _TAIL,
        ),
        (
            "high",
            "the pull request removes a past review from review.history: "
            "{date: 2026-04-01, reason: initial}" + _TAIL,
        ),
        (
            "high",
            "the pull request removes a past review from review.history: "
            "{date: 2026-07-01, reason: quarterly}" + _TAIL,
        ),
        (
            "high",
            "the pull request rewrites the review of 2026-10-02 in review.history: "
            "{date: 2026-10-02, reason: change, note: order tool gained change_address} -> "
            "{date: 2026-10-02, reason: quarterly, note: nothing changed}" + _TAIL,
        ),
    ]


def test_a_new_review_appended_is_no_rewrite(capsys: pytest.CaptureFixture[str], pr: Path) -> None:
    """The normal case: a new review (last_reviewed forward, its own reviewers) appended
    to the history, the earlier entries kept (one respaced)."""
    _edit(pr / SUPPORT, "  last_reviewed: 2026-10-02\n", "  last_reviewed: 2026-11-20\n")
    _edit(
        pr / SUPPORT,
        _SUPPORT_REVIEW,
        "  reviewed_by: [ai-platform-team, privacy office]\n  atlas_version: 5.6.1\n"
        "  history:\n"
        "    - {date: 2026-04-01, reason: initial}\n"
        "    - {date: 2026-07-01, reason: quarterly}\n"
        "    - {date: 2026-10-02, reason: change, note: 'order tool gained  change_address.'}\n"
        "    - {date: 2026-11-20, reason: quarterly, by: [privacy office]}\n",
    )
    _commit(pr, "Quarterly review")
    code, doc = _check(capsys)
    assert (code, _checks(doc)) == (0, [])
