"""`check --base`: the gate is what the pull request made new or worse (issue 13, item 1).

Each test starts from the example history (`scripts/make_example_history.py`), whose last
commit adds an agent tool to the support assistant without a new review: `--base HEAD~1`
is that pull request; `--base HEAD` with an edit in the working tree is another one.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import git
import pytest
from conftest import commit_all

from policyengine.cli import main

REPO = Path(__file__).resolve().parents[2]
AS_OF = ["--as-of", "2026-11-27"]
PARTNER = "models/partner-classifier.yaml"


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main(["check", *argv, *AS_OF, "-f", "json"])
    return code, json.loads(capsys.readouterr().out)


def _text(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["check", *argv, *AS_OF])
    return code, capsys.readouterr().out


def _gate(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(path, check, pointer) of every finding the gate judges."""
    return [
        (m["path"], f["check"], f["pointer"])
        for m in doc["pull_request"]["models"]
        for f in m["findings"]
    ] + [(f["file"], f["check"], f["pointer"]) for f in doc["pull_request"]["findings"]]


SUPPORT_AT_HEAD = "models/support-assistant.yaml"


def _count(capsys: pytest.CaptureFixture[str], ref: str) -> int:
    """How many findings a plain check of `ref` has (in a checkout of it, outside git:
    the change rule is not evaluated there, as on a pull request's base side)."""
    here = Path.cwd()
    dest = here.parent / f"at-{ref.replace('~', '-')}"
    git.Repo(here).git.worktree("add", "-q", "--detach", str(dest), ref)
    shutil.rmtree(dest / ".git", ignore_errors=True)
    (dest / ".git").unlink(missing_ok=True)
    code = main(["check", str(dest), *AS_OF, "-f", "json", "--allow-unknown-history"])
    doc = json.loads(capsys.readouterr().out)
    assert code in (0, 1)
    return sum(doc["summary"]["findings"].values())


def _located(path: str, text: str) -> str:
    """`line:column` of the first line of `path` holding `text` (the column of the text)."""
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if text in line:
            return f"{number}:{line.index(text) + 1}"
    raise AssertionError(f"{text!r} not in {path}")


def _finding_lines(out: str) -> list[str]:
    """The compiler-style lines of findings (not the changes described above them)."""
    return [line for line in out.splitlines() if _FINDING.match(line)]


_FINDING = re.compile(r"^  \S+?:\d+:\d+: (critical|high|medium|low): ")


def test_an_agent_tool_without_a_review_is_one_finding_with_its_fix(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    on_base = _count(capsys, "HEAD~1")
    code, out = _text(capsys, "--base", "HEAD~1", "--explain")
    assert code == 1
    lines = out.splitlines()
    where = _located(SUPPORT_AT_HEAD, "last_reviewed:")
    assert _finding_lines(out) == [
        f"  models/support-assistant.yaml:{where}: critical: PR-REVIEW-001 this change needs a "
        "review of the threat model: agent tool voucher-tool was added. Review the model and "
        "set review.last_reviewed (now 2026-10-02) in the same pull request "
        "[iso42001/8.2, nist-ai-rmf/MEASURE 3.1]"
    ]
    at = lines.index(_finding_lines(out)[0])
    assert lines[at + 1] == (
        "    regresses: iso42001/8.2, nist-ai-rmf/MEASURE 3.1 (satisfied at the base)"
    )
    review_line = _located(SUPPORT_AT_HEAD, "review:").split(":")[0]
    assert lines[at + 2].startswith(
        f"    same cause: TM-REVIEW-001 (line {review_line}) the threat model"
    )
    assert lines[at + 3].startswith("    fix: ") and "last_reviewed" in lines[at + 3]
    assert "satisfied -> " not in out  # the regressions are shown with their cause
    assert lines[-1] == (
        "3 models (3 valid, 0 invalid); new in this pull request: 1 critical; "
        f"{on_base} already on the base (--show-existing prints them)"
    )
    code, doc = _json(capsys, "--base", "HEAD~1")
    assert code == 1
    assert doc["schema_version"] == 9
    assert doc["summary"]["findings"] == {"critical": 1, "high": 0, "medium": 0, "low": 0}
    assert sum(doc["summary"]["existing"].values()) == on_base
    (finding,) = [f for m in doc["pull_request"]["models"] for f in m["findings"]]
    assert finding["check"] == "PR-REVIEW-001" and finding["hint"]
    assert finding["regresses"] == ["iso42001/8.2", "nist-ai-rmf/MEASURE 3.1"]
    assert [f["check"] for f in finding["same_cause"]] == ["TM-REVIEW-001"]


def test_a_docs_only_pull_request_passes(capsys: pytest.CaptureFixture[str], pr: Path) -> None:
    (pr / "README.md").write_text("prose only\n", encoding="utf-8")
    on_base = _count(capsys, "HEAD") + 1  # and the review the change rule asks for at HEAD
    code, out = _text(capsys, "--base", "HEAD")
    assert code == 0
    assert _finding_lines(out) == []
    assert out.splitlines()[-1].endswith(
        f"new in this pull request: nothing; {on_base} already on the base "
        "(--show-existing prints them)"
    )
    code, doc = _json(capsys, "--base", "HEAD")
    assert code == 0 and _gate(doc) == []
    assert doc["summary"]["findings"] == {"critical": 0, "high": 0, "medium": 0, "low": 0}
    # the findings the base had are still in the report, and printed when asked for
    organisation = sum(len(c["findings"]) for c in doc["organisation"]["checks"])
    assert organisation == doc["pull_request"]["existing"] == 2  # the register's, judged once
    in_models = sum(len(c["findings"]) for m in doc["models"] for c in m["checks"])
    assert in_models + organisation == on_base
    assert sum(doc["summary"]["existing"].values()) == on_base
    code, out = _text(capsys, "--base", "HEAD", "--show-existing")
    assert code == 0
    assert "already on the base:" in out and len(_finding_lines(out)) == on_base


def test_a_threat_inserted_before_failing_ones_leaves_them_existing(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """Indices shift (T-202 moves from /threats/1 to /threats/2); the findings about it are
    the same findings, named by the threat's id, and only the new threat's are new."""
    model = pr / PARTNER
    text = model.read_text(encoding="utf-8")
    inserted = (
        "threats:\n"
        "  - id: T-200\n"
        "    title: A threat inserted first, with nothing filled in\n"
        "    surface: scoring\n"
        "    atlas: [AML.T0040]\n"
        "    likelihood: 4\n"
        "    impact: 4\n"
        "    mitigations: []\n"
        "    status: open\n"
    )
    model.write_text(text.replace("threats:\n", inserted, 1), encoding="utf-8")
    code, doc = _json(capsys, "--base", "HEAD")
    assert code == 1
    gate = _gate(doc)
    assert gate and all(pointer.startswith("/threats/0") for _, _, pointer in gate)
    assert {path for path, _, _ in gate} == {PARTNER}
    partner = next(m for m in doc["pull_request"]["models"] if m["path"] == PARTNER)
    head = next(m for m in doc["models"] if m["path"] == PARTNER)
    assert partner["existing"] == sum(len(c["findings"]) for c in head["checks"]) - len(gate)
    assert partner["existing"] > 30
    eval_pointers = [
        f["pointer"] for c in head["checks"] if c["id"] == "TM-EVAL-001" for f in c["findings"]
    ]
    assert "/threats/2/validation" in eval_pointers  # T-202, at /threats/1 on the base
    code, base = _json(capsys, "--base", "HEAD", "--show-existing")
    assert _gate(base) == gate


def test_min_severity_quiet_and_fail_on_are_distinct(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    code, doc = _json(capsys)
    counts = doc["summary"]["findings"]
    code, out = _text(capsys, "--min-severity", "high", "--fail-on", "critical")
    assert code == 0
    assert ": medium: " not in out and ": high: " in out
    below = counts["medium"] + counts["low"]
    assert out.splitlines()[-1].endswith(f"; {below} below high not printed")
    code, out = _text(capsys, "--base", "HEAD~1", "--quiet")
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 3 and ": critical: PR-REVIEW-001 " in lines[0]
    assert lines[1].startswith("  regresses: ") and lines[2].startswith("  same cause: ")
    on_base = _count(capsys, "HEAD~1")
    code, out = _text(capsys, "--base", "HEAD~1", "--min-severity", "critical", "--show-existing")
    assert ": high: " not in out and "PR-REVIEW-001" in out
    assert out.splitlines()[-1].endswith(
        f"; {on_base} already on the base; {on_base} below critical not printed"
    )
    code, out = _text(capsys, "--show-existing")
    assert code == 2  # needs --base


def test_an_invalid_model_the_pull_request_breaks_fails_it(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    model = pr / PARTNER
    text = model.read_text(encoding="utf-8")
    model.write_text(text.replace("    likelihood: 3\n", "    likelyhood: 3\n", 1), "utf-8")
    code, doc = _json(capsys, "--base", "HEAD")
    assert code == 1
    partner = next(m for m in doc["pull_request"]["models"] if m["path"] == PARTNER)
    assert [e["code"] for e in partner["errors"]] == ["schema"] * len(partner["errors"])
    assert any("likelyhood" in e["message"] for e in partner["errors"])
    assert doc["schema_version"] == 9
    assert doc["summary"]["errors"] == len(partner["errors"]) >= 1
    assert doc["summary"]["existing_errors"] == 0


def test_a_new_invalid_model_is_counted_in_every_summary(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """Deleting a threat a red-team finding names makes the model invalid: one new error
    (and the deletion's own PR-SCOPE-005). Every format's summary counts the error, as the
    exit status does."""
    model = pr / SUPPORT_AT_HEAD
    data = model.read_text(encoding="utf-8")
    start = data.index("  - id: T-006\n")
    end = data.index("  - id: ", start + 1)
    model.write_text(data[:start] + data[end:], encoding="utf-8")
    code, doc = _json(capsys, "--base", "HEAD")
    assert code == 1
    assert doc["summary"]["errors"] == 1
    assert doc["summary"]["findings"] == {"critical": 0, "high": 1, "medium": 0, "low": 0}
    support = next(m for m in doc["pull_request"]["models"] if m["path"] == SUPPORT_AT_HEAD)
    (error,) = support["errors"]
    assert "unknown threat 'T-006'" in error["message"]
    code, out = _text(capsys, "--base", "HEAD")
    assert code == 1
    assert "; new in this pull request: 1 error, 1 high; " in out.splitlines()[-1]
    code = main(["check", "--base", "HEAD", *AS_OF, "-f", "markdown,github", "-o", "-,gh.txt"])
    verdict = next(line for line in capsys.readouterr().out.splitlines() if "Fails" in line)
    assert code == 1
    assert verdict.startswith(
        ":x: **Fails** at `--fail-on high`: 1 new error (each fails the check), 1 finding "
        "new in this pull request (1 high), 1 at or above high; 3 models, 1 invalid; "
    )
    github = (pr / "gh.txt").read_text(encoding="utf-8").splitlines()
    assert github[0].startswith("::error file=models/support-assistant.yaml,line=")
    assert github[-1].endswith("; the check fails at --fail-on high")


def test_explain_prints_the_fix_of_every_finding(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    code, out = _text(capsys, "--explain", "--min-severity", "high")
    lines = out.splitlines()
    findings = [i for i, line in enumerate(lines) if _FINDING.match(line)]
    assert findings
    for i in findings:
        fix = next(line for line in lines[i + 1 :] if not line.startswith("    same cause"))
        assert fix.startswith("    fix: ") and "policyengine explain" not in fix, lines[i]
    code, doc = _json(capsys)
    hints = [f["hint"] for m in doc["models"] for c in m["checks"] for f in c["findings"]]
    assert hints and all(hints)


# --- PR-SCORE-001: a lowered score gives its reason (issue 11, item 9) -------------------

T003 = (
    "    likelihood: 2\n"
    "    impact: 4\n"
    "    prerequisites: [training_access]\n"
    "    assumptions:\n"
    "      - Only ml-engineering can write to the fine-tuning dataset.\n"
)


def _edit_t003(pr: Path, replacement: str) -> None:
    """T-003 of the support assistant as at HEAD, its score block replaced."""
    git.Repo(pr).git.checkout("HEAD", "--", SUPPORT_AT_HEAD)
    model = pr / SUPPORT_AT_HEAD
    text = model.read_text(encoding="utf-8")
    assert text.count(T003) == 1
    model.write_text(text.replace(T003, replacement), encoding="utf-8")


def _score_findings(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        f
        for m in doc["pull_request"]["models"]
        for f in m["findings"]
        if f["check"] == "PR-SCORE-001"
    ]


def test_a_score_lowered_without_a_reason_fails_the_pull_request(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    _edit_t003(pr, T003.replace("impact: 4", "impact: 2"))
    code, out = _text(capsys, "--base", "HEAD")
    assert code == 1
    where = _located(SUPPORT_AT_HEAD, "impact: 2")
    assert _finding_lines(out) == [
        f"  models/support-assistant.yaml:{where}: high: PR-SCORE-001 threat T-003 impact "
        "lowered 4 -> 2 without a changed assumption or new validation "
        "[iso42001/6.1.2, nist-ai-rmf/MAP 5.1]"
    ]
    code, doc = _json(capsys, "--base", "HEAD")
    assert code == 1
    (finding,) = _score_findings(doc)
    assert finding["pointer"] == "/threats/2/impact" and finding["hint"]
    assert doc["summary"]["findings"]["high"] == 1
    # both scores lowered: one finding naming both, at the first
    _edit_t003(pr, T003.replace("likelihood: 2", "likelihood: 1").replace("impact: 4", "impact: 2"))
    code, doc = _json(capsys, "--base", "HEAD")
    assert code == 1
    assert [f["message"] for f in _score_findings(doc)] == [
        "threat T-003 likelihood lowered 2 -> 1 and impact lowered 4 -> 2 without a changed "
        "assumption or new validation"
    ]
    # the gate fails at the check's severity (high), not only at low
    assert main(["check", "--base", "HEAD", *AS_OF, "--fail-on", "high"]) == 1
    capsys.readouterr()


@pytest.mark.parametrize(
    "replacement",
    [
        T003.replace("impact: 4", "impact: 2").replace(
            "Only ml-engineering can write", "Only the two-person dataset review can approve"
        ),
        T003.replace("impact: 4", "impact: 2")
        + "      - The backdoor can only reach the ticket summariser, not the order tool.\n",
        T003.replace("impact: 4", "impact: 5"),
    ],
    ids=["lowered-assumption-reworded", "lowered-assumption-added", "raised"],
)
def test_a_score_changed_with_a_reason_or_raised_is_no_finding(
    capsys: pytest.CaptureFixture[str], pr: Path, replacement: str
) -> None:
    _edit_t003(pr, replacement)
    code, doc = _json(capsys, "--base", "HEAD")
    assert _score_findings(doc) == []
    assert code == 0 and _gate(doc) == []


def test_a_trade_of_likelihood_for_impact_names_the_lowered_one(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    _edit_t003(pr, T003.replace("likelihood: 2", "likelihood: 3").replace("impact: 4", "impact: 3"))
    code, doc = _json(capsys, "--base", "HEAD")
    assert code == 1
    assert [f["message"] for f in _score_findings(doc)] == [
        "threat T-003 impact lowered 4 -> 3 without a changed assumption or new validation"
    ]


def test_a_red_team_finding_on_the_base_explains_a_lower_score_one_added_does_not(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """A finding naming the threat is the reason PR-SCORE-001 accepts, once the base has
    it; written in the same pull request it is the pull request's claim (PR-REDTEAM-006),
    and the lower score stays a finding (the outside tester's X4)."""
    _edit_t003(pr, T003.replace("impact: 4", "impact: 3"))
    model = pr / SUPPORT_AT_HEAD
    text = model.read_text(encoding="utf-8")
    finding = (
        "      - id: F-5\n"
        "        title: Crafted tickets were rejected by the two-person dataset review\n"
        "        atlas: [AML.T0020]\n"
        "        severity: info\n"
        "        threats: [T-003]\n"
        "        remediation: {status: resolved, ticket: SEC-140}\n"
    )
    anchor = "        remediation: {status: resolved, ticket: SEC-131}\n"
    assert text.count(anchor) == 1
    model.write_text(text.replace(anchor, anchor + finding), encoding="utf-8")
    code, doc = _json(capsys, "--base", "HEAD")
    assert code == 1
    assert [f["message"] for f in _score_findings(doc)] == [
        "threat T-003 impact lowered 4 -> 3 without a changed assumption or new validation"
    ]
    assert [c for _, c, _ in _gate(doc) if c.startswith("PR-REDTEAM")] == ["PR-REDTEAM-006"]
    # the finding lands first (its own pull request, reviewed); the score follows it
    git.Repo(pr).git.checkout("HEAD", "--", SUPPORT_AT_HEAD)
    text = model.read_text(encoding="utf-8")
    model.write_text(text.replace(anchor, anchor + finding), encoding="utf-8")
    commit_all(pr, "Record RT-2026-09/F-5")
    _edit_t003(pr, T003.replace("impact: 4", "impact: 3"))
    text = model.read_text(encoding="utf-8")
    status = "      status: not_reproduced\n      note: RT-2026-09 planted"
    assert text.count(status) == 1
    cited = status.replace("note:", "findings: [RT-2026-09/F-5]\n      note:")
    model.write_text(text.replace(status, cited), encoding="utf-8")
    code, doc = _json(capsys, "--base", "HEAD")
    assert _score_findings(doc) == []
    assert code == 0 and _gate(doc) == []


def test_a_new_threat_with_a_low_score_is_no_lowered_score(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    model = pr / PARTNER
    text = model.read_text(encoding="utf-8")
    inserted = (
        "threats:\n"
        "  - id: T-299\n"
        "    title: Scoring API returns a stale model version after a failed rollout\n"
        "    surface: scoring\n"
        "    atlas: [AML.T0040]\n"
        "    likelihood: 1\n"
        "    impact: 1\n"
        "    assumptions: [Rollouts are atomic per region and checked by a canary.]\n"
        "    mitigations: []\n"
        "    status: open\n"
    )
    model.write_text(text.replace("threats:\n", inserted, 1), encoding="utf-8")
    code, doc = _json(capsys, "--base", "HEAD")
    assert _score_findings(doc) == []
    partner = next(m for m in doc["pull_request"]["models"] if m["path"] == PARTNER)
    assert partner["threats_added"] == ["T-299"]


# --- weakening: removals and a loosened threshold (PR-SCOPE-005, -006, PR-CONTROL-001,
# PR-REDTEAM-001, PR-RISK-001, -002) ----------------------------------------------------


def _threat_block(text: str, tid: str) -> str:
    """The lines of threat `tid` in a model's text, up to the next threat or top-level key."""
    start = text.index(f"  - id: {tid}\n")
    end = start + 1
    while True:
        end = text.index("\n", end) + 1
        if text.startswith("  - id: ", end) or text[end : end + 1] not in (" ", ""):
            return text[start:end]


def _edit(pr: Path, old: str, new: str) -> None:
    model = pr / SUPPORT_AT_HEAD
    text = model.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    model.write_text(text.replace(old, new), encoding="utf-8")


def _pr_checks(doc: dict[str, Any], prefix: str = "PR-") -> list[tuple[str, str, str]]:
    """(check, severity, message) of the gate's PR-* findings, models' and repository's."""
    found = [f for m in doc["pull_request"]["models"] for f in m["findings"]]
    found += doc["pull_request"]["findings"]
    return [
        (f["check"], f["severity"], f["message"]) for f in found if f["check"].startswith(prefix)
    ]


def test_raising_the_risk_tolerance_fails_and_names_the_threats_it_frees(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    _edit(pr, "  risk_tolerance: low\n", "  risk_tolerance: high\n")
    code, doc = _json(capsys, "--base", "HEAD")
    assert code == 1
    ((check, severity, message),) = _pr_checks(doc, "PR-RISK")
    assert (check, severity) == ("PR-RISK-001", "high")
    assert message.startswith(
        "system.risk_tolerance raised low -> high: the treatment threshold goes 8 -> 15; "
        "threats it no longer requires to be treated: T-002 (risk 12), T-003 (risk 8)"
    )
    where = _located(SUPPORT_AT_HEAD, "risk_tolerance:")
    code, out = _text(capsys, "--base", "HEAD")
    assert f"  models/support-assistant.yaml:{where}: high: PR-RISK-001 " in out


def test_lowering_the_risk_tolerance_is_no_finding(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    model = pr / "models" / "coding-agent.yaml"
    text = model.read_text(encoding="utf-8")
    model.write_text(text.replace("  risk_tolerance: medium\n", "  risk_tolerance: low\n"), "utf-8")
    code, doc = _json(capsys, "--base", "HEAD")
    assert _pr_checks(doc, "PR-RISK") == []


def test_a_threat_removed_without_a_reason_fails_the_pull_request(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """T-009 is below the threshold and its technique family is asked nowhere else: its
    deletion broke no check, and the gate passed with "new in this pull request: nothing"."""
    text = (pr / SUPPORT_AT_HEAD).read_text(encoding="utf-8")
    _edit(pr, _threat_block(text, "T-009"), "")
    code, doc = _json(capsys, "--base", "HEAD")
    assert code == 1
    assert _pr_checks(doc) == [
        (
            "PR-SCOPE-005",
            "high",
            "threat T-009 (risk 4) was removed without a reason: no threat the pull request "
            "added or re-assumed names AML.T0010; its treatment, risk entry and ATLAS "
            "coverage go with it",
        )
    ]
    assert doc["summary"]["findings"]["high"] == 1
    code, out = _text(capsys, "--base", "HEAD")
    assert "new in this pull request: 1 high" in out.splitlines()[-1]


def test_a_threat_replaced_by_one_whose_assumptions_say_why_is_no_removal(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    text = (pr / SUPPORT_AT_HEAD).read_text(encoding="utf-8")
    old = _threat_block(text, "T-009")
    new = old.replace("  - id: T-009\n", "  - id: T-012\n").replace(
        "      - The provider honours pinned model versions as the contract states.\n",
        "      - The provider honours pinned model versions, and the upgrade gate compares "
        "each new version's answers with the pinned one.\n",
    )
    assert new != old
    _edit(pr, old, new)
    code, doc = _json(capsys, "--base", "HEAD")
    assert [c for c, _, _ in _pr_checks(doc)] == []
    support = next(m for m in doc["pull_request"]["models"] if m["path"] == SUPPORT_AT_HEAD)
    assert (support["threats_added"], support["threats_removed"]) == (["T-012"], ["T-009"])


def test_a_control_removed_or_moved_back_fails_the_pull_request(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    text = (pr / SUPPORT_AT_HEAD).read_text(encoding="utf-8")
    _edit(pr, _threat_block(text, "T-009"), "")
    control = text[text.index("  - id: C-09\n") : text.index("\nred_team:") + 1]
    _edit(pr, control, "")
    c06 = text.index("  - id: C-06\n")
    status = text.index("    status: verified\n", c06)
    edited = (pr / SUPPORT_AT_HEAD).read_text(encoding="utf-8")
    head = text[c06:status]
    assert edited.count(head + "    status: verified\n") == 1
    _edit(pr, head + "    status: verified\n", head + "    status: planned\n")
    code, doc = _json(capsys, "--base", "HEAD")
    assert code == 1
    controls = [(s, m) for c, s, m in _pr_checks(doc) if c == "PR-CONTROL-001"]
    assert controls == [
        (
            "high",
            "control C-06 moved back from verified to planned; it mitigated T-006 at the base",
        ),
        ("high", "control C-09 (implemented) was removed; it mitigated T-009 at the base"),
    ]


def test_an_acceptance_extended_or_a_risk_threshold_loosened_is_a_finding(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    _edit(pr, "      expires: 2027-01-31\n", "      expires: 2028-01-31\n")
    config = pr / ".policyengine.yaml"
    text = config.read_text(encoding="utf-8")
    assert "max_acceptance_days: 365" in text
    config.write_text(text.replace("max_acceptance_days: 365", "max_acceptance_days: 900"), "utf-8")
    code, doc = _json(capsys, "--base", "HEAD")
    assert code == 1
    found = {c: (s, m) for c, s, m in _pr_checks(doc)}
    assert found["PR-RISK-002"] == (
        "high",
        "the pull request extends the acceptance of threat T-005 from 2027-01-31 to 2028-01-31: "
        "an acceptance needs the approval of whoever it names",
    )
    assert "risk.max_acceptance_days: 365 -> 900" in found["PR-POLICY-001"][1]
