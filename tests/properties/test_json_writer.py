"""The JSON report's writer (orjson where it gives the same bytes) writes exactly what
`json.dumps(..., indent=2, sort_keys=True, ensure_ascii=False)` writes, for any value a
report can hold: every string, integers beyond 64 bits, and the floats of a model's own
(review details), NaN and the ones orjson spells differently included."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from policyengine.report import escape
from policyengine.report.json import _dumps, _plain

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.floats(min_value=1e-10, max_value=1e-4)
    | st.text()
    | st.characters().map(lambda c: f"\u2028{c}\x7f\x85")
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=30,
)


def _stdlib(value: Any) -> str:
    return escape.json_document(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False))


@given(values)
@example({"version": 1e-05, "b": [3e-07, float("nan"), float("-inf"), 2**64, -(2**63) - 1]})
@example({"\ud800": "lone surrogate \udfff"})
@example({"é": 1, "ｚ": 2, "😀": 3, "Z": 4, "": [{}, []]})
def test_same_bytes_as_json_dumps(value: Any) -> None:
    assert _dumps(_plain(value)) == _stdlib(value)
