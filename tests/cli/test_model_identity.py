"""A model is its `metadata.id`, not its path: its review history survives a move that git
does not see as a rename (the file rewritten in the same commit) and a delete followed by
a re-add, in `status` (the change rule's history walk) and in `check --base` (the pull
request pairs a removed and an added model with the same id).

Each test builds a real repository from the examples: `base` (2026-10-02) is the
reviewed support assistant; the later commits add an agent tool without a new review.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from policyengine.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
AS_OF = ["--as-of", "2026-11-27"]
OLD = "models/support-assistant.yaml"
MOVED = "models/support/assistant.yaml"


def _git(root: Path, *args: str, day: str = "2026-10-02") -> None:
    stamp = f"{day}T10:00:00+00:00"
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
    }
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def _with_voucher_tool(model: dict[str, Any]) -> dict[str, Any]:
    model["assets"].append(
        {
            "id": "voucher-tool",
            "type": "agent_tool",
            "name": "vouchers",
            "actions": ["issue_voucher"],
            "permissions": "write",
            "blast_radius": "one voucher",
            "human_approval": "above 50 EUR",
        }
    )
    for surface in model["surfaces"]:
        if surface["id"] == "order-actions":
            surface["assets"].append("voucher-tool")
    return model


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The examples' support assistant alone, committed on `main` as reviewed."""
    root = tmp_path / "repo"
    root.mkdir()
    for folder in ("docs", "sbom", "evidence", "governance"):
        shutil.copytree(EXAMPLES / folder, root / folder)
    (root / "models").mkdir()
    shutil.copy(EXAMPLES / OLD, root / OLD)
    config = (EXAMPLES / ".policyengine.yaml").read_text(encoding="utf-8")
    lines = ["policies: []" if ln.startswith("policies:") else ln for ln in config.splitlines()]
    (root / ".policyengine.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "base")
    monkeypatch.chdir(root)
    return root


def _status(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    main(["status", *AS_OF, "-f", "json"])
    (model,) = json.loads(capsys.readouterr().out)["models"]
    return dict(model)


def _check(capsys: pytest.CaptureFixture[str], base: str) -> tuple[int, dict[str, Any]]:
    code = main(["check", "--base", base, *AS_OF, "-f", "json"])
    return code, json.loads(capsys.readouterr().out)


def _change_reasons(model: dict[str, Any]) -> list[str]:
    return [r["message"] for r in model["reasons"] if r["rule"] == "change"]


def test_a_model_moved_and_rewritten_keeps_its_review_history(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """The tester's F1: moved to another folder and re-serialised as JSON-style YAML in
    the commit that adds an agent tool; git's -M sees a deletion and an addition."""
    model = _with_voucher_tool(yaml.safe_load((repo / OLD).read_text(encoding="utf-8")))
    (repo / OLD).unlink()
    (repo / MOVED).parent.mkdir()
    (repo / MOVED).write_text(json.dumps(model, default=str, indent=1), encoding="utf-8")
    _git(repo, "checkout", "-q", "-b", "pr")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "move", day="2026-10-20")

    status = _status(capsys)
    assert status["status"] == "review_required"
    (reason,) = _change_reasons(status)
    assert reason.startswith("agent tool voucher-tool was added in commit ")
    assert reason.endswith("(2026-10-02): review the threat model")

    code, doc = _check(capsys, "main")
    assert code == 1
    (delta,) = doc["pull_request"]["models"]
    assert (delta["path"], delta["change"], delta["renamed_from"]) == (MOVED, "changed", OLD)
    assert [f["check"] for f in delta["findings"]] == ["PR-REVIEW-001"]
    assert "agent tool voucher-tool was added" in delta["findings"][0]["message"]


def test_a_model_deleted_and_added_again_keeps_its_review_history(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """The tester's F2: deleted (2026-10-10), then added back with an agent tool."""
    text = (repo / OLD).read_text(encoding="utf-8")
    _git(repo, "rm", "-q", OLD)
    _git(repo, "commit", "-qm", "delete", day="2026-10-10")
    new = text.replace(
        "  - id: serving-stack\n",
        "  - {id: voucher-tool, type: agent_tool, name: vouchers, actions: [issue_voucher],"
        " permissions: write, blast_radius: one voucher, human_approval: above 50 EUR}\n"
        "  - id: serving-stack\n",
        1,
    ).replace("    assets: [order-tool]\n", "    assets: [order-tool, voucher-tool]\n", 1)
    assert new != text
    (repo / OLD).parent.mkdir(exist_ok=True)
    (repo / OLD).write_text(new, encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "add it back", day="2026-10-20")

    status = _status(capsys)
    assert status["status"] == "review_required"
    (reason,) = _change_reasons(status)
    assert reason.startswith("agent tool voucher-tool was added in commit ")

    code, doc = _check(capsys, "HEAD~1")
    assert code == 1
    (delta,) = doc["pull_request"]["models"]
    assert delta["change"] == "added"
    review = [f for f in delta["findings"] if f["check"] == "PR-REVIEW-001"]
    assert len(review) == 1 and review[0]["severity"] == "critical"
    assert "was in the repository before" in review[0]["message"]
    assert "agent tool voucher-tool was added" in review[0]["message"]


def test_a_model_imported_with_an_older_review_is_current(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """A repository whose first commit carries a review older than the commit (an
    import), and another model deleted before: its own history starts at its add, and
    the deleted file, another model, is no earlier life of it."""
    other = yaml.safe_load((repo / OLD).read_text(encoding="utf-8"))
    other["metadata"]["id"] = "retired-bot"
    (repo / "models" / "retired.yaml").write_text(yaml.safe_dump(other), encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "retired bot", day="2026-10-03")
    _git(repo, "rm", "-q", "models/retired.yaml")
    _git(repo, "commit", "-qm", "retire it", day="2026-10-04")
    imported = _with_voucher_tool(yaml.safe_load((repo / OLD).read_text(encoding="utf-8")))
    imported["metadata"]["id"] = "imported-assistant"
    (repo / OLD).unlink()
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "drop the old one", day="2026-10-05")
    (repo / "models" / "imported.yaml").write_text(yaml.safe_dump(imported), encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "import", day="2026-10-20")
    status = _status(capsys)
    assert (status["path"], status["status"]) == ("models/imported.yaml", "current")
    assert _change_reasons(status) == []
