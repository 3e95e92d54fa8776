"""`check --base` on edits that change what a threat is tied to rather than the threat:
a threat given a new id (followed by every per-threat PR check), a control unlinked from
the threats it treats (PR-CONTROL-002), a red-team finding that stops naming a threat
(PR-REDTEAM-005), and a removed threat's successor that says nothing (PR-SCOPE-005).

Each test starts from the example history (`scripts/make_example_history.py`) reset to the
commit before the voucher tool (the base branch), commits the edit on top as a pull
request's branch would hold it, and judges it with `--base HEAD~1`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import git
import pytest
from conftest import commit_all as _commit
from conftest import edit_once as _edit

from policyengine.cli import main

REPO = Path(__file__).resolve().parents[2]
AS_OF = ["--as-of", "2026-11-27"]
SUPPORT = "models/support-assistant.yaml"

sys.path.insert(0, str(REPO / "scripts"))
from make_example_history import build_history  # noqa: E402


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("links") / "repo"
    build_history(dest)
    repo = git.Repo(dest)
    repo.git.reset("-q", "--hard", "HEAD~1")  # the base branch: before the voucher tool
    repo.close()
    return dest


def _check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main(["check", "--base", "HEAD~1", *argv, *AS_OF, "-f", "json"])
    return code, json.loads(capsys.readouterr().out)


def _found(doc: dict[str, Any], prefix: str = "PR-") -> list[tuple[str, str, str]]:
    """(check, severity, message) of the support assistant's pull-request findings whose
    check id starts with `prefix`."""
    (support,) = [m for m in doc["pull_request"]["models"] if m["path"] == SUPPORT]
    return sorted(
        (f["check"], f["severity"], f["message"])
        for f in support["findings"]
        if f["check"].startswith(prefix)
    )


_T001_VALIDATION = "    validation:\n      status: confirmed\n      findings: [RT-2026-09/F-3]\n"
_UNCONFIRMED = (
    "    validation:\n      status: untested\n"
    "      note: Below the threshold; screening of agent notes is audited monthly instead.\n"
)


# --- a threat given a new id ------------------------------------------------------------------


def test_a_renamed_confirmed_threat_keeps_its_red_team_checks(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """The tester's X2 repro A: T-001 becomes T-012, confirmed -> untested, and F-3 stops
    naming it. Without the id change this is PR-REDTEAM-002; with it, it was nothing."""
    model = pr / SUPPORT
    _edit(model, "  - id: T-001\n", "  - id: T-012\n")
    _edit(model, _T001_VALIDATION, _UNCONFIRMED)
    _edit(model, "threats: [T-001, T-002]", "threats: [T-002]")
    _commit(pr, "Re-number the KB injection threat")
    code, doc = _check(capsys)
    assert code == 1
    assert _found(doc, "PR-REDTEAM") == [
        (
            "PR-REDTEAM-002",
            "high",
            "threat T-012 (renamed from T-001): validation.status moved from confirmed by "
            "RT-2026-09/F-3 to untested: a red-team result is rewritten, not retested",
        ),
        (
            "PR-REDTEAM-005",
            "high",
            "red-team finding RT-2026-09/F-3 no longer names threat T-001 (now T-012): the "
            "threats a red team found affected are its result, rewritten here, not retested",
        ),
    ]
    assert _found(doc, "PR-SCOPE-005") == []  # renamed, not removed


@pytest.mark.parametrize("technique", ["AML.T0051.001", "AML.T0051.000"])
def test_a_replaced_threat_with_a_new_title_is_still_the_same_threat(
    capsys: pytest.CaptureFixture[str], pr: Path, technique: str
) -> None:
    """X2 repro B (the whole T-001 block laundered: new id, title, lower score, untested),
    also with a sibling sub-technique: the same surface and ATLAS families make it T-001."""
    model = pr / SUPPORT
    text = model.read_text(encoding="utf-8")
    start = text.index("  - id: T-001\n")
    end = text.index("  - id: T-002\n")
    replacement = (
        "  - id: T-012\n"
        "    title: Indirect prompt injection through knowledge-base content\n"
        "    surface: kb-retrieval\n"
        f"    atlas: [{technique}, AML.T0070, AML.T0066]\n"
        "    stride: [tampering]\n"
        "    likelihood: 1\n"
        "    impact: 4\n"
        "    owner: ai-platform-team\n"
        "    prerequisites: [content_write_access]\n"
        "    assumptions:\n"
        "      - Agent notes are screened for instructions before indexing and tagged low-trust.\n"
        "    mitigations: [C-01, C-02]\n"
        "    status: mitigated\n" + _UNCONFIRMED
    )
    model.write_text(text[:start] + replacement + text[end:], encoding="utf-8")
    _edit(model, "threats: [T-001, T-002]", "threats: [T-002]")
    _commit(pr, "Rewrite the KB injection threat")
    code, doc = _check(capsys)
    assert code == 1
    assert [(c, s) for c, s, _ in _found(doc)] == [
        ("PR-REDTEAM-002", "high"),
        ("PR-REDTEAM-005", "high"),
    ]
    assert "T-012 (renamed from T-001)" in _found(doc)[0][2]


def test_a_technique_widened_to_its_parent_keeps_the_score_check(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """The tester's X8 repro: new id, AML.T0010.001 -> AML.T0010, risk 10 -> 2, the title
    and assumptions untouched: PR-SCORE-001 through the rename."""
    model = pr / SUPPORT
    _edit(model, "  - id: T-004\n", "  - id: T-012\n")
    _edit(
        model,
        "    atlas: [AML.T0010.001, AML.T0011.001]\n    stride: [tampering]\n"
        "    likelihood: 2\n    impact: 5\n",
        "    atlas: [AML.T0010, AML.T0011.001]\n    stride: [tampering]\n"
        "    likelihood: 1\n    impact: 2\n",
    )
    _commit(pr, "Tidy the dependency threat")
    code, doc = _check(capsys)
    assert code == 1
    assert _found(doc) == [
        (
            "PR-SCORE-001",
            "high",
            "threat T-012 (renamed from T-004) likelihood lowered 2 -> 1 and impact lowered "
            "5 -> 2 without a changed assumption or new validation",
        )
    ]


def test_a_threat_with_the_same_title_is_the_same_threat(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """A new id whose techniques no longer cover the old families, but with the old title
    (in substance): still T-006, so its lowered score and its red-team link are compared."""
    model = pr / SUPPORT
    _edit(model, "  - id: T-006\n", "  - id: T-012\n")
    _edit(
        model,
        "    title: Direct prompt injection extracts the system prompt and routing rules\n"
        "    surface: chat-io\n    atlas: [AML.T0051.000, AML.T0056]\n",
        "    title: direct prompt injection extracts the system prompt and routing rules.\n"
        "    surface: chat-io\n    atlas: [AML.T0056]\n",
    )
    _edit(model, "    likelihood: 4\n    impact: 2\n", "    likelihood: 2\n    impact: 2\n")
    _edit(model, "threats: [T-006]", "threats: [T-012]")
    _commit(pr, "Narrow the system-prompt threat")
    code, doc = _check(capsys)
    assert code == 1
    assert _found(doc) == [
        (
            "PR-SCORE-001",
            "high",
            "threat T-012 (renamed from T-006) likelihood lowered 4 -> 2 without a changed "
            "assumption or new validation",
        )
    ]


@pytest.mark.parametrize(
    ("assumption", "removed"),
    [
        ("Dependencies are pinned by hash and mirrored internally.", True),
        ("The mirror now verifies every wheel's signature before serving it.", False),
    ],
)
def test_an_added_threat_explains_a_removal_only_with_assumptions_of_its_own(
    capsys: pytest.CaptureFixture[str], pr: Path, assumption: str, removed: bool
) -> None:
    """T-004 replaced by an unrelated-looking threat (another surface and title) naming its
    techniques: a successor that copies T-004's assumptions says nothing about why T-004
    went (PR-SCOPE-005, as the README words it); one with assumptions of its own does."""
    model = pr / SUPPORT
    text = model.read_text(encoding="utf-8")
    start = text.index("  - id: T-004\n")
    end = text.index("  - id: T-005\n")
    replacement = (
        "  - id: T-012\n"
        "    title: Tampered wheel in the fine-tuning image\n"
        "    surface: model-supply\n"
        "    atlas: [AML.T0010.001, AML.T0011.001]\n"
        "    stride: [tampering]\n"
        "    likelihood: 1\n"
        "    impact: 5\n"
        "    prerequisites: [supply_chain_access]\n"
        "    assumptions:\n"
        f"      - {assumption}\n"
        "    mitigations: [C-05]\n"
        "    status: mitigated\n"
        "    validation: {status: not_reproduced}\n"
    )
    model.write_text(text[:start] + replacement + text[end:], encoding="utf-8")
    _commit(pr, "Move the dependency threat")
    code, doc = _check(capsys)
    scope = _found(doc, "PR-SCOPE-005")
    assert [(c, s) for c, s, _ in scope] == ([("PR-SCOPE-005", "high")] if removed else [])
    assert code == (1 if removed else 0)


@pytest.mark.parametrize(
    ("assumptions", "removed"),
    [
        ("      - Dependencies are pinned by hash and mirrored internally.\n", True),
        (
            "      - Dependencies are pinned by hash and mirrored internally.\n"
            "      - Hosted model versions are pinned and checked by the upgrade gate.\n",
            False,
        ),
    ],
    ids=["assumption-removed", "assumption-reworded"],
)
def test_a_kept_threat_explains_a_removal_only_with_a_new_assumption(
    capsys: pytest.CaptureFixture[str], pr: Path, assumptions: str, removed: bool
) -> None:
    """T-009 (AML.T0010.003) removed while T-004, which names the same technique family,
    is kept: an assumption T-004 loses says nothing about why T-009 went (the reason
    PR-SCORE-001 accepts is a new or reworded one, not a removed one)."""
    model = pr / SUPPORT
    pinned = "      - Dependencies are pinned by hash and mirrored internally.\n"
    second = "      - The provider's model versions are pinned in the contract.\n"
    _edit(model, pinned, pinned + second)
    _commit(pr, "T-004 states a second assumption")  # the base of the pull request
    text = model.read_text(encoding="utf-8")
    start, end = text.index("  - id: T-009\n"), text.index("  - id: T-010\n")
    model.write_text(text[:start] + text[end:], encoding="utf-8")
    _edit(model, pinned + second, assumptions)
    _commit(pr, "Fold T-009 into T-004")
    code, doc = _check(capsys)
    scope = _found(doc, "PR-SCOPE-005")
    assert [(c, s) for c, s, _ in scope] == ([("PR-SCOPE-005", "high")] if removed else [])
    if removed:
        assert scope[0][2].startswith("threat T-009 (risk 4) was removed without a reason: ")
        assert code == 1


# --- controls unlinked from their threats -------------------------------------------------------


def test_controls_unlinked_or_swapped_are_each_named_old_to_new(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """The tester's X1 repro: C-02 and C-03 stay as orphans while every threat drops them."""
    model = pr / SUPPORT
    _edit(model, "    mitigations: [C-01, C-02]\n", "    mitigations: [C-01]\n")
    _edit(model, "    mitigations: [C-02, C-03]\n", "    mitigations: [C-08]\n")
    _edit(model, "    mitigations: [C-03, C-08]\n", "    mitigations: [C-08]\n")
    _edit(model, "    mitigations: [C-03]\n", "    mitigations: [C-06]\n")
    _commit(pr, "Simplify mitigations")
    code, doc = _check(capsys)
    assert code == 1
    assert _found(doc, "PR-CONTROL") == [
        (
            "PR-CONTROL-002",
            "high",
            "threat T-001 (risk 16) no longer names control C-02 (implemented), which the "
            "model keeps: mitigations [C-01, C-02] -> [C-01]; its treatment rests on other "
            "controls now",
        ),
        (
            "PR-CONTROL-002",
            "high",
            "threat T-002 (risk 12) no longer names controls C-02 (implemented), C-03 "
            "(verified), which the model keeps: mitigations [C-02, C-03] -> [C-08]; its "
            "treatment rests on other controls now",
        ),
        (
            "PR-CONTROL-002",
            "high",
            "threat T-005 (risk 15) no longer names control C-03 (verified), which the model "
            "keeps: mitigations [C-03] -> [C-06]; its treatment rests on other controls now",
        ),
        (
            "PR-CONTROL-002",
            "high",
            "threat T-008 (risk 8) no longer names control C-03 (verified), which the model "
            "keeps: mitigations [C-03, C-08] -> [C-08]; its treatment rests on other "
            "controls now",
        ),
    ]


def test_a_control_deleted_is_control_001_and_a_control_added_is_no_finding(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """Deleting C-02 (and its links) is PR-CONTROL-001 alone; T-007 gaining C-01 is none."""
    model = pr / SUPPORT
    text = model.read_text(encoding="utf-8")
    start = text.index("  - id: C-02\n")
    end = text.index("  - id: C-03\n")
    model.write_text(text[:start] + text[end:], encoding="utf-8")
    _edit(model, "    mitigations: [C-01, C-02]\n", "    mitigations: [C-01]\n")
    _edit(model, "    mitigations: [C-02, C-03]\n", "    mitigations: [C-03]\n")
    _edit(model, "    mitigations: [C-07]\n", "    mitigations: [C-07, C-01]\n")
    _commit(pr, "Drop the note screening")
    code, doc = _check(capsys)
    assert code == 1
    assert _found(doc, "PR-CONTROL") == [
        (
            "PR-CONTROL-001",
            "high",
            "control C-02 (implemented) was removed; it mitigated T-001, T-002 at the base",
        )
    ]


def test_a_red_team_finding_that_stops_naming_a_kept_threat(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """F-3 drops T-002, which the model keeps (still confirmed by F-3): the red team's
    result is rewritten; naming one more threat is no finding."""
    model = pr / SUPPORT
    _edit(model, "threats: [T-001, T-002]", "threats: [T-001, T-008]")
    _commit(pr, "F-3 is about T-001")
    code, doc = _check(capsys)
    assert code == 1
    assert _found(doc, "PR-REDTEAM") == [
        (
            "PR-REDTEAM-005",
            "high",
            "red-team finding RT-2026-09/F-3 no longer names threat T-002: the threats a red "
            "team found affected are its result, rewritten here, not retested",
        ),
        (
            "PR-REDTEAM-006",
            "high",
            "the pull request makes red-team finding RT-2026-09/F-3 name T-008 (it named "
            "T-001, T-002 at the base): a red-team record rewritten with the change is its "
            "claim until a reviewer checks it against the report",
        ),
    ]
