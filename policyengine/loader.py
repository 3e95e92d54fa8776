"""Loads threat-model YAML safely into JSON data with a source position for every node.

The loader reads bytes, decodes them (UTF-8, with or without a BOM; UTF-16/32 with a
BOM), pulls YAML events from libyaml's C parser (the pure-Python parser where libyaml is
missing) and builds the data and the positions in one iterative pass: no Python
recursion, so no nesting depth can crash it. Plain scalars are resolved with the YAML 1.2
core schema (`on`, `no`, `1_000`, `1:20` and dates stay strings). Duplicate keys, tags
other than the core ones, multiple documents, alias expansion beyond a budget (100,000
nodes and 10 MB of text), files over 10 MB and nesting deeper than 100 levels are
rejected. Every problem is an `errors.InvalidDocument` carrying a located `Diagnostic`:
the only exception that leaves this module.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import fnmatch
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import InvalidDocument
from .results import Diagnostic, Level

MAX_BYTES = 10 * 1024 * 1024
"""Largest file the loader reads (10 MB); larger files are rejected before reading."""
MAX_DEPTH = 100
"""Deepest nesting of mappings and sequences accepted."""
MAX_ALIAS_NODES = 100_000
"""Most nodes that aliases may expand to in one file (a billion-laughs guard)."""
MAX_ALIAS_BYTES = MAX_BYTES
"""Most bytes of scalar text (keys and values) that aliases may expand to in one file, so
that a document holds at most twice `MAX_BYTES` of text once its aliases are expanded: a
few nodes naming a large scalar again and again cost what they expand to."""

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Part = str | int
Pointer = tuple[Part, ...]


@dataclass(frozen=True)
class Document:
    """One loaded YAML file: its JSON data and where each node was written."""

    path: str
    """Repository-relative POSIX path when under the root, else the path as given."""
    data: Any
    """JSON types only (dict, list, str, int, float, bool, None); dates stay strings."""
    positions: Mapping[Pointer, tuple[int, int]] = field(repr=False)
    """Pointer parts -> (line, column), 1-based. A mapping member is located at its key."""

    def locate(self, parts: Sequence[Part]) -> tuple[int, int]:
        """(line, column) of the node at `parts`, or of its nearest located parent.

        The root, and anything with no located parent, is (1, 1).
        """
        key = tuple(parts)
        positions = self.positions
        while key:
            found = positions.get(key)
            if found is not None:
                return found
            key = key[:-1]
        return (1, 1)

    def locate_pointer(self, pointer: str) -> tuple[int, int]:
        """(line, column) of an RFC 6901 JSON pointer such as `/threats/3/assumptions`."""
        return self.locate(pointer_parts(pointer, self.data))


def pointer_parts(pointer: str, data: Any = None) -> Pointer:
    """Split an RFC 6901 pointer into parts; numeric parts index lists in `data` as ints."""
    if not pointer:
        return ()
    parts: list[Part] = []
    node = data
    for raw in pointer.lstrip("/").split("/") if pointer.startswith("/") else pointer.split("/"):
        text = raw.replace("~1", "/").replace("~0", "~")
        part: Part = text
        if isinstance(node, list) and text.isdigit():
            part = int(text)
            node = node[part] if part < len(node) else None
        elif isinstance(node, dict):
            node = node.get(text)
        else:
            node = None
            if text.isdigit() and data is None:
                part = int(text)
        parts.append(part)
    return tuple(parts)


def to_pointer(parts: Sequence[Part]) -> str:
    """The RFC 6901 pointer of `parts` (`""` for the root)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def is_threat_model(data: object) -> bool:
    """True when `data` is a mapping whose `kind` is `ThreatModel`."""
    return isinstance(data, dict) and data.get("kind") == "ThreatModel"


# --- decoding ---------------------------------------------------------------------------

_NON_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


def _fail(path: str, line: int, column: int, message: str, pointer: str = "") -> InvalidDocument:
    """The loader's exception for a problem at (line, column), clamped to 1-based."""
    return InvalidDocument(
        Diagnostic(path, max(line, 1), max(column, 1), message, pointer, Level.ERROR, "yaml")
    )


def _fail_at(path: str, mark: Any, message: str, pointer: str = "") -> InvalidDocument:
    """`_fail` at a libyaml mark (0-based line and column)."""
    return _fail(path, mark.line + 1, mark.column + 1, message, pointer)


def _line_col(text: str, index: int) -> tuple[int, int]:
    """1-based (line, column) of character `index` in `text`."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _decode(content: bytes, path: str) -> str:
    """Bytes to text: UTF-8 (BOM optional), UTF-16/32 with a BOM; no control characters."""
    if content.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        encoding = "utf-32"
    elif content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        text = content.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding != "utf-8-sig":
            raise _fail(
                path,
                1,
                1,
                f"the file has a {encoding} byte-order mark but is not valid "
                f"{encoding}: {exc.reason}",
            ) from None
        good = content[: exc.start].decode("utf-8", errors="replace")
        line, column = _line_col(good, len(good))
        raise _fail(
            path,
            line,
            column,
            f"the file is not valid UTF-8: byte 0x{content[exc.start]:02x} "
            f"at offset {exc.start} (save the file as UTF-8)",
        ) from None
    if encoding != "utf-8-sig" and text.startswith("\ufeff"):
        text = text[1:]
    bad = _NON_PRINTABLE.search(text)
    if bad is not None:
        line, column = _line_col(text, bad.start())
        raise _fail(
            path,
            line,
            column,
            f"the file contains the control character "
            f"U+{ord(bad.group()):04X}, which YAML does not allow (is it a binary file?)",
        )
    return text


# --- scalars: the YAML 1.2 core schema --------------------------------------------------

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+\Z")
_INT_OCT = re.compile(r"0o[0-7]+\Z")
_INT_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_MAYBE_SPECIAL = frozenset("0123456789+-.~nNtTfF")

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset({_TAG + "str", _TAG + "int", _TAG + "float", _TAG + "bool", _TAG + "null"})
_MAP_TAGS = frozenset({None, "!", _TAG + "map"})
_SEQ_TAGS = frozenset({None, "!", _TAG + "seq"})


def resolve_plain(value: str) -> Any:
    """A plain (unquoted, untagged) scalar's value under the YAML 1.2 core schema, as the
    loader reads it: null, a bool, an int (decimal, `0o`, `0x`), a float, else the text;
    `.inf` and `.nan` stay strings. Raises ValueError for an int of more than 4,300 digits
    (Python's limit). Public for `modeldiff`, which derives versions from single-line
    edits and must read a value exactly as the loader does."""
    if not value:
        return None
    if value[0] not in _MAYBE_SPECIAL:
        return value
    if value in _NULLS:
        return None
    flag = _BOOLS.get(value)
    if flag is not None:
        return flag
    if _INT.match(value):
        return int(value)
    if _INT_OCT.match(value):
        return int(value[2:], 8)
    if _INT_HEX.match(value):
        return int(value[2:], 16)
    if _FLOAT.match(value):
        return float(value)
    return value


def _tagged(value: str, tag: str) -> Any:
    """The value of a scalar with an explicit core tag, or None when it does not fit."""
    kind = tag[len(_TAG) :]
    if kind == "str":
        return value
    resolved = resolve_plain(value)
    ok = {
        "int": isinstance(resolved, int) and not isinstance(resolved, bool),
        "float": isinstance(resolved, (int, float)) and not isinstance(resolved, bool),
        "bool": isinstance(resolved, bool),
        "null": resolved is None,
    }[kind]
    if not ok:
        raise ValueError(kind)
    return float(resolved) if kind == "float" else resolved


# --- events -> data + positions ---------------------------------------------------------


def _scalar_bytes(value: Any) -> int:
    """Bytes of text a scalar stands for (its characters; about its digits for a number)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() // 3 + 1  # ~digits, without str() of a huge int
    return 8


def _size(value: Any) -> tuple[int, int]:
    """(nodes, bytes of scalar text, keys included) of an already built value, for the
    alias budgets; iterative."""
    count = 0
    text = 0
    stack = [value]
    while stack:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            text += sum(len(key) for key in item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        else:
            text += _scalar_bytes(item)
    return count, text


def _unsupported_tag(path: str, mark: Any, tag: str, parts: Pointer) -> InvalidDocument:
    """The error for a custom or language-specific tag, located at the tagged node."""
    return _fail_at(
        path,
        mark,
        f"unsupported tag {_describe_tag(tag)}: only plain YAML data "
        "(no custom or language-specific tags) is accepted",
        to_pointer(parts),
    )


def _describe_tag(tag: str) -> str:
    """A tag as the user wrote it: `!!python/object` rather than the full URI."""
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


class _Builder:
    """Builds (data, positions) from the parser's events in one iterative pass.

    One method per kind of event; a stack of open containers stands in for recursion,
    so no nesting depth can crash it. Every problem raises `InvalidDocument`.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        """The file's path as diagnostics show it."""
        self.positions: dict[Pointer, tuple[int, int]] = {}
        """Pointer parts -> (line, column), 1-based."""
        self.anchors: dict[str, Any] = {}
        """Anchor name -> the value it names."""
        self.anchor_sizes: dict[str, tuple[int, int]] = {}
        """Anchor name -> (nodes, bytes of scalar text) its value holds (what an alias to
        it costs)."""
        self.open_anchors: dict[str, tuple[int, Pointer]] = {}
        """Anchors on containers not closed yet (an alias to one is recursive)."""
        self.alias_budget = MAX_ALIAS_NODES
        """Nodes that aliases may still expand to."""
        self.alias_bytes = MAX_ALIAS_BYTES
        """Bytes of scalar text that aliases may still expand to."""
        self.stack: list[list[Any]] = []
        """Open containers: [container, parts, pending key (maps) or None, anchor or None]."""
        self.root: Any = None
        """The document's value, once `have_root`."""
        self.have_root = False
        """True once the document's top-level value has been placed."""
        self.documents = 0
        """Documents started so far (more than one is an error)."""

    def run(self, get_event: Callable[[], Any]) -> None:
        """Pull events until the end of the stream, building as they come."""
        from yaml import events as ev

        handlers: dict[type, Callable[[Any], None]] = {
            ev.ScalarEvent: self.on_scalar,
            ev.MappingStartEvent: self.on_mapping_start,
            ev.SequenceStartEvent: self.on_sequence_start,
            ev.MappingEndEvent: self.on_end,
            ev.SequenceEndEvent: self.on_end,
            ev.AliasEvent: self.on_alias,
            ev.DocumentStartEvent: self.on_document_start,
        }
        # Scalars are most events: they skip the table, and the common ones (no tag, no
        # anchor, a key not given before, a value) are placed right here, as `on_scalar`
        # would place them; any other goes through `on_scalar`. So are the containers that
        # open as values (no tag, no anchor, within the depth limit), as `push` would.
        scalar_t, on_scalar, stream_end_t = ev.ScalarEvent, self.on_scalar, ev.StreamEndEvent
        mapping_t, sequence_t = ev.MappingStartEvent, ev.SequenceStartEvent
        handler_for = handlers.get
        stack, positions, special, resolve = (
            self.stack,
            self.positions,
            _MAYBE_SPECIAL,
            resolve_plain,
        )
        while True:
            event = get_event()
            etype = type(event)
            if etype is scalar_t:
                if stack and event.tag is None and event.anchor is None:
                    frame = stack[-1]
                    container = frame[0]
                    text = event.value
                    key = frame[2]
                    if type(container) is dict:
                        if key is None:  # a mapping key
                            if text not in container:
                                mark = event.start_mark
                                positions[(*frame[1], text)] = (mark.line + 1, mark.column + 1)
                                frame[2] = text
                                continue
                        else:
                            if event.implicit[0] and (not text or text[0] in special):
                                try:
                                    text = resolve(text)
                                except ValueError:  # raises the located error
                                    text = self.scalar_value(event, (*frame[1], key))
                            container[key] = text
                            frame[2] = None
                            continue
                    else:
                        mark = event.start_mark
                        parts = (*frame[1], len(container))
                        positions[parts] = (mark.line + 1, mark.column + 1)
                        if event.implicit[0] and (not text or text[0] in special):
                            try:
                                text = resolve(text)
                            except ValueError:  # raises the located error
                                text = self.scalar_value(event, parts)
                        container.append(text)
                        continue
                on_scalar(event)
                continue
            if (
                (etype is mapping_t or etype is sequence_t)
                and stack
                and event.tag is None
                and event.anchor is None
                and len(stack) < MAX_DEPTH
            ):
                frame = stack[-1]
                container = frame[0]
                opened: Any = {} if etype is mapping_t else []
                if type(container) is dict:
                    key = frame[2]
                    if key is not None:  # else it opens as a key: `push` says what is wrong
                        container[key] = opened
                        frame[2] = None
                        stack.append([opened, (*frame[1], key), None, None])
                        continue
                else:
                    mark = event.start_mark
                    parts = (*frame[1], len(container))
                    positions[parts] = (mark.line + 1, mark.column + 1)
                    container.append(opened)
                    stack.append([opened, parts, None, None])
                    continue
            if etype is stream_end_t:
                return
            handler = handler_for(etype)
            if handler is not None:
                handler(event)

    def slot(self, event: Any) -> tuple[Pointer, bool]:
        """Where the next value goes: its parts, and whether it is a mapping key."""
        stack = self.stack
        if not stack:
            return (), False
        frame = stack[-1]
        container = frame[0]
        if isinstance(container, list):
            parts = (*frame[1], len(container))
            mark = event.start_mark
            self.positions[parts] = (mark.line + 1, mark.column + 1)
            return parts, False
        if frame[2] is None:
            return frame[1], True
        return (*frame[1], frame[2]), False

    def place(self, value: Any, parts: Pointer) -> None:
        """Put a finished value into the open container (or make it the root)."""
        if not self.stack:
            self.root, self.have_root = value, True
            return
        frame = self.stack[-1]
        container = frame[0]
        if isinstance(container, list):
            container.append(value)
        else:
            container[frame[2]] = value
            frame[2] = None

    def anchor(self, name: str | None, value: Any) -> None:
        """Remember a scalar (or key) under its anchor, if it has one."""
        if name is not None:
            self.anchors[name] = value
            self.anchor_sizes[name] = (1, _scalar_bytes(value))

    def on_scalar(self, event: Any) -> None:
        """A scalar: a mapping key, or a value placed where it belongs."""
        parts, is_key = self.slot(event)
        if is_key:
            self.on_key(event, parts)
            return
        value = self.scalar_value(event, parts)
        self.anchor(event.anchor, value)
        self.place(value, parts)

    def on_key(self, event: Any, parts: Pointer) -> None:
        """A mapping key: plain text, not given before in this mapping."""
        mark = event.start_mark
        tag = event.tag
        if tag is not None and tag != "!" and tag not in _SCALAR_TAGS:
            raise _fail_at(self.path, mark, f"unsupported tag {_describe_tag(tag)} on a key")
        key = event.value
        frame = self.stack[-1]
        kparts = (*parts, key)
        if key in frame[0]:
            first = self.positions.get(kparts, (0, 0))
            raise _fail_at(
                self.path,
                mark,
                f"duplicate key '{key}' (first defined at line {first[0]})",
                to_pointer(kparts),
            )
        self.positions[kparts] = (mark.line + 1, mark.column + 1)
        frame[2] = key
        self.anchor(event.anchor, key)

    def scalar_value(self, event: Any, parts: Pointer) -> Any:
        """The value of a scalar: plain ones by the core schema, tagged ones checked."""
        tag = event.tag
        if tag is None:
            if not event.implicit[0]:
                return event.value
            try:
                return resolve_plain(event.value)
            except ValueError:  # Python refuses int() of more than 4,300 digits
                raise _fail_at(
                    self.path,
                    event.start_mark,
                    f"a number of {len(event.value):,} characters is too long to read; "
                    "quote it to keep it as text",
                    to_pointer(parts),
                ) from None
        if tag == "!":
            return event.value
        if tag in _SCALAR_TAGS:
            try:
                return _tagged(event.value, tag)
            except ValueError:
                raise _fail_at(
                    self.path,
                    event.start_mark,
                    f"'{event.value}' is not a valid {_describe_tag(tag)}",
                    to_pointer(parts),
                ) from None
        raise _unsupported_tag(self.path, event.start_mark, tag, parts)

    def on_mapping_start(self, event: Any) -> None:
        """A mapping opens."""
        self.push(event, {}, _MAP_TAGS, "mapping")

    def on_sequence_start(self, event: Any) -> None:
        """A list opens."""
        self.push(event, [], _SEQ_TAGS, "list")

    def push(self, event: Any, container: Any, tags: frozenset[str | None], noun: str) -> None:
        """Place a new container and push it, within the depth limit."""
        parts, is_key = self.slot(event)
        mark = event.start_mark
        if is_key:
            raise _fail_at(self.path, mark, f"a mapping key must be a plain scalar, not a {noun}")
        if event.tag not in tags:
            raise _unsupported_tag(self.path, mark, event.tag, parts)
        if len(self.stack) >= MAX_DEPTH:
            raise _fail_at(
                self.path, mark, f"nesting is deeper than {MAX_DEPTH} levels", to_pointer(parts)
            )
        self.place(container, parts)
        if event.anchor is not None:
            self.anchors[event.anchor] = container
            self.open_anchors[event.anchor] = (len(self.stack), parts)
        self.stack.append([container, parts, None, event.anchor])

    def on_end(self, event: Any) -> None:
        """A mapping or list closes: an anchor on it now knows its size."""
        frame = self.stack.pop()
        anchor = frame[3]
        if anchor is not None and self.open_anchors.get(anchor, (None,))[0] == len(self.stack):
            del self.open_anchors[anchor]
            self.anchor_sizes[anchor] = _size(frame[0])

    def on_alias(self, event: Any) -> None:
        """An alias: the anchored value again, charged to the alias budget."""
        parts, is_key = self.slot(event)
        mark = event.start_mark
        if is_key:
            raise _fail_at(self.path, mark, "an alias cannot be used as a mapping key")
        name = event.anchor
        if name not in self.anchors:
            raise _fail_at(self.path, mark, f"unknown alias *{name}")
        if name in self.open_anchors:
            raise _fail_at(
                self.path, mark, f"alias *{name} refers to a node that contains it (recursive)"
            )
        nodes, text = self.anchor_sizes[name]
        self.alias_budget -= nodes
        self.alias_bytes -= text
        if self.alias_budget < 0:
            raise _fail_at(
                self.path,
                mark,
                f"aliases expand to more than {MAX_ALIAS_NODES} nodes "
                "(an alias bomb?); write the data out instead",
                to_pointer(parts),
            )
        if self.alias_bytes < 0:
            raise _fail_at(
                self.path,
                mark,
                f"aliases expand to more than {MAX_ALIAS_BYTES // (1024 * 1024)} MB of text "
                "(an alias bomb?); write the data out instead",
                to_pointer(parts),
            )
        self.place(self.anchors[name], parts)

    def on_document_start(self, event: Any) -> None:
        """A document starts: only one is allowed."""
        self.documents += 1
        if self.documents > 1:
            raise _fail_at(
                self.path,
                event.start_mark,
                "the file holds more than one YAML document; put one threat model in each file",
            )


def _syntax_error(path: str, text: str, exc: yaml.YAMLError) -> InvalidDocument:
    """The located error for a parser (or reader) failure."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problem = exc.problem or "invalid YAML"
        if "nesting depth" in problem:  # libyaml's own limit (1000 flow levels) hit first
            return _fail(path, line, column, f"nesting is deeper than {MAX_DEPTH} levels")
        if exc.context:
            problem = f"{problem} ({exc.context})"
        return _fail(path, line, column, f"YAML syntax error: {problem}")
    position = getattr(exc, "position", None)
    line, column = _line_col(text, position) if isinstance(position, int) else (1, 1)
    return _fail(path, line, column, f"YAML error: {getattr(exc, 'reason', exc)}")


def _build(text: str, path: str) -> _Builder:
    """Run the parser over `text` and build (data, positions) in one pass."""
    builder = _Builder(path)
    loader = _Loader(text)
    try:
        builder.run(loader.get_event)
    except yaml.YAMLError as exc:
        raise _syntax_error(path, text, exc) from None
    except RecursionError:  # NOTE: defensive; the builder is iterative
        raise _fail(path, 1, 1, f"nesting is deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()
    return builder


def _text(content: bytes, path: str) -> str:
    """The decoded text of `content`, within the size limit."""
    if len(content) > MAX_BYTES:
        raise _fail(
            path,
            1,
            1,
            f"the file is {len(content) / 1e6:.1f} MB; the limit is "
            f"{MAX_BYTES // (1024 * 1024)} MB",
        )
    return _decode(content, path)


def parse_yaml(content: bytes, path: str) -> Document | None:
    """Parse `content` (the bytes of the file at `path`) as one YAML document of any shape.

    None when the file holds no document (empty, or only comments). The same rules and
    limits as `parse_document` otherwise; raises `errors.InvalidDocument` (and nothing
    else) for a problem.
    """
    built = _build(_text(content, path), path)
    return Document(path, built.root, built.positions) if built.have_root else None


_PARSED: dict[tuple[str, bytes], Document] | None = None
"""Within `parsed_once`: the Documents parsed, by (path, bytes)."""


@contextlib.contextmanager
def parsed_once() -> Iterator[None]:
    """Within it, `parse_document` parses the same bytes under the same path once and
    hands out that Document again (nothing changes a Document's data). A pull-request
    check reads each of its few models up to seven times (found, listed, validated,
    compared); never around a large run, whose every model it would keep."""
    global _PARSED
    if _PARSED is not None:  # already within one
        yield
        return
    _PARSED = {}
    try:
        yield
    finally:
        _PARSED = None


def parse_document(content: bytes, path: str) -> Document:
    """Parse `content` (the bytes of the file at `path`) into a Document.

    Raises `errors.InvalidDocument` (and nothing else) when the bytes are not one YAML
    document whose top level is a mapping, within the size, depth and alias limits.
    """
    memo = _PARSED
    if memo is None:
        return _parse_document(content, path)
    key = (path, bytes(content))
    doc = memo.get(key)
    if doc is None:
        doc = memo[key] = _parse_document(content, path)
    return doc


def _parse_document(content: bytes, path: str) -> Document:
    text = _text(content, path)
    built = _build(text, path)
    if not built.have_root:
        raise _fail(
            path,
            1,
            1,
            "the file is empty; a threat model is a YAML mapping "
            "starting with `apiVersion: policyengine/v1`",
        )
    data = built.root
    if not isinstance(data, dict):
        kind = "list" if isinstance(data, list) else "null" if data is None else "scalar"
        if data is None and not text.strip(" \t\r\n\ufeff"):
            raise _fail(path, 1, 1, "the file is empty")
        raise _fail(path, 1, 1, f"the top level must be a mapping (found a {kind})")
    return Document(path, data, built.positions)


def display_path(path: Path, root: Path) -> str:
    """`path` relative to `root` with POSIX separators when inside it, else as given."""
    try:
        return _real(path).relative_to(_real(root)).as_posix()
    except ValueError:
        return path.as_posix()


def _read(path: Path, shown: str) -> bytes:
    """The file's bytes; size checked with stat before reading."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise _fail(
                shown,
                1,
                1,
                f"the file is {size / 1e6:.1f} MB; the limit is {MAX_BYTES // (1024 * 1024)} MB",
            )
        with path.open("rb") as fh:
            return fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise _fail(shown, 1, 1, f"cannot read the file: {exc.strerror or exc}") from None


def load_document(path: Path, root: Path) -> Document:
    """Read and parse the file at `path`; its Document's path is relative to `root`.

    Raises `errors.InvalidDocument` for unreadable, too large or malformed files.
    """
    shown = display_path(path, root)
    return parse_document(_read(path, shown), shown)


# --- discovery --------------------------------------------------------------------------

_CONFIG_NAME = ".policyengine.yaml"
_YAML_SUFFIXES = (".yaml", ".yml")
_MENTION = "ThreatModel"


@dataclass(frozen=True)
class Discovery:
    """The threat models found under the given paths, and what went wrong finding them."""

    documents: tuple[Document, ...]
    """Threat models that loaded, sorted by path."""
    diagnostics: tuple[Diagnostic, ...]
    """Files that failed to load, named files that are not threat models, missing paths."""
    skipped: int
    """YAML files under folders (or matched by globs) that are not threat models."""


PACK_MARKER = ".policyengine-evidence-pack"
"""The file that marks a folder as an evidence pack (`policyengine evidence`): its copies
of the models are records of a commit, not models to check, so no walk enters it."""


def _walk(folder: Path) -> Iterator[Path]:
    """YAML files under `folder`, hidden folders, evidence packs and the repo config
    excluded, sorted."""
    for dirpath, dirnames, filenames in os.walk(folder):
        if PACK_MARKER in filenames:
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(_YAML_SUFFIXES) and name != _CONFIG_NAME:
                yield Path(dirpath) / name


def _in_pack(path: Path, root: Path) -> bool:
    """Whether `path` lies in an evidence pack (a folder with `PACK_MARKER`) under `root`."""
    for parent in path.parents:
        if (parent / PACK_MARKER).is_file():
            return True
        if parent == root or parent == parent.parent:
            return False
    return False


def in_evidence_pack(path: Path) -> bool:
    """Whether `path` (a file or folder, as written: relative to the working folder) is an
    evidence pack or lies inside one: it or a folder above it holds `PACK_MARKER`. Such a
    path is never read as a threat model, even when named (pre-commit names the pack's
    copies one by one)."""
    written = Path(os.path.abspath(path))
    return any((folder / PACK_MARKER).is_file() for folder in (written, *written.parents))


def _mentions(content: bytes) -> bool:
    """True when the bytes name `ThreatModel` (UTF-8 or UTF-16-LE)."""
    return _MENTION.encode() in content or _MENTION.encode("utf-16-le") in content


_LOOSE = (b"threatmodel", b"threat_model", b"threat-model")


def _mentions_loosely(content: bytes) -> bool:
    """True when the bytes name a threat model in another spelling (`Threatmodel`,
    `threat_model`, `threat-model`, any case; UTF-8): a candidate for the near-miss warning."""
    lowered = content.lower()
    return any(word in lowered for word in _LOOSE)


def _mentions_api(content: bytes) -> bool:
    """True when the bytes name policyengine (any case; UTF-8), as our `apiVersion` does:
    a file of ours, or meant to be, whatever its `kind` says."""
    return b"policyengin" in content.lower()


def _squash(text: str) -> str:
    return "".join(c for c in text.lower() if c not in "_- ")


_API = "policyengine/v1"
"""The `apiVersion` of our files."""

_OTHER_KINDS = frozenset({"OrganisationRegister"})
"""The other kinds of our files (`apiVersion: policyengine/v1`), not threat models."""


def _distance(a: str, b: str) -> int:
    """The edit distance (insertions, deletions, substitutions) between `a` and `b`."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def _our_api(api: object) -> bool:
    """`apiVersion` is ours, or nearly (`policyengine/v2`, `policyengin/v1`, any case)."""
    return isinstance(api, str) and (
        api.lower().startswith("policyengine/") or _distance(api.lower(), _API) <= 3
    )


def _near_kind(value: str) -> bool:
    """`ThreatModel` in another spelling or case, or with a typo (`ThreatModle`)."""
    return _distance(_squash(value), "threatmodel") <= 2


def near_miss(doc: Document) -> Diagnostic | None:
    """A diagnostic when `doc` looks meant as a threat model but its top level does not
    say `kind: ThreatModel` exactly, located at the key, with the fix; None for anything
    else. With our `apiVersion` (or a near miss of it) under the key, a `kind` that is
    none of ours (`kind: ThreatModle`, `Kind: ThreatModel`) is an error in that model
    (code `yaml`: the file is an invalid model, never silently skipped); without it, a
    `kind` that nearly says `ThreatModel` (`kind: threat_model`, a typo) is a warning
    (code `kind`, run-level), as is our `apiVersion` with no `kind`."""
    data = doc.data
    if not isinstance(data, dict) or is_threat_model(data):
        return None
    ours = _our_api(data.get("apiVersion"))
    for key, value in data.items():
        if not (isinstance(key, str) and key.lower() == "kind"):
            continue
        if key == "kind" and value in _OTHER_KINDS:
            return None
        shown = value if isinstance(value, str) else repr(value)
        near = isinstance(value, str) and _near_kind(value)
        if not (ours or near):
            continue
        line, column = doc.locate([key])
        fix = (
            "write `kind: ThreatModel` (the key and the value are case-sensitive)"
            if near
            else "policyengine reads `kind: ThreatModel` (and `kind: OrganisationRegister` "
            "for the register): write `kind: ThreatModel`"
        )
        return Diagnostic(
            doc.path,
            line,
            column,
            f"`{key}: {shown}` is not read as a threat model: {fix}",
            to_pointer([key]),
            Level.ERROR if ours else Level.WARNING,
            "yaml" if ours else "kind",
        )
    api = data.get("apiVersion")
    if "kind" not in data and isinstance(api, str) and api.startswith("policyengine/"):
        line, column = doc.locate(["apiVersion"])
        return Diagnostic(
            doc.path,
            line,
            column,
            f"`apiVersion: {api}` without `kind` is not read as a threat model: "
            "add `kind: ThreatModel`",
            "",
            Level.WARNING,
            "kind",
        )
    return None


def _head(path: Path) -> bytes:
    """The first megabyte of a file (empty when unreadable)."""
    try:
        with path.open("rb") as fh:
            return fh.read(1024 * 1024)
    except OSError:
        return b""


@dataclass(frozen=True)
class Candidate:
    """A file that may hold a threat model, found but not read yet."""

    path: Path
    """The file."""
    shown: str
    """Its path as reports show it (`display_path`)."""
    explicit: bool
    """Named on the command line: it must be a threat model (else an error)."""


@dataclass(frozen=True)
class Listing:
    """The files `find_models` found, and the paths and globs that found nothing."""

    candidates: tuple[Candidate, ...]
    """Each file once, named files first, then in walk order."""
    diagnostics: tuple[Diagnostic, ...]
    """Missing paths (errors) and globs that match no file (warnings)."""


def _real(path: Path) -> Path:
    """`path` with its symlinks resolved; never raises (a loop is left as far as it went)."""
    return Path(os.path.realpath(path))


def _as_written(path: Path, root: Path) -> str:
    """`path` relative to `root` without following symlinks (the link, not its target)."""
    written = Path(os.path.normpath(os.path.abspath(path)))
    for base in (root, _real(root)):
        if written.is_relative_to(base):
            return written.relative_to(base).as_posix()
    return path.as_posix()


def _outside(shown: str, real: Path, level: Level) -> Diagnostic:
    return Diagnostic(
        shown,
        0,
        0,
        f"a symlink to {real}, outside the repository: not read",
        "",
        level,
        "path",
    )


def _dangling(path: Path, shown: str) -> Diagnostic:
    try:
        os.stat(path)
        loop = False
    except OSError as exc:
        loop = exc.errno == errno.ELOOP
    why = "never reaches a file (a loop)" if loop else "points to a missing file"
    return Diagnostic(
        shown, 0, 0, f"a symbolic link that {why}; remove it", "", Level.ERROR, "path"
    )


def _given_base(given: Path, root: Path) -> Path | None:
    """Where files under the path `given` on the command line may resolve: the real root
    when `given` is written inside it (so a symlink out of the repository is refused),
    else wherever the user pointed (a path written outside the root is their choice).
    None when `given` itself is written inside the root and resolves outside it."""
    written = Path(os.path.normpath(os.path.abspath(given)))
    if not written.is_relative_to(root) and not written.is_relative_to(_real(root)):
        return _real(given)
    return _real(root) if _real(given).is_relative_to(_real(root)) else None


def find_models(
    paths: Sequence[Path], root: Path, globs: Sequence[str] = (), *, not_models: Sequence[Path] = ()
) -> Listing:
    """The files that may be threat models under `paths` and `globs` (relative to `root`),
    without reading them. Hidden folders and evidence packs are never walked, and a path
    that is a pack or lies inside one (`in_evidence_pack`) is not read even when named.
    With neither paths nor globs, `root` is walked. A file of `not_models` (the
    organisation register, read as such) found under a folder or a glob is no candidate,
    so it is not counted as skipped either.

    Files resolve inside the repository, symlinks included: a file found by walking a
    folder or by a glob whose real path is outside `root` (or outside a folder the user
    named outside `root`) is not read, with a warning; a symlink that leads nowhere (a
    loop, a missing target) is an error. A path the user names that is written inside
    `root` but resolves outside it is an error; one written outside `root` (absolute or
    with `..`) is the user's choice.
    """
    real_root = _real(root)
    named: list[Path] = []
    found: list[tuple[Path, Path]] = []  # (file, the folder its real path must be in)
    diagnostics: list[Diagnostic] = []
    for given in paths:
        base = _given_base(given, root)
        if in_evidence_pack(given):
            continue  # a record of a commit, not a model (the caller says so once)
        if base is None:
            diagnostics.append(_outside(_as_written(given, root), _real(given), Level.ERROR))
        elif given.is_dir():
            found.extend((file, base) for file in _walk(given))
        elif given.is_file():
            named.append(given)
        else:
            diagnostics.append(
                Diagnostic(
                    display_path(given, root),
                    0,
                    0,
                    "no such file or folder",
                    "",
                    Level.ERROR,
                    "path",
                )
            )
    for pattern in globs:
        try:
            matches = sorted(root.glob(pattern))
        except (ValueError, NotImplementedError, IndexError, OSError) as exc:
            # `config.load_config` refuses such globs, located; this is for callers that
            # pass their own.
            diagnostics.append(
                Diagnostic(
                    pattern,
                    0,
                    0,
                    f"the models glob '{pattern}' is not a relative glob ({exc})",
                    "",
                    Level.ERROR,
                    "config",
                )
            )
            continue
        if not matches:
            diagnostics.append(
                Diagnostic(
                    pattern,
                    0,
                    0,
                    f"the models glob '{pattern}' matches no file",
                    "",
                    Level.WARNING,
                    "config",
                )
            )
        for match in matches:
            if any(part.startswith(".") for part in match.relative_to(root).parts[:-1]):
                continue
            if _in_pack(match, root):
                continue
            if match.is_dir():
                found.extend((file, real_root) for file in _walk(match))
            elif fnmatch.fnmatch(match.name, "*.y*ml") and match.name != _CONFIG_NAME:
                if match.is_file() or match.is_symlink():
                    found.append((match, real_root))
    if not paths and not globs:
        found.extend((file, real_root) for file in _walk(root))
    candidates: list[Candidate] = []
    seen: set[Path] = set()
    others = {_real(p) for p in not_models}
    for path, base in [(p, None) for p in named] + found:
        real = _real(path)
        if real in seen or (base is not None and real in others):
            continue
        seen.add(real)
        if base is not None and not path.exists():
            diagnostics.append(_dangling(path, _as_written(path, root)))
        elif base is not None and not (real.is_relative_to(base) or real.is_relative_to(real_root)):
            diagnostics.append(_outside(_as_written(path, root), real, Level.WARNING))
        else:
            candidates.append(Candidate(path, display_path(path, root), base is None))
    return Listing(tuple(candidates), tuple(diagnostics))


def load_candidate(candidate: Candidate) -> Document | Diagnostic | None:
    """Read one candidate: its Document, the Diagnostic that says why it is not one, or
    None when it is a YAML file that is not a threat model (skipped). A file found under
    a folder or a glob that fails to load is reported only when its text mentions
    `ThreatModel`; one that loads and nearly says `kind: ThreatModel` is a warning with
    the fix (`near_miss`, code `kind`: a run-level diagnostic, not a model). Never raises
    for user input."""
    path, shown, explicit = candidate.path, candidate.shown, candidate.explicit
    try:
        content = _read(path, shown)
    except InvalidDocument as exc:  # too large or unreadable: report it if it is ours
        return exc.diagnostic if explicit or _mentions(_head(path)) else None
    named = explicit or _mentions(content)
    if not named and not _mentions_loosely(content) and not _mentions_api(content):
        return None
    try:
        doc = parse_document(content, shown)
    except InvalidDocument as exc:
        # A file that only names a threat model in another spelling is not ours to report.
        return exc.diagnostic if named else None
    if is_threat_model(doc.data):
        return doc
    miss = near_miss(doc)
    if not explicit or (miss is not None and miss.level is Level.ERROR):
        return miss
    if isinstance(doc.data, dict) and doc.data.get("kind") == "OrganisationRegister":
        return Diagnostic(
            shown,
            1,
            1,
            "not a threat model: this is an organisation register (kind: "
            "OrganisationRegister); `validate` checks the register the config's `register:` "
            "names, with or without it as PATH",
            "",
            Level.ERROR,
            "yaml",
        )
    return Diagnostic(
        shown,
        miss.line if miss else 1,
        miss.column if miss else 1,
        "not a threat model: the top level has no `kind: ThreatModel`"
        + (f" ({miss.message})" if miss else ""),
        miss.pointer if miss else "",
        Level.ERROR,
        "yaml",
    )


def discover(
    paths: Sequence[Path], root: Path, globs: Sequence[str] = (), *, not_models: Sequence[Path] = ()
) -> Discovery:
    """Find and load the threat models named by `paths` and `globs` (relative to `root`).

    A named file must be a threat model (else an error). Under a folder or a glob, YAML
    files that are not threat models are counted in `skipped`, and a file that fails to
    load is reported only when its text mentions `ThreatModel`. Hidden folders are never
    walked. With neither paths nor globs, `root` is walked. Never raises for user input.
    """
    listing = find_models(paths, root, globs, not_models=not_models)
    found = load_candidates(listing.candidates)
    diagnostics = sorted(
        [*listing.diagnostics, *found.diagnostics],
        key=lambda d: (d.file, d.line, d.column, d.message),
    )
    return Discovery(found.documents, tuple(diagnostics), found.skipped)


def load_candidates(candidates: Sequence[Candidate]) -> Discovery:
    """`load_candidate` of each: the documents sorted by path, the diagnostics in order."""
    documents: dict[str, Document] = {}
    diagnostics: list[Diagnostic] = []
    skipped = 0
    for candidate in candidates:
        loaded = load_candidate(candidate)
        if loaded is None:
            skipped += 1
        elif isinstance(loaded, Diagnostic):
            diagnostics.append(loaded)
        else:
            documents[loaded.path] = loaded
    return Discovery(tuple(documents[k] for k in sorted(documents)), tuple(diagnostics), skipped)
