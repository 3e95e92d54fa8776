"""`policyengine test`: Rego tests on regopy, one child process per file, crash-safe."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from policyengine.budget import Budget
from policyengine.cli import main
from policyengine.policytest import Outcome, TestResult, run_policy_tests
from policyengine.report import OutputFormat
from policyengine.results import PolicyTestReport, exit_status


def exit_code(results: list[TestResult]) -> int:
    return exit_status(PolicyTestReport(tuple(results)))


def render_text(results: list[TestResult]) -> str:
    return OutputFormat.TEXT.formatter().render(PolicyTestReport(tuple(results)))


def render_json(results: list[TestResult]) -> str:
    return OutputFormat.JSON.formatter().render(PolicyTestReport(tuple(results)))


BASIC = Path(__file__).parent / "engine" / "data" / "basic"

SEGV_TEST = """package checks.crash_test

import data.checks.scoring

test_whole_input_override if {
\tcount(scoring.deny) == 1 with input as {"model": {"threats": [{"id": "T-9"}]}}
}
"""

FAILING_TEST = """package checks.more_test

import data.checks.scoring

test_wrong_expectation if {
\tcount(scoring.deny) == 5 with input.model as {"threats": [{"id": "T-9"}]}
}

test_undefined if {
\tscoring.nosuch with input.model as {}
}

test_passes if {
\tcount(scoring.deny) == 1 with input.model as {"threats": [{"id": "T-9"}]}
}
"""


@pytest.fixture
def policies(tmp_path: Path) -> Path:
    target = tmp_path / "basic"
    shutil.copytree(BASIC, target)
    return target


def test_all_pass() -> None:
    results = run_policy_tests([BASIC])
    assert [r.name for r in results] == [
        "test_threat_without_assumption_denied",
        "test_threat_with_assumption_passes",
        "test_no_threats_not_applicable",
        "test_high_risk_without_owner_denied",
    ]
    assert all(r.outcome is Outcome.PASS for r in results)
    assert exit_code(results) == 0


def test_failures_and_crash_are_reported_per_test(policies: Path) -> None:
    (policies / "checks" / "more_test.rego").write_text(FAILING_TEST)
    (policies / "checks" / "crash_test.rego").write_text(SEGV_TEST)
    results = run_policy_tests([policies])
    by_name = {r.name: r for r in results}
    assert by_name["test_wrong_expectation"].outcome is Outcome.FAIL
    assert by_name["test_undefined"].outcome is Outcome.FAIL
    assert by_name["test_undefined"].message == "undefined"
    assert by_name["test_passes"].outcome is Outcome.PASS
    crash = by_name["test_whole_input_override"]
    assert crash.outcome is Outcome.ERROR
    assert "crashed (SIGSEGV)" in crash.message
    assert crash.file.endswith("crash_test.rego")
    assert exit_code(results) == 1
    text = render_text(results)
    assert "FAIL: " in text and "ERROR: " in text and "test_passes" not in text
    doc = json.loads(render_json(results))
    assert doc["summary"] == {"total": 8, "pass": 5, "fail": 2, "error": 1}


def test_compile_error_in_test_file_is_an_error(policies: Path) -> None:
    (policies / "checks" / "broken_test.rego").write_text("package broken_test\n\ntest_x if {\n")
    results = run_policy_tests([policies])
    broken = [r for r in results if r.file.endswith("broken_test.rego")]
    assert [r.outcome for r in broken] == [Outcome.ERROR]
    assert "broken_test.rego:" in broken[0].message


def test_cli_exit_status_and_formats(policies: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", str(policies), "-v"]) == 0
    out = capsys.readouterr().out
    assert "PASS: 4/4, FAIL: 0, ERROR: 0" in out
    (policies / "checks" / "more_test.rego").write_text(FAILING_TEST)
    assert main(["test", str(policies), "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["summary"]["fail"] == 2


def test_cli_bad_metadata_is_tool_failure(
    policies: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (policies / "checks" / "bad.rego").write_text("package bad\n# METADATA\n# custom: [\n")
    assert main(["test", str(policies)]) == 2
    assert "bad.rego:" in capsys.readouterr().err


def test_cli_bundle_build_is_deterministic(tmp_path: Path) -> None:
    assert main(["bundle", "build", str(BASIC), "--out", str(tmp_path / "a.tar.gz")]) == 0
    assert main(["bundle", "build", str(BASIC), "--out", str(tmp_path / "b.tar.gz")]) == 0
    assert (tmp_path / "a.tar.gz").read_bytes() == (tmp_path / "b.tar.gz").read_bytes()


HOG_TEST = """package checks.hog_test

test_a_huge_array if {
\tcount([x | some x in numbers.range(1, 300000000); x > 0]) > 0
}
"""


def test_a_test_over_its_memory_budget_is_an_error_of_its_file(policies: Path) -> None:
    """Test files are untrusted code too: the child ends itself over budget, measured by
    the peak resident memory of the children (generous bounds: the machine is shared)."""
    import re
    import time

    (policies / "checks" / "hog_test.rego").write_text(HOG_TEST)
    start = time.monotonic()
    results = run_policy_tests([policies], budget=Budget(memory_mb=300))
    assert time.monotonic() - start < 120
    by_name = {r.name: r for r in results}
    hog = by_name["test_a_huge_array"]
    assert hog.outcome is Outcome.ERROR and hog.file.endswith("hog_test.rego")
    said = re.fullmatch(
        r"the embedded engine went over budget running this file: the evaluation used more "
        r"than its memory budget of 300 MB \(([\d,]+) MB\); it was stopped",
        hog.message,
    )
    assert said is not None, hog.message
    assert 300 < int(said.group(1).replace(",", "")) < 300 + 300  # the child's peak
    # the file's batch ran again one file per child: the other tests still pass
    assert by_name["test_threat_with_assumption_passes"].outcome is Outcome.PASS


SPIN_TEST = """package checks.spin_test

test_a_long_loop if {
\txs := numbers.range(1, 30000)
\tcount([i | some i in xs; some j in xs; i == j + 40000]) == 0
}
"""


def _test_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, str]]:
    """`policyengine test ARGV -f json`: its exit status and each test's message by name."""
    code = main(["test", *argv, "-f", "json"])
    doc = json.loads(capsys.readouterr().out)
    return code, {r["name"]: r["message"] for r in doc["tests"]}


def test_the_time_budget_stops_a_runaway_test_on_the_command_line(
    policies: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A test that loops 900 million times with no memory to speak of: `--budget-seconds`
    stops it by its CPU time, an error of its file; the other tests still pass."""
    (policies / "checks" / "spin_test.rego").write_text(SPIN_TEST)
    code, messages = _test_json(capsys, str(policies), "--budget-seconds", "2")
    assert code == 1
    assert messages["test_a_long_loop"] == (
        "the embedded engine went over budget running this file: the evaluation took more "
        "than its time budget of 2 s of CPU; it was stopped"
    )
    assert messages["test_threat_with_assumption_passes"] == ""


def test_the_memory_budget_comes_from_the_config_and_the_command_line_wins(
    policies: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`engine.budget.memory_mb` of the config, as `check` reads it; `--budget-memory`
    overrides it."""
    (policies / "checks" / "hog_test.rego").write_text(HOG_TEST)
    config = tmp_path / ".policyengine.yaml"
    config.write_text("engine:\n  budget:\n    memory_mb: 280\n", encoding="utf-8")
    _, messages = _test_json(capsys, str(policies), "--config", str(config))
    assert "used more than its memory budget of 280 MB (" in messages["test_a_huge_array"]
    _, messages = _test_json(
        capsys, str(policies), "--config", str(config), "--budget-memory", "300"
    )
    assert "used more than its memory budget of 300 MB (" in messages["test_a_huge_array"]


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--budget-memory", "100", "memory budget must be 256 to 16384 MB (got 100)"),
        ("--budget-seconds", "601", "time budget must be 1 to 600 seconds (got 601)"),
    ],
)
def test_a_test_budget_beyond_its_limits_is_refused(
    policies: Path, capsys: pytest.CaptureFixture[str], flag: str, value: str, message: str
) -> None:
    assert main(["test", str(policies), flag, value]) == 2
    assert message in capsys.readouterr().err
