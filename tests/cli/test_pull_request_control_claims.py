"""`check --base` on a pull request that moves a control forward (planned -> implemented
-> verified): the new status is the pull request's claim (PR-CONTROL-003) unless it cites
evidence the base already had that the control did not cite there. In every run, an
implemented control that cites no evidence is TM-EVID-004.

A real history: the examples committed on `main`, then a pull request branch `pr`.
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
AGENT = "models/coding-agent.yaml"
SUPPORT = "models/support-assistant.yaml"
WHO = git.Actor("Reviewer", "reviewer@example.com")
EGRESS = "docs/controls/sandbox-egress.md"
_PLANNED = (
    "  - id: C-104\n    title: Sandbox egress limited to the package mirror and the repository "
    "host\n    kind: preventive\n    status: planned\n"
)
_EGRESS_TEXT = (
    "# Sandbox egress\n\nThe sandbox's network policy allows the package mirror and the "
    "repository host only; every other destination is dropped and logged.\n"
)


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


def _on_main(root: Path) -> None:
    """What the branch holds so far is the base's: `main` moves to it."""
    r = git.Repo(root)
    r.git.branch("-f", "main", "pr")
    r.close()


def _check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main(["check", "--base", "main", "--head", "pr", *argv, *AS_OF, "-f", "json"])
    return code, json.loads(capsys.readouterr().out)


def _findings(doc: dict[str, Any], check: str) -> list[tuple[str, str, str, int]]:
    """(model path, severity, message, line) of the models' pull-request findings of `check`."""
    return sorted(
        (m["path"], f["severity"], f["message"], f["line"])
        for m in doc["pull_request"]["models"]
        for f in m["findings"]
        if f["check"] == check
    )


def _implement_c104(root: Path, evidence: str = "") -> None:
    cited = f"    evidence: [{evidence}]\n" if evidence else ""
    _edit(
        root / AGENT,
        _PLANNED,
        _PLANNED.replace("status: planned", "status: implemented") + cited,
    )


def test_a_control_moved_forward_with_no_evidence_fails(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """The tester's B7 repro: C-104 planned -> implemented, one line, no evidence. It
    passed (exit 0) and cleared the base's high TM-TREAT-002 finding for T-104."""
    _implement_c104(repo)
    _commit(repo, "C-104 done")
    for argv in ((), ("--changed-only",)):
        code, doc = _check(capsys, *argv)
        assert code == 1, argv
        assert _findings(doc, "PR-CONTROL-003") == [
            (
                AGENT,
                "high",
                "control C-104 moved forward from planned to implemented with no evidence: "
                "nothing shows it",
                212,
            )
        ], argv


def test_a_control_moved_forward_on_the_pull_requests_own_evidence_fails(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """Evidence written in the same pull request is its claim too, until a reviewer reads it."""
    (repo / EGRESS).write_text(_EGRESS_TEXT, encoding="utf-8")
    _implement_c104(repo, EGRESS)
    _commit(repo, "C-104 done, with its page")
    code, doc = _check(capsys)
    assert code == 1
    assert [f[2] for f in _findings(doc, "PR-CONTROL-003")] == [
        "control C-104 moved forward from planned to implemented on evidence the pull "
        f"request wrote ({EGRESS}): the status is its claim until a reviewer reads it"
    ]


def test_a_control_verified_on_the_evidence_it_had_fails(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """implemented -> verified with the same evidence: no verification result is cited."""
    _edit(
        repo / SUPPORT,
        "    status: implemented\n    owner: ai-platform-team\n"
        "    evidence: [docs/controls/model-upgrade-gate.md]",
        "    status: verified\n    owner: ai-platform-team\n"
        "    evidence: [docs/controls/model-upgrade-gate.md]",
    )
    _commit(repo, "C-09 verified")
    code, doc = _check(capsys)
    assert code == 1
    assert [f[2] for f in _findings(doc, "PR-CONTROL-003")] == [
        "control C-09 moved forward from implemented to verified on the evidence it cited at "
        "the base (docs/controls/model-upgrade-gate.md): a new status needs new evidence"
    ]


def test_a_control_moved_forward_on_evidence_landed_first_passes(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """The evidence landed on the base in a pull request of its own: the control's new
    status rests on it, and moving a control back is PR-CONTROL-001's, not this check's."""
    (repo / EGRESS).write_text(_EGRESS_TEXT, encoding="utf-8")
    _commit(repo, "C-104's page")
    _on_main(repo)
    _implement_c104(repo, EGRESS)
    _commit(repo, "C-104 done")
    code, doc = _check(capsys)
    assert _findings(doc, "PR-CONTROL-003") == []
    assert code == 0
    _on_main(repo)
    _edit(
        repo / AGENT,
        f"status: implemented\n    evidence: [{EGRESS}]",
        f"status: planned\n    evidence: [{EGRESS}]",
    )
    _commit(repo, "C-104 back to planned")
    code, doc = _check(capsys)
    assert _findings(doc, "PR-CONTROL-003") == []
    assert [f[0] for f in _findings(doc, "PR-CONTROL-001")] == [AGENT]


def test_an_implemented_control_citing_no_evidence_is_found_in_every_run(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """B7's second half: no check asked an implemented control for evidence (TM-EVID-001
    judges only evidence that is cited, TM-ISO-061 only verified controls). The examples
    have none; C-104 implemented with nothing cited is TM-EVID-004, at medium like
    TM-EVID-001, and new in the pull request that does it."""

    def found(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
        return [
            (m["path"], f["severity"], f["message"])
            for m in doc["models"]
            for c in m["checks"]
            for f in c["findings"]
            if f["check"] == "TM-EVID-004"
        ]

    main(["check", *AS_OF, "-f", "json"])
    assert found(json.loads(capsys.readouterr().out)) == []
    _implement_c104(repo)
    _commit(repo, "C-104 done")
    main(["check", *AS_OF, "-f", "json"])
    assert found(json.loads(capsys.readouterr().out)) == [
        (AGENT, "medium", "implemented control C-104 cites no evidence")
    ]
    _, doc = _check(capsys)
    assert [f[:3] for f in _findings(doc, "TM-EVID-004")] == [
        (AGENT, "medium", "implemented control C-104 cites no evidence")
    ]
