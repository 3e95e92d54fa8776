"""With `--base`, every report format gives the gate's verdict: the exit status's.

The gate judges what the pull request made new or worse; the findings the base already
had never fail it. Each format must say the same: no format may fail a pull request the
gate passes (by showing the head's existing findings as failures) or pass one it fails
(by leaving out the pull request's own findings).

A real repository: the examples committed on `main` (their models have high findings
already), and a pull request branch `pr`.
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import git_run

from policyengine.cli import main

REPO = Path(__file__).resolve().parents[2]
AS_OF = ["--as-of", "2026-11-27"]
SUPPORT = "models/support-assistant.yaml"
PARTNER = "models/partner-classifier.yaml"


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(REPO / "examples", root)
    git_run(root, "init", "-q", "-b", "main")
    git_run(root, "add", "--all")
    git_run(root, "commit", "-q", "-m", "examples")
    git_run(root, "checkout", "-q", "-b", "pr")
    monkeypatch.chdir(root)
    return root


def _reports(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, str]]:
    """The exit status (the same for every format: asserted) and each format's report."""
    out: dict[str, str] = {}
    codes = set()
    for fmt in ("text", "json", "markdown", "github", "sarif", "junit"):
        codes.add(main(["check", "--base", "main", *AS_OF, "--format", fmt]))
        out[fmt] = capsys.readouterr().out
    assert len(codes) == 1, codes
    return codes.pop(), out


def _junit(xml: str) -> tuple[int, str, dict[str, ET.Element]]:
    """(failures and errors, the verdict property, each case by classname and name)."""
    root = ET.fromstring(xml)
    bad = int(root.get("failures", "0")) + int(root.get("errors", "0"))
    verdict = {p.get("name"): p.get("value") for p in root.iter("property")}["verdict"]
    cases = {f"{c.get('classname')} {c.get('name')}": c for c in root.iter("testcase")}
    return bad, str(verdict), cases


def _sarif_new_errors(log: str) -> list[str]:
    results = json.loads(log)["runs"][0]["results"]
    return [
        r["ruleId"]
        for r in results
        if r.get("baselineState") == "new" and r["level"] == "error" and not r.get("suppressions")
    ]


def test_a_pull_request_that_adds_nothing_passes_in_every_format(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """The head has the base's high findings (a plain check fails): the gate passes."""
    _replace(repo / PARTNER, "  name: Partner", "  name: The Partner")
    git_run(repo, "commit", "-q", "-am", "Partner classifier: wording")
    assert main(["check", *AS_OF, "--format", "json"]) == 1  # the head alone fails
    capsys.readouterr()
    code, out = _reports(capsys)
    assert code == 0
    assert not re.search(r": (critical|high): ", out["text"]), out["text"]
    doc = json.loads(out["json"])
    assert doc["summary"]["findings"]["high"] == doc["summary"]["findings"]["critical"] == 0
    assert doc["summary"]["existing"]["high"] > 0
    assert ":white_check_mark: **Passes**" in out["markdown"]
    assert out["github"].splitlines()[-1].endswith("the check passes at --fail-on high")
    assert "::error" not in out["github"]
    assert _sarif_new_errors(out["sarif"]) == []
    bad, verdict, cases = _junit(out["junit"])
    assert (bad, verdict) == (0, "the check passes at --fail-on high")
    # the base's findings are listed, as existing, not failed
    review = cases["models/coding-agent.yaml TM-REVIEW-001 The threat model review is current"]
    assert review.find("failure") is None
    assert "(already on the base main)" in str(review.findtext("system-out"))


def test_a_pull_request_that_adds_a_high_finding_fails_in_every_format(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """The pull request's own finding (PR-RISK-001, high) fails the gate: every format
    shows it as what fails, and only it."""
    _replace(repo / SUPPORT, "  risk_tolerance: low\n", "  risk_tolerance: high\n")
    git_run(repo, "commit", "-q", "-am", "Support assistant: we accept more risk")
    code, out = _reports(capsys)
    assert code == 1
    assert re.search(r"PR-RISK-001", out["text"])
    doc = json.loads(out["json"])
    gate = [f["check"] for m in doc["pull_request"]["models"] for f in m["findings"]]
    assert gate == ["PR-RISK-001"]
    assert ":x: **Fails**" in out["markdown"]
    errors = [line for line in out["github"].splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and "title=PR-RISK-001 (high)" in errors[0]
    assert out["github"].splitlines()[-1].endswith("the check fails at --fail-on high")
    assert _sarif_new_errors(out["sarif"]) == ["PR-RISK-001"]
    bad, verdict, cases = _junit(out["junit"])
    assert (bad, verdict) == (1, "the check fails at --fail-on high")
    failed = [name for name, c in cases.items() if c.find("failure") is not None]
    assert failed == ["main...working tree PR-RISK-001 " + failed[0].split("PR-RISK-001 ")[1]]
    failure = cases[failed[0]].find("failure")
    assert failure is not None and failure.get("type") == "high"
    assert str(failure.text).startswith(f"{SUPPORT}:")


def test_a_new_finding_below_fail_on_is_listed_but_fails_nothing(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """At `--fail-on critical` the same pull request passes: its high finding is shown
    (an annotation, a SARIF result, a JUnit case's output), not failed."""
    git_run(repo, "checkout", "-q", "main")
    _replace(repo / ".policyengine.yaml", "fail_on: high", "fail_on: critical")
    git_run(repo, "commit", "-q", "-am", "Gate: fail on critical findings only")
    git_run(repo, "checkout", "-q", "-B", "pr")
    _replace(repo / SUPPORT, "  risk_tolerance: low\n", "  risk_tolerance: high\n")
    git_run(repo, "commit", "-q", "-am", "Support assistant: we accept more risk")
    code, out = _reports(capsys)
    assert code == 0
    assert out["github"].splitlines()[-1].endswith("the check passes at --fail-on critical")
    bad, verdict, cases = _junit(out["junit"])
    assert (bad, verdict) == (0, "the check passes at --fail-on critical")
    risk = next(c for name, c in cases.items() if " PR-RISK-001 " in name)
    assert "(below --fail-on critical)" in str(risk.findtext("system-out"))


def test_reviewers_formats_say_what_the_pull_request_changed(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """X19: `markdown` (the comment and job summary) and `github` (the annotations) give
    the change summary `text` and `json` give: a threat rescored with a new assumption
    (so no PR-SCORE-001) is what a reviewer must see, even when nothing is new."""
    _replace(
        repo / SUPPORT,
        "    likelihood: 3\n    impact: 5\n    owner: orders-team\n    prerequisites: "
        "[query_access]\n    assumptions:\n      - The order tool is scoped to the signed-in "
        "customer's token.\n",
        "    likelihood: 1\n    impact: 3\n    owner: orders-team\n    prerequisites: "
        "[query_access]\n    assumptions:\n      - The order tool answers only for the "
        "signed-in customer's token, checked on every call.\n",
    )
    git_run(repo, "commit", "-q", "-am", "T-005 rescored")
    code, out = _reports(capsys)
    assert "    threat T-005 rescored: risk 15 -> 3\n" in out["text"]
    assert (
        "### Changes\n\n- `models/support-assistant.yaml`: changed\n"
        "  - threat T-005 rescored: risk 15 -\\> 3\n\n### New findings (0)\n"
    ) in out["markdown"]
    notices = [line for line in out["github"].splitlines() if "title=pull request changes" in line]
    assert notices == [
        "::notice file=models/support-assistant.yaml,title=pull request changes::"
        "models/support-assistant.yaml changed: threat T-005 rescored: risk 15 -> 3"
    ]
    assert code == 0
