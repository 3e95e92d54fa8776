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


def test_a_narrower_window_leaves_out_a_due_soon_review() -> None:
    """Issue 13: `--within 5` listed a review due in 9 days because its verdict was
    `due_soon` (the config's `remind_before` won). What needs doing now stays."""
    run = sample_run()
    assert [m.model_id for m in due_models(run, 8)] == ["beta", "gamma", "epsilon"]
    assert [m.model_id for m in due_models(run, 9)] == ["beta", "gamma", "delta", "epsilon"]
    assert [m.model_id for m in due_models(run, 0)] == ["beta", "gamma", "epsilon"]


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
    assert doc["schema_version"] == 5
    assert doc["within_days"] == 14 and doc["count"] == 4
    assert [o["owner"] for o in doc["owners"]] == ["team-a", "team-b", "(no owner)"]
    assert doc["owners"][1]["models"][0]["reasons"][0]["message"] == "late"


def test_ics_parses_with_icalendar() -> None:
    out = render_remind(sample_run(), OutputFormat.ICS, 14)
    cal = icalendar.Calendar.from_ical(out)
    events = {str(e["x-policyengine-path"]): e for e in cal.walk("VEVENT")}
    assert sorted(events) == ["m/b.yaml", "m/c.yaml", "m/d.yaml", "m/e.yaml"]
    beta = events["m/b.yaml"]
    # overdue since 2026-10-01: the event is on the as-of day, all day, so its alarm fires
    assert beta.decoded("dtstart") == AS_OF
    assert beta.decoded("dtend") == AS_OF + timedelta(days=1)
    assert "due 2026-10-01 (31 days ago)" in str(beta["description"])
    assert str(beta["summary"]) == "Threat-model review: beta (overdue)"
    assert "Owner: team-b" in str(beta["description"])
    assert "[overdue] late" in str(beta["description"])
    assert str(beta["uid"]) == event_uid(sample_run().models[1])
    assert str(beta["uid"]).endswith("@policyengine")
    stamp = beta.decoded("dtstamp")
    assert isinstance(stamp, datetime) and stamp.date() == AS_OF
    (alarm,) = beta.walk("VALARM")
    assert alarm.decoded("trigger") == timedelta(0)
    # never reviewed: no due date, so the event is on the as-of date
    assert events["m/c.yaml"].decoded("dtstart") == AS_OF
    # review required, due date later: to do now
    assert events["m/e.yaml"].decoded("dtstart") == AS_OF
    # coming up in 9 days: on its due date, the alarm a week before
    delta = events["m/d.yaml"]
    assert delta.decoded("dtstart") == date(2026, 11, 10)
    assert delta.walk("VALARM")[0].decoded("trigger") == timedelta(days=-7)


@pytest.mark.parametrize("due_in", [-400, -1, 0, 1, 3, 7, 8, 40], ids=str)
def test_every_alarm_falls_on_or_after_the_as_of_day(due_in: int) -> None:
    """An alarm before the as-of day never fires: the one reminder of a late review
    would be lost. Each alarm is on the as-of day or later, a week before when it can."""
    due = AS_OF + timedelta(days=due_in)
    status = ReviewStatus.OVERDUE if due_in < 0 else ReviewStatus.DUE_SOON
    run = RunResult(
        models=(ModelReport("m/a.yaml", "alpha", "o", (), review=verdict(status, due)),),
        as_of=AS_OF,
    )
    cal = icalendar.Calendar.from_ical(render_remind(run, OutputFormat.ICS, 40))
    (event,) = cal.walk("VEVENT")
    start = event.decoded("dtstart")
    fires = start + event.walk("VALARM")[0].decoded("trigger")
    assert start == max(due, AS_OF)
    assert fires == max(AS_OF, due - timedelta(days=7))


CONTACTS = {"team-b": ("bea@example.com", "@acme/team-b", "bo.b@mail.example.org")}


def test_owner_contacts_are_attendees_in_ics() -> None:
    report = remind_report(sample_run(), 14, CONTACTS)
    cal = icalendar.Calendar.from_ical(OutputFormat.ICS.formatter().render(report))
    events = {str(e["x-policyengine-path"]): e for e in cal.walk("VEVENT")}
    attendees = events["m/b.yaml"]["attendee"]
    assert [str(a) for a in attendees] == ["mailto:bea@example.com", "mailto:bo.b@mail.example.org"]
    assert {str(a.params["cn"]) for a in attendees} == {"team-b"}
    assert "attendee" not in events["m/d.yaml"]  # team-a has no contacts
    vevents = vobject.readOne(OutputFormat.ICS.formatter().render(report)).contents["vevent"]
    beta = next(e for e in vevents if e.summary.value.startswith("Threat-model review: beta"))
    assert [a.value for a in beta.contents["attendee"]] == [
        "mailto:bea@example.com",
        "mailto:bo.b@mail.example.org",
    ]


def test_owner_contacts_are_mentions_in_markdown_text_and_json() -> None:
    report = remind_report(sample_run(), 14, CONTACTS)
    md = OutputFormat.MARKDOWN.formatter().render(report).splitlines()
    team_b = md.index("### team-b")
    assert md[team_b + 2] == "cc <bea@example.com>, @acme/team-b, <bo.b@mail.example.org>"
    assert "cc" not in " ".join(md[: md.index("### team-b")])
    text = OutputFormat.TEXT.formatter().render(report)
    assert "team-b (bea@example.com, @acme/team-b, bo.b@mail.example.org):" in text
    doc = json.loads(OutputFormat.JSON.formatter().render(report))
    assert [o["contacts"] for o in doc["owners"]] == [[], list(CONTACTS["team-b"]), []]


def test_ics_parses_with_vobject() -> None:
    out = render_remind(sample_run(), OutputFormat.ICS, 14)
    cal = vobject.readOne(out)
    events = cal.contents["vevent"]
    assert len(events) == 4
    by_summary = {e.summary.value: e for e in events}
    delta = by_summary["Threat-model review: delta (due_soon)"]
    assert by_summary["Threat-model review: beta (overdue)"].dtstart.value == AS_OF
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
