"""Placeholder documents are no evidence: a cited control evidence file, red-team report or
attestation file that reads `TODO: ...`, `TBD TBD` or `lorem ipsum` fails the check that
judges it, located at the citation, and the controls resting on it are not met."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import git
import pytest

from policyengine.cli import main

DATA = Path(__file__).resolve().parents[1] / "data" / "placeholder-evidence"
AS_OF = ["--as-of", "2026-11-27"]
MODEL = "hr-bot.yaml"

# The statuses these controls get from the placeholder files, and from real documents.
PLACEHOLDER = {
    "nist-ai-rmf/MEASURE 2.4": "not_satisfied",
    "iso42001/A.6.2.6": "not_satisfied",
    "nist-ai-rmf/MEASURE 1.3": "partial",
    "nist-ai-rmf/MEASURE 2.7": "partial",
    "iso42001/A.5.4": "partial",
}
REAL = {
    "nist-ai-rmf/MEASURE 2.4": "satisfied",
    "iso42001/A.6.2.6": "satisfied",
    "nist-ai-rmf/MEASURE 1.3": "satisfied",
    "nist-ai-rmf/MEASURE 2.7": "satisfied",
    "iso42001/A.5.4": "attested",
}

DOCUMENTS = {
    "docs/monitoring.md": "# Monitoring\n\nEvery answer of hr-bot is logged, and people-tech "
    "reads a sample of fifty answers each day against the HR policy.\n",
    "docs/rt-report.md": "# Red-team report RT-1\n\nThe external firm ran 100 prompts "
    "against the chat and the handbook index of hr-bot; no attack succeeded.\n",
    "docs/ia.md": "# Impact assessment of hr-bot\n\nThe privacy office assessed the effect "
    "of wrong answers on employees and found them reversible by an HR partner.\n",
}


def _repo(root: Path, documents: dict[str, str] | None = None) -> Path:
    shutil.copytree(DATA, root)
    for rel, text in (documents or {}).items():
        (root / rel).write_text(text)
    with git.Repo.init(root) as repo:
        repo.git.add("--all")
        who = git.Actor("Evidence", "evidence@example.com")
        repo.index.commit("model and documents", author=who, committer=who)
    return root


def _check(capsys: pytest.CaptureFixture[str], root: Path) -> dict:  # type: ignore[type-arg]
    main(["check", str(root), *AS_OF, "--format", "json"])
    doc: dict = json.loads(capsys.readouterr().out)  # type: ignore[type-arg]
    return doc


def _statuses(doc: dict, wanted: dict[str, str]) -> dict[str, str]:  # type: ignore[type-arg]
    controls = {c["control"]: c["status"] for c in doc["models"][0]["controls"]}
    return {key: controls[key] for key in wanted}


def _findings(doc: dict) -> list[tuple[str, int, str, str]]:  # type: ignore[type-arg]
    return [
        (f["check"], f["line"], f["pointer"], f["message"])
        for check in doc["models"][0]["checks"]
        for f in check["findings"]
        if f["check"] in ("TM-EVID-001", "TM-EVID-002", "TM-ATTEST-002")
        and f["pointer"] != "/compliance/attestations"
    ]


def test_placeholder_documents_are_no_evidence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _check(capsys, _repo(tmp_path / "repo"))
    assert _statuses(doc, PLACEHOLDER) == PLACEHOLDER
    assert _findings(doc) == [
        (
            "TM-ATTEST-002",
            120,
            "/compliance/attestations/0",
            "evidence for iso42001/A.5.4 cites an evidence file that does not exist, is "
            "empty or is placeholder text",
        ),
        (
            "TM-EVID-001",
            100,
            "/controls/2/evidence/0",
            "evidence docs/monitoring.md of control C-3 does not exist, is empty or is "
            "placeholder text",
        ),
        (
            "TM-EVID-002",
            106,
            "/red_team/0/report",
            "report docs/rt-report.md of red-team exercise RT-1 does not exist, is empty or "
            "is placeholder text",
        ),
    ]


def test_the_same_model_with_real_documents_meets_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _check(capsys, _repo(tmp_path / "repo", DOCUMENTS))
    assert _statuses(doc, REAL) == REAL
    assert _findings(doc) == []


def test_git_metadata_a_threat_model_and_the_register_are_no_evidence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """X17: `.git/config` exists and says something in every checkout, and a model or the
    register is the claim itself: cited as evidence, each counts as missing, and
    validation says why, at the citation."""
    root = _repo(tmp_path / "repo", DOCUMENTS)
    (root / "notes").mkdir()
    (root / "notes" / "decisions.yaml").write_text(
        "apiVersion: policyengine/v1\nkind: OrganisationRegister\norganisation: Example\n"
        "# every control of hr-bot is decided here, at length, by the AI governance board\n"
    )
    model = root / "models" / MODEL
    text = model.read_text()
    for old, new in (
        ("evidence: [docs/monitoring.md]", "evidence: [.git/config]"),
        ("report: docs/rt-report.md", f"report: models/{MODEL}"),
        (
            "evidence: docs/ia.md, by: privacy office, date: 2026-11-01}\n    - {control: nist",
            "evidence: notes/decisions.yaml, by: privacy office, date: 2026-11-01}\n    - "
            "{control: nist",
        ),
    ):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    model.write_text(text)
    doc = _check(capsys, root)
    assert _statuses(doc, PLACEHOLDER) == PLACEHOLDER
    assert [f[:3] for f in _findings(doc)] == [
        ("TM-ATTEST-002", 120, "/compliance/attestations/0"),
        ("TM-EVID-001", 100, "/controls/2/evidence/0"),
        ("TM-EVID-002", 106, "/red_team/0/report"),
    ]
    warnings = sorted(
        (d["line"], d["message"]) for d in doc["models"][0]["errors"] if d["code"] == "evidence"
    )
    assert warnings == [
        (
            100,
            "path '.git/config' in control C-3 is inside .git/ (git's own files, in every "
            "checkout and never committed); the checks treat it as missing evidence",
        ),
        (
            106,
            f"path 'models/{MODEL}' in red-team exercise RT-1 is a threat model (the claims "
            "themselves, not evidence of them); the checks treat it as missing evidence",
        ),
        (
            120,
            "path 'notes/decisions.yaml' in the attestation at compliance/attestations/0 is "
            "the organisation register (decisions, not evidence of them); the checks treat it "
            "as missing evidence",
        ),
    ]
