"""Differential fuzz test of the history's only shortcuts: `modeldiff.derive_version` (a
version's view from its neighbour's, without parsing; the change rule) and
`modeldiff.derive_review` (its `review` section; the evidence pack's review history) must
agree with parsing it (`read_version`, `read_review`) whenever they answer, over many YAML
spellings: quoted and escaped keys, flow and block styles, flow lists at column 0, anchors
and aliases, comments, multi-line and quoted scalars."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from policyengine.modeldiff import (
    _changed_lines,
    derive_review,
    derive_version,
    read_review,
    read_version,
)

REVIEWS = [
    "review:\n  cadence: quarterly\n  last_reviewed: 2026-10-02\n",
    "review:\n  last_reviewed: '2026-10-02'\n  cadence: quarterly # why\n",
    'review:\n  "last_reviewed": 2026-10-02\n',
    'review:\n  "last_r\\u0065viewed": 2026-10-02\n',
    "review: {last_reviewed: 2026-10-02,\n  cadence: quarterly}\n",
    "review: {\nlast_reviewed: 2026-10-02\n}\n",
    "review:\n  last_reviewed: 2026-10-02\n    continued\n",
    "x-day: &d 2026-10-02\nreview:\n  last_reviewed: *d\n",
    "x-old:\n  last_reviewed: 2026-01-01\nreview:\n  last_reviewed: 2026-10-02\n",
    "x-note: |\n  last_reviewed: 2020-01-01\nreview:\n  last_reviewed: 2026-10-02\n",
    'x-note: "first\n  last_reviewed: 2020-01-01"\nreview:\n  last_reviewed: 2026-10-02\n',
    "review:\n  last_reviewed: 2026-10-02\nreview2: x\n",
    "# review:\n#   last_reviewed: 2020-01-01\nreview:\n  last_reviewed: 2026-10-02\n",
]
ASSETS = [
    'assets:\n  - id: tool\n    type: agent_tool\n    permissions: write\n    version: "3"\n',
    "assets:\n- id: tool\n  type: agent_tool\n  permissions: write\n",
    "assets: [\n{id: tool, type: agent_tool, permissions: write},\n]\n",
    "assets: [{id: tool, type: agent_tool,\n  permissions: write}]\n",
    "assets:\n  - id: tool\n    type: agent_tool\n    permissions: &p write\n  - id: t2\n"
    "    type: agent_tool\n    permissions: *p\n",
    'assets:\n  - "id": tool\n    "typ\\u0065": agent_tool\n    permissions: write\n',
    "assets:\n  - id: tool\n    type: agent_tool\n    permissions:\n      - write\n",
    "assets:\n  - id: tool\n    type: agent_tool\n    permissions: write\n    actions: [a,\nb]\n",
]
OTHER = [
    "kind: ThreatModel\n",
    "metadata: {id: m, owner: o}\n",
    "threats:\n  - id: T-1\n    title: a threat\n",
    "x-text: >\n  folded\n  text\n",
    "",
]
LINES = [
    "  last_reviewed: 2026-10-03",
    "  last_reviewed: '2026-10-04'",
    '  last_reviewed: "2026-10-05"',
    "  last_reviewed: 2026-10-2",
    "  last_reviewed: null",
    "  last_reviewed: 7",
    '  "last_r\\u0065viewed": 2026-10-06',
    "last_reviewed: 2026-10-07",
    "    permissions: admin",
    "    permissions: write",
    '    version: "4"',
    "    version: 4",
    "  - id: tool2",
    "- id: tool3",
    "    type: dataset",
    "  cadence: monthly",
    "    title: another threat",
    "  title: x",
    "review: x",
    "assets: none",
    "# a comment",
    "  # last_reviewed: 2026-10-08",
    "    continued text",
    "x-key: value",
    "  x-key: value with spaces",
    "  x-key: &a anchored",
    "  x-key: *d",
    "{last_reviewed: 2026-10-09}",
    "  last_reviewed: 2026-10-10,",
    "",
]


@st.composite
def documents(draw: st.DrawFn) -> str:
    parts = [
        draw(st.sampled_from(OTHER)),
        draw(st.sampled_from(ASSETS)),
        draw(st.sampled_from(REVIEWS)),
        draw(st.sampled_from(OTHER)),
    ]
    return "".join(draw(st.permutations(parts)))


@st.composite
def edited(draw: st.DrawFn) -> tuple[str, str]:
    """A document and the same with a few lines replaced (same number of lines)."""
    text = draw(documents())
    lines = text.split("\n")
    new = list(lines)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        at = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        new[at] = draw(st.sampled_from(LINES))
    return text, "\n".join(new)


VALUES = [
    "2026-10-03",
    "'2026-10-04'",
    '"2026-10-05"',
    "2026-10-2",
    "null",
    "~",
    "7",
    "0x1F",
    "1e3",
    "true",
    "admin",
    "write",
    '"4"',
    "a b c",
    "(x) y/z",
    "x, y",
    "[a]",
    "{a: b}",
    "'it''s'",
    "x # c",
    "-x",
    "&a x",
    "*d",
    "|",
    "",
    "a: b",
]
_KEYED = re.compile(r"( *(?:- )?[^:#\s]+: )(.*)")


@st.composite
def value_edited(draw: st.DrawFn) -> tuple[str, str]:
    """A document and the same with the values of a few `key: value` lines replaced."""
    text = draw(documents())
    lines = text.split("\n")
    keyed = [i for i, line in enumerate(lines) if _KEYED.fullmatch(line)]
    if not keyed:
        return text, text
    new = list(lines)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        at = draw(st.sampled_from(keyed))
        match = _KEYED.fullmatch(lines[at])
        assert match is not None
        new[at] = match.group(1) + draw(st.sampled_from(VALUES))
    return text, "\n".join(new)


@settings(max_examples=3000, deadline=None)
@given(pair=st.one_of(edited(), value_edited()))
def test_a_derived_view_is_the_parsed_view(pair: tuple[str, str]) -> None:
    old, new = pair
    known = read_version(old.encode())
    derived = derive_version(known, new.encode())
    if derived is None:
        return
    parsed = read_version(new.encode())
    assert parsed.error == ""
    assert (derived.last_reviewed, derived.model) == (parsed.last_reviewed, parsed.model)


@settings(max_examples=3000, deadline=None)
@given(pair=st.one_of(edited(), value_edited()))
def test_a_derived_review_section_is_the_parsed_one(pair: tuple[str, str]) -> None:
    # The evidence pack's review history reads each version's `review` section this way.
    old, new = pair
    derived = derive_review(read_review(old.encode(), "m.yaml"), new.encode())
    if derived is None:
        return
    assert derived.review == read_review(new.encode(), "m.yaml").review
    assert not isinstance(derived.review, str)


@settings(max_examples=300, deadline=None)
@given(text=documents())
def test_both_directions_agree_on_unchanged_text(text: str) -> None:
    known = read_version(text.encode())
    derived = derive_version(known, text.encode())
    if derived is not None:
        assert (derived.last_reviewed, derived.model) == (known.last_reviewed, known.model)


def test_the_shortcut_is_taken_for_plain_edits() -> None:
    old = REVIEWS[0] + ASSETS[0]
    known = read_version(old.encode())
    new = old.replace("last_reviewed: 2026-10-02", "last_reviewed: 2026-11-02").replace(
        "permissions: write", "permissions: admin"
    )
    derived = derive_version(known, new.encode())
    assert derived is not None
    assert derived.last_reviewed == "2026-11-02"
    assert derived.model["assets"][0]["permissions"] == "admin"
    assert known.model["assets"][0]["permissions"] == "write"  # the old view is untouched


def test_the_shortcut_is_refused_for_what_it_cannot_tell() -> None:
    known = read_version((REVIEWS[7] + ASSETS[0]).encode())  # an alias: never derived
    assert known.text is None
    known = read_version((REVIEWS[0] + ASSETS[2]).encode())
    new = (REVIEWS[0] + ASSETS[2]).replace("write}", "admin}")
    assert derive_version(known, new.encode()) is None  # inside a flow list


def test_a_number_too_long_to_read_is_never_derived() -> None:
    # The loader refuses an int of more than 4,300 digits (Python's limit for int()):
    # the derivation must not raise, and must leave that version to the parser.
    text = "review:\n  last_reviewed: 2026-10-02\nassets:\n  - id: t\n    permissions: 1\n"
    known = read_version(text.encode())
    longer = text.replace("permissions: 1", "permissions: " + "1" * 5000).encode()
    assert derive_version(known, longer) is None
    assert read_version(longer).error


_TEXT = st.text(alphabet="ab\n", max_size=40)


@settings(max_examples=2000, deadline=None)
@given(old=_TEXT, new=_TEXT)
def test_changed_lines_hold_every_difference(old: str, new: str) -> None:
    # The shortcut compares only the lines `_changed_lines` returns: outside them the two
    # texts must be the same, line for line, and they are as long exactly when the texts
    # have as many lines.
    first, before, after = _changed_lines(old, new)
    old_lines, new_lines = old.split("\n"), new.split("\n")
    if old == new:
        assert (before, after) == ([], [])
        return
    rest_old = old_lines[first + len(before) :]
    rest_new = new_lines[first + len(after) :]
    assert old_lines[:first] == new_lines[:first]
    assert old_lines[first : first + len(before)] == before
    assert new_lines[first : first + len(after)] == after
    assert rest_old == rest_new
    assert (len(before) == len(after)) == (len(old_lines) == len(new_lines))
