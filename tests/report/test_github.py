"""The GitHub workflow-command view of a check run: one annotation per finding, escaped so
that no text from a model can end a command or start another."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from policyengine.report.github import GithubFormatter, github_lines
from policyengine.results import (
    CheckOutcome,
    ControlResult,
    ControlStatus,
    Diagnostic,
    Finding,
    ModelReport,
    RunResult,
    Severity,
    View,
    exit_status,
)


def _run(message: str, path: str = "models/a.yaml", waived: bool = False) -> RunResult:
    finding = Finding(
        check_id="TM-SCORE-001",
        severity=Severity.HIGH,
        message=message,
        pointer="/threats/0",
        line=7,
        column=5,
        controls=("nist-ai-rmf/MAP 5.1",),
    )
    controls = (
        (
            ControlResult(
                "nist-ai-rmf/MAP 5.1",
                "nist-ai-rmf",
                ControlStatus.WAIVED,
                ("TM-SCORE-001",),
                (finding,),
                note="accepted by the board",
            ),
        )
        if waived
        else ()
    )
    model = ModelReport(
        path=path,
        model_id="a",
        owner="o",
        diagnostics=(),
        checks=(CheckOutcome("TM-SCORE-001", "t", Severity.HIGH, True, (finding,)),),
        controls=controls,
    )
    return RunResult(models=(model,), as_of=date(2026, 11, 27))


def test_a_finding_is_an_error_on_its_line() -> None:
    assert github_lines(_run("threat T-1 has no assumption")) == [
        "::error file=models/a.yaml,line=7,col=5,title=TM-SCORE-001 (high)::"
        "threat T-1 has no assumption"
    ]


def test_a_forged_message_cannot_start_another_command() -> None:
    (line,) = github_lines(_run("T-1 100%\n::error file=x::forged\r"))
    assert "\n" not in line and "\r" not in line
    assert line.endswith("::T-1 100%25\\n::error file=x::forged\\r")


def test_a_forged_path_cannot_add_a_property() -> None:
    (line,) = github_lines(_run("m", path="a,line=1:b%.yaml"))
    assert line.startswith("::error file=a%2Cline=1%3Ab%25.yaml,line=7,col=5,")


def test_a_waived_finding_keeps_its_level_and_names_the_waiver() -> None:
    # a waiver does not change the exit status, so the annotation does not hide the finding
    (line,) = github_lines(_run("m", waived=True))
    assert line == (
        "::error file=models/a.yaml,line=7,col=5,title=TM-SCORE-001 (high) waived::"
        "m (waived: accepted by the board)"
    )


@pytest.mark.parametrize(
    ("fail_on", "last"),
    [
        (Severity.HIGH, "policyengine: 1 annotation (1 error); the check fails at --fail-on high"),
        (
            Severity.CRITICAL,
            "policyengine: 1 annotation (1 error); the check passes at --fail-on critical",
        ),
    ],
    ids=["fails", "passes"],
)
def test_the_last_line_counts_the_annotations_and_gives_the_exit_statuss_verdict(
    fail_on: Severity, last: str
) -> None:
    run = replace(_run("m", waived=True), view=View(fail_on=fail_on))
    text = GithubFormatter().render(run)
    assert text.splitlines()[-1] == last
    assert (exit_status(run, fail_on) == 1) is ("fails" in last)


def test_a_low_finding_that_fails_the_run_is_counted_in_the_verdict() -> None:
    run = _run("m")
    low = replace(run.models[0].checks[0], severity=Severity.LOW)
    finding = replace(low.findings[0], severity=Severity.LOW)
    model = replace(run.models[0], checks=(replace(low, findings=(finding,)),))
    run = replace(run, models=(model,), view=View(fail_on=Severity.LOW))
    assert GithubFormatter().render(run).splitlines()[-1] == (
        "policyengine: 1 annotation (1 notice); the check fails at --fail-on low"
    )


def test_an_invalid_file_is_an_error_at_its_problem() -> None:
    broken = ModelReport("b.yaml", "", "", (Diagnostic("b.yaml", 3, 1, "YAML syntax error"),))
    run = RunResult(models=(broken,), as_of=date(2026, 11, 27))
    assert github_lines(run) == [
        "::error file=b.yaml,line=3,col=1,title=invalid threat model::YAML syntax error"
    ]
