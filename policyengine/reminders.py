"""Chooses the reviews `policyengine remind` lists and groups them by owner.

A model is reminded of when its review verdict needs action (`due_soon`, `overdue`,
`review_required`, `never_reviewed`) or its due date falls within the requested window.
Pure: the verdicts come from review.py, the rendering from `report/`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from .results import ModelReport, OwnerGroup, RemindReport, ReviewStatus, RunResult

NEEDS_ACTION = frozenset(
    {
        ReviewStatus.DUE_SOON,
        ReviewStatus.UNKNOWN,
        ReviewStatus.OVERDUE,
        ReviewStatus.REVIEW_REQUIRED,
        ReviewStatus.NEVER_REVIEWED,
    }
)
"""Verdicts that are always reminded of (controls.md: "Reminders list every model ...")."""

NO_OWNER = "(no owner)"
"""The group of models whose `metadata.owner` is empty."""


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


def remind_report(run: RunResult, within: int) -> RemindReport:
    """The `remind` report of `run`: the models to review within `within` days, by owner."""
    return RemindReport(run=run, within=within, groups=group_by_owner(due_models(run, within)))
