"""Property tests for review due dates: month-end clamping, and due after the last review."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from policyengine.results import ReviewStatus
from policyengine.review import CADENCE_MONTHS, due_date, review_model

days = st.dates(min_value=date(1990, 1, 1), max_value=date(2200, 12, 31))
named = st.sampled_from(sorted(CADENCE_MONTHS))


@given(last=days, cadence=named)
def test_named_cadence_moves_whole_months_and_clamps(last: date, cadence: str) -> None:
    due = due_date(last, cadence)
    months = CADENCE_MONTHS[cadence]
    index = last.year * 12 + last.month - 1 + months
    assert due.year * 12 + due.month - 1 == index
    last_day = calendar.monthrange(due.year, due.month)[1]
    assert due.day == min(last.day, last_day)


@given(last=days, cadence=named)
def test_due_is_after_the_last_review(last: date, cadence: str) -> None:
    due = due_date(last, cadence)
    assert due > last
    # never more than the cadence's months of 31 days, never less than of 28
    months = CADENCE_MONTHS[cadence]
    assert 28 * months - 3 <= (due - last).days <= 31 * months


@given(last=days, n=st.integers(min_value=1, max_value=3660))
def test_days_cadence_adds_exactly_n_days(last: date, n: int) -> None:
    assert due_date(last, {"days": n}) == last + timedelta(days=n)
    assert due_date(last, n) == last + timedelta(days=n)


@given(last=days, cadence=named, offset=st.integers(min_value=0, max_value=800),
       remind=st.integers(min_value=0, max_value=60))  # fmt: skip
def test_calendar_status_follows_days_left(
    last: date, cadence: str, offset: int, remind: int
) -> None:
    model = {"review": {"last_reviewed": last.isoformat(), "cadence": cadence}}
    as_of = last + timedelta(days=offset)
    v = review_model(
        model,
        as_of=as_of,
        remind_before=remind,
        max_cadence="annual",
        atlas=None,
        mapping=None,
        changes=None,
    )
    assert v.due == due_date(last, cadence)
    # At the default ceiling (quarterly), a longer cadence falls due at the ceiling.
    capped = review_model(
        model, as_of=as_of, remind_before=remind, atlas=None, mapping=None, changes=None
    )
    assert capped.due == min(due_date(last, cadence), due_date(last, "quarterly"))
    assert v.days_left == (v.due - as_of).days
    calendar_status = v.reasons[0].status if v.reasons[0].rule.value == "calendar" else None
    if v.days_left < 0:
        assert calendar_status is ReviewStatus.OVERDUE
    elif v.days_left <= remind:
        assert calendar_status is ReviewStatus.DUE_SOON
    else:
        assert calendar_status is None  # current: no calendar reason
    assert v.status.rank >= (calendar_status or ReviewStatus.CURRENT).rank


@given(last=days, cadence=named, ahead=st.integers(min_value=1, max_value=800))
def test_a_review_after_the_as_of_date_is_never_current(
    last: date, cadence: str, ahead: int
) -> None:
    model = {"review": {"last_reviewed": last.isoformat(), "cadence": cadence}}
    v = review_model(
        model, as_of=last - timedelta(days=ahead), atlas=None, mapping=None, changes=None
    )
    assert v.status is ReviewStatus.NEVER_REVIEWED
    assert v.reasons[0].status is ReviewStatus.NEVER_REVIEWED
