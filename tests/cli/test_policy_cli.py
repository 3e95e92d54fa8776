"""Custom policies: a team's checks with `check --policy DIR`, broken METADATA as a tool
failure naming file and line, and the team's Rego tests with `policyengine test DIR`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import run_cli as _run

REPO = Path(__file__).resolve().parents[2]
AS_OF = ["--as-of", "2026-11-27"]

_CHECK = """package team.open_owner

import data.lib.result

# METADATA
# title: Every open threat names its owner
# custom:
{custom}
deny contains finding if {{
\tsome i, t in input.model.threats
\tt.status == "open"
\tnot t.owner
\tmsg := sprintf("threat %s is open and names no owner", [t.id])
\tfinding := result.deny("TM-TEAM-900", msg, ["threats", i])
}}

not_applicable contains "TM-TEAM-900" if {{
\tnot _any_open
}}

_any_open if {{
\tsome t in input.model.threats
\tt.status == "open"
}}
"""

_GOOD_CUSTOM = """#   id: TM-TEAM-900
#   severity: critical
#   judges: [threats]
#   controls: {nist-ai-rmf: ["MEASURE 3.1"]}"""

_TESTS = """package team.open_owner_test

import data.team.open_owner

test_open_threat_without_owner_denied if {
\tm := {"threats": [{"id": "T-1", "status": "open"}]}
\tdenies := open_owner.deny with input.model as m
\tdenies == {{
\t\t"rule_id": "TM-TEAM-900", "msg": "threat T-1 is open and names no owner",
\t\t"path": ["threats", 0],
\t}}
}

test_open_threat_with_owner_passes if {
\tm := {"threats": [{"id": "T-1", "status": "open", "owner": "risk-team"}]}
\tdenies := open_owner.deny with input.model as m
\tcount(denies) == 0
}

test_no_open_threat_not_applicable if {
\tm := {"threats": [{"id": "T-1", "status": "mitigated"}]}
\tna := open_owner.not_applicable with input.model as m
\t"TM-TEAM-900" in na
}
"""

_WRONG_TEST = """
test_wrong_expectation_fails if {
\tm := {"threats": [{"id": "T-1", "status": "open"}]}
\tdenies := open_owner.deny with input.model as m
\tcount(denies) == 2
}
"""


@pytest.fixture(scope="module")
def examples_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples (with their config and team policies) outside any git repository."""
    dest = tmp_path_factory.mktemp("ex") / "examples"
    shutil.copytree(REPO / "examples", dest)
    return dest


def _team(tmp_path: Path, custom: str = _GOOD_CUSTOM, *, tests: str = "") -> Path:
    folder = tmp_path / "team-checks"
    (folder / "team").mkdir(parents=True)
    (folder / "team" / "open_owner.rego").write_text(_CHECK.format(custom=custom))
    if tests:
        (folder / "team" / "open_owner_test.rego").write_text(tests)
    return folder


def test_custom_check_findings_are_reported(
    capsys: pytest.CaptureFixture[str], examples_copy: Path, tmp_path: Path
) -> None:
    team = _team(tmp_path)
    base = ["check", str(examples_copy), *AS_OF, "--fail-on", "critical"]
    code, out, _ = _run(capsys, *base)
    assert code == 0 and "TM-TEAM-900" not in out
    code, out, err = _run(capsys, *base, "--policy", str(team))
    assert code == 1  # the team check is critical
    assert re.search(
        r"^  models/partner-classifier\.yaml:\d+:\d+: critical: TM-TEAM-900 threat T-205 is "
        r"open and names no owner \[nist-ai-rmf/MEASURE 3\.1\]$",
        out,
        re.MULTILINE,
    ), out
    assert out.count("TM-TEAM-900") == 1  # only T-205 is open
    assert "TM-TEAM-001" in out  # the config's team policies still apply
    assert "Traceback" not in err


def _metadata_error(
    capsys: pytest.CaptureFixture[str], examples_copy: Path, team: Path
) -> tuple[str, str]:
    code, out, err = _run(capsys, "check", str(examples_copy), *AS_OF, "--policy", str(team))
    assert (code, out) == (2, "")
    assert err.startswith("policyengine: error: ")
    assert "Traceback" not in err
    return err, str(team / "team" / "open_owner.rego")


def test_duplicate_check_id_is_a_tool_failure(
    capsys: pytest.CaptureFixture[str], examples_copy: Path, tmp_path: Path
) -> None:
    team = _team(tmp_path, _GOOD_CUSTOM.replace("TM-TEAM-900", "TM-SCORE-001"))
    err, file = _metadata_error(capsys, examples_copy, team)
    assert f"{file}:5: check id TM-SCORE-001 is already declared at " in err
    assert "map5_scoring.rego:" in err


def test_unparsable_metadata_is_a_tool_failure(
    capsys: pytest.CaptureFixture[str], examples_copy: Path, tmp_path: Path
) -> None:
    team = _team(tmp_path, _GOOD_CUSTOM.replace("severity: critical", "severity: [critical"))
    err, file = _metadata_error(capsys, examples_copy, team)
    assert re.search(re.escape(file) + r":\d+: METADATA is not valid YAML", err), err


def test_check_without_id_is_a_tool_failure(
    capsys: pytest.CaptureFixture[str], examples_copy: Path, tmp_path: Path
) -> None:
    custom = "\n".join(line for line in _GOOD_CUSTOM.splitlines() if "id:" not in line)
    team = _team(tmp_path, custom)
    err, file = _metadata_error(capsys, examples_copy, team)
    assert f"{file}:5:" in err
    assert "custom.id" in err


def test_policyengine_test_runs_team_tests(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    team = _team(tmp_path, tests=_TESTS)
    code, out, err = _run(capsys, "test", str(team), "-v")
    assert code == 0, out + err
    assert out.endswith("PASS: 3/3, FAIL: 0, ERROR: 0\n")
    assert "PASS: " + str(team / "team" / "open_owner_test.rego") + ":5: " in out
    assert "data.team.open_owner_test.test_open_threat_without_owner_denied" in out


def test_policyengine_test_reports_a_failing_team_test(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    team = _team(tmp_path, tests=_TESTS + _WRONG_TEST)
    code, out, _ = _run(capsys, "test", str(team))
    assert code == 1
    file = team / "team" / "open_owner_test.rego"
    line = (_TESTS + _WRONG_TEST).splitlines().index("test_wrong_expectation_fails if {") + 1
    assert f"FAIL: {file}:{line}: data.team.open_owner_test.test_wrong_expectation_fails\n" in out
    assert "  undefined\n" in out
    assert out.endswith("PASS: 3/4, FAIL: 1, ERROR: 0\n")


def test_policyengine_test_bad_team_metadata_is_a_tool_failure(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    team = _team(tmp_path, _GOOD_CUSTOM.replace("TM-TEAM-900", "TM-SCORE-001"), tests=_TESTS)
    code, out, err = _run(capsys, "test", str(team), str(REPO / "policies"))
    assert (code, out) == (2, "")
    assert "check id TM-SCORE-001 is already declared" in err


def test_policyengine_test_given_a_folder_and_the_lib_it_imports(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The bundled lib given beside a folder that imports it loads once (it used to load
    twice, every test an error: multiple default rules), and its own tests run."""
    policies = REPO / "policies"
    code, out, err = _run(capsys, "test", str(policies / "compliance"), str(policies / "lib"), "-v")
    assert code == 0, out + err
    assert ", ERROR: 0\n" in out and ", FAIL: 0," in out
    assert f"PASS: {policies / 'lib'}/" in out
    assert f"PASS: {policies / 'compliance'}/" in out
