"""Property tests of the loader: any input gives a Document or a located InvalidDocument."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyengine.errors import InvalidDocument
from policyengine.loader import Document, parse_document

_SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# NOTE: NEL and the Unicode line separators are line breaks to PyYAML's dumper (YAML 1.1),
# so a dumped key holding one does not read back as the same key: not a loader property.
_text = st.text(
    alphabet=st.characters(blacklist_characters="\x85\u2028\u2029", blacklist_categories=["Cs"]),
    max_size=10,
)

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    _text,
    st.sampled_from(["on", "no", "yes", "off", "1_000", "1:20", "2026-02-30", "~", "null", "&a"]),
)
_keys = st.one_of(_text, st.sampled_from(["kind", "on", "id", "<<", "x-a"]))
_values: st.SearchStrategy[Any] = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(_keys, children, max_size=5)
    ),
    max_leaves=30,
)


def _check(content: bytes) -> Document | None:
    try:
        return parse_document(content, "p.yaml")
    except InvalidDocument as exc:
        diag = exc.diagnostic
        assert diag.file == "p.yaml"
        assert diag.line >= 1 and diag.column >= 1
        assert diag.message
        return None


@_SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes_never_raise_anything_else(content: bytes) -> None:
    _check(content)


@_SETTINGS
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#,?% \n\t01.~")), max_size=120))
def test_yaml_like_text_never_raises_anything_else(text: str) -> None:
    _check(text.encode())


@_SETTINGS
@given(st.dictionaries(_keys, _values, min_size=1, max_size=6), st.booleans())
def test_dumped_structures_load_with_every_position_inside_the_file(
    data: dict[str, Any], flow: bool
) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True)
    doc = _check(text.encode())
    if doc is None:
        return
    lines = text.count("\n") + 1
    for parts, (line, column) in doc.positions.items():
        assert 1 <= line <= lines, parts
        assert column >= 1
        assert doc.locate(parts) == (line, column)
    assert set(doc.data) == {str(k) for k in data}
