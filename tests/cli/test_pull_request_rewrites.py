"""`check --base` and `status` on edits that rewrite a model's record instead of its system:
red-team results rewritten (PR-REDTEAM-002/003/004), a new or widened way in (an interface,
a review trigger), and `review.atlas_version` moved without a review.

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
    dest = tmp_path_factory.mktemp("rewrites") / "repo"
    build_history(dest)
    repo = git.Repo(dest)
    repo.git.reset("-q", "--hard", "HEAD~1")  # the base branch: before the voucher tool
    repo.close()
    return dest


def _check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main(["check", "--base", "HEAD~1", *argv, *AS_OF, "-f", "json"])
    return code, json.loads(capsys.readouterr().out)


def _support(doc: dict[str, Any]) -> dict[str, Any]:
    (support,) = [m for m in doc["pull_request"]["models"] if m["path"] == SUPPORT]
    return dict(support)


def _found(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(check, severity, message) of the support assistant's pull-request findings."""
    return sorted((f["check"], f["severity"], f["message"]) for f in _support(doc)["findings"])


def _status(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    main(["status", *AS_OF, "-f", "json"])
    doc = json.loads(capsys.readouterr().out)
    (support,) = [m for m in doc["models"] if m["path"] == SUPPORT]
    return dict(support)


# --- red-team results rewritten ------------------------------------------------------------


def test_red_team_results_rewritten_are_each_named_old_to_new(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """The tester's repro (F3): confirmed -> not_reproduced on T-001 and T-002, F-3's
    severity high -> low and its remediation in_progress -> resolved."""
    model = pr / SUPPORT
    _edit(
        model,
        "    validation:\n      status: confirmed\n      findings: [RT-2026-09/F-3]\n",
        "    validation:\n      status: not_reproduced\n      findings: [RT-2026-09/F-3]\n",
    )
    _edit(
        model,
        "validation: {status: confirmed, findings: [RT-2026-09/F-3]}",
        "validation: {status: not_reproduced}",
    )
    _edit(
        model,
        "        severity: high\n        threats: [T-001, T-002]\n"
        "        remediation: {status: in_progress, ticket: SEC-123, due: 2026-12-01}\n",
        "        severity: low\n        threats: [T-001, T-002]\n"
        "        remediation: {status: resolved, ticket: SEC-123}\n",
    )
    _commit(pr, "Red-team follow-up")
    code, doc = _check(capsys)
    assert code == 1
    rewritten = [f for f in _found(doc) if f[0].startswith("PR-REDTEAM")]
    assert rewritten == [
        (
            "PR-REDTEAM-002",
            "high",
            "threat T-001: validation.status moved from confirmed by RT-2026-09/F-3 to "
            "not_reproduced: a red-team result is rewritten, not retested",
        ),
        (
            "PR-REDTEAM-002",
            "high",
            "threat T-002: validation.status moved from confirmed by RT-2026-09/F-3 to "
            "not_reproduced: a red-team result is rewritten, not retested",
        ),
        (
            "PR-REDTEAM-003",
            "high",
            "red-team finding RT-2026-09/F-3: severity lowered from high to low",
        ),
        (
            "PR-REDTEAM-004",
            "high",
            "red-team finding RT-2026-09/F-3: remediation moved from in_progress to resolved "
            "(ticket SEC-123): a reviewer checks the fix",
        ),
    ]
    lines = {f["check"]: f["line"] for f in _support(doc)["findings"]}
    assert lines["PR-REDTEAM-003"] > lines["PR-REDTEAM-002"] > 0


def test_red_team_results_moved_the_other_way_are_no_finding(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """Raising a severity or moving a remediation that stays open is no rewrite."""
    model = pr / SUPPORT
    _edit(
        model,
        "        severity: medium\n        threats: [T-006]\n",
        "        severity: high\n        threats: [T-006]\n",
    )
    _edit(model, "{status: in_progress, ticket: SEC-123", "{status: open, ticket: SEC-123")
    _commit(pr, "Raise F-4")
    code, doc = _check(capsys)
    assert [f for f in _found(doc) if f[0].startswith("PR-REDTEAM")] == []
    assert code == 0


# --- a new or widened way in ----------------------------------------------------------------

_PUBLIC_API = (
    "      - {id: public-api, who: anyone on the internet, access: public, input: free text,"
    " output: text answers with order data, user_information: The page says it is an AI"
    " assistant for orders and where to report a problem.}\n"
)


def test_a_new_interface_is_a_review_trigger(capsys: pytest.CaptureFixture[str], pr: Path) -> None:
    """The tester's repro (F4): a public interface added to chat-io passed the gate."""
    _edit(pr / SUPPORT, "  - id: kb-retrieval\n", _PUBLIC_API + "  - id: kb-retrieval\n")
    _commit(pr, "Open the chat to the public")
    code, doc = _check(capsys)
    assert code == 1
    (review,) = [f for f in _support(doc)["findings"] if f["check"] == "PR-REVIEW-001"]
    assert "interface chat-io/public-api was added" in review["message"]
    assert "interface chat-io/public-api was added" in _support(doc)["trigger_changes"]
    # after the merge, status asks for the review too
    status = _status(capsys)
    assert status["status"] == "review_required"
    assert any("interface chat-io/public-api was added" in r["message"] for r in status["reasons"])


def test_an_interface_widened_is_a_review_trigger_and_narrowed_is_not(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    _edit(pr / SUPPORT, "        access: authenticated\n", "        access: public\n")
    _commit(pr, "Let anyone chat")
    code, doc = _check(capsys)
    assert code == 1
    (review,) = [f for f in _support(doc)["findings"] if f["check"] == "PR-REVIEW-001"]
    assert (
        "interface chat-io/web-chat: access widened from authenticated to public"
        in (review["message"])
    )
    # and the model contradicts itself: the inference API behind it says authenticated
    (contradiction,) = [f[2] for f in _found(doc) if f[0] == "TM-ISO-005"]
    assert contradiction == (
        "interface web-chat of surface chat-io is public, while inference API chat-api on "
        "that surface says exposure authenticated"
    )
    _edit(pr / SUPPORT, "        access: public\n", "        access: internal\n")
    _commit(pr, "Only staff")
    code, doc = _check(capsys)
    assert [f for f in _support(doc)["findings"] if f["check"] == "PR-REVIEW-001"] == []


def test_an_inference_api_whose_authentication_is_dropped_is_a_review_trigger(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """The auditor's A9: `authentication: none` puts the same techniques in scope as
    `exposure: public`, and triggered no review; another mechanism is no trigger."""
    _edit(pr / SUPPORT, "    authentication: oauth2\n", "    authentication: none\n")
    _commit(pr, "Drop the login")
    code, doc = _check(capsys)
    assert code == 1
    (review,) = [f for f in _support(doc)["findings"] if f["check"] == "PR-REVIEW-001"]
    dropped = "inference api chat-api: authentication dropped, from oauth2 to none"
    assert dropped in review["message"]
    status = _status(capsys)
    assert status["status"] == "review_required"
    assert any(dropped in r["message"] for r in status["reasons"])
    _edit(pr / SUPPORT, "    authentication: none\n", "    authentication: mtls\n")
    _commit(pr, "Client certificates")
    code, doc = _check(capsys)
    assert [f for f in _support(doc)["findings"] if f["check"] == "PR-REVIEW-001"] == []


# --- review.atlas_version moved without a review -----------------------------------------------


def test_atlas_version_changed_without_a_review_is_a_review_trigger(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    _edit(pr / SUPPORT, "  atlas_version: 5.6.1\n", "  atlas_version: 5.5.0\n")
    _commit(pr, "Record the ATLAS release")
    code, doc = _check(capsys)
    assert code == 1
    (review,) = [f for f in _support(doc)["findings"] if f["check"] == "PR-REVIEW-001"]
    assert "review.atlas_version changed from 5.6.1 to 5.5.0" in review["message"]
    status = _status(capsys)
    assert status["status"] == "review_required"
    (reason,) = [r for r in status["reasons"] if r["rule"] == "change"]
    assert reason["message"].startswith(
        "review.atlas_version changed from 5.6.1 to 5.5.0 (the ATLAS release the threats "
        "were checked against) in commit "
    )


def test_atlas_version_changed_with_a_review_is_the_pull_requests_claim(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """The review clears PR-REVIEW-001; dated in the same pull request, it is PR-REVIEW-003
    naming the change, for a reviewer to confirm."""
    _edit(pr / SUPPORT, "  atlas_version: 5.6.1\n", "  atlas_version: 5.5.0\n")
    _edit(pr / SUPPORT, "last_reviewed: 2026-10-02", "last_reviewed: 2026-11-26")
    _commit(pr, "Review against ATLAS 5.5.0")
    code, doc = _check(capsys)
    assert [f for f in _support(doc)["findings"] if f["check"] == "PR-REVIEW-001"] == []
    (claimed,) = [f for f in _support(doc)["findings"] if f["check"] == "PR-REVIEW-003"]
    assert "review.atlas_version changed from 5.6.1 to 5.5.0" in claimed["message"]
    assert code == 1


def test_an_atlas_version_later_than_the_catalog_is_a_located_error(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """The tester's repro (F8): 99.0.0 switched the ATLAS review rule off for good."""
    _edit(pr / SUPPORT, "  atlas_version: 5.6.1\n", "  atlas_version: 99.0.0\n")
    _commit(pr, "Bump")
    code, doc = _check(capsys)
    assert code == 1
    support = _support(doc)
    (error,) = support["errors"]
    line = (pr / SUPPORT).read_text(encoding="utf-8").splitlines().index("  atlas_version: 99.0.0")
    assert (error["line"], error["column"]) == (line + 1, 3)
    assert error["message"] == (
        "review.atlas_version 99.0.0 is later than the ATLAS catalog's release 5.6.1: set the "
        "release the threats were checked against, or import that release "
        "(policyengine atlas import)"
    )
    assert main(["validate", *AS_OF]) == 1
    assert "later than the ATLAS catalog's release 5.6.1" in capsys.readouterr().out
