"""The engines' JSON in and out, written by orjson where it gives `json.dumps`'s text:
the wasm engine's input is byte for byte `json.dumps`'s (or refused alike), and findings
sort as `json.dumps`'s key text sorts them, for any value, the spellings orjson writes
differently included (floats of magnitude 1e-5 to 1e-9, NaN, text beyond ASCII, integers
beyond 64 bits)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from policyengine.engine import EngineOutput, orjson_differs
from policyengine.engine.wasm import _input_text
from policyengine.errors import EngineError

ODD = st.sampled_from([1e-05, -2.5e-06, 3e-07, 1e-09, 1e-10, 1e-60, 0.0001, 1e16])
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | ODD
    | st.text()
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=30,
)


def _stdlib_input(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


@given(values)
@example({"x-a": [1e-05, 3e-07, "e-7", "0.00001"], "b": 2**64})
@example({"model": {"x-big": float("inf")}})
@example({"model": {"x-lone": "\ud800"}})
@example({"model": {1: "an integer key"}})
def test_input_is_json_dumps_text(value: Any) -> None:
    try:
        expected = _stdlib_input(value)
    except (ValueError, UnicodeEncodeError):
        with pytest.raises(EngineError, match="cannot read the policy input"):
            _input_text(value)
        return
    assert _input_text(value) == expected


words = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters='"\\'),
    min_size=1,
    max_size=6,
)
numbers = st.integers(min_value=-(2**70), max_value=2**70) | st.floats(allow_nan=False) | ODD
findings = st.lists(
    st.fixed_dictionaries(
        {
            "rule_id": st.sampled_from(["TM-A-001", "TM-B-002"]),
            "path": st.lists(words | st.integers(0, 3), max_size=3),
            "params": st.dictionaries(words, words | numbers, max_size=3),
        }
    ),
    max_size=12,
)


@given(findings)
def test_findings_sort_as_json_dumps_text(deny: list[dict[str, Any]]) -> None:
    def key(d: dict[str, Any]) -> tuple[str, str]:
        text = json.dumps([d["path"], d["params"], d], sort_keys=True, separators=(",", ":"))
        return d["rule_id"], text

    unique = {key(d)[1]: d for d in reversed(deny)}  # equal findings are kept once
    out = EngineOutput.from_json({"deny": [deny], "not_applicable": []})
    assert list(out.deny) == sorted(unique.values(), key=key)


@pytest.mark.parametrize(
    ("text", "differs"),
    [
        (b'{"a":[1,2.5,"x"]}', False),
        (b'{"a":1e-60,"b":1e+16,"c":"one-e-mail"}', False),
        (b'{"a":0.00001}', True),
        (b'{"a":3e-7}', True),
        (b'{"a":null}', True),
        (b'{"a":"a note e-9"}', True),  # a string that only looks like one: json.dumps then
    ],
)
def test_orjson_differs(text: bytes, differs: bool) -> None:
    assert orjson_differs(text) is differs
