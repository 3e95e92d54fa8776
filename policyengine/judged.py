"""What a check judges: the `custom.judges` selectors of its METADATA, counted over a model.

A check that passes because it had nothing to look at is no evidence (issue 11, item 5):
a control is `satisfied` only when one of its checks judged at least one element of the
model and none failed. Each check names, in `custom.judges`, the parts of the model its
rules look at, as selectors over the loaded model:

    threats                              every threat
    assets[type=dataset]                 the dataset assets
    assets[type=dataset|fine_tuned_model] either type
    surfaces[layer=input_output].interfaces   the interfaces of input_output surfaces
    system                               the system section (1 when stated)

A selector is dot-separated field names, each optionally filtered by `[field=value|value]`
(values compared as written in YAML: `true`, `false`, numbers as text). The number of
elements a check judged is the sum over its selectors, counted in Python from the same
model both engines see: the count is the same whichever engine evaluates, costs the
embedded engine nothing, and sits in the METADATA beside the rules it describes.

The same selectors say where those elements are (`Selector.parts`): the located basis of a
passing check, shown beside a `satisfied` control. A selector whose last step takes a whole
list unfiltered (`threats`, `controls`) gives the list itself with its number of items
(one pointer, not one per threat); any other gives each element it picks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Path = tuple[str | int, ...]
"""Keys and list indexes from the top of a model to one of its nodes."""

_SEGMENT_RE = re.compile(
    r"^(?P<name>[a-z_][a-z0-9_]*)(?:\[(?P<field>[a-z_][a-z0-9_]*)=(?P<values>[^\]|]+(?:\|[^\]|]+)*)\])?$"
)


@dataclass(frozen=True)
class Segment:
    """One step of a selector: a field name and an optional filter on the elements."""

    name: str
    """The field to descend into."""
    field: str | None = None
    """The field of each element the filter reads; None when unfiltered."""
    values: frozenset[str] = frozenset()
    """The values (as text) an element's `field` must have to count."""

    def matches(self, element: object) -> bool:
        """Whether `element` passes this segment's filter."""
        if self.field is None:
            return True
        if not isinstance(element, Mapping):
            return False
        return _text(element.get(self.field)) in self.values


@dataclass(frozen=True)
class Selector:
    """A parsed `custom.judges` entry."""

    text: str
    """The selector as written."""
    segments: tuple[Segment, ...]
    """Its steps, from the top of the model down."""

    def count(self, model: Mapping[str, Any]) -> int:
        """How many elements of `model` the selector picks (0 for any malformed part)."""
        nodes: list[object] = [model]
        for segment in self.segments:
            nodes = [
                element
                for node in nodes
                for element in _elements(node, segment.name)
                if segment.matches(element)
            ]
        return len(nodes)

    def parts(self, model: Mapping[str, Any]) -> list[tuple[Path, int]]:
        """Where the elements `count` counts are, in model order: `(path, items)` with
        `items` the number of items of a whole list the last step takes unfiltered, else
        0 for one element; the counts add up to `count(model)`."""
        nodes: list[tuple[Path, object]] = [((), model)]
        last = len(self.segments) - 1
        for i, segment in enumerate(self.segments):
            if i == last and segment.field is None:
                return [
                    whole
                    for path, node in nodes
                    if (whole := _whole(path, node, segment.name)) is not None
                ]
            nodes = [
                (element_path, element)
                for path, node in nodes
                for element_path, element in _located(path, node, segment.name)
                if segment.matches(element)
            ]
        return [(path, 0) for path, _ in nodes]


def parse_selector(text: object) -> Selector:
    """Parse one selector; raises `ValueError` saying what is wrong."""
    if not isinstance(text, str) or not text:
        raise ValueError(f"a selector is a non-empty text like `threats`, got {text!r}")
    segments = []
    for part in text.split("."):
        m = _SEGMENT_RE.match(part)
        if m is None:
            raise ValueError(
                f"selector {text!r}: {part!r} is not a field name, optionally "
                "filtered as name[field=value|value]"
            )
        values = m.group("values")
        segments.append(
            Segment(
                name=m.group("name"),
                field=m.group("field"),
                values=frozenset(values.split("|")) if values else frozenset(),
            )
        )
    return Selector(text, tuple(segments))


def parse_judges(value: object) -> tuple[Selector, ...]:
    """The selectors of a `custom.judges` value (a selector or a list of them).

    Raises `ValueError` for anything else, or an empty list.
    """
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise ValueError("custom.judges must be a selector or a non-empty list of selectors")
    return tuple(parse_selector(item) for item in items)


def judged_count(selectors: Sequence[Selector], model: Mapping[str, Any]) -> int:
    """The number of elements of `model` that `selectors` pick, summed."""
    return sum(s.count(model) for s in selectors)


def _whole(path: Path, node: object, name: str) -> tuple[Path, int] | None:
    """`node[name]` as one part: a non-empty list with its number of items, a stated value
    as one element (0), else None."""
    if not isinstance(node, Mapping):
        return None
    value = node.get(name)
    if isinstance(value, list):
        return ((*path, name), len(value)) if value else None
    if value is None or value == "" or value == {}:
        return None
    return ((*path, name), 0)


def _located(path: Path, node: object, name: str) -> Iterable[tuple[Path, object]]:
    """`_elements(node, name)`, each with its path from the top of the model."""
    if not isinstance(node, Mapping):
        return ()
    value = node.get(name)
    if isinstance(value, list):
        return (((*path, name, i), v) for i, v in enumerate(value))
    if value is None or value == "" or value == {}:
        return ()
    return (((*path, name), value),)


def _elements(node: object, name: str) -> Iterable[object]:
    """The elements of `node[name]`: a list's items, else the value itself when stated."""
    if not isinstance(node, Mapping):
        return ()
    value = node.get(name)
    if isinstance(value, list):
        return value
    if value is None or value == "" or value == {}:
        return ()
    return (value,)


def _text(value: object) -> str:
    """A scalar as YAML writes it: `true`/`false` for booleans, `str` otherwise."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
