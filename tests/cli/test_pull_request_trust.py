"""`check --base`: the base judges the pull request (issue 10, item 6).

Each test starts from the example history (`scripts/make_example_history.py`: a config
with `fail_on: high` and a team policy folder, three models), whose support assistant is
then reviewed in one more commit, and makes in the working tree the change an attacker's
pull request would make. The base is HEAD; HEAD~2 is the last commit before an agent tool
was added without a review.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import git
import pytest
from conftest import edit_once as _edit
from conftest import pr_findings as _pr_findings

from policyengine.cli import main

REPO = Path(__file__).resolve().parents[2]
AS_OF = ["--as-of", "2026-11-27"]
CATALOG = REPO / "policyengine" / "data" / "atlas-catalog.json"
SUPPORT = "models/support-assistant.yaml"
REGISTER = "governance/register.yaml"


@pytest.fixture(scope="module")
def history(history: Path) -> Path:
    """The example history (conftest's), with the support assistant reviewed again."""
    _edit(history / SUPPORT, "last_reviewed: 2026-10-02", "last_reviewed: 2026-11-20")
    repo = git.Repo(history)
    repo.git.commit("-q", "-am", "Review the support assistant")
    repo.close()
    return history


def _check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    """Run `check` with `-f json`; (exit status, report, stderr)."""
    code = main(["check", *argv, *AS_OF, "-f", "json"])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out else {}, err


def _text(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["check", *argv, *AS_OF])
    return code, capsys.readouterr().out


def _model_findings(doc: dict[str, Any], check: str) -> list[str]:
    return sorted(
        m["path"] for m in doc["models"] for c in m["checks"] if c["id"] == check and c["findings"]
    )


def test_a_pull_request_raising_fail_on_is_gated_by_the_base(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    _edit(pr / ".policyengine.yaml", "fail_on: high", "fail_on: critical")
    code, doc, _ = _check(capsys, "--base", "HEAD")
    assert code == 1  # the base's fail_on: high
    assert _pr_findings(doc) == [(".policyengine.yaml", "PR-POLICY-001", "high")]
    message = doc["pull_request"]["findings"][0]["message"]
    assert "fail_on: high -> critical" in message
    assert "the base's version judged this run" in message
    # the finding counts in the summary as what the pull request made new; the models'
    # findings, all on the base already, are counted apart. A plain run (not a pull
    # request) uses the working tree's config, whose gate it passes
    plain = main(["check", *AS_OF, "-f", "json"])
    base_summary = json.loads(capsys.readouterr().out)["summary"]["findings"]
    assert plain == 0
    assert doc["summary"]["findings"] == {"critical": 0, "high": 1, "medium": 0, "low": 0}
    assert doc["summary"]["existing"] == base_summary
    code, out = _text(capsys, "--base", "HEAD")
    assert "  .policyengine.yaml: high: PR-POLICY-001 the pull request changes the config" in out


def test_fail_on_given_on_the_command_line_wins(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """The CI author's `--fail-on` (in the trusted workflow file) still decides."""
    _edit(pr / ".policyengine.yaml", "fail_on: high", "fail_on: critical")
    code, doc, _ = _check(capsys, "--base", "HEAD", "--fail-on", "critical")
    assert code == 0 and _pr_findings(doc) == [(".policyengine.yaml", "PR-POLICY-001", "high")]
    code, doc, _ = _check(capsys, "--base", "HEAD")
    assert code == 1  # the base config's fail_on: high


def test_policies_from_head_lets_the_head_decide_but_still_reports(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    _edit(pr / ".policyengine.yaml", "fail_on: high", "fail_on: critical")
    code, doc, _ = _check(capsys, "--base", "HEAD", "--policies-from", "head")
    assert code == 0  # the documented risk of the opt-in
    assert _pr_findings(doc) == [(".policyengine.yaml", "PR-POLICY-001", "high")]
    assert "--policies-from head" in doc["pull_request"]["findings"][0]["message"]


def test_policies_from_needs_base(capsys: pytest.CaptureFixture[str], pr: Path) -> None:
    code, _, err = _check(capsys, "--policies-from", "head")
    assert code == 2 and "--policies-from needs --base REF" in err


def test_a_dropped_policy_folder_still_judges(capsys: pytest.CaptureFixture[str], pr: Path) -> None:
    _edit(pr / ".policyengine.yaml", "policies: [policies]", "policies: []")
    code, doc, _ = _check(capsys, "--base", "HEAD")
    assert code == 1
    assert _model_findings(doc, "TM-TEAM-001") == ["models/coding-agent.yaml"]
    assert _pr_findings(doc) == [(".policyengine.yaml", "PR-POLICY-001", "high")]
    assert "policies: [policies] -> []" in doc["pull_request"]["findings"][0]["message"]


def test_a_deleted_policy_still_judges(capsys: pytest.CaptureFixture[str], pr: Path) -> None:
    git.Repo(pr).git.rm("-q", "policies/team/owners.rego")
    code, doc, _ = _check(capsys, "--base", "HEAD")
    assert code == 1
    assert _model_findings(doc, "TM-TEAM-001") == ["models/coding-agent.yaml"]
    assert _pr_findings(doc) == [("policies", "PR-POLICY-002", "high")]
    assert "policies/team/owners.rego deleted" in doc["pull_request"]["findings"][0]["message"]


def test_a_broken_head_config_is_a_finding_not_a_tool_error(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    with (pr / ".policyengine.yaml").open("a", encoding="utf-8") as fh:
        fh.write("bogus: 1\n")
    code, doc, _ = _check(capsys, "--base", "HEAD")
    assert code == 1
    assert _pr_findings(doc) == [(".policyengine.yaml", "PR-POLICY-001", "high")]
    assert "`bogus` is not a known key" in doc["pull_request"]["findings"][0]["message"]


def test_a_comment_in_the_config_is_no_finding(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    with (pr / ".policyengine.yaml").open("a", encoding="utf-8") as fh:
        fh.write("# a note\n")
    _, doc, _ = _check(capsys, "--base", "HEAD")
    assert _pr_findings(doc) == []


def test_an_invalid_base_config_is_a_located_tool_error(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    repo = git.Repo(pr)
    with (pr / ".policyengine.yaml").open("a", encoding="utf-8") as fh:
        fh.write("bogus: 1\n")
    repo.git.commit("-q", "-am", "break the config")
    code, doc, err = _check(capsys, "--base", "HEAD")
    assert code == 2 and doc == {}
    line = (pr / ".policyengine.yaml").read_text(encoding="utf-8").splitlines().index("bogus: 1")
    assert f"HEAD:.policyengine.yaml:{line + 1}:1: `bogus` is not a known key" in err


def test_the_head_atlas_catalog_does_not_judge(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """A head catalog without AML.T0054 would make two models invalid; the base has none
    (the shipped catalog judges), so the models stay valid and the change is a finding."""
    catalog = json.loads(CATALOG.read_text(encoding="utf-8"))
    del catalog["techniques"]["AML.T0054"]
    target = pr / ".policyengine" / "atlas-catalog.json"
    target.parent.mkdir()
    target.write_text(json.dumps(catalog), encoding="utf-8")
    code, doc, _ = _check(capsys, "--base", "HEAD")
    assert code == 1
    assert all(m["valid"] for m in doc["models"])
    assert _pr_findings(doc) == [(".policyengine/atlas-catalog.json", "PR-POLICY-003", "high")]
    _, doc, _ = _check(capsys, "--base", "HEAD", "--policies-from", "head")
    assert not all(m["valid"] for m in doc["models"])


def test_frameworks_narrowed_to_atlas_is_a_scope_finding(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    _edit(
        pr / "models" / "support-assistant.yaml",
        "frameworks: [nist-ai-rmf, iso42001]",
        "frameworks: [atlas]",
    )
    code, doc, _ = _check(capsys, "--base", "HEAD", "--fail-on", "high")
    assert code == 1
    assert _pr_findings(doc) == [("models/support-assistant.yaml", "PR-SCOPE-002", "high")]
    finding = doc["pull_request"]["models"][-1]["findings"][0]
    assert finding["pointer"] == "/system/frameworks" and finding["line"] == 25
    assert "no longer declares iso42001, nist-ai-rmf" in finding["message"]


def test_a_renamed_model_with_a_new_agent_tool_still_needs_a_review(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    repo = git.Repo(pr)
    repo.git.reset("-q", "--hard", "HEAD~1")  # the tool added, the review not yet
    repo.git.mv(SUPPORT, "models/support.yaml")
    code, doc, _ = _check(capsys, "--base", "HEAD~1")
    assert code == 1
    assert ("models/support.yaml", "PR-REVIEW-001", "critical") in _pr_findings(doc)
    moved = next(m for m in doc["pull_request"]["models"] if m["path"] == "models/support.yaml")
    assert moved["renamed_from"] == "models/support-assistant.yaml"
    assert moved["change"] == "changed"
    assert moved["trigger_changes"] == ["agent tool voucher-tool was added"]
    assert [m["path"] for m in doc["pull_request"]["models"]] == [
        "models/coding-agent.yaml",
        "models/partner-classifier.yaml",
        "models/support.yaml",
    ]
    code, out = _text(capsys, "--base", "HEAD~1")
    assert "  models/support.yaml: changed (renamed from models/support-assistant.yaml)" in out


def test_a_deleted_model_is_a_scope_finding(capsys: pytest.CaptureFixture[str], pr: Path) -> None:
    git.Repo(pr).git.rm("-q", "models/partner-classifier.yaml")
    code, doc, _ = _check(capsys, "--base", "HEAD", "--fail-on", "high")
    assert code == 1
    assert _pr_findings(doc) == [("models/partner-classifier.yaml", "PR-SCOPE-001", "high")]
    code, out = _text(capsys, "--base", "HEAD")
    assert (
        "  models/partner-classifier.yaml: high: PR-SCOPE-001 model partner-classifier "
        "(models/partner-classifier.yaml) was deleted in this pull request"
    ) in out


def test_a_model_that_stops_being_one_is_a_scope_finding(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    _edit(
        pr / "models" / "partner-classifier.yaml",
        "apiVersion: policyengine/v1\nkind: ThreatModel",
        "kind: Notes",
    )
    _, doc, _ = _check(capsys, "--base", "HEAD")
    assert _pr_findings(doc) == [("models/partner-classifier.yaml", "PR-SCOPE-001", "high")]
    assert "no longer a threat model" in doc["pull_request"]["models"][1]["findings"][0]["message"]


def test_another_kind_under_our_api_version_is_a_new_error_of_the_model(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    # Still `apiVersion: policyengine/v1`: meant as ours, so an invalid model, not a skip.
    _edit(pr / "models" / "partner-classifier.yaml", "kind: ThreatModel", "kind: Notes")
    code, doc, _ = _check(capsys, "--base", "HEAD")
    assert code == 1
    [model] = [m for m in doc["pull_request"]["models"] if m["path"].endswith("classifier.yaml")]
    assert [(e["pointer"], e["level"]) for e in model["errors"]] == [("/kind", "error")]
    assert "`kind: Notes` is not read as a threat model" in model["errors"][0]["message"]


def test_waivers_and_not_applicable_added_are_scope_findings(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    model = pr / "models" / "support-assistant.yaml"
    _edit(
        model,
        "      expires: 2027-03-31\n",
        "      expires: 2027-03-31\n"
        "    - control: nist-ai-rmf/MEASURE 2.7\n"
        "      reason: later\n"
        "      approved_by: me\n"
        "      expires: 2027-06-30\n",
    )
    _edit(
        model,
        "  not_applicable:\n",
        "  not_applicable:\n    - {control: iso42001/A.6.2.6, reason: not ours}\n",
    )
    _, doc, _ = _check(capsys, "--base", "HEAD")
    findings = _pr_findings(doc)
    assert ("models/support-assistant.yaml", "PR-SCOPE-003", "high") in findings
    assert ("models/support-assistant.yaml", "PR-SCOPE-004", "high") in findings
    support = next(m for m in doc["pull_request"]["models"] if m["id"] == "support-assistant")
    messages = {f["check"]: f["message"] for f in support["findings"]}
    assert "waives nist-ai-rmf/MEASURE 2.7 (until 2027-06-30)" in messages["PR-SCOPE-003"]
    assert "declares iso42001/A.6.2.6 not applicable" in messages["PR-SCOPE-004"]


def test_an_extended_waiver_is_a_scope_finding(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    # extended within risk.max_waiver_days (TM-WAIVER-003 judges a longer one on its own)
    _edit(pr / "models" / "support-assistant.yaml", "expires: 2027-03-31", "expires: 2027-09-30")
    code, doc, _ = _check(capsys, "--base", "HEAD")
    # at least high: under the base's fail_on: high a waiver needs a reviewer
    assert _pr_findings(doc) == [("models/support-assistant.yaml", "PR-SCOPE-003", "high")]
    assert code == 1
    message = doc["pull_request"]["models"][-1]["findings"][0]["message"]
    assert "extends the waiver of nist-ai-rmf/MEASURE 2.11 from 2027-03-31 to 2027-09-30" in message


def test_a_waiver_added_excuses_nothing_in_the_pull_request_that_adds_it(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """The waiver's own finding is an error annotation and an unsuppressed SARIF result,
    and the findings it would waive are not suppressed either: the base had no waiver."""
    waivers = "".join(
        f"    - control: nist-ai-rmf/{control}\n"
        "      reason: ATLAS coverage of the coding agent comes next quarter.\n"
        "      approved_by: AI governance board\n"
        "      expires: 2027-02-28\n"
        for control in ("MAP 4.1", "MEASURE 2.7")  # TM-ATLAS-*, TM-REDTEAM-003 and -007
    )
    _edit(
        pr / "models" / "coding-agent.yaml",
        "  attestations: []\n",
        f"  attestations: []\n  waivers:\n{waivers}",
    )
    code = main(["check", "--base", "HEAD", *AS_OF, "-f", "github,sarif", "-o", "-,out.sarif"])
    out = capsys.readouterr().out
    assert code == 1
    scope = [line for line in out.splitlines() if "PR-SCOPE-003" in line]
    assert len(scope) == 2
    assert all(line.startswith("::error ") and "waived" not in line for line in scope)
    assert out.splitlines()[-1].endswith("; the check fails at --fail-on high")
    sarif = json.loads((pr / "out.sarif").read_text(encoding="utf-8"))
    results = sarif["runs"][0]["results"]
    assert [r for r in results if "suppressions" in r] == []
    assert sum(r["ruleId"] == "PR-SCOPE-003" and r["level"] == "error" for r in results) == 2
    # the findings the waiver names, on the base already, are shown unsuppressed too
    red_team = [r for r in results if r["ruleId"] == "TM-REDTEAM-003"]
    assert red_team and all(r["baselineState"] == "unchanged" for r in red_team)
    # once merged, the base has the waiver: the same findings are then suppressed by it
    repo = git.Repo(pr)
    repo.git.commit("-q", "-am", "Waive MAP 4.1 and MEASURE 2.7 on the coding agent")
    repo.close()
    code = main(["check", "--base", "HEAD", *AS_OF, "-f", "sarif", "-o", "merged.sarif"])
    assert code == 0
    merged = json.loads((pr / "merged.sarif").read_text(encoding="utf-8"))
    suppressed = [r for r in merged["runs"][0]["results"] if "suppressions" in r]
    # (a TM-ATLAS-* finding counts against an ATLAS control too, which is not waived)
    assert {r["ruleId"] for r in suppressed} == {"TM-REDTEAM-003", "TM-REDTEAM-007"}
    assert all(
        r["suppressions"][0]["justification"].startswith("ATLAS coverage") for r in suppressed
    )


def test_changed_only_selects_models_and_reports_deletions(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """CI workflows, Helm values and the config are not models; a deletion is reported."""
    workflow = pr / ".github" / "workflows" / "ci.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("on: push\njobs: {}\n", encoding="utf-8")
    (pr / "deploy").mkdir()
    (pr / "deploy" / "values.yaml").write_text("replicas: 2\n", encoding="utf-8")
    with (pr / ".policyengine.yaml").open("a", encoding="utf-8") as fh:
        fh.write("# a note\n")
    git.Repo(pr).git.rm("-q", "models/coding-agent.yaml")
    code, doc, _ = _check(capsys, "--base", "HEAD", "--changed-only")
    assert doc["errors"] == [] and doc["models"] == []
    assert _pr_findings(doc) == [("models/coding-agent.yaml", "PR-SCOPE-001", "high")]
    assert doc["pull_request"]["models"][0]["change"] == "removed"
    assert code == 1


def test_changed_only_follows_a_rename(capsys: pytest.CaptureFixture[str], pr: Path) -> None:
    repo = git.Repo(pr)
    repo.git.reset("-q", "--hard", "HEAD~1")
    repo.git.mv(SUPPORT, "models/support.yaml")
    code, doc, _ = _check(capsys, "--base", "HEAD~1", "--changed-only")
    assert [m["path"] for m in doc["models"]] == ["models/support.yaml"]
    assert _pr_findings(doc)[-1] == ("models/support.yaml", "PR-REVIEW-001", "critical")
    assert [m["renamed_from"] for m in doc["pull_request"]["models"]] == [
        "models/support-assistant.yaml"
    ]
    assert code == 1


def test_moving_a_model_out_of_the_models_globs_is_a_deletion(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    (pr / "attic").mkdir()
    git.Repo(pr).git.mv("models/partner-classifier.yaml", "attic/partner-classifier.yaml")
    for extra in ([], ["--changed-only"]):
        _, doc, _ = _check(capsys, "--base", "HEAD", *extra)
        assert _pr_findings(doc) == [("models/partner-classifier.yaml", "PR-SCOPE-001", "high")]
        message = next(f["message"] for m in doc["pull_request"]["models"] for f in m["findings"])
        assert "was moved to attic/partner-classifier.yaml" in message


def test_a_policy_folder_replaced_by_a_symlink_still_judges(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """The base's `policies: [policies]` names the base's folder, whatever the head's
    `policies` now points at (here the docs folder, which holds no checks)."""
    repo = git.Repo(pr)
    repo.git.rm("-rq", "policies")
    (pr / "policies").symlink_to("docs")
    code, doc, _ = _check(capsys, "--base", "HEAD")
    assert code == 1
    assert _model_findings(doc, "TM-TEAM-001") == ["models/coding-agent.yaml"]
    assert ("policies", "PR-POLICY-002", "high") in _pr_findings(doc)


def test_worker_processes_read_the_base_policies_too(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """A side with many models is checked in worker processes, which read the policy
    folders again: the base's copies, not the head's changed ones."""
    repo = git.Repo(pr)
    text = (pr / "models" / "coding-agent.yaml").read_text(encoding="utf-8")
    for i in range(20):
        copy = text.replace("id: coding-agent", f"id: coding-agent-{i}")
        (pr / "models" / f"copy-{i:02d}.yaml").write_text(copy, encoding="utf-8")
    repo.git.add("models")
    repo.git.commit("-q", "-m", "many models")
    owners = pr / "policies" / "team" / "owners.rego"
    owners.write_text(
        owners.read_text(encoding="utf-8").replace("TM-TEAM-001", "TM-TEAM-009"), encoding="utf-8"
    )
    code, doc, err = _check(capsys, "--base", "HEAD", "--workers", "2")
    assert code == 1, err
    assert len(_model_findings(doc, "TM-TEAM-001")) == 21
    assert _pr_findings(doc) == [("policies", "PR-POLICY-002", "high")]


def test_moving_the_register_in_the_config_is_a_policy_finding(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    shutil.copy(pr / REGISTER, pr / "governance" / "elsewhere.yaml")
    with (pr / ".policyengine.yaml").open("a", encoding="utf-8") as fh:
        fh.write("register: governance/elsewhere.yaml\n")
    _, doc, _ = _check(capsys, "--base", "HEAD")
    assert _pr_findings(doc) == [(".policyengine.yaml", "PR-POLICY-001", "high")]
    message = doc["pull_request"]["findings"][0]["message"]
    assert "register: governance/register.yaml -> governance/elsewhere.yaml" in message


def test_a_changed_register_decision_is_a_policy_finding(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """Declaring an organisation control not applicable and dropping an implementing
    document changes every model's verdict: a high finding naming both controls."""
    _edit(
        pr / REGISTER,
        "  - control: iso42001/A.3.3\n    applicable: true\n",
        "  - control: iso42001/A.3.3\n    applicable: false\n",
    )
    _edit(
        pr / REGISTER,
        "documents: [DOC-COMPETENCES]\n  - control: iso42001/A.5.2",
        "documents: [DOC-RACI]\n  - control: iso42001/A.5.2",
    )
    code, doc, _ = _check(capsys, "--base", "HEAD")
    assert code == 1
    assert (REGISTER, "PR-POLICY-004", "high") in _pr_findings(doc)
    (message,) = [
        f["message"] for f in doc["pull_request"]["findings"] if f["check"] == "PR-POLICY-004"
    ]
    assert "iso42001/A.3.3 applicable, implemented -> not applicable" in message
    assert "iso42001/A.4.6 documents [DOC-COMPETENCES] -> [DOC-RACI]" in message
    assert "iso42001/A.2.2" not in message


def test_register_wording_is_low_and_a_comment_is_nothing(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    with (pr / REGISTER).open("a", encoding="utf-8") as fh:
        fh.write("# a note\n")
    _, doc, _ = _check(capsys, "--base", "HEAD")
    assert _pr_findings(doc) == []
    _edit(pr / REGISTER, "needs people trained in", "needs people who are trained in")
    _, doc, _ = _check(capsys, "--base", "HEAD")
    assert _pr_findings(doc) == [(REGISTER, "PR-POLICY-004", "low")]
