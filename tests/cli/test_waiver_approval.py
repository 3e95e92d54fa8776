"""A waiver waives only when one of the organisation's acceptors approved it (an outside
tester set a waiver's `approved_by` to "the intern" and MEASURE 2.11 still read waived)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import git
import pytest
from conftest import committed_examples

from policyengine.cli import main

AS_OF = ["--as-of", "2026-11-27"]
SUPPORT = "models/support-assistant.yaml"
APPROVED = "      approved_by: AI governance board\n      expires: 2027-03-31\n"


@pytest.fixture(scope="module")
def committed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return committed_examples(tmp_path_factory)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    main([*argv, *AS_OF, "-f", "json"])
    return dict(json.loads(capsys.readouterr().out))


def _support(doc: dict[str, Any]) -> dict[str, Any]:
    [model] = [m for m in doc["models"] if m["path"] == SUPPORT]
    return dict(model)


def _status(doc: dict[str, Any], control: str) -> str:
    [status] = [c["status"] for c in _support(doc)["controls"] if c["control"] == control]
    return str(status)


def _findings(doc: dict[str, Any], check: str) -> list[dict[str, Any]]:
    return [f for c in _support(doc)["checks"] if c["id"] == check for f in c["findings"]]


@pytest.mark.parametrize(
    ("approval", "message", "pointer"),
    [
        (
            "      approved_by: the intern\n      expires: 2027-03-31\n",
            "the waiver of nist-ai-rmf/MEASURE 2.11 is approved by the intern, who is not "
            "among the acceptors of the risk criteria (risk_acceptors in governance/register.yaml)",
            "/compliance/waivers/0/approved_by",
        ),
        (
            "      expires: 2027-03-31\n",
            "the waiver of nist-ai-rmf/MEASURE 2.11 names no approver; the risk criteria name "
            "who may approve one (risk_acceptors in governance/register.yaml)",
            "/compliance/waivers/0",
        ),
    ],
    ids=["someone-else", "nobody"],
)
def test_a_waiver_no_acceptor_approved_waives_nothing(
    committed: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    approval: str,
    message: str,
    pointer: str,
) -> None:
    before = _run(capsys, "check", str(committed))
    assert _status(before, "nist-ai-rmf/MEASURE 2.11") == "waived"
    assert _findings(before, "TM-WAIVER-002") == []
    root = tmp_path / "examples"
    shutil.copytree(committed, root)
    model = root / SUPPORT
    text = model.read_text(encoding="utf-8")
    assert text.count(APPROVED) == 1
    model.write_text(text.replace(APPROVED, approval), encoding="utf-8")
    after = _run(capsys, "check", str(root))
    [finding] = _findings(after, "TM-WAIVER-002")
    assert (finding["message"], finding["pointer"], finding["severity"]) == (
        message,
        pointer,
        "medium",
    )
    assert _status(after, "nist-ai-rmf/MEASURE 2.11") != "waived"
    matrix = _run(capsys, "matrix", str(root))
    [nist] = [f for f in matrix["frameworks"] if f["framework"] == "nist-ai-rmf"]
    cells = [
        cell
        for row in nist["controls"]
        for cell in row["cells"]
        if cell["model"] == SUPPORT and "nist-ai-rmf/MEASURE 2.11" in json.dumps(cell)
    ]
    assert cells and all(cell["status"] != "waived" for cell in cells)
    assert any(f["check"] == "TM-WAIVER-002" for cell in cells for f in cell["findings"])


def test_the_evidence_pack_lists_an_unapproved_waiver_as_not_in_force(
    committed: Path, tmp_path: Path
) -> None:
    root = tmp_path / "examples"
    shutil.copytree(committed, root)
    model = root / SUPPORT
    text = model.read_text(encoding="utf-8")
    model.write_text(
        text.replace(APPROVED, "      approved_by: the intern\n      expires: 2027-03-31\n"),
        encoding="utf-8",
    )
    repo = git.Repo(root)
    repo.git.add("-A")
    who = git.Actor("Author", "author@example.com")
    repo.index.commit("the intern approves", author=who, committer=who)
    repo.close()
    out = tmp_path / "pack"
    assert main(["evidence", str(root), *AS_OF, "--out", str(out)]) == 0
    page = (out / "commitments.md").read_text(encoding="utf-8")
    in_force, _, not_in_force = page.partition(
        "## Not in force (expired, longer than the risk criteria allow, or not approved)"
    )
    assert "MEASURE 2.11" in not_in_force and "the intern" in not_in_force
    assert "the intern" not in in_force
