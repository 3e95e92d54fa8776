"""`check --base`: the pull request's changes are those since the merge base.

Each test starts from the example history (`scripts/make_example_history.py`). The pull
request is the branch `feature`, made from its last commit; `main` then moves on. What
`main` did after the branch was made is not the pull request's: not new, not fixed, no
scope or policy change. The rules (config, policies, catalog) are still `main`'s tip.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import edit_once as _edit
from conftest import git_run

from policyengine.cli import main

REPO = Path(__file__).resolve().parents[2]
AS_OF = ["--as-of", "2026-11-27"]
CODING = "models/coding-agent.yaml"
PARTNER = "models/partner-classifier.yaml"
CONFIG = ".policyengine.yaml"


@pytest.fixture(scope="module")
def history(history: Path) -> Path:
    """The example history (conftest's), then `feature`: one commit on top of it, a
    prose edit of the partner classifier; `main`: one commit after the branch point that
    fixes a high finding of the coding agent (TM-SCORE-001: threat T-104 states no
    assumption)."""
    dest = history
    git_run(dest, "checkout", "-q", "-b", "feature")
    _edit(dest / PARTNER, "  name: Partner", "  name: The Partner")
    git_run(dest, "commit", "-q", "-am", "Partner classifier: wording")
    git_run(dest, "checkout", "-q", "main")
    _edit(
        dest / CODING,
        "    # The team has not written down what the score rests on yet (egress rules, "
        "token scope).\n",
        "    assumptions: [egress is open to the internet from the sandbox]\n",
    )
    git_run(dest, "commit", "-q", "-am", "Coding agent: state what T-104's score rests on")
    git_run(dest, "checkout", "-q", "feature")
    return dest


def _check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main(["check", *argv, *AS_OF, "-f", "json"])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out else {}, err


def _gate(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted(
        [
            (m["path"], f["check"], f["severity"])
            for m in doc["pull_request"]["models"]
            for f in m["findings"]
        ]
        + [(f["file"], f["check"], f["severity"]) for f in doc["pull_request"]["findings"]]
    )


def _changes(doc: dict[str, Any]) -> dict[str, str]:
    return {m["path"]: m["change"] for m in doc["pull_request"]["models"]}


def test_what_the_base_fixed_after_the_branch_is_not_new_in_the_pull_request(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    fork = git_run(pr, "merge-base", "main", "HEAD")
    tip = git_run(pr, "rev-parse", "main")
    assert fork != tip
    code, doc, _ = _check(capsys, "--base", "main")
    assert code == 0, _gate(doc)
    assert _gate(doc) == []
    assert doc["pull_request"]["merge_base"] == fork
    assert doc["pull_request"]["base_commit"] == tip
    # the coding agent is as the pull request found it; the partner classifier changed
    assert _changes(doc)[CODING] == "unchanged"
    assert _changes(doc)[PARTNER] == "changed"
    # the finding main fixed is still the head's, and counted as one the base had
    coding = next(m for m in doc["models"] if m["path"] == CODING)
    assert [c["findings"] for c in coding["checks"] if c["id"] == "TM-SCORE-001"] != [[]]
    code = main(["check", "--base", "main", *AS_OF])
    first = capsys.readouterr().out.splitlines()[0]
    assert first == (
        f"pull request: main -> working tree (changes since the merge base {fork[:12]}; "
        "main has moved on)"
    )
    # --changed-only evaluates the pull request's one model, on both sides
    code, doc, _ = _check(capsys, "--base", "main", "--changed-only")
    assert code == 0
    assert [f for m in doc["pull_request"]["models"] for f in m["findings"]] == []
    assert _changes(doc) == {PARTNER: "changed"}


def test_a_model_the_base_added_or_deleted_since_is_not_the_pull_requests(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    git_run(pr, "checkout", "-q", "main")
    git_run(pr, "mv", CODING, "retired-coding-agent.txt")
    shutil.copy(pr / PARTNER, pr / "models/partner-copy.yaml")
    _edit(pr / "models/partner-copy.yaml", "id: partner-classifier", "id: partner-copy")
    git_run(pr, "add", "-A")
    git_run(pr, "commit", "-q", "-m", "Retire the coding agent; a second classifier")
    git_run(pr, "checkout", "-q", "feature")
    code, doc, _ = _check(capsys, "--base", "main")
    assert _gate(doc) == [] and code == 0
    # the coding agent is the pull request's as it found it; main's new model is not in it
    changes = _changes(doc)
    assert (changes[CODING], changes[PARTNER]) == ("unchanged", "changed")
    assert "models/partner-copy.yaml" not in changes


def test_a_pull_request_merge_commit_is_compared_with_the_base_tip(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """What `actions/checkout` checks out for a pull request: the merge of the branch
    into the base, whose merge base with the base is the base's tip."""
    _, behind, _ = _check(capsys, "--base", "main")
    git_run(pr, "checkout", "-q", "--detach", "main")
    git_run(pr, "merge", "-q", "--no-ff", "-m", "Merge feature", "feature")
    tip = git_run(pr, "rev-parse", "main")
    code, doc, _ = _check(capsys, "--base", "main")
    assert code == 0
    assert doc["pull_request"]["merge_base"] == doc["pull_request"]["base_commit"] == tip
    assert _gate(doc) == _gate(behind) == []
    assert _changes(doc)[PARTNER] == "changed"
    assert _changes(doc)[CODING] == "unchanged"
    main(["check", "--base", "main", *AS_OF])
    assert capsys.readouterr().out.splitlines()[0] == "pull request: main -> working tree"


def test_a_config_change_on_the_base_is_not_the_pull_requests_but_its_rules_judge(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    git_run(pr, "checkout", "-q", "main")
    _edit(pr / CONFIG, "fail_on: high", "fail_on: critical")
    git_run(pr, "commit", "-q", "-am", "Gate on critical findings only")
    git_run(pr, "checkout", "-q", "feature")
    # the pull request changes the config too, and adds a high finding (a threat's
    # assumptions dropped: TM-SCORE-001)
    _edit(pr / CONFIG, "evidence_dir: evidence", "evidence_dir: audit-evidence")
    _edit(
        pr / PARTNER,
        "    assumptions:\n"
        "      - API keys are issued per partner and can leak through partner systems.\n"
        "      - 100 requests a minute are enough to train a usable surrogate within weeks.\n",
        "",
    )
    code, doc, _ = _check(capsys, "--base", "main")
    (policy,) = [f for f in doc["pull_request"]["findings"] if f["check"] == "PR-POLICY-001"]
    # only the pull request's own change: main's fail_on is not reported as undone
    assert "evidence_dir" in policy["message"] and "fail_on" not in policy["message"]
    assert policy["severity"] == "low"
    assert ("models/partner-classifier.yaml", "TM-SCORE-001", "high") in _gate(doc)
    # main's tip judges: fail_on critical, so the high finding does not fail the run
    assert code == 0


def test_histories_without_a_merge_base_are_a_tool_error(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    git_run(pr, "checkout", "-q", "--orphan", "unrelated")
    git_run(pr, "commit", "-q", "-m", "Start again")
    code, doc, err = _check(capsys, "--base", "main")
    assert code == 2 and doc == {}
    assert "no merge base of 'main' and HEAD in" in err and "they share no history" in err
    assert "Traceback" not in err


def test_a_shallow_clone_without_the_merge_base_is_a_tool_error_not_a_wrong_delta(
    capsys: pytest.CaptureFixture[str],
    history: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clone = tmp_path / "shallow"
    url = history.as_uri()
    git_run(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", url, str(clone))
    git_run(clone, "fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main")
    monkeypatch.chdir(clone)
    code, doc, err = _check(capsys, "--base", "origin/main", "--allow-unknown-history")
    assert code == 2 and doc == {}
    assert "the clone is shallow" in err and "fetch-depth: 0" in err
    # deep enough to hold the merge base: the same delta as the full clone
    git_run(clone, "fetch", "-q", "--deepen", "2", "origin", "feature", "main")
    code, doc, err = _check(capsys, "--base", "origin/main", "--allow-unknown-history")
    assert code in (0, 1), err
    assert doc["pull_request"]["merge_base"] == git_run(history, "merge-base", "main", "feature")
    assert _changes(doc)[CODING] == "unchanged"
