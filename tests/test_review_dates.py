"""Which committed versions a review can have seen (`modeldiff.before_review`)."""

from __future__ import annotations

import pytest

from policyengine.modeldiff import before_review, review_covers


@pytest.mark.parametrize(
    ("reviewed", "committed", "stops"),
    [
        ("2026-07-01", "2026-07-01", True),  # an earlier review, committed before: seen
        ("2026-10-02", "2026-10-02", False),  # the same review
        ("2026-10-05", "2026-10-05", False),  # a later review: the current one moved back
        ("2026-07-01", "2026-11-24", False),  # committed after the review's day: unseen
        (None, "2026-07-01", True),  # no review before
        ("soon", "2026-07-01", True),  # not a day: any other value ends the search
    ],
)
def test_the_search_stops_at_the_first_version_the_review_saw(
    reviewed: str | None, committed: str, stops: bool
) -> None:
    assert before_review("2026-10-02", reviewed, committed) is stops


def test_a_review_that_is_not_a_day_compares_as_text() -> None:
    assert before_review("last week", "last week", "2026-11-24") is False
    assert before_review("last week", "2026-10-02", "2026-11-24") is True
    assert review_covers("last week", "2026-11-24", "last week") is True


@pytest.mark.parametrize(
    ("reviewed", "committed", "covers"),
    [
        ("2026-10-02", "2026-10-02", True),  # the review commit, on its day
        ("2026-10-02", "2026-10-09", False),  # committed after its review's day
        ("2026-10-05", "2026-10-05", True),  # a later review still stands
        ("2026-07-01", "2026-11-24", False),  # passed over for its date alone
    ],
)
def test_a_version_passed_over_is_the_baseline_only_when_reviewed(
    reviewed: str, committed: str, covers: bool
) -> None:
    assert review_covers(reviewed, committed, "2026-10-02") is covers
