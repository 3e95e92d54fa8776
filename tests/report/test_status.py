"""status: the review table in text, JSON, Markdown and CSV, from a fixed run."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from policyengine.report import FORMATS_OF, OutputFormat
from policyengine.report.text import status_summary_line as summary_line
from policyengine.results import (
    ModelReport,
    ReviewReason,
    ReviewRule,
    ReviewStatus,
    ReviewVerdict,
    RunResult,
    StatusReport,
    exit_status,
)

AS_OF = date(2026, 11, 1)


def render_status(run: RunResult, fmt: OutputFormat) -> str:
    """The `status` report of `run` in `fmt`, as the CLI renders it."""
    return fmt.formatter().render(StatusReport(run))


def sample_run() -> RunResult:
    """Three models: current, overdue with an unevaluated rule, never reviewed."""
    current = ReviewVerdict(ReviewStatus.CURRENT, date(2027, 1, 2), 62, (), date(2026, 10, 2))
    overdue = ReviewVerdict(
        ReviewStatus.REVIEW_REQUIRED,
        date(2026, 10, 1),
        -31,
        (
            ReviewReason(ReviewRule.CALENDAR, ReviewStatus.OVERDUE, "review was due | late"),
            ReviewReason(ReviewRule.CHANGE, None, "change rule not evaluated: shallow"),
            ReviewReason(
                ReviewRule.RED_TEAM,
                ReviewStatus.REVIEW_REQUIRED,
                "red-team finding RT-1/F-1 names no threat",
                {"finding": "RT-1/F-1"},
            ),
        ),
        date(2026, 7, 1),
    )
    never = ReviewVerdict(
        ReviewStatus.NEVER_REVIEWED,
        None,
        None,
        (ReviewReason(ReviewRule.CALENDAR, ReviewStatus.NEVER_REVIEWED, "never reviewed"),),
    )
    return RunResult(
        models=(
            ModelReport("models/a.yaml", "alpha", "team-a", (), review=current),
            ModelReport("models/b.yaml", "beta", "team-b", (), review=overdue),
            ModelReport("models/c.yaml", "gamma", "", (), review=never),
        ),
        as_of=AS_OF,
    )


def test_text_table_is_aligned_with_reasons_under_each_model() -> None:
    out = render_status(sample_run(), OutputFormat.TEXT)
    lines = out.splitlines()
    assert lines[0] == "Review status as of 2026-11-01"
    header = lines[2]
    assert header.split() == ["PATH", "MODEL", "OWNER", "LAST", "REVIEW", "DUE", "DAYS", "STATUS"]
    row_b = next(line for line in lines if line.startswith("models/b.yaml"))
    # columns line up with the header
    assert row_b.index("beta") == header.index("MODEL")
    assert row_b.index("review_required") == header.index("STATUS")
    assert "    [overdue] review was due | late" in lines
    assert "    [not evaluated] change rule not evaluated: shallow" in lines
    row_c = next(line for line in lines if line.startswith("models/c.yaml"))
    assert "never" in row_c and "never_reviewed" in row_c
    assert lines[-1] == "3 models: 1 current, 1 review_required, 1 never_reviewed"


def test_json_shape() -> None:
    doc = json.loads(render_status(sample_run(), OutputFormat.JSON))
    assert doc["schema_version"] == 4
    assert doc["as_of"] == "2026-11-01"
    b = doc["models"][1]
    assert b == {
        "path": "models/b.yaml",
        "id": "beta",
        "owner": "team-b",
        "status": "review_required",
        "last_reviewed": "2026-07-01",
        "due": "2026-10-01",
        "days_left": -31,
        "reasons": [
            {"rule": "calendar", "status": "overdue", "message": "review was due | late",
             "details": {}},
            {"rule": "change", "status": "not_evaluated",
             "message": "change rule not evaluated: shallow", "details": {}},
            {"rule": "red_team", "status": "review_required",
             "message": "red-team finding RT-1/F-1 names no threat",
             "details": {"finding": "RT-1/F-1"}},
        ],
    }  # fmt: skip
    assert doc["models"][2]["due"] is None
    assert doc["summary"] == {
        "current": 1,
        "due_soon": 0,
        "unknown": 0,
        "overdue": 0,
        "review_required": 1,
        "never_reviewed": 1,
    }


def test_markdown_escapes_pipes_and_has_one_row_per_model() -> None:
    out = render_status(sample_run(), OutputFormat.MARKDOWN)
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    assert len(rows) == 4  # header + 3 models
    assert "review was due \\| late" in rows[2]
    assert all(row.count(" | ") == 7 for row in rows)


def test_csv_round_trips() -> None:
    out = render_status(sample_run(), OutputFormat.CSV)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["id"] for r in rows] == ["alpha", "beta", "gamma"]
    assert rows[1]["days_left"] == "-31"
    assert rows[1]["reasons"].startswith("[overdue] review was due | late; [not evaluated]")
    assert rows[2]["due"] == ""


@pytest.mark.parametrize("fmt", FORMATS_OF["status"], ids=str)
def test_output_is_deterministic(fmt: OutputFormat) -> None:
    assert render_status(sample_run(), fmt) == render_status(sample_run(), fmt)
    assert render_status(sample_run(), fmt).endswith("\n")


def test_empty_run() -> None:
    run = RunResult(models=(), as_of=AS_OF)
    assert "(no threat models found)" in render_status(run, OutputFormat.TEXT)
    assert summary_line(run) == "0 models"


def test_a_verdict_has_the_same_json_in_status_and_check() -> None:
    # One function renders a review verdict: a rule that was not evaluated is
    # "not_evaluated" in both reports, and the status report's model is the check
    # report's verdict, flat.
    run = sample_run()
    status = json.loads(render_status(run, OutputFormat.JSON))
    check = json.loads(OutputFormat.JSON.formatter().render(run))
    for flat, model in zip(status["models"], check["models"], strict=True):
        review = model["review"]
        assert {k: flat[k] for k in review} == review
    assert check["models"][1]["review"]["reasons"][1]["status"] == "not_evaluated"


def test_exit_status_is_1_when_a_review_is_overdue_required_or_missing() -> None:
    run = sample_run()
    assert exit_status(StatusReport(run)) == 1
    assert exit_status(StatusReport(RunResult(models=run.models[:1], as_of=AS_OF))) == 0
