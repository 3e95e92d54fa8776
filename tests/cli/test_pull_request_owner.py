"""`check --base`: a pull request that hands a model to another owner, or to no one.

The outside tester's finding F16 (pull-request side): `metadata.owner` is who is
accountable for a system's risks and whom `remind` asks for its reviews, and a pull
request could change it without the gate saying so. PR-OWNER-001 names old -> new:
medium for a new owner, high when the owner is removed or a placeholder, or when the
judging (base's) config names `owners` and the new one has no contact there. Each case
edits the working tree of the example history and checks it against `HEAD`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import commit_all, edit_once, run_cli

AS_OF = ["--as-of", "2026-11-27"]
SUPPORT = "models/support-assistant.yaml"
NAME = "  name: Customer Support Assistant\n"
OWNER = NAME + "  owner: ai-platform-team\n"


def _owned_by(pr: Path, new: str) -> None:
    edit_once(pr / SUPPORT, OWNER, NAME + new + "\n")


def _check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code, out, _ = run_cli(capsys, "check", "--base", "HEAD", *AS_OF, "-f", "json", *argv)
    return code, json.loads(out)


def _owner_findings(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        f
        for m in doc["pull_request"]["models"]
        for f in m["findings"]
        if f["check"] == "PR-OWNER-001"
    ]


def test_no_owner_finding_without_an_owner_change(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """The control: the same run on an untouched tree has no PR-OWNER-001, and recasing
    or repunctuating the owner is no change of owner."""
    _, doc = _check(capsys)
    assert _owner_findings(doc) == []
    _owned_by(pr, "  owner: AI-Platform team")
    _, doc = _check(capsys)
    assert _owner_findings(doc) == []


def test_a_new_owner_with_contacts_is_medium(capsys: pytest.CaptureFixture[str], pr: Path) -> None:
    """developer-productivity has a contact in the config's owners: the change is named,
    old -> new, at medium, located at metadata.owner; the default fail_on high passes."""
    _owned_by(pr, "  owner: developer-productivity")
    code, doc = _check(capsys)
    [finding] = _owner_findings(doc)
    assert finding["severity"] == "medium"
    assert "metadata.owner ai-platform-team -> developer-productivity" in finding["message"]
    assert (finding["line"], finding["pointer"]) == (8, "/metadata/owner")
    assert finding["controls"] == ["iso42001/A.3.2"]
    assert code == 0


def test_a_new_owner_nobody_can_reach_is_high(capsys: pytest.CaptureFixture[str], pr: Path) -> None:
    """fraud-team has no entry in the config's owners: review reminders would reach no
    one, so the change is high and fails the pull request."""
    _owned_by(pr, "  owner: fraud-team")
    code, doc = _check(capsys)
    [finding] = _owner_findings(doc)
    assert finding["severity"] == "high"
    assert "ai-platform-team -> fraud-team" in finding["message"]
    assert "no contact for fraud-team" in finding["message"]
    assert code == 1


def test_the_base_config_judges_the_contact(capsys: pytest.CaptureFixture[str], pr: Path) -> None:
    """A pull request that adds its new owner to the config's owners does not make the
    owner reachable for its own gate: the base's config judges (the config change is
    PR-POLICY-001 besides)."""
    _owned_by(pr, "  owner: fraud-team")
    edit_once(
        pr / ".policyengine.yaml",
        "  developer-productivity: [devprod@example.com]\n",
        "  developer-productivity: [devprod@example.com]\n  fraud-team: [fraud@example.com]\n",
    )
    code, doc = _check(capsys)
    [finding] = _owner_findings(doc)
    assert finding["severity"] == "high"
    assert "PR-POLICY-001" in [f["check"] for f in doc["pull_request"]["findings"]]
    assert code == 1


def test_without_owners_in_the_config_a_new_owner_is_medium(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """With no owners in the base's config nobody's contacts are known, so any new owner
    is only medium."""
    text = (pr / ".policyengine.yaml").read_text(encoding="utf-8")
    (pr / ".policyengine.yaml").write_text(text.split("owners:")[0], encoding="utf-8")
    commit_all(pr, "config: no owners")
    _owned_by(pr, "  owner: fraud-team")
    _, doc = _check(capsys)
    [finding] = _owner_findings(doc)
    assert finding["severity"] == "medium"
    assert "no contact" not in finding["message"]


@pytest.mark.parametrize(
    ("new", "said"),
    [
        ("  owner: TBD", "sets the owner to a placeholder: metadata.owner ai-platform-team -> TBD"),
        ('  owner: " "', "removes the owner: metadata.owner ai-platform-team -> (none)"),
        ("", "removes the owner: metadata.owner ai-platform-team -> (none)"),
    ],
    ids=["placeholder", "blank", "removed"],
)
def test_an_owner_removed_or_a_placeholder_is_high(
    capsys: pytest.CaptureFixture[str], pr: Path, new: str, said: str
) -> None:
    if new:
        _owned_by(pr, new)
    else:
        edit_once(pr / SUPPORT, OWNER, NAME)
    code, doc = _check(capsys)
    [finding] = _owner_findings(doc)
    assert finding["severity"] == "high"
    assert said in finding["message"]
    assert code == 1


def test_every_format_shows_the_owner_change(capsys: pytest.CaptureFixture[str], pr: Path) -> None:
    """Text, SARIF and GitHub annotations carry the finding, located at metadata.owner."""
    _owned_by(pr, "  owner: fraud-team")
    code, text, _ = run_cli(capsys, "check", "--base", "HEAD", *AS_OF, "-f", "text")
    assert code == 1
    assert (
        f"{SUPPORT}:8:3: high: PR-OWNER-001 the pull request hands the model to another owner: "
        "metadata.owner ai-platform-team -> fraud-team" in text
    )
    _, sarif, _ = run_cli(capsys, "check", "--base", "HEAD", *AS_OF, "-f", "sarif")
    results = [r for r in json.loads(sarif)["runs"][0]["results"] if r["ruleId"] == "PR-OWNER-001"]
    [result] = results
    assert result["level"] == "error"
    region = result["locations"][0]["physicalLocation"]
    assert (region["artifactLocation"]["uri"], region["region"]["startLine"]) == (SUPPORT, 8)
    _, github, _ = run_cli(capsys, "check", "--base", "HEAD", *AS_OF, "-f", "github")
    [annotation] = [line for line in github.splitlines() if "PR-OWNER-001" in line]
    assert annotation.startswith(f"::error file={SUPPORT},line=8,")
    assert "ai-platform-team -> fraud-team" in annotation
