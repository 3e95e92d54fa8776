"""`policyengine remind`: reviews due, overdue or required, grouped by owner (a pure view).

Selects from a `RunResult` the models whose review verdict needs action (`due_soon`,
`overdue`, `review_required`, `never_reviewed`) or whose due date falls within the
requested window, and renders them as text, Markdown (the body of a tracking issue, one
checklist line per model), JSON, or iCalendar (one all-day event per review, with a stable
UID so that re-importing updates events instead of duplicating them).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import assert_never

from ..results import ModelReport, ReviewReason, ReviewStatus, RunResult
from .status import SCHEMA_VERSION, markdown_cell, model_json, reason_label

NEEDS_ACTION = frozenset(
    {
        ReviewStatus.DUE_SOON,
        ReviewStatus.OVERDUE,
        ReviewStatus.REVIEW_REQUIRED,
        ReviewStatus.NEVER_REVIEWED,
    }
)
"""Verdicts that are always reminded of (controls.md: "Reminders list every model ...")."""

NO_OWNER = "(no owner)"
"""The group of models whose `metadata.owner` is empty."""


class RemindFormat(StrEnum):
    """Formats of `policyengine remind`."""

    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"
    ICS = "ics"


@dataclass(frozen=True)
class OwnerGroup:
    """The models one owner has to review."""

    owner: str
    """`metadata.owner`, or `NO_OWNER`."""
    models: tuple[ModelReport, ...]
    """Most urgent first: never reviewed, then by due date, then by path."""


def due_models(run: RunResult, within: int) -> tuple[ModelReport, ...]:
    """Models needing action on `run.as_of`, or whose review is due within `within` days."""
    out = []
    for model in run.models:
        review = model.review
        if review is None:
            continue
        soon = review.days_left is not None and review.days_left <= within
        if review.status in NEEDS_ACTION or soon:
            out.append(model)
    return tuple(out)


def _urgency(model: ModelReport) -> tuple[int, date, str]:
    review = model.review
    due = review.due if review is not None else None
    return (0 if due is None else 1, due or date.min, model.path)


def group_by_owner(models: Sequence[ModelReport]) -> tuple[OwnerGroup, ...]:
    """`models` grouped by owner (owners sorted, `NO_OWNER` last), most urgent first."""
    groups: dict[str, list[ModelReport]] = {}
    for model in models:
        groups.setdefault(model.owner or NO_OWNER, []).append(model)
    owners = sorted(groups, key=lambda o: (o == NO_OWNER, o))
    return tuple(OwnerGroup(o, tuple(sorted(groups[o], key=_urgency))) for o in owners)


def _when(model: ModelReport) -> str:
    review = model.review
    if review is None or review.due is None:
        return "never reviewed"
    days = review.days_left or 0
    if days < 0:
        return f"due {review.due.isoformat()} ({-days} days ago)"
    if days == 0:
        return f"due {review.due.isoformat()} (today)"
    return f"due {review.due.isoformat()} (in {days} days)"


def _reasons(model: ModelReport) -> tuple[ReviewReason, ...]:
    return model.review.reasons if model.review is not None else ()


def _status(model: ModelReport) -> str:
    return model.review.status.value if model.review is not None else "-"


def _heading(run: RunResult, within: int, count: int) -> str:
    noun = "review" if count == 1 else "reviews"
    return (
        f"{count} threat-model {noun} to do as of {run.as_of.isoformat()} "
        f"(due within {within} days, overdue or required)"
    )


def _render_text(run: RunResult, within: int) -> str:
    groups = group_by_owner(due_models(run, within))
    count = sum(len(g.models) for g in groups)
    lines = [_heading(run, within, count)]
    for group in groups:
        lines.extend(["", f"{group.owner}:"])
        for m in group.models:
            lines.append(f"  {m.model_id or m.path}  {_status(m)}  {_when(m)}  {m.path}")
            lines.extend(f"      {reason_label(r)}" for r in _reasons(m))
    if not groups:
        lines.extend(["", "Nothing is due."])
    return "\n".join(lines) + "\n"


def _render_markdown(run: RunResult, within: int) -> str:
    groups = group_by_owner(due_models(run, within))
    count = sum(len(g.models) for g in groups)
    lines = [
        f"## Threat-model reviews due ({run.as_of.isoformat()})",
        "",
        _heading(run, within, count) + ".",
    ]
    for group in groups:
        lines.extend(["", f"### {markdown_cell(group.owner)}", ""])
        for m in group.models:
            name = markdown_cell(m.model_id or m.path)
            lines.append(f"- [ ] **{name}** (`{m.path}`): {_status(m)}, {_when(m)}")
            lines.extend(f"  - {markdown_cell(reason_label(r))}" for r in _reasons(m))
    if not groups:
        lines.extend(["", "Nothing is due."])
    return "\n".join(lines) + "\n"


def _render_json(run: RunResult, within: int) -> str:
    groups = group_by_owner(due_models(run, within))
    doc = {
        "schema_version": SCHEMA_VERSION,
        "as_of": run.as_of.isoformat(),
        "within_days": within,
        "count": sum(len(g.models) for g in groups),
        "owners": [{"owner": g.owner, "models": [model_json(m) for m in g.models]} for g in groups],
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def event_uid(model: ModelReport) -> str:
    """A stable event UID from the model's path and id: `<sha256 prefix>@policyengine`."""
    digest = hashlib.sha256(f"{model.path}\x00{model.model_id}".encode()).hexdigest()
    return f"{digest[:32]}@policyengine"


def _render_ics(run: RunResult, within: int) -> str:
    from icalendar import Alarm, Calendar, Event, vText

    cal = Calendar()
    cal.add("prodid", "-//policyengine//threat-model review reminders//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Threat-model reviews")
    stamp = datetime(run.as_of.year, run.as_of.month, run.as_of.day, tzinfo=UTC)
    for group in group_by_owner(due_models(run, within)):
        for m in group.models:
            review = m.review
            if review is None:
                continue
            start = review.due if review.due is not None else run.as_of
            name = m.model_id or m.path
            description = [
                f"Owner: {group.owner}",
                f"Model: {name} ({m.path})",
                f"Status: {review.status.value}, {_when(m)}",
                *(f"- {reason_label(r)}" for r in review.reasons),
            ]
            event = Event()
            event.add("uid", event_uid(m))
            event.add("dtstamp", stamp)
            event.add("dtstart", start)
            event.add("dtend", start + timedelta(days=1))
            event.add("summary", f"Threat-model review: {name} ({review.status.value})")
            event.add("description", "\n".join(description))
            event.add("categories", ["threat-model-review"])
            event.add("x-policyengine-owner", vText(group.owner))
            event.add("x-policyengine-path", vText(m.path))
            event.add("x-policyengine-status", vText(review.status.value))
            event.add("transp", "TRANSPARENT")
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"Threat-model review of {name} is due")
            alarm.add("trigger", timedelta(days=-7))
            event.add_component(alarm)
            cal.add_component(event)
    return bytes(cal.to_ical()).decode("utf-8")


def render_remind(run: RunResult, fmt: RemindFormat, within: int) -> str:
    """The `remind` report of `run`: models due within `within` days or needing action."""
    match fmt:
        case RemindFormat.TEXT:
            return _render_text(run, within)
        case RemindFormat.MARKDOWN:
            return _render_markdown(run, within)
        case RemindFormat.JSON:
            return _render_json(run, within)
        case RemindFormat.ICS:
            return _render_ics(run, within)
        case _:
            assert_never(fmt)
