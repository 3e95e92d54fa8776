"""A model is its `metadata.id`, not its path: its review history survives a move that git
does not see as a rename (the file rewritten in the same commit) and a delete followed by
a re-add, in `status` (the change rule's history walk) and in `check --base` (the pull
request pairs models by id, whatever git paired by content, and a file whose id changed
is PR-SCOPE-008).

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


# --- the pull request pairs models by metadata.id, whatever git paired by content -------

_COPY = "models/a.yaml"
_DECOY = "models/b.yaml"
_SPLIT = "models/support/vouchers.yaml"
_ARCHIVED = "archive/support-assistant.yaml"


def _weakened(text: str) -> str:
    """The tester's B2 edits: T-006 rescored 8 -> 1, its red-team finding F-4 deleted and
    its validation moved from confirmed to untested, with no reason."""
    finding = text.index("      - id: F-4\n")
    end = text.index("\n\nreview:\n", finding) + 1
    out = text[:finding] + text[end:]
    for old, new in (
        ("    likelihood: 4\n    impact: 2\n", "    likelihood: 1\n    impact: 1\n"),
        (
            "    validation: {status: confirmed, findings: [RT-2026-09/F-4]}",
            "    validation: {status: untested, note: Role-play probes are scheduled for 2027.}",
        ),
    ):
        assert out.count(old) == 1, old
        out = out.replace(old, new)
    return out


def _with_id(text: str, ident: str) -> str:
    assert text.count("  id: support-assistant\n") == 1
    return text.replace("  id: support-assistant\n", f"  id: {ident}\n")


def _gate(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(path, check, severity) of the pull request's findings on the models."""
    return sorted(
        (m["path"], f["check"], f["severity"])
        for m in doc["pull_request"]["models"]
        for f in m["findings"]
    )


def _changes(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted(
        (m["path"], m["change"], m["renamed_from"]) for m in doc["pull_request"]["models"]
    )


def _message(doc: dict[str, Any], check: str) -> str:
    (found,) = [
        f["message"]
        for m in doc["pull_request"]["models"]
        for f in m["findings"]
        if f["check"] == check
    ]
    return str(found)


_WEAKENED = [
    (_COPY, "PR-REDTEAM-001", "high"),
    (_COPY, "PR-REDTEAM-002", "high"),
    (_COPY, "PR-SCORE-001", "high"),
]


@pytest.mark.parametrize("changed_only", [False, True], ids=["all", "changed-only"])
def test_a_decoy_rename_does_not_hide_a_weakened_copy_that_has_the_id(
    capsys: pytest.CaptureFixture[str], repo: Path, changed_only: bool
) -> None:
    """The tester's B2: the original is moved to b.yaml and given another id (git pairs it
    by content), and a.yaml, a weakened copy, takes the id. The model support-assistant
    is a.yaml now and is compared with the base's; b.yaml's changed id is a finding."""
    text = (repo / OLD).read_text(encoding="utf-8")
    _git(repo, "checkout", "-q", "-b", "pr")
    _git(repo, "mv", OLD, _DECOY)
    (repo / _DECOY).write_text(_with_id(text, "models"), encoding="utf-8")
    (repo / _COPY).write_text(_weakened(text), encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "split support assistant", day="2026-10-20")
    code = main(
        ["check", "--base", "main", *AS_OF, "-f", "json"]
        + (["--changed-only"] if changed_only else [])
    )
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    assert _changes(doc) == [(_COPY, "changed", OLD), (_DECOY, "added", "")]
    assert _gate(doc) == sorted([*_WEAKENED, (_DECOY, "PR-SCOPE-008", "high")])
    assert _message(doc, "PR-SCOPE-008") == (
        f"metadata.id support-assistant -> models (the file was {OLD}): a model is its id, "
        "which its review history and evidence follow; models/a.yaml has the id "
        "support-assistant now and is compared with the base's support-assistant, and "
        "this file is judged as a new model"
    )
    (delta,) = [m for m in doc["pull_request"]["models"] if m["path"] == _DECOY]
    (finding,) = delta["findings"]
    assert (finding["pointer"], finding["line"], finding["column"]) == ("/metadata/id", 6, 3)


def test_a_model_moved_out_of_the_globs_is_compared_with_its_copy_that_has_the_id(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """B2's variant: the original moves where the `models` globs do not select it, and a
    weakened copy with its id appears in models/: the copy is the model now."""
    text = (repo / OLD).read_text(encoding="utf-8")
    _git(repo, "checkout", "-q", "-b", "pr")
    (repo / "archive").mkdir()
    _git(repo, "mv", OLD, _ARCHIVED)
    (repo / _COPY).write_text(_weakened(text), encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "archive support assistant", day="2026-10-20")
    code, doc = _check(capsys, "main")
    assert code == 1
    assert _changes(doc) == [(_COPY, "changed", OLD)]
    assert _gate(doc) == _WEAKENED


def test_a_model_whose_id_changes_in_place_is_a_finding_and_compared_by_path(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    text = (repo / OLD).read_text(encoding="utf-8")
    _git(repo, "checkout", "-q", "-b", "pr")
    (repo / OLD).write_text(_with_id(_weakened(text), "helpdesk-assistant"), encoding="utf-8")
    _git(repo, "commit", "-qam", "rename the system", day="2026-10-20")
    code, doc = _check(capsys, "main")
    assert code == 1
    assert _changes(doc) == [(OLD, "changed", "")]
    gate = [(c, s) for p, c, s in _gate(doc) if c.startswith("PR-")]
    assert gate == sorted([(c, s) for _, c, s in _WEAKENED] + [("PR-SCOPE-008", "high")])
    assert _message(doc, "PR-SCOPE-008") == (
        "metadata.id support-assistant -> helpdesk-assistant: a model is its id, which its "
        "review history and evidence follow; no model has the id support-assistant now, "
        "and this file is compared with its base version"
    )


def test_a_model_moved_with_its_id_is_compared_without_an_id_finding(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """A plain move keeps the id: compared with the base's model, nothing to report."""
    _git(repo, "checkout", "-q", "-b", "pr")
    (repo / MOVED).parent.mkdir()
    _git(repo, "mv", OLD, MOVED)
    _git(repo, "commit", "-qm", "move", day="2026-10-20")
    code, doc = _check(capsys, "main")
    assert _changes(doc) == [(MOVED, "changed", OLD)]
    assert _gate(doc) == []
    assert code == 0


def test_a_split_keeps_the_id_with_the_original_and_the_new_part_is_new(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """One model into two: the original moves (keeping its id and all but one threat),
    and a new file with an id of its own takes that threat. The part with the id is
    compared with the base's model (the threat it lost is PR-SCOPE-005, for the owner to
    approve), the other part is new, and no id changed."""
    text = (repo / OLD).read_text(encoding="utf-8")
    start, end = text.index("  - id: T-011\n"), text.index("\ncontrols:\n") + 1
    _git(repo, "checkout", "-q", "-b", "pr")
    (repo / MOVED).parent.mkdir()
    _git(repo, "mv", OLD, MOVED)
    (repo / MOVED).write_text(text[:start] + text[end:], encoding="utf-8")
    threats = text.index("threats:\n") + len("threats:\n")
    part = text[:threats] + text[start:end] + text[end:]
    (repo / _SPLIT).write_text(_with_id(part, "support-vouchers"), encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "split", day="2026-10-20")
    code, doc = _check(capsys, "main")
    assert _changes(doc) == [(MOVED, "changed", OLD), (_SPLIT, "added", "")]
    assert [(p, c) for p, c, _ in _gate(doc) if c.startswith("PR-SCOPE")] == [
        (MOVED, "PR-SCOPE-005")
    ]
    assert code == 1


def test_a_model_file_taken_over_by_another_models_id_is_compared_with_that_model(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """A second model's file is overwritten with a weakened copy of the support assistant
    (its id included) and the original deleted: the copy is compared with the support
    assistant, the file's id change is PR-SCOPE-008 and the model it held is gone
    (PR-SCOPE-001)."""
    text = (repo / OLD).read_text(encoding="utf-8")
    other = "models/other.yaml"
    (repo / other).write_text(_with_id(text, "other-assistant"), encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "another assistant")
    _git(repo, "checkout", "-q", "-b", "pr")
    (repo / other).write_text(_weakened(text), encoding="utf-8")
    _git(repo, "rm", "-q", OLD)
    _git(repo, "commit", "-qam", "one assistant", day="2026-10-20")
    code, doc = _check(capsys, "main")
    assert code == 1
    assert _changes(doc) == [(other, "changed", OLD), (other, "removed", "")]
    assert _gate(doc) == sorted(
        [(other, c, s) for _, c, s in _WEAKENED]
        + [(other, "PR-SCOPE-008", "high"), (other, "PR-SCOPE-001", "high")]
    )
    assert _message(doc, "PR-SCOPE-008") == (
        "metadata.id other-assistant -> support-assistant: a model is its id, which its "
        "review history and evidence follow; this file is compared with the base's "
        "support-assistant"
    )
    assert _message(doc, "PR-SCOPE-001").startswith(
        f"model other-assistant ({other}) was given the metadata.id support-assistant in "
        "this pull request: "
    )
