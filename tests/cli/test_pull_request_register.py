"""`check --base --changed-only` judges the organisation register on both sides: the base
side reads the base's register and the documents it cites, so a register finding (judged
once per repository) the base already had is existing, and one the pull request brings is
new, as in a run over every model.

A real history: the examples committed on `main` (their register has an expired document,
TM-REG-003, and a partial control, TM-REG-004), then a pull request branch.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import git
import pytest
from conftest import edit_once as _edit

from policyengine.cli import main

REPO = Path(__file__).resolve().parents[2]
AS_OF = ["--as-of", "2026-11-27"]
MODEL = "models/partner-classifier.yaml"
REGISTER = "governance/register.yaml"
WHO = git.Actor("Reviewer", "reviewer@example.com")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The examples committed on `main`, checked out on a new branch `pr`."""
    root = tmp_path / "repo"
    shutil.copytree(REPO / "examples", root)
    r = git.Repo.init(root, initial_branch="main")
    r.git.add("--all")
    r.index.commit("examples", author=WHO, committer=WHO)
    r.git.checkout("-q", "-b", "pr")
    r.close()
    monkeypatch.chdir(root)
    return root


def _commit(root: Path, message: str) -> None:
    r = git.Repo(root)
    r.git.add("--all")
    r.index.commit(message, author=WHO, committer=WHO)
    r.close()


def _check(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    main(["check", "--base", "main", "--head", "pr", *argv, *AS_OF, "-f", "json"])
    out = capsys.readouterr().out
    return json.loads(out)  # type: ignore[no-any-return]


def _register_findings(doc: dict[str, Any]) -> list[str]:
    """The check ids of the pull request's new findings in the register."""
    return sorted(f["check"] for f in doc["pull_request"]["findings"] if f["file"] == REGISTER)


def _rename_model(root: Path) -> None:
    _edit(root / MODEL, "  name: Partner Shipment Fraud Classifier\n",
          "  name: Partner Shipment Fraud Classifier (v2)\n")  # fmt: skip


def test_a_register_finding_on_both_sides_is_existing(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    _rename_model(repo)
    _commit(repo, "Rename the partner classifier")
    every = _check(capsys)
    changed = _check(capsys, "--changed-only")
    assert [m["path"] for m in changed["models"]] == [MODEL]
    held = {f["check"] for c in changed["organisation"]["checks"] for f in c["findings"]}
    assert held == {"TM-REG-003", "TM-REG-004"}
    for doc in (every, changed):
        assert _register_findings(doc) == []
        assert doc["pull_request"]["existing"] == 2
        assert doc["summary"]["findings"] == every["summary"]["findings"]


def test_a_register_finding_the_pull_request_brings_is_new(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    _rename_model(repo)
    _edit(
        repo / REGISTER,
        "justification: We build and run AI systems, so a documented AI policy sets the rules "
        "every owner team follows.",
        "justification: TBD",
    )
    _commit(repo, "Rename the partner classifier; the AI policy decision to be justified")
    every = _check(capsys)
    changed = _check(capsys, "--changed-only")
    for doc in (every, changed):
        assert _register_findings(doc) == ["PR-POLICY-004", "TM-REG-002"]
        assert doc["pull_request"]["existing"] == 2


def test_a_register_only_pull_request_has_its_register_judged_with_changed_only(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """No model changed: `--changed-only` still judges the register on both sides (over
    every model's frameworks, as it does for them all), so the finding the pull request
    brings is new and the base's two are existing, as in a full run."""
    _edit(
        repo / REGISTER,
        "justification: We build and run AI systems, so a documented AI policy sets the rules "
        "every owner team follows.",
        "justification: TBD",
    )
    _commit(repo, "The AI policy decision to be justified")
    every = _check(capsys)
    changed = _check(capsys, "--changed-only")
    for doc in (every, changed):
        assert _register_findings(doc) == ["PR-POLICY-004", "TM-REG-002"]
        assert doc["pull_request"]["existing"] == 2
        assert doc["organisation"] is not None
    assert changed["summary"] == every["summary"]


def test_a_pull_request_that_deletes_a_cited_document_has_the_register_judged(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """The register is unchanged, but a document it cites is gone: the register's findings
    change (its control is no longer evidenced), and `--changed-only` sees it too."""
    (repo / "docs" / "governance" / "ai-policy.md").unlink()
    _commit(repo, "Retire the AI policy document")
    every = _check(capsys)
    changed = _check(capsys, "--changed-only")
    assert _register_findings(every) != []
    assert _register_findings(changed) == _register_findings(every)
    assert changed["summary"] == every["summary"]
