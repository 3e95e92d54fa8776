"""Status derivation is independent of order, and `satisfied` exactly when all pass."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from policyengine.controls import status_from_checks
from policyengine.results import CheckOutcome, ControlStatus, Finding, Severity

KEY = "iso42001/6.1.2"

outcomes = st.lists(
    st.tuples(st.booleans(), st.booleans()).map(lambda af: (af[0], af[1])),
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
        )
        for i, (applicable, fails) in enumerate(flags)
    ]
)


@given(outcomes, st.randoms())
def test_order_does_not_matter(items: list[CheckOutcome], rnd: object) -> None:
    shuffled = list(items)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert status_from_checks(items, KEY) is status_from_checks(shuffled, KEY)


@given(outcomes)
def test_satisfied_exactly_when_all_applicable_pass(items: list[CheckOutcome]) -> None:
    applicable = [o for o in items if o.applicable]
    status = status_from_checks(items, KEY)
    assert (status is ControlStatus.SATISFIED) == (
        bool(applicable) and all(o.passed for o in applicable)
    )
