"""The iCalendar format: the `remind` reviews as all-day events, one per review.

Each event has a stable UID (from the model's path and id), so that importing a newer
calendar updates events instead of duplicating them, and a display alarm. A review that
is coming up is an event on its due date with the alarm a week before (never before the
as-of day); a review that needs doing now (overdue, required, never done, unknown) is an
event on the as-of day with the alarm at its start, since an alarm in the past never
fires. The owner's e-mail addresses (the config's `owners`) are the event's attendees.
Fields from a model go through `escape.text` (RFC 5545 allows no control characters in
text); the icalendar library then escapes `,`, `;` and `\\`, and folds long lines.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import assert_never

from ..results import (
    AtlasChange,
    AtlasListing,
    CheckExplanation,
    CheckListing,
    DiscoveryReport,
    MatrixReport,
    ModelReport,
    PolicyTestReport,
    RemindReport,
    Report,
    RunResult,
    SoaReport,
    StatusReport,
)
from . import Formatter, OutputFormat, escape, no_view
from .text import reason_label, when_due


def event_uid(model: ModelReport) -> str:
    """A stable event UID from the model's path and id: `<sha256 prefix>@policyengine`."""
    digest = hashlib.sha256(f"{model.path}\x00{model.model_id}".encode()).hexdigest()
    return f"{digest[:32]}@policyengine"


def _remind_ics(report: RemindReport) -> str:
    from icalendar import Alarm, Calendar, Event, vCalAddress, vText

    as_of = report.run.as_of
    cal = Calendar()
    cal.add("prodid", "-//policyengine//threat-model review reminders//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Threat-model reviews")
    stamp = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC)
    for group in report.groups:
        for m in group.models:
            review = m.review
            if review is None:
                continue
            now = review.due is None or review.status.needs_action_now or review.due < as_of
            start = as_of if now or review.due is None else review.due
            ahead = min(7, (start - as_of).days)
            name = escape.text(m.model_id or m.path)
            owner, path = escape.text(group.owner), escape.text(m.path)
            description = [
                f"Owner: {owner}",
                f"Model: {name} ({path})",
                f"Status: {review.status.value}, {when_due(m)}",
                *(f"- {escape.text(reason_label(r))}" for r in review.reasons),
            ]
            event = Event()
            event.add("uid", event_uid(m))
            event.add("dtstamp", stamp)
            event.add("dtstart", start)
            event.add("dtend", start + timedelta(days=1))
            event.add("summary", f"Threat-model review: {name} ({review.status.value})")
            event.add("description", "\n".join(description))
            event.add("categories", ["threat-model-review"])
            event.add("x-policyengine-owner", vText(owner))
            event.add("x-policyengine-path", vText(path))
            event.add("x-policyengine-status", vText(review.status.value))
            event.add("transp", "TRANSPARENT")
            for email in group.emails:
                attendee = vCalAddress(f"mailto:{email}")
                attendee.params["cn"] = vText(owner)
                attendee.params["role"] = vText("REQ-PARTICIPANT")
                event.add("attendee", attendee, encode=False)
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"Threat-model review of {name} is due")
            alarm.add("trigger", timedelta(days=-ahead))
            event.add_component(alarm)
            cal.add_component(event)
    return bytes(cal.to_ical()).decode("utf-8")


class IcsFormatter(Formatter):
    """`--format ics` (`remind`): an iCalendar file (RFC 5545, CRLF line ends)."""

    def render(self, report: Report) -> str:
        """The report as an iCalendar document."""
        match report:
            case RemindReport():
                return _remind_ics(report)
            case (
                RunResult()
                | StatusReport()
                | PolicyTestReport()
                | AtlasListing()
                | AtlasChange()
                | CheckListing()
                | CheckExplanation()
                | MatrixReport()
                | DiscoveryReport()
                | SoaReport()
            ):
                raise no_view(OutputFormat.ICS, report)
            case _:
                assert_never(report)
