"""`policyengine validate` and `check` end to end, in process, on the bundled examples."""

from __future__ import annotations

import gc
import json
import shutil
import sys
import traceback
from pathlib import Path

import pytest
from conftest import (
    assert_golden,
    commit_placeholder,
    committed_examples,
    provenance_placeholders,
    stable,
)
from conftest import run_cli as _run

from policyengine.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
AS_OF = ["--as-of", "2026-11-27"]


@pytest.fixture(scope="module")
def examples_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`conftest.committed_examples`."""
    return committed_examples(tmp_path_factory)


def _golden(name: str, text: str, update: bool) -> None:
    assert_golden(name, text, update, {})


def test_validate_examples_passes(capsys: pytest.CaptureFixture[str], examples_copy: Path) -> None:
    code, out, err = _run(capsys, "validate", str(examples_copy), *AS_OF)
    assert code == 0, out
    # governance/register.yaml is validated as the organisation register, not skipped
    assert out.endswith("3 models (3 valid, 0 invalid); no findings\n")
    assert err == ""


def test_check_examples_text_golden(
    capsys: pytest.CaptureFixture[str], examples_copy: Path, request: pytest.FixtureRequest
) -> None:
    code, out, err = _run(capsys, "check", str(examples_copy), *AS_OF)
    (commit,) = commit_placeholder(examples_copy)
    assert f"commit: {commit}\n" in out  # the examples' own repository, clean
    out = stable(out, provenance_placeholders(examples_copy) | commit_placeholder(examples_copy))
    assert code == 1  # the coding agent and the partner classifier have high findings
    assert "models/partner-classifier.yaml:64:5: high: TM-SUPPLY-001" in out
    assert (
        "models/coding-agent.yaml:136:5: high: TM-SCORE-001 threat T-104 has no assumption" in out
    )
    _golden("check-examples.txt", out, request.config.getoption("--update-golden"))


def test_check_examples_json_contract(
    capsys: pytest.CaptureFixture[str], examples_copy: Path, request: pytest.FixtureRequest
) -> None:
    code, out, _ = _run(capsys, "check", str(examples_copy), *AS_OF, "--format", "json")
    doc = json.loads(out)
    assert code == 1
    assert doc["schema_version"] == 9
    placeholders = provenance_placeholders(examples_copy)
    assert placeholders[doc["provenance"]["policy_digest"]] == "<policy-set-sha256>"
    assert doc["provenance"]["as_of"] == "2026-11-27"
    (commit,) = commit_placeholder(examples_copy)
    assert doc["provenance"]["commit"] == commit and doc["provenance"]["dirty"] is False
    assert doc["provenance"]["catalogs"]["atlas-catalog"] == "ATLAS 5.6.1"
    out = stable(out, placeholders | commit_placeholder(examples_copy))
    assert [m["id"] for m in doc["models"]] == [
        "coding-agent",
        "partner-classifier",
        "support-assistant",
    ]
    support = doc["models"][2]
    statuses = {c["control"]: c["status"] for c in support["controls"]}
    assert statuses["nist-ai-rmf/MEASURE 2.11"] == "waived"
    assert statuses["iso42001/6.1.2"] == "satisfied"
    assert support["review"]["status"] == "current"
    partner = {c["control"]: c for c in doc["models"][1]["controls"]}
    assert partner["iso42001/A.7.5"]["status"] == "not_satisfied"
    assert partner["nist-ai-rmf/MEASURE 2.11"]["status"] == "not_satisfied"  # waiver expired
    _golden("check-examples.json", out, request.config.getoption("--update-golden"))


def test_check_is_byte_identical(capsys: pytest.CaptureFixture[str], examples_copy: Path) -> None:
    first = _run(capsys, "check", str(examples_copy), *AS_OF, "--format", "json")[1]
    second = _run(capsys, "check", str(examples_copy), *AS_OF, "--format", "json")[1]
    assert first == second


def test_a_check_runs_with_the_collector_paused_and_restores_it(
    capsys: pytest.CaptureFixture[str], examples_copy: Path
) -> None:
    """The run holds every model's report until its report is written: the cyclic
    collector makes no pass while the check reads, judges and renders (a pass whose
    stack is in the package beyond `cli.py`), and is on again afterwards (off still for
    a caller that had turned it off)."""
    package = Path(main.__code__.co_filename).parent
    passes: list[list[str]] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            stack = [f.filename for f in traceback.extract_stack()]
            if not any("importlib" in f for f in stack):  # a module imported meanwhile
                passes.append([f for f in stack if f.startswith(str(package))])

    gc.callbacks.append(count)
    try:
        for _ in range(2):  # the young generation fills more than once
            _run(capsys, "check", str(examples_copy), *AS_OF, "--format", "json")
        inside = [p for p in passes if any(not f.endswith("cli.py") for f in p)]
        assert passes and inside == [] and gc.isenabled()
        gc.disable()
        _run(capsys, "check", str(examples_copy), *AS_OF, "--format", "json")
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.callbacks.remove(count)


@pytest.mark.opa
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_check_on_wasm_and_auto_is_byte_identical_to_embedded(
    capsys: pytest.CaptureFixture[str], examples_copy: Path, opa_bin: str, fmt: str
) -> None:
    # The examples' config adds a team policy folder: compiled with opa ($POLICYENGINE_OPA).
    reports = {
        engine: _run(
            capsys, "check", str(examples_copy), *AS_OF, "--format", fmt, "--engine", engine
        )
        for engine in ("embedded", "wasm", "auto")
    }
    assert reports["wasm"] == reports["embedded"] == reports["auto"]
    assert reports["wasm"][0] == 1 and reports["wasm"][2] == ""


def test_a_process_ending_with_compiled_programs_alive_is_quiet(tmp_path: Path) -> None:
    # Programs still alive when a process ends (the worker processes, then the main one;
    # a cold and a warm cache: compiled, then loaded) must not print "Exception ignored
    # in ..." from a finaliser.
    import os
    import subprocess

    script = (
        "from pathlib import Path\n"
        "from policyengine.engine.embedded import EmbeddedEngine\n"
        "from policyengine.policyset import load_policy_set\n"
        f"ps = load_policy_set([Path({str(REPO / 'policies')!r})])\n"
        "engine = EmbeddedEngine(workers=2)\n"
        "print(len(engine.evaluate(ps, [{'model': {}, 'facts': {}}] * 12)))\n"
        "engine.close()\n"
        "single = EmbeddedEngine(workers=1)\n"
        "print(len(single.evaluate(ps, [{'model': {}, 'facts': {}}])))\n"
    )
    env = {**os.environ, "POLICYENGINE_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(REPO)}
    for _ in ("cold", "warm"):
        proc = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
        )
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, "12\n1\n", "")
    assert list((tmp_path / "cache" / "programs").glob("*.rbb")), "the first run filled the cache"


def test_output_file_written_whole(
    capsys: pytest.CaptureFixture[str], examples_copy: Path, tmp_path: Path
) -> None:
    target = tmp_path / "out" / "report.json"
    code, out, _ = _run(
        capsys, "check", str(examples_copy), *AS_OF, "-f", "json", "-o", str(target)
    )
    assert code == 1 and out == ""
    assert json.loads(target.read_text())["summary"]["models"] == 3
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]


def test_fail_on_critical_passes_examples(
    capsys: pytest.CaptureFixture[str], examples_copy: Path
) -> None:
    code, _, _ = _run(capsys, "check", str(examples_copy), *AS_OF, "--fail-on", "critical")
    assert code == 0


def test_invalid_model_reported_and_others_evaluated(
    capsys: pytest.CaptureFixture[str], examples_copy: Path, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(examples_copy, repo)
    bad = repo / "models" / "broken.yaml"
    bad.write_text("apiVersion: policyengine/v1\nkind: ThreatModel\nmetadata: {id: x\n")
    code, out, err = _run(capsys, "check", str(repo), *AS_OF, "--fail-on", "critical")
    assert code == 1
    assert "models/broken.yaml:4:1: error: YAML syntax error" in out
    assert "4 models (3 valid, 1 invalid)" in out
    assert "Traceback" not in err


def test_the_text_summary_counts_errors_as_json_does(
    capsys: pytest.CaptureFixture[str], examples_copy: Path, tmp_path: Path
) -> None:
    """The text summary line of a plain `check` and of `validate` counts the error
    diagnostics the exit status judges, as JSON `summary.errors` does (and as the
    pull-request line does): "1 error, 25 high", never "no findings" after errors."""
    repo = tmp_path / "repo"
    shutil.copytree(examples_copy, repo)
    model = repo / "models" / "support-assistant.yaml"
    text = model.read_text(encoding="utf-8")
    model.write_text(text.replace("kind: ThreatModel", "kind: ThreatModel\nbogus: 1", 1))
    for command in ("check", "validate"):
        code, out, _ = _run(capsys, command, str(repo), *AS_OF, "--format", "json")
        summary = json.loads(out)["summary"]
        assert code == 1 and summary["errors"] == 1 and summary["invalid"] == 1
        code, out, _ = _run(capsys, command, str(repo), *AS_OF)
        last = out.splitlines()[-1]
        high, medium = summary["findings"]["high"], summary["findings"]["medium"]
        counts = f"1 error, {high} high, {medium} medium" if command == "check" else "1 error"
        assert last == f"3 models (2 valid, 1 invalid); {counts}", last
    # five located errors in one model: five errors, not "no findings"
    model.write_text(
        text.replace(
            "kind: ThreatModel", "kind: ThreatModel\n" + "".join(f"x{i}: 1\n" for i in range(5)), 1
        )
    )
    code, out, _ = _run(capsys, "validate", str(repo), *AS_OF, "--format", "json")
    errors = json.loads(out)["summary"]["errors"]
    code, out, _ = _run(capsys, "validate", str(repo), *AS_OF)
    assert errors == 5 and out.count(": error: ") == 5
    assert out.endswith("3 models (2 valid, 1 invalid); 5 errors\n")


@pytest.mark.parametrize("fail_on", ["critical", "low"])
def test_validate_takes_fail_on_and_an_invalid_model_always_fails(
    capsys: pytest.CaptureFixture[str], examples_copy: Path, tmp_path: Path, fail_on: str
) -> None:
    """validate reports no severities: at any --fail-on, valid models pass and an invalid
    one fails."""
    code, _, _ = _run(capsys, "validate", str(examples_copy), *AS_OF, "--fail-on", fail_on)
    assert code == 0
    repo = tmp_path / "repo"
    shutil.copytree(examples_copy, repo)
    (repo / "models" / "broken.yaml").write_text("kind: ThreatModel\nmetadata: [\n")
    code, out, _ = _run(capsys, "validate", str(repo), *AS_OF, "--fail-on", fail_on)
    assert code == 1
    assert "models/broken.yaml:3:1: error: YAML syntax error" in out


def test_missing_path_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "check", "/nonexistent/models", *AS_OF)
    assert code == 2 and out == ""
    assert err.startswith("policyengine: error: /nonexistent/models: no such file or folder")


def test_opa_engine_without_url_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], examples_copy: Path
) -> None:
    code, _, err = _run(capsys, "check", str(examples_copy), *AS_OF, "--engine", "opa")
    assert code == 2
    assert "--engine opa needs --opa-url" in err


# `history` (conftest): the examples with a git history whose last commit adds an agent
# tool unreviewed.


def test_pull_request_adding_a_tool_without_review_fails(
    capsys: pytest.CaptureFixture[str], history: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(history)
    code, out, _ = _run(capsys, "check", "--base", "HEAD~1", *AS_OF, "--fail-on", "critical")
    assert code == 1
    assert "pull request: HEAD~1 -> working tree" in out
    assert "review trigger: agent tool voucher-tool was added" in out
    assert "critical: PR-REVIEW-001 this change needs a review of the threat model" in out
    assert "    regresses: iso42001/8.2, nist-ai-rmf/MEASURE 3.1 (satisfied at the base)" in out


def test_pull_request_prose_only_change_passes_review_rule(
    capsys: pytest.CaptureFixture[str], history: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(history)
    code, out, _ = _run(
        capsys, "check", "--base", "HEAD~2", "--head", "HEAD~1", *AS_OF, "-f", "json"
    )
    delta = json.loads(out)["pull_request"]
    support = next(m for m in delta["models"] if m["id"] == "support-assistant")
    assert support["trigger_changes"] == []
    # no review finding; the commit attests MEASURE 2.10 on the model, a claim (PR-ATTEST-001)
    assert [f["check"] for f in support["findings"]] == ["PR-ATTEST-001"]
    assert "nist-ai-rmf/MEASURE 2.10" in support["findings"][0]["message"]


def test_pull_request_changed_only_evaluates_changed_models(
    capsys: pytest.CaptureFixture[str], history: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(history)
    code, out, _ = _run(capsys, "check", "--base", "HEAD~1", "--changed-only", *AS_OF, "-f", "json")
    doc = json.loads(out)
    assert [m["path"] for m in doc["models"]] == ["models/support-assistant.yaml"]
    assert code == 1


def test_changed_only_with_no_model_changed_still_says_what_judged_it(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """A pull request that changes no model evaluates none with --changed-only, and its
    JSON report still has the run's provenance (commit, policies, catalogs, as-of): the
    one a full run of the same pull request has, and every check as a rule."""
    (pr / "README.md").write_text("# docs only\n", encoding="utf-8")
    argv = ("check", "--base", "HEAD", *AS_OF, "-f", "json")
    code, out, _ = _run(capsys, *argv, "--changed-only")
    doc = json.loads(out)
    assert doc["models"] == [] and code == 0
    assert doc["provenance"] is not None
    _, full, _ = _run(capsys, *argv)
    assert doc["provenance"] == json.loads(full)["provenance"]
    assert doc["provenance"]["policy_digest"]
    _, sarif, _ = _run(capsys, *argv[:-2], "-f", "sarif", "--changed-only")
    _, full_sarif, _ = _run(capsys, *argv[:-2], "-f", "sarif")
    rules = [r["id"] for r in json.loads(sarif)["runs"][0]["tool"]["driver"]["rules"]]
    assert rules == [r["id"] for r in json.loads(full_sarif)["runs"][0]["tool"]["driver"]["rules"]]


def test_unknown_base_ref_is_a_tool_error(
    capsys: pytest.CaptureFixture[str], history: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(history)
    code, out, err = _run(capsys, "check", "--base", "no-such-ref", *AS_OF)
    assert code == 2 and out == ""
    assert "unknown git ref 'no-such-ref'" in err


def test_history_status_and_ics_reminders(
    capsys: pytest.CaptureFixture[str], history: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import icalendar

    monkeypatch.chdir(history)
    code, out, _ = _run(capsys, "status", *AS_OF, "--format", "json")
    verdicts = {m["id"]: m["status"] for m in json.loads(out)["models"]}
    assert verdicts == {
        "coding-agent": "overdue",
        "partner-classifier": "overdue",  # semiannual, due at the quarterly ceiling
        "support-assistant": "review_required",
    }
    assert code == 1
    code, out, _ = _run(capsys, "remind", *AS_OF, "--format", "ics")
    assert code == 1
    calendar = icalendar.Calendar.from_ical(out)
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert sorted(events) == [
        "Threat-model review: coding-agent (overdue)",
        "Threat-model review: partner-classifier (overdue)",
        "Threat-model review: support-assistant (review_required)",
    ]
    support = events["Threat-model review: support-assistant (review_required)"]
    assert "voucher-tool" in str(support["DESCRIPTION"])


# --- several formats of one run; sarif, github and markdown golden files ----------------------


def _stable(out: str, examples_copy: Path) -> str:
    return stable(out, provenance_placeholders(examples_copy) | commit_placeholder(examples_copy))


def test_check_examples_sarif_golden(
    capsys: pytest.CaptureFixture[str], examples_copy: Path, request: pytest.FixtureRequest
) -> None:
    code, out, _ = _run(capsys, "check", str(examples_copy), *AS_OF, "--format", "sarif")
    assert code == 1 and json.loads(out)["version"] == "2.1.0"
    _golden(
        "check-examples.sarif",
        _stable(out, examples_copy),
        request.config.getoption("--update-golden"),
    )


def test_check_examples_github_golden(
    capsys: pytest.CaptureFixture[str], examples_copy: Path, request: pytest.FixtureRequest
) -> None:
    code, out, _ = _run(capsys, "check", str(examples_copy), *AS_OF, "--format", "github")
    assert code == 1
    assert (
        "::error file=models/coding-agent.yaml,line=136,col=5,title=TM-SCORE-001 (high)::"
        "threat T-104 has no assumption" in out
    )
    _golden("check-examples.github.txt", out, request.config.getoption("--update-golden"))


def test_check_examples_markdown_golden(
    capsys: pytest.CaptureFixture[str], examples_copy: Path, request: pytest.FixtureRequest
) -> None:
    code, out, _ = _run(capsys, "check", str(examples_copy), *AS_OF, "--format", "markdown")
    assert code == 1
    rows = [line for line in out.splitlines() if line.startswith("| high |")]
    found = out.count("\n| high |") + out.count("\n| medium |") + out.count("\n| low |")
    assert rows and f"### Findings ({found})" in out
    assert out.splitlines()[2].startswith(f":x: **Fails** at `--fail-on high`: {found} findings")
    _golden(
        "check-examples.md",
        _stable(out, examples_copy),
        request.config.getoption("--update-golden"),
    )


def test_several_formats_of_one_run(
    capsys: pytest.CaptureFixture[str], examples_copy: Path, tmp_path: Path
) -> None:
    sarif, md = tmp_path / "out" / "results.sarif", tmp_path / "comment.md"
    code, out, err = _run(
        capsys,
        "check",
        str(examples_copy),
        *AS_OF,
        "--format",
        "text,sarif,markdown",
        "--output",
        f"-,{sarif},{md}",
    )
    assert code == 1, err
    alone = {
        fmt: _run(capsys, "check", str(examples_copy), *AS_OF, "--format", fmt)[1]
        for fmt in ("text", "sarif", "markdown")
    }
    assert out == alone["text"]
    assert sarif.read_text(encoding="utf-8") == alone["sarif"]
    assert md.read_text(encoding="utf-8") == alone["markdown"]


@pytest.mark.parametrize(
    ("formats", "outputs", "said"),
    [
        ("text,nope", "-,x.txt", "invalid choice: 'nope'"),
        ("text,sarif", "x.sarif", "one file per format"),
        ("text,sarif", "-,-", "stdout (`-`) named twice"),
        ("sarif,json", "x.out,x.out", "a file named twice"),
        ("text,text", "a,b", "named twice"),
    ],
    ids=["unknown", "count", "stdout-twice", "file-twice", "format-twice"],
)
def test_a_format_mistake_fails_before_anything_is_written(
    capsys: pytest.CaptureFixture[str],
    examples_copy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    formats: str,
    outputs: str,
    said: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["check", str(examples_copy), *AS_OF, "--format", formats, "--output", outputs])
    out, err = capsys.readouterr()
    assert exc.value.code == 2 and said in err and out == ""
    assert list(tmp_path.iterdir()) == []


_UNWRITABLE = Path("/sys/policyengine-test")  # sysfs: no new file there, even for root


@pytest.mark.parametrize(
    ("first", "second", "said"),
    [
        ("report.json", "README.md/x.sarif", "README.md is not a folder"),
        ("report.json", f"{_UNWRITABLE}.sarif", "cannot write it"),
        (f"{_UNWRITABLE}.json", "report.json", "cannot write it"),
    ],
    ids=["parent-is-a-file", "unwritable-second", "unwritable-first"],
)
def test_several_outputs_are_written_all_or_none(
    capsys: pytest.CaptureFixture[str],
    examples_copy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    first: str,
    second: str,
    said: str,
) -> None:
    """tester-c C5: the first report was replaced before the second failed to be written."""
    if "/sys/" in first + second and not _UNWRITABLE.parent.is_dir():
        pytest.skip("no /sys here")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "README.md").write_text("readme\n", encoding="utf-8")
    (tmp_path / "report.json").write_text('{"old": true}\n', encoding="utf-8")
    code, out, err = _run(
        capsys, "check", str(examples_copy), *AS_OF, "-f", "json,sarif", "-o", f"{first},{second}"
    )
    assert code == 2 and out == "" and said in err, err
    assert "File exists" not in err and "Traceback" not in err
    assert (tmp_path / "report.json").read_text(encoding="utf-8") == '{"old": true}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md", "report.json"]


def test_several_new_outputs_none_written_when_one_fails(
    capsys: pytest.CaptureFixture[str],
    examples_copy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not _UNWRITABLE.parent.is_dir():
        pytest.skip("no /sys here")
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(
        capsys,
        "check",
        str(examples_copy),
        *AS_OF,
        "-f",
        "text,json,sarif",
        "-o",
        f"-,out/report.json,{_UNWRITABLE}.sarif",
    )
    assert code == 2 and "cannot write it" in err, err
    assert out == ""  # stdout's report is not written either when a file cannot be
    assert not (tmp_path / "out" / "report.json").exists()


def test_github_appends_the_markdown_summary(
    capsys: pytest.CaptureFixture[str],
    examples_copy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out, _ = _run(capsys, "check", str(examples_copy), *AS_OF, "--format", "github")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY")
    markdown = _run(capsys, "check", str(examples_copy), *AS_OF, "--format", "markdown")[1]
    assert code == 1 and out.startswith("::")
    assert summary.read_text(encoding="utf-8") == "earlier step\n" + markdown


def test_check_examples_junit_golden(
    capsys: pytest.CaptureFixture[str], examples_copy: Path, request: pytest.FixtureRequest
) -> None:
    import xml.etree.ElementTree as ET

    code, out, _ = _run(capsys, "check", str(examples_copy), *AS_OF, "--format", "junit")
    assert code == 1
    root = ET.fromstring(out)
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["nist-ai-rmf", "iso42001", "atlas", "organisation", "validate"]
    # the register's checks are cases of their own suite, once for the repository
    register = suites["organisation"].findall("testcase")
    assert {c.get("classname") for c in register} == {"governance/register.yaml"}
    assert [c.get("name", "").split()[0] for c in register] == [
        "TM-REG-001", "TM-REG-002", "TM-REG-003", "TM-REG-004", "TM-REG-005",
        "TM-REG-006", "TM-REG-007", "TM-REG-008"
    ]  # fmt: skip
    cases = root.findall("testsuite/testcase")
    assert root.get("tests") == str(len(cases))
    assert root.get("failures") == str(sum(c.find("failure") is not None for c in cases))
    assert root.get("skipped") == str(sum(c.find("skipped") is not None for c in cases))
    passing = [c for c in cases if len(c) == 0]
    assert passing, "passing checks are cases too"
    score = [
        c
        for c in suites["nist-ai-rmf"].findall("testcase")
        if c.get("classname") == "models/coding-agent.yaml"
        and c.get("name", "").startswith("TM-SCORE-001 ")
    ]
    (failure,) = [c.find("failure") for c in score]
    assert failure is not None and failure.get("type") == "high"
    assert "models/coding-agent.yaml:136:5: high: threat T-104 has no assumption" in (
        failure.text or ""
    )
    assert [c.get("classname") for c in suites["validate"].findall("testcase")] == [
        "models/coding-agent.yaml",
        "models/partner-classifier.yaml",
        "models/support-assistant.yaml",
    ]
    _golden(
        "check-examples.junit.xml",
        _stable(out, examples_copy),
        request.config.getoption("--update-golden"),
    )


def test_junit_errors_for_an_invalid_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import xml.etree.ElementTree as ET

    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: policyengine/v1\nkind: ThreatModel\nmetadata: [\x1b\n", "utf-8")
    code, out, _ = _run(capsys, "check", str(bad), *AS_OF, "--format", "junit")
    assert code == 1
    root = ET.fromstring(out)
    (error,) = root.findall("testsuite[@name='validate']/testcase/error")
    assert root.get("errors") == "1" and "\x1b" not in out


def test_pull_request_sarif_marks_what_is_new(
    capsys: pytest.CaptureFixture[str], history: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(history)
    code, out, _ = _run(capsys, "check", "--base", "HEAD~1", *AS_OF, "--format", "sarif")
    assert code == 1
    run = json.loads(out)["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert "PR-REVIEW-001" in rules and "TM-SCORE-001" in rules
    new = [r for r in run["results"] if r["baselineState"] == "new"]
    assert [r["ruleId"] for r in new] == ["PR-REVIEW-001"]
    (review,) = new
    assert rules[review["ruleIndex"]] == "PR-REVIEW-001"
    assert review["level"] == "error"
    assert review["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "models/support-assistant.yaml"
    )
    assert {r["baselineState"] for r in run["results"]} == {"new", "unchanged"}
    pr_rule = run["tool"]["driver"]["rules"][review["ruleIndex"]]
    assert pr_rule["properties"]["security-severity"] == "9.5"


def test_pull_request_github_annotates_only_what_is_new(
    capsys: pytest.CaptureFixture[str], history: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(history)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    code, out, _ = _run(capsys, "check", "--base", "HEAD~1", *AS_OF, "--format", "github")
    assert code == 1
    errors = [line for line in out.splitlines() if line.startswith("::error ")]
    assert len(errors) == 1 and "title=PR-REVIEW-001 (critical)" in errors[0]
    assert "already on the base HEAD~1" in out


_CONFLICT = """package team.conflict

import data.lib.result

level := 1 if input.model.kind == "ThreatModel"

level := 2 if count(input.model.threats) > 0

# METADATA
# title: A check whose helper has two values when a model has threats
# custom:
#   id: TM-TEAM-900
#   severity: low
#   controls: {iso42001: ["6.1.2"]}
#   judges: [threats]
#   message: "the level is one"
deny contains result.finding("TM-TEAM-900", [], {}) if level == 1
"""


@pytest.mark.opa
def test_a_conflict_inside_the_wasm_module_is_exit_2_without_a_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, opa_bin: str
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLES, repo)
    (repo / "policies" / "team" / "conflict.rego").write_text(_CONFLICT, encoding="utf-8")
    out = tmp_path / "report.json"
    code, stdout, err = _run(
        capsys, "check", str(repo), *AS_OF, "--engine", "wasm", "-f", "json", "-o", str(out)
    )
    assert code == 2 and stdout == "" and not out.exists()
    policy = repo / "policies" / "team" / "conflict.rego"
    assert f"the wasm engine failed: {policy}:7:1: var assignment conflict" in err
    assert "Traceback" not in err
    # Without the conflict the same policy runs (the module itself is sound).
    policy.write_text(_CONFLICT.replace("level := 2", "level := 1"), encoding="utf-8")
    code, _, err = _run(capsys, "check", str(repo), *AS_OF, "--engine", "wasm", "-o", str(out))
    assert code == 1 and "TM-TEAM-900" in out.read_text(encoding="utf-8"), err
