"""Cited SBOMs are read (TM-EVID-003), and an SBOM is no evidence of monitoring (TM-CTRL-002).

The outside tester's repros (explore3 X16, A1) on the example history
(`scripts/make_example_history.py`): a pull request that empties the SBOMs the ML
libraries and controls cite, a plain check of the same files, and a detective control
whose only evidence is an SBOM carrying production monitoring.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import commit_all as _commit
from conftest import edit_once as _edit
from conftest import pr_findings as _gate

from policyengine.cli import main

REPO = Path(__file__).resolve().parents[2]
AS_OF = ["--as-of", "2026-11-27"]
SUPPORT = "models/support-assistant.yaml"
PARTNER = "models/partner-classifier.yaml"
CODING = "models/coding-agent.yaml"

_EMPTY_CDX = '{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": []}\n'
_NO_SBOM = '{"note": "generated later"}\n'


def _check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main(["check", *argv, *AS_OF, "-f", "json"])
    return code, json.loads(capsys.readouterr().out)


def _findings(doc: dict[str, Any], path: str, check: str) -> list[tuple[str, str]]:
    """(pointer, message) of each finding of `check` in the model at `path`, in a full run."""
    (model,) = [m for m in doc["models"] if m["path"] == path]
    return [
        (f["pointer"], f["message"])
        for c in model["checks"]
        for f in c["findings"]
        if f["check"] == check
    ]


def _hollow_sboms(root: Path) -> None:
    (root / "sbom/serving.cdx.json").write_text(_EMPTY_CDX, encoding="utf-8")
    (root / "sbom/coding-agent.cdx.json").write_text(_NO_SBOM, encoding="utf-8")


def test_a_pull_request_that_hollows_the_sboms_is_new_findings(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """X16: one commit replacing two cited SBOMs, one with an empty component list and one
    with a JSON note, was "new in this pull request: nothing", exit 0. A changed evidence
    file is PR-EVID-001 for its reviewers; what the new files fail to show is TM-EVID-003,
    at each element that cites them, as in any check."""
    _hollow_sboms(pr)
    _commit(pr, "Regenerate the SBOMs")
    code, doc = _check(capsys, "--base", "HEAD~1")
    assert code == 1
    assert _gate(doc) == [
        (CODING, "PR-EVID-001", "high"),
        (CODING, "TM-EVID-003", "medium"),
        (CODING, "TM-EVID-003", "medium"),
        (SUPPORT, "PR-EVID-001", "high"),
        (SUPPORT, "TM-EVID-003", "medium"),
        (SUPPORT, "TM-EVID-003", "medium"),
    ]
    new = [
        f["message"]
        for m in doc["pull_request"]["models"]
        for f in m["findings"]
        if f["check"] == "TM-EVID-003"
    ]
    assert "SBOM sbom/serving.cdx.json of asset serving-stack lists no components" in new


def test_an_sbom_that_is_no_sbom_or_lists_nothing_is_a_located_finding(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """X16 in a plain check: each element that cites the file, the ML library's `sbom` and
    the control's evidence, says what is wrong."""
    _hollow_sboms(pr)
    _, doc = _check(capsys, ".")
    assert _findings(doc, SUPPORT, "TM-EVID-003") == [
        ("/assets/9/sbom", "SBOM sbom/serving.cdx.json of asset serving-stack lists no components"),
        (
            "/controls/4/evidence/1",
            "SBOM sbom/serving.cdx.json of control C-05 lists no components",
        ),
    ]
    assert _findings(doc, CODING, "TM-EVID-003") == [
        (
            "/assets/5/sbom",
            "SBOM sbom/coding-agent.cdx.json of asset serving-libs is not CycloneDX or SPDX "
            "JSON: neither bomFormat CycloneDX nor an spdxVersion",
        ),
        (
            "/controls/6/evidence/0",
            "SBOM sbom/coding-agent.cdx.json of control C-107 is not CycloneDX or SPDX "
            "JSON: neither bomFormat CycloneDX nor an spdxVersion",
        ),
    ]


def test_an_sbom_without_a_declared_component_version_is_a_finding(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """The ML library declares torch 2.3.1; its SBOM lists torch 2.4.1 only."""
    _edit(pr / PARTNER, "{name: torch, version: 2.4.1}", "{name: torch, version: 2.3.1}")
    _, doc = _check(capsys, ".")
    assert _findings(doc, PARTNER, "TM-EVID-003") == [
        (
            "/assets/7/components/0",
            "SBOM sbom/partner-classifier.cdx.json of asset ml-libs does not list torch 2.3.1",
        )
    ]


def test_an_sbom_alone_is_no_evidence_of_monitoring(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """A1: with secret scanning (C-102) preventive, the coding agent's only detective
    control in operation is C-107, whose evidence is its SBOM: ISO A.6.2.6 and NIST
    MEASURE 2.4 rested on a component list."""
    scanning = "title: Secret scanning blocks pushes from the agent that contain credentials\n"
    _edit(pr / CODING, scanning + "    kind: detective", scanning + "    kind: preventive")
    _, doc = _check(capsys, ".")
    assert _findings(doc, CODING, "TM-CTRL-002") == [
        (
            "/controls/6/evidence",
            "detective control C-107 cites only SBOMs as evidence: a component list shows "
            "no monitoring of the running system",
        )
    ]
    (model,) = [m for m in doc["models"] if m["path"] == CODING]
    status = {c["control"]: c["status"] for c in model["controls"]}
    assert status["iso42001/A.6.2.6"] == "not_satisfied"
    assert status["nist-ai-rmf/MEASURE 2.4"] == "not_satisfied"


def test_the_examples_and_the_benchmark_repository_cite_sboms_that_pass(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Every model of the examples and of the benchmark generator's repository has an ML
    library whose SBOM is read and lists its components: TM-EVID-003 judges it, and passes."""
    import sys

    benchmarks = str(REPO / "benchmarks")
    if benchmarks not in sys.path:
        sys.path.insert(0, benchmarks)
    from generate import make_repo

    make_repo(tmp_path / "bench", models=2, threats=11)
    for root in (REPO / "examples", tmp_path / "bench"):
        _, doc = _check(capsys, str(root))
        outcomes = [c for m in doc["models"] for c in m["checks"] if c["id"] == "TM-EVID-003"]
        assert len(outcomes) == len(doc["models"]) >= 2
        assert {c["status"] for c in outcomes} == {"pass"}
