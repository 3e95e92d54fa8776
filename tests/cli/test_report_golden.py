"""Golden files of every command but `check` (see test_check.py), in every format it offers.

Each test runs one command in process with a fixed `--as-of` and compares stdout byte for
byte with a file in tests/golden/ (`pytest --update-golden` rewrites them). The
exhaustiveness test in test_architecture.py reads the `_golden` and `_run` calls of the
tests in tests/cli/ and fails when a command lacks the golden file of one of its formats.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from functools import cache
from pathlib import Path
from types import MappingProxyType

import pytest
from conftest import (
    assert_golden,
    commit_placeholder,
    committed_examples,
    provenance_placeholders,
)
from conftest import run_cli as _run

from policyengine import atlas

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
BASIC = REPO / "tests" / "engine" / "data" / "basic"
AS_OF = "2026-11-27"

FAILING_TEST = """package checks.more_test

import data.checks.scoring

test_wrong_expectation if {
\tcount(scoring.deny) == 5 with input.model as {"threats": [{"id": "T-9"}]}
}

test_undefined if {
\tscoring.nosuch with input.model as {}
}
"""


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`conftest.committed_examples`."""
    return committed_examples(tmp_path_factory)


@pytest.fixture
def in_examples(examples: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The examples copy as the working directory: paths in reports are relative to it."""
    monkeypatch.chdir(examples)
    return examples


@pytest.fixture
def in_policies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`basic/` (four passing tests) plus a file of two failing ones, under the working
    directory."""
    shutil.copytree(BASIC, tmp_path / "basic")
    (tmp_path / "basic" / "checks" / "more_test.rego").write_text(FAILING_TEST, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def in_catalogs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`old.json`: the shipped catalog as 5.4.0 would have had it (no technique first
    released after 5.4.0, one former name, one technique since retired) and `new.json`,
    the shipped catalog."""
    shipped = atlas.load_catalog()
    techniques = {
        tid: t
        for tid, t in shipped.techniques.items()
        if atlas.parse_version(t.first_release) <= atlas.parse_version("5.4.0")
    }
    techniques["AML.T0051"] = replace(techniques["AML.T0051"], name="LLM Prompt Injection (old)")
    techniques["AML.T9999"] = atlas.Technique("AML.T9999", "Gone", None, (), "", "4.0.0")
    old = replace(shipped, version="5.4.0", techniques=MappingProxyType(techniques))
    atlas.save_catalog(old, tmp_path / "old.json")
    atlas.save_catalog(shipped, tmp_path / "new.json")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@cache
def _placeholders() -> dict[str, str]:
    return provenance_placeholders(EXAMPLES)


def _golden(name: str, text: str, update: bool) -> None:
    """Compare with tests/golden/NAME, the digests and the commit of the provenance as
    placeholders."""
    assert_golden(name, text, update, _placeholders() | commit_placeholder(Path.cwd()))


@pytest.fixture
def update(request: pytest.FixtureRequest) -> bool:
    """`pytest --update-golden`."""
    return bool(request.config.getoption("--update-golden"))


# --- validate -------------------------------------------------------------------------------


def test_validate_text(in_examples: Path, capsys: pytest.CaptureFixture[str], update: bool) -> None:
    code, out, _ = _run(capsys, "validate", "--as-of", AS_OF)
    assert code == 0
    _golden("validate-examples.txt", out, update)


def test_validate_json(in_examples: Path, capsys: pytest.CaptureFixture[str], update: bool) -> None:
    code, out, _ = _run(capsys, "validate", "--as-of", AS_OF, "--format", "json")
    assert code == 0 and json.loads(out)["summary"]["valid"] == 3
    _golden("validate-examples.json", out, update)


# --- status: coding-agent is overdue; git history is missing, so the change rule is unknown


def test_status_text(in_examples: Path, capsys: pytest.CaptureFixture[str], update: bool) -> None:
    code, out, err = _run(capsys, "status", "--as-of", AS_OF)
    assert code == 1
    assert err == "policyengine: 3 models: 1 current, 2 overdue\n"
    _golden("status-examples.txt", out, update)


def test_status_json(in_examples: Path, capsys: pytest.CaptureFixture[str], update: bool) -> None:
    code, out, _ = _run(capsys, "status", "--as-of", AS_OF, "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["schema_version"] == 4
    change = [r for m in doc["models"] for r in m["reasons"] if r["rule"] == "change"]
    assert change == []  # the history was read, and no trigger changed since the review
    _golden("status-examples.json", out, update)


def test_status_markdown(
    in_examples: Path, capsys: pytest.CaptureFixture[str], update: bool
) -> None:
    code, out, _ = _run(capsys, "status", "--as-of", AS_OF, "--format", "markdown")
    assert code == 1
    _golden("status-examples.md", out, update)


def test_status_csv(in_examples: Path, capsys: pytest.CaptureFixture[str], update: bool) -> None:
    code, out, _ = _run(capsys, "status", "--as-of", AS_OF, "--format", "csv")
    assert code == 1
    _golden("status-examples.csv", out, update)


# --- remind: within 60 days, support-assistant (due in 36 days) joins coding-agent ----------


def test_remind_text(in_examples: Path, capsys: pytest.CaptureFixture[str], update: bool) -> None:
    code, out, err = _run(capsys, "remind", "--as-of", AS_OF, "--within", "60")
    assert code == 1
    assert err == (
        "policyengine: 3 of 3 models to review\n"
        "policyengine: warning: owner 'risk-ml' has no entry in the config's owners: nobody "
        "is reminded of 1 of its models\n"
    )  # the examples' owners name no contact for risk-ml
    _golden("remind-examples.txt", out, update)


def test_remind_markdown(
    in_examples: Path, capsys: pytest.CaptureFixture[str], update: bool
) -> None:
    code, out, _ = _run(capsys, "remind", "--as-of", AS_OF, "--within", "60", "-f", "markdown")
    assert code == 1
    _golden("remind-examples.md", out, update)


def test_remind_json(in_examples: Path, capsys: pytest.CaptureFixture[str], update: bool) -> None:
    code, out, _ = _run(capsys, "remind", "--as-of", AS_OF, "--within", "60", "-f", "json")
    assert code == 1 and json.loads(out)["count"] == 3
    _golden("remind-examples.json", out, update)


def test_remind_ics(in_examples: Path, capsys: pytest.CaptureFixture[str], update: bool) -> None:
    code, out, _ = _run(capsys, "remind", "--as-of", AS_OF, "--within", "60", "-f", "ics")
    assert code == 1 and out.count("BEGIN:VEVENT") == 3
    _golden("remind-examples.ics", out, update)


# --- test: four passing Rego tests and two failing ones -------------------------------------


def test_test_text(in_policies: Path, capsys: pytest.CaptureFixture[str], update: bool) -> None:
    code, out, _ = _run(capsys, "test", "basic", "--verbose")
    assert code == 1
    _golden("test-basic.txt", out, update)


def test_test_json(in_policies: Path, capsys: pytest.CaptureFixture[str], update: bool) -> None:
    code, out, _ = _run(capsys, "test", "basic", "--format", "json")
    assert code == 1
    assert json.loads(out)["summary"] == {"total": 6, "pass": 4, "fail": 2, "error": 0}
    _golden("test-basic.json", out, update)


# --- atlas ------------------------------------------------------------------------------------


def test_atlas_list_text(
    in_examples: Path, capsys: pytest.CaptureFixture[str], update: bool
) -> None:
    code, out, _ = _run(capsys, "atlas", "list", "--since", "5.4.0")
    assert code == 0
    _golden("atlas-list-since-5.4.0.txt", out, update)


def test_atlas_list_json(
    in_examples: Path, capsys: pytest.CaptureFixture[str], update: bool
) -> None:
    code, out, _ = _run(capsys, "atlas", "list", "--since", "5.4.0", "--format", "json")
    assert code == 0
    _golden("atlas-list-since-5.4.0.json", out, update)


def test_atlas_diff_text(
    in_catalogs: Path, capsys: pytest.CaptureFixture[str], update: bool
) -> None:
    code, out, _ = _run(capsys, "atlas", "diff", "old.json", "new.json")
    assert code == 0
    assert "  AML.T9999" in out and "  AML.T0051: LLM Prompt Injection (old) -> " in out
    _golden("atlas-diff.txt", out, update)


def test_atlas_diff_json(
    in_catalogs: Path, capsys: pytest.CaptureFixture[str], update: bool
) -> None:
    code, out, _ = _run(capsys, "atlas", "diff", "old.json", "new.json", "--format", "json")
    assert code == 0 and json.loads(out)["retired"] == ["AML.T9999"]
    _golden("atlas-diff.json", out, update)


# --- checks and explain: the bundled checks, the examples' team check, the PR-* checks -------


def test_checks_text(in_examples: Path, capsys: pytest.CaptureFixture[str], update: bool) -> None:
    code, out, _ = _run(capsys, "checks")
    assert code == 0
    assert "TM-TEAM-001" in out and "PR-REVIEW-001" in out
    _golden("checks-examples.txt", out, update)


def test_checks_json(in_examples: Path, capsys: pytest.CaptureFixture[str], update: bool) -> None:
    code, out, _ = _run(capsys, "checks", "--format", "json")
    checks = json.loads(out)["checks"]
    assert code == 0 and all(c["hint"] and c["rule_out"] for c in checks)
    assert [c["id"] for c in checks] == sorted(c["id"] for c in checks)
    _golden("checks-examples.json", out, update)


def test_explain_text(in_examples: Path, capsys: pytest.CaptureFixture[str], update: bool) -> None:
    code, out, _ = _run(capsys, "explain", "TM-SCORE-001")
    assert code == 0
    assert "How to fix it: " in out and "How to rule it out: " in out
    _golden("explain-TM-SCORE-001.txt", out, update)


def test_explain_markdown(
    in_examples: Path, capsys: pytest.CaptureFixture[str], update: bool
) -> None:
    code, out, _ = _run(capsys, "explain", "tm-score-001", "--format", "markdown")
    assert code == 0 and out.startswith("## TM-SCORE-001: ")
    _golden("explain-TM-SCORE-001.md", out, update)


def test_explain_an_unknown_check_names_the_near_ones(
    in_examples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, "explain", "TM-SCORE-01")
    assert code == 2 and out == ""
    assert "no check 'TM-SCORE-01' (did you mean TM-SCORE-001" in err
