"""remind: which models are reminded (reminders.py), grouping by owner, and every format.

The iCalendar output is parsed back with icalendar and, independently, with vobject.
"""

from __future__ import annotations

import importlib
import json
from datetime import date, datetime, timedelta

import icalendar
import pytest

from policyengine.reminders import due_models, group_by_owner, remind_report
from policyengine.report import FORMATS_OF, OutputFormat
from policyengine.report.ics import event_uid
from policyengine.results import (
    ModelReport,
    RemindReport,
    ReviewReason,
    ReviewRule,
    ReviewStatus,
    ReviewVerdict,
    RunResult,
    exit_status,
)

# NOTE: vobject ships no type hints; through import_module its attributes are Any.
vobject = importlib.import_module("vobject")

AS_OF = date(2026, 11, 1)


def render_remind(run: RunResult, fmt: OutputFormat, within: int) -> str:
    """The `remind` report of `run` in `fmt`, as the CLI renders it."""
    return fmt.formatter().render(remind_report(run, within))


def verdict(status: ReviewStatus, due: date | None, *reasons: str) -> ReviewVerdict:
    days = (due - AS_OF).days if due is not None else None
    rs = tuple(ReviewReason(ReviewRule.CALENDAR, status, r) for r in reasons)
    return ReviewVerdict(status, due, days, rs, None if due is None else date(2026, 8, 1))


def sample_run() -> RunResult:
    return RunResult(
        models=(
            # current, due in 40 days: only with --within 40 or more
            ModelReport("m/a.yaml", "alpha", "team-b", (),
                        review=verdict(ReviewStatus.CURRENT, date(2026, 12, 11))),
            ModelReport("m/b.yaml", "beta", "team-b", (),
                        review=verdict(ReviewStatus.OVERDUE, date(2026, 10, 1), "late")),
            ModelReport("m/c.yaml", "gamma", "", (),
                        review=verdict(ReviewStatus.NEVER_REVIEWED, None, "never")),
            ModelReport("m/d.yaml", "delta", "team-a", (),
                        review=verdict(ReviewStatus.DUE_SOON, date(2026, 11, 10), "soon")),
            ModelReport("m/e.yaml", "epsilon", "team-b", (),
                        review=verdict(ReviewStatus.REVIEW_REQUIRED, date(2027, 1, 5),
                                       "tool changed")),
            ModelReport("m/f.yaml", "", "team-a", ()),  # no review ran: never reminded
        ),
        as_of=AS_OF,
    )  # fmt: skip


def test_selection_and_window() -> None:
    run = sample_run()
    assert [m.model_id for m in due_models(run, 14)] == ["beta", "gamma", "delta", "epsilon"]
    assert "alpha" in [m.model_id for m in due_models(run, 40)]
    assert "alpha" not in [m.model_id for m in due_models(run, 39)]


def test_grouped_by_owner_most_urgent_first() -> None:
    groups = group_by_owner(due_models(sample_run(), 40))
    assert [(g.owner, [m.model_id for m in g.models]) for g in groups] == [
        ("team-a", ["delta"]),
        ("team-b", ["beta", "alpha", "epsilon"]),
        ("(no owner)", ["gamma"]),
    ]


def test_markdown_is_an_issue_body_with_one_checklist_line_per_model() -> None:
    out = render_remind(sample_run(), OutputFormat.MARKDOWN, 14)
    checklist = [line for line in out.splitlines() if line.startswith("- [ ] ")]
    assert len(checklist) == 4
    assert "- [ ] **beta** (`m/b.yaml`): overdue, due 2026-10-01 (31 days ago)" in checklist
    assert "- [ ] **gamma** (`m/c.yaml`): never_reviewed, never reviewed" in checklist
    assert out.index("### team-a") < out.index("### team-b") < out.index("### (no owner)")
    assert "  - [overdue] late" in out.splitlines()


def test_text() -> None:
    out = render_remind(sample_run(), OutputFormat.TEXT, 14)
    assert out.startswith("4 threat-model reviews to do as of 2026-11-01")
    assert "  delta  due_soon  due 2026-11-10 (in 9 days)  m/d.yaml" in out.splitlines()


def test_nothing_due() -> None:
    run = RunResult(models=sample_run().models[:1], as_of=AS_OF)
    assert "Nothing is due." in render_remind(run, OutputFormat.TEXT, 14)
    doc = json.loads(render_remind(run, OutputFormat.JSON, 14))
    assert doc["count"] == 0 and doc["owners"] == []


def test_json() -> None:
    doc = json.loads(render_remind(sample_run(), OutputFormat.JSON, 14))
    assert doc["schema_version"] == 3
    assert doc["within_days"] == 14 and doc["count"] == 4
    assert [o["owner"] for o in doc["owners"]] == ["team-a", "team-b", "(no owner)"]
    assert doc["owners"][1]["models"][0]["reasons"][0]["message"] == "late"


def test_ics_parses_with_icalendar() -> None:
    out = render_remind(sample_run(), OutputFormat.ICS, 14)
    cal = icalendar.Calendar.from_ical(out)
    events = {str(e["x-policyengine-path"]): e for e in cal.walk("VEVENT")}
    assert sorted(events) == ["m/b.yaml", "m/c.yaml", "m/d.yaml", "m/e.yaml"]
    beta = events["m/b.yaml"]
    assert beta.decoded("dtstart") == date(2026, 10, 1)  # all-day, the due date
    assert beta.decoded("dtend") == date(2026, 10, 2)
    assert str(beta["summary"]) == "Threat-model review: beta (overdue)"
    assert "Owner: team-b" in str(beta["description"])
    assert "[overdue] late" in str(beta["description"])
    assert str(beta["uid"]) == event_uid(sample_run().models[1])
    assert str(beta["uid"]).endswith("@policyengine")
    stamp = beta.decoded("dtstamp")
    assert isinstance(stamp, datetime) and stamp.date() == AS_OF
    (alarm,) = beta.walk("VALARM")
    assert alarm.decoded("trigger") == timedelta(days=-7)
    # never reviewed: no due date, so the event is on the as-of date
    assert events["m/c.yaml"].decoded("dtstart") == AS_OF


def test_ics_parses_with_vobject() -> None:
    out = render_remind(sample_run(), OutputFormat.ICS, 14)
    cal = vobject.readOne(out)
    events = cal.contents["vevent"]
    assert len(events) == 4
    by_summary = {e.summary.value: e for e in events}
    delta = by_summary["Threat-model review: delta (due_soon)"]
    assert delta.dtstart.value == date(2026, 11, 10)
    assert delta.valarm.trigger.value == timedelta(days=-7)
    assert len({e.uid.value for e in events}) == 4


def test_ics_is_deterministic_and_uids_are_stable() -> None:
    first = render_remind(sample_run(), OutputFormat.ICS, 14)
    assert first == render_remind(sample_run(), OutputFormat.ICS, 14)
    # a later run (new due date, new status) keeps the UID, so calendars update the event
    later = RunResult(
        models=(
            ModelReport("m/b.yaml", "beta", "team-b", (),
                        review=verdict(ReviewStatus.DUE_SOON, date(2026, 11, 5), "x")),
        ),
        as_of=AS_OF,
    )  # fmt: skip
    cal = icalendar.Calendar.from_ical(render_remind(later, OutputFormat.ICS, 14))
    (event,) = cal.walk("VEVENT")
    assert str(event["uid"]) == event_uid(sample_run().models[1])


@pytest.mark.parametrize("fmt", FORMATS_OF["remind"], ids=str)
def test_every_format_ends_with_a_newline(fmt: OutputFormat) -> None:
    assert render_remind(sample_run(), fmt, 14).endswith("\n")


def test_exit_status_is_1_exactly_when_a_review_is_listed() -> None:
    assert exit_status(remind_report(sample_run(), 14)) == 1
    nothing = RunResult(models=sample_run().models[:1], as_of=AS_OF)
    assert exit_status(remind_report(nothing, 14)) == 0
    assert exit_status(remind_report(nothing, 40)) == 1  # alpha is due in 40 days
    assert isinstance(remind_report(nothing, 40), RemindReport)
