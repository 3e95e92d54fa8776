"""Status derivation is independent of order, and `satisfied` exactly when all applicable
checks pass and one of them judged something."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from policyengine.controls import status_from_checks
from policyengine.results import CheckOutcome, ControlStatus, Finding, Severity

KEY = "iso42001/6.1.2"

outcomes = st.lists(
    st.tuples(st.booleans(), st.booleans(), st.integers(0, 2)),
    max_size=8,
).map(
    lambda flags: [
        CheckOutcome(
            f"C{i}",
            "t",
            Severity.LOW,
            applicable,
            (Finding(f"C{i}", Severity.LOW, "m", "", 1, 1, (KEY,)),)
            if (fails and applicable)
            else (),
            judged if applicable else 0,
        )
        for i, (applicable, fails, judged) in enumerate(flags)
    ]
)


@given(outcomes, st.randoms())
def test_order_does_not_matter(items: list[CheckOutcome], rnd: object) -> None:
    shuffled = list(items)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert status_from_checks(items, KEY) is status_from_checks(shuffled, KEY)


@given(outcomes)
def test_satisfied_exactly_when_all_applicable_pass_and_one_judged(
    items: list[CheckOutcome],
) -> None:
    applicable = [o for o in items if o.applicable]
    status = status_from_checks(items, KEY)
    assert (status is ControlStatus.SATISFIED) == (
        all(o.passed for o in applicable) and any(o.judged > 0 for o in applicable)
    )


@given(outcomes)
def test_a_pass_that_judged_nothing_changes_no_status(items: list[CheckOutcome]) -> None:
    idle = CheckOutcome("IDLE", "t", Severity.LOW, True, (), 0)
    status = status_from_checks(items, KEY)
    with_idle = status_from_checks([*items, idle], KEY)
    if status in (ControlStatus.NOT_APPLICABLE, ControlStatus.NOT_ASSESSED):
        assert with_idle is ControlStatus.NOT_ASSESSED
    else:
        assert with_idle is status
