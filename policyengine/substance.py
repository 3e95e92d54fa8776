"""Placeholder text: which statements of a model say nothing (issue 11, item 6).

A model in which every text is `x` validates and, before this, passed. Each field below
is a statement an auditor relies on; a value that is a placeholder (`x`, `-`, `TBD`,
`TODO`, `n/a`, `lorem ...`, `tba`, `?`), or, where a sentence is expected, shorter than
`MIN_WORDS` words, is reported by the check that owns the field (`policies/compliance/
substance.rego`); where another check asks that a field be stated (a dataset's provenance
source, a write tool's approval step), a placeholder there counts as absent and that check
reports it. The judgement is made here, in Python, and handed to the policies as
`input.facts.placeholders`: text analysis of arbitrary model text is what the embedded
engine cannot do faithfully (it reads a backslash in a string as an escape), and this way
both engines report the same fields for any text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MIN_WORDS = 3
"""Fewer words than this, where a sentence is expected, is no statement."""

_PLACEHOLDER_RE = re.compile(
    r"^(x+|-+|\?+|\.+|tbd|tba|tbc|todo|fixme|n/?a|none yet|lorem\b.*|placeholder|xxx+|test)$"
)

_FILL_IN = (
    r"replace (?:with|this|me)\b.*"
    r"|your[ _-](?:own[ _-])?(?:team|org|organi[sz]ation|company|name|owner|role|group)"
    r"(?:[ _-](?:name|here))?"
    r"|<[^<>]*>"
    r"|unassigned|unknown|not (?:yet )?(?:assigned|known|decided|named)"
    r"|to be (?:assigned|decided|determined|defined|confirmed|named|written|added)\b.*"
    r"|(?:drafted|written) by policyengine\b.*"
)
"""Text that asks for the text to be written, as a template or a draft leaves it: an
instruction to replace it (`replace with who ran your first exercise`), the reader's own
team or organisation (`your-team`, `Your organisation`), a slot in angle brackets
(`<team>`), a statement that nobody or nothing is named yet (`unassigned`, `unknown`, `to
be decided`), and text the tool wrote into a draft (`Drafted by policyengine discover ...:
describe the system`). `policyengine init`, `init-register` and `discover` write only
these, where their text stands for the user's (a test walks every text they write).
Each is the whole text: `your` or `unknown` inside a statement is no placeholder, nor is
any short name (`S3`, `GPU`, `ml-eng`), nor `none` (a stated decision: no approval)."""

_MARKER = r"(?:tbd|tba|tbc|todo|fixme|xxx+|placeholder)"
"""The words that announce text still to be written."""

_MARKERS_RE = re.compile(rf"^{_MARKER}(?:[\s,.;:!|-]+{_MARKER})*$")
"""Only markers, repeated: `TBD TBD TBD`, `TODO, TBD`."""

_NOTE_RE = re.compile(rf"^{_MARKER}\b\s*(?:[:(\[]|-\s)")
"""A note about what is missing: `TODO: write the impact assessment`, `TBD - later`."""

_WORD_RE = re.compile(r"\w+")
"""A word, as the judgements count them."""


_LOREM = frozenset(
    "lorem ipsum dolor amet consectetur adipiscing elit sed eiusmod tempor incididunt labore "
    "dolore magna aliqua enim minim veniam quis nostrud exercitation ullamco laboris nisi "
    "aliquip commodo consequat duis aute irure reprehenderit voluptate velit esse cillum "
    "fugiat nulla pariatur excepteur sint occaecat cupidatat proident culpa officia deserunt "
    "mollit anim laborum".split()
)
"""The distinctive words of the filler text that follows `lorem ipsum`."""


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
"""Zero-width characters, dropped before text is weighed: invisible text is no text (the
policies' `lib.model.stated` drops the same ones, with Unicode White_Space)."""


_LOOKALIKE = str.maketrans(
    # Cyrillic, Greek and Armenian letters (case folded) that a reader takes for Latin ones
    "авеікмнорстухѕјԁԛԝһӏүαβεηικμνοριτυχζօսհոɑı",
    "abeikmhopctyxsjdqwhlyabehikmvopitux" + "zouhnai",
)
"""Letters of other scripts a reader takes for Latin ones (after case folding), the
common homoglyphs of UTS #39's confusables: `аre` with a Cyrillic `а` reads `are`."""


_ASCII_WORD_RE = re.compile(r"[a-z0-9]+")
"""A word of lower-cased ASCII text as `in_substance` reads it: NFKC, the invisible
characters and the look-alikes leave ASCII as it is, and its alphanumerics are these."""


def _as_read(word: str) -> str:
    """`word` as a reader sees it: a word whose every letter is Latin or a look-alike of a
    Latin one (`_LOOKALIKE`) is read in Latin; any other word (Russian, Greek text) is
    kept as it is."""
    if word.isascii():
        return word
    latin = word.translate(_LOOKALIKE)
    return latin if latin.isascii() else word


def in_substance(text: str) -> str:
    """`text` as a reader weighs it: compatibility forms folded (NFKC: full-width and
    mathematical letters), invisible characters dropped, case, punctuation and runs of
    spaces dropped, and letters that look Latin read as Latin (`_as_read`), so
    `pinned  by hash.`, `Pinned by hash` and `Pinned bу hash` (a Cyrillic `у`) say the
    same."""
    if text.isascii():  # the usual case, the same words found at once
        return " ".join(_ASCII_WORD_RE.findall(text.lower()))
    plain = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).casefold()
    words = "".join(c if c.isalnum() else " " for c in plain).split()
    return " ".join(_as_read(w) for w in words)


def placeholder(text: str) -> bool:
    """Whether `text` (trimmed, case and trailing punctuation ignored) is a placeholder:
    a placeholder word (`x`, `TBD`, `n/a`, `lorem ...`), markers only (`TBD TBD`), a note
    that the text is still to be written (`TODO: write this`), text still to fill in
    (`_FILL_IN`: `replace with ...`, `your-team`, `unassigned`), or filler text (most
    words, at least three, from `lorem ipsum ...`)."""
    return _placeholder(_plain(text))[0]


def _plain(text: str) -> str:
    """`text` as `placeholder` reads it: invisible characters dropped, spacing folded,
    lower case, trailing punctuation dropped."""
    if not text.isascii():  # ASCII has no invisible characters to drop
        text = text.translate(_INVISIBLE)
    return " ".join(text.split()).lower().rstrip(".!:;, ")


_HOLLOW_RE = re.compile(
    "|".join(
        f"(?:{r})"
        for r in (
            _PLACEHOLDER_RE.pattern,
            _MARKERS_RE.pattern,
            _NOTE_RE.pattern,
            f"^(?:{_FILL_IN})$",
        )
    )
)
"""A placeholder word, markers only, a note of what is missing or a text still to fill
in: one match for four."""


def _placeholder(plain: str) -> tuple[bool, list[str] | None]:
    """Whether `plain` (`_plain`) is a placeholder, and its words when they were found."""
    if not plain or _HOLLOW_RE.match(plain):
        return True, None
    words = _WORD_RE.findall(plain)
    if len(words) < 3 or _LOREM.isdisjoint(words):  # the usual case: no filler at all
        return False, words
    filler = sum(w in _LOREM for w in words)
    return filler >= 3 and 2 * filler > len(words), words


def hollow(text: str, *, sentence: bool) -> str | None:
    """`placeholder` or `short` when `text` says nothing; None when it is a statement."""
    said, words = _placeholder(_plain(text))
    if said:
        return "placeholder"
    if sentence:
        # ASCII text has the words of its plain form: case, spacing and trailing
        # punctuation make no word characters (Unicode case folding can).
        if words is None or not text.isascii():
            words = _WORD_RE.findall(text)
        if len(words) < MIN_WORDS:
            return "short"
    return None


_LINE_MARKUP_RE = re.compile(r"^(?:[>*+|\s-]|\d+[.)]\s)+")
"""Markup that opens a line of a text document (quotes, list bullets, table bars)."""

_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+")


def placeholder_document(text: str) -> bool:
    """Whether a cited document is placeholder text rather than evidence: the same
    judgement as `placeholder`, made for each statement (each sentence of each line, its
    list or quote markup dropped; headings are titles, not statements). A document whose
    placeholder statements have at least as many words as its other statements, or whose
    other statements have fewer than `MIN_WORDS` words in all, says nothing: `TODO: write
    this document. TBD TBD TBD.`, `lorem ipsum ..., report to follow`, a heading over a
    TODO. One TODO in a long document is not a placeholder document."""
    hollow_words = said_words = 0
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        line = _LINE_MARKUP_RE.sub("", line).rstrip(" |")
        for statement in _SENTENCE_END_RE.split(line):
            words = len(_WORD_RE.findall(statement))
            if placeholder(statement):
                hollow_words += max(words, 1)
            else:
                said_words += words
    return said_words < MIN_WORDS or hollow_words >= said_words


@dataclass(frozen=True)
class _Field:
    """A text field of the model and the check that reports a placeholder in it."""

    check: str
    """The check that reports a hollow text: a `TM-TEXT-*` guard
    (policies/compliance/substance.rego), or for a field another check asks to be stated,
    that check, for which the placeholder counts as absent."""
    path: tuple[str, ...]
    """Keys from the model down; `*` steps into every item of a list, `{*}` into every
    value of a mapping."""
    name: str
    """How a message names the field: for a guard, ending with the noun of what it belongs
    to; for the check that reads it, the field as that check's message names it."""
    sentence: bool
    """A sentence is expected (too few words is a finding too), not a name."""
    controls: tuple[str, ...] = ()
    """The controls of the check that this field serves (a subset of its METADATA's
    `custom.controls`), which a placeholder in it fails; () for all of them."""
    types: frozenset[str] | None = None
    """For a field of an asset: the asset types it is read on (None: every type)."""
    except_types: frozenset[str] = frozenset()
    """For a field of an asset: the asset types it is not read on (another entry is)."""
    writes: bool = False
    """For a field of an asset: read only on an asset that can write (`permissions` write or
    admin), as TM-ISO-011 reads an agent tool's blast radius and approval step."""

    def reads(self, model: Mapping[str, Any], path: tuple[str | int, ...]) -> bool:
        """Whether this entry reads the text at `path` (the asset filters)."""
        if self.types is None and not self.except_types and not self.writes:
            return True
        assets = model.get("assets") or []
        i = path[1] if len(path) > 1 and path[0] == "assets" else None
        if not isinstance(i, int) or i >= len(assets) or not isinstance(assets[i], Mapping):
            return False
        kind = assets[i].get("type")
        if self.writes and not _writes(assets[i].get("permissions")):
            return False
        return (self.types is None or kind in self.types) and kind not in self.except_types


_WRITE_PERMISSIONS = frozenset({"write", "read_write", "admin"})
"""The permissions that let a tool change data (`policies/iso42001/impact.rego`)."""


def _writes(permissions: object) -> bool:
    """Whether `permissions` (one, or a list) let a tool change data."""
    if isinstance(permissions, list):
        return any(isinstance(p, str) and p in _WRITE_PERMISSIONS for p in permissions)
    return isinstance(permissions, str) and permissions in _WRITE_PERMISSIONS


_CONTEXT_AND_DOCS = ("nist-ai-rmf/MAP 1.1", "iso42001/A.6.2.2")

# An asset named "x" inventories nothing (A.6.2.3); an ML library or its components named
# or versioned "x" document no tooling (A.4.4); the ML libraries and serving infrastructure
# are what documents where the system runs (A.4.5, TM-ISO-032).
_TOOLING = frozenset({"ml_library"})
_RUNNING = frozenset({"ml_library", "serving_infrastructure"})
_DESIGN = ("iso42001/A.6.2.3",)
_TOOLS = ("iso42001/A.4.4",)

_DATASET = frozenset({"dataset"})
_TOOL = frozenset({"agent_tool"})

# A red-team record is what a threat's validation rests on (TM-EVAL-001: MEASURE 1.2, 9.1,
# A.6.2.4): who performed it also decides its independence (MEASURE 1.3) and is part of
# the exercise's record (MEASURE 2.1); what it found is a result (MEASURE 2.7).
_PERFORMER = (
    "nist-ai-rmf/MEASURE 1.2",
    "nist-ai-rmf/MEASURE 1.3",
    "nist-ai-rmf/MEASURE 2.1",
    "nist-ai-rmf/MEASURE 2.7",
    "iso42001/A.6.2.4",
)
_RESULT = ("nist-ai-rmf/MEASURE 1.2", "nist-ai-rmf/MEASURE 2.7", "iso42001/9.1", "iso42001/A.6.2.4")

_FIELDS = (
    # What names the system and its owner is part of its context and its documentation.
    _Field("TM-TEXT-001", ("metadata", "name"), "metadata.name of model", False, _CONTEXT_AND_DOCS),
    _Field(
        "TM-TEXT-001", ("metadata", "owner"), "metadata.owner of model", False, _CONTEXT_AND_DOCS
    ),
    _Field(
        "TM-TEXT-001",
        ("system", "description"),
        "system.description of model",
        True,
        ("iso42001/A.6.2.2", "iso42001/A.9.4"),
    ),
    _Field(
        "TM-TEXT-001",
        ("system", "intended_purpose"),
        "system.intended_purpose of model",
        True,
        ("nist-ai-rmf/MAP 1.1", "iso42001/A.6.2.2", "iso42001/A.9.4"),
    ),
    _Field(
        "TM-TEXT-001",
        ("system", "deployment_context"),
        "system.deployment_context of model",
        True,
        ("nist-ai-rmf/MAP 1.1",),
    ),
    _Field(
        "TM-TEXT-001",
        ("system", "human_oversight"),
        "system.human_oversight of model",
        True,
        ("nist-ai-rmf/MAP 3.5", "iso42001/A.9.2"),
    ),
    _Field(
        "TM-TEXT-001",
        ("system", "users", "*"),
        "a user in system.users of model",
        False,
        ("nist-ai-rmf/MAP 1.1",),
    ),
    _Field(
        "TM-TEXT-006",
        ("system", "ai_tasks", "*"),
        "an AI task in system.ai_tasks of model",
        False,
        ("nist-ai-rmf/MAP 2.1",),
    ),
    _Field(
        "TM-TEXT-006",
        ("system", "out_of_scope_uses", "*"),
        "a use in system.out_of_scope_uses of model",
        False,
        ("nist-ai-rmf/MAP 2.2", "nist-ai-rmf/MAP 3.3"),
    ),
    _Field(
        "TM-TEXT-007",
        ("surfaces", "*", "interfaces", "*", "who"),
        "who uses an interface of surface",
        False,
    ),
    _Field(
        "TM-TEXT-007",
        ("surfaces", "*", "interfaces", "*", "user_information"),
        "the user_information of an interface of surface",
        True,
    ),
    _Field("TM-TEXT-002", ("threats", "*", "title"), "the title of threat", False),
    _Field("TM-TEXT-002", ("threats", "*", "assumptions", "*"), "an assumption of threat", True),
    _Field(
        "TM-TEXT-002",
        ("threats", "*", "validation", "rationale"),
        "the validation rationale of threat",
        True,
    ),
    _Field(
        "TM-TEXT-002", ("threats", "*", "validation", "note"), "the validation note of threat", True
    ),
    _Field(
        "TM-TEXT-003",
        ("threats", "*", "acceptance", "rationale"),
        "the acceptance rationale of threat",
        True,
    ),
    _Field(
        "TM-TEXT-003",
        ("threats", "*", "acceptance", "approved_by"),
        "the approver of threat",
        False,
    ),
    _Field(
        "TM-TEXT-003", ("compliance", "waivers", "*", "reason"), "the reason of the waiver of", True
    ),
    _Field(
        "TM-TEXT-003",
        ("compliance", "waivers", "*", "approved_by"),
        "the approver of the waiver of",
        False,
    ),
    _Field(
        "TM-TEXT-003",
        ("compliance", "not_applicable", "*", "reason"),
        "the reason for ruling out",
        True,
    ),
    _Field("TM-TEXT-004", ("controls", "*", "title"), "the title of control", False),
    _Field("TM-TEXT-004", ("controls", "*", "owner"), "the owner of control", False),
    _Field(
        "TM-TEXT-004",
        ("compliance", "attestations", "*", "by"),
        "the attester of the attestation of",
        False,
    ),
    _Field(
        "TM-TEXT-005",
        ("red_team", "*", "performed_by"),
        "performed_by of red-team exercise",
        False,
        _PERFORMER,
    ),
    _Field(
        "TM-TEXT-005",
        ("red_team", "*", "findings", "*", "title"),
        "the title of a finding of red-team exercise",
        False,
        _RESULT,
    ),
    _Field(
        "TM-TEXT-008",
        ("assets", "*", "name"),
        "the name of asset",
        False,
        (*_TOOLS, "iso42001/A.4.5", *_DESIGN),
        types=_TOOLING,
    ),
    _Field(
        "TM-TEXT-008",
        ("assets", "*", "name"),
        "the name of asset",
        False,
        ("iso42001/A.4.5", *_DESIGN),
        types=_RUNNING - _TOOLING,
    ),
    _Field(
        "TM-TEXT-008",
        ("assets", "*", "name"),
        "the name of asset",
        False,
        _DESIGN,
        except_types=_RUNNING,
    ),
    _Field(
        "TM-TEXT-008", ("assets", "*", "version"), "the version of asset", False, _TOOLS, _TOOLING
    ),
    _Field(
        "TM-TEXT-008",
        ("assets", "*", "components", "*", "name"),
        "a component name of asset",
        False,
        _TOOLS,
    ),
    _Field(
        "TM-TEXT-008",
        ("assets", "*", "components", "*", "version"),
        "a component version of asset",
        False,
        _TOOLS,
    ),
    # The fields other checks read: a hollow one is reported by the check that reads it,
    # as its absence is, and fails that check's controls (its message says it is
    # placeholder text). An asset's other free text (description, provenance.url,
    # rate_limit, ...) and an exercise's scope assumptions no check reads.
    _Field(
        "TM-ISO-020",
        ("assets", "*", "provenance", "source"),
        "provenance source",
        False,
        types=_DATASET,
    ),
    _Field(
        "TM-ISO-021",
        ("assets", "*", "ingestion", "writers", "*"),
        "writers",
        False,
        types=_DATASET,
    ),
    _Field("TM-ISO-023", ("assets", "*", "quality"), "quality", False, types=_DATASET),
    _Field("TM-ISO-023", ("assets", "*", "quality", "{*}"), "quality", False, types=_DATASET),
    _Field(
        "TM-ISO-011",
        ("assets", "*", "blast_radius"),
        "blast_radius",
        False,
        types=_TOOL,
        writes=True,
    ),
    _Field(
        "TM-ISO-011",
        ("assets", "*", "human_approval"),
        "human_approval",
        False,
        types=_TOOL,
        writes=True,
    ),
    _Field("TM-REDTEAM-004", ("red_team", "*", "tools", "*"), "tools", False),
    _Field("TM-REDTEAM-004", ("red_team", "*", "test_sets", "*"), "test_sets", False),
    _Field("TM-REDTEAM-004", ("red_team", "*", "metrics", "*"), "metrics", False),
)

KINDS = {"placeholder": "placeholder text", "short": "too short to state anything"}
"""What a message calls each kind of hollow text."""


def placeholders(model: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The `input.facts.placeholders` of a model: one entry per hollow text, in field order,
    `{check, path, field, owner, kind, controls}`: the check that reports it, the path of
    the text, how to name the field, the path of what names its owner (an id, a control;
    the model's id for the model's own fields), what is wrong (`KINDS`), and the check's
    controls the field serves, which the finding fails (empty: all of the check's)."""
    found = []
    for spec in _FIELDS:
        for path, text in _texts(model, spec.path, ()):
            kind = hollow(text, sentence=spec.sentence)
            if kind is None or not spec.reads(model, path):
                continue
            found.append(
                {
                    "check": spec.check,
                    "path": list(path),
                    "field": spec.name,
                    "owner": _owner(model, path),
                    "kind": KINDS[kind],
                    "controls": list(spec.controls),
                }
            )
    return found


def _texts(
    node: object, steps: tuple[str, ...], at: tuple[str | int, ...]
) -> list[tuple[tuple[str | int, ...], str]]:
    """(path, text) of each string at `steps` under `node` (at `at`), in document order:
    one level at a time, each level kept in order (a model has ~200 such texts)."""
    level: list[tuple[object, tuple[str | int, ...]]] = [(node, at)]
    for step in steps:
        below: list[tuple[object, tuple[str | int, ...]]] = []
        if step == "*":
            for value, where in level:
                if isinstance(value, list):
                    below.extend((item, (*where, i)) for i, item in enumerate(value))
        elif step == "{*}":
            for value, where in level:
                if isinstance(value, Mapping):
                    below.extend((item, (*where, str(k))) for k, item in value.items())
        else:
            for value, where in level:
                if isinstance(value, Mapping) and step in value:
                    below.append((value[step], (*where, step)))
        if not below:
            return []
        level = below
    return [(where, value) for value, where in level if isinstance(value, str)]


def _owner(model: Mapping[str, Any], path: tuple[str | int, ...]) -> list[str | int]:
    """The path of what names the owner of the text at `path`: the item's id, the control
    (or technique) of a compliance entry, else the model's id."""
    if path[0] == "compliance" and len(path) > 2 and isinstance(path[2], int):
        entries = (model.get("compliance") or {}).get(str(path[1])) or []
        entry = entries[path[2]] if path[2] < len(entries) else {}
        key = "control" if isinstance(entry, Mapping) and "control" in entry else "technique"
        return [path[0], path[1], path[2], key]
    if path[0] in ("threats", "controls", "red_team", "surfaces", "assets") and len(path) > 1:
        return [path[0], path[1], "id"]
    return ["metadata", "id"]
