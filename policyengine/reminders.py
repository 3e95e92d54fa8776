"""Chooses the reviews `policyengine remind` lists and groups them by owner.

A model is reminded of when its review verdict needs action now (`unknown`, `overdue`,
`review_required`, `never_reviewed`) or its due date falls within the requested window.
The window alone decides for a review that is merely coming up: `due_soon` (within the
config's `remind_before`) is not listed by a narrower `--within`, and a `current` review
is listed by a wider one. Pure: the verdicts come from review.py, the rendering from
`report/`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from .results import ModelReport, OwnerGroup, RemindReport, ReviewStatus, RunResult

NEEDS_ACTION = frozenset(s for s in ReviewStatus if s.needs_action_now)
"""Verdicts that are reminded of whatever the window: they need action now."""

NO_OWNER = "(no owner)"
"""The group of models whose `metadata.owner` is empty."""


def due_models(run: RunResult, within: int) -> tuple[ModelReport, ...]:
    """Models needing action on `run.as_of`, or whose review is due within `within` days
    (a `due_soon` verdict further off than `within` is left out)."""
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


def group_by_owner(
    models: Sequence[ModelReport], contacts: Mapping[str, Sequence[str]] | None = None
) -> tuple[OwnerGroup, ...]:
    """`models` grouped by owner (owners sorted, `NO_OWNER` last), most urgent first, each
    group with the owner's `contacts` (the config's `owners`), if any."""
    known = contacts or {}
    groups: dict[str, list[ModelReport]] = {}
    for model in models:
        groups.setdefault(model.owner or NO_OWNER, []).append(model)
    owners = sorted(groups, key=lambda o: (o == NO_OWNER, o))
    return tuple(
        OwnerGroup(o, tuple(sorted(groups[o], key=_urgency)), tuple(known.get(o, ())))
        for o in owners
    )


def remind_report(
    run: RunResult, within: int, contacts: Mapping[str, Sequence[str]] | None = None
) -> RemindReport:
    """The `remind` report of `run`: the models to review within `within` days, by owner,
    with each owner's `contacts` (owner name to e-mail addresses and `@handles`)."""
    groups = group_by_owner(due_models(run, within), contacts)
    return RemindReport(run=run, within=within, groups=groups, contacts_configured=bool(contacts))
