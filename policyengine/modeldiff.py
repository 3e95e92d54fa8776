"""The pure side of the change rule: what a version of a model says, and what changed.

Everything here is a function of text or parsed models (no git, no files): reading one
committed version exactly as the loader reads a model (`read_version`: the same parser, so
an escaped key, a flow list or an anchor reads as it does everywhere else), the semantic
diff of two models' trigger fields (`diff_models`, controls.md review rule 2) and the
facts the change rule hands to `review` (`ChangeFacts`). `gitfacts` finds the versions
and calls this.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from .errors import InvalidDocument
from .loader import (
    MAX_BYTES,
    Document,
    parse_document,
    resolve_plain,
)
from .substance import in_substance

# --- semantic diff --------------------------------------------------------------------


class ChangeKind(StrEnum):
    """What happened to a trigger asset between two versions of a model."""

    ADDED = "added"
    REMOVED = "removed"
    VERSION_CHANGED = "version_changed"
    INPUTS_CHANGED = "inputs_changed"
    ACTIONS_CHANGED = "actions_changed"
    PERMISSIONS_CHANGED = "permissions_changed"
    INGESTION_PATH_ADDED = "ingestion_path_added"
    INGESTION_PATH_REMOVED = "ingestion_path_removed"
    FIELD_CHANGED = "field_changed"
    ACCESS_WIDENED = "access_widened"
    ATLAS_VERSION_CHANGED = "atlas_version_changed"


@dataclass(frozen=True)
class CommitInfo:
    """One commit, as much as a review reason shows of it."""

    sha: str
    """Full 40-hex commit id."""
    author: str
    """Author name."""
    email: str
    """Author e-mail."""
    date: str
    """Author date, `YYYY-MM-DD` (the author's own time zone)."""

    @property
    def short(self) -> str:
        """The first 10 hex digits of the commit id."""
        return self.sha[:10]


@dataclass(frozen=True)
class Change:
    """One semantic change of a trigger field of a model (controls.md, review rule 2)."""

    asset: str
    """Id of the asset that changed; `SURFACE/INTERFACE` for an interface of a surface;
    `review` for `review.atlas_version`."""
    asset_type: str
    """Its `type` (`base_model`, `dataset`, `agent_tool`, `retrieval_corpus`, ...),
    `interface`, or `review`."""
    kind: ChangeKind
    """What changed."""
    old: str | list[str] | None = None
    """The old value (normalised: strings, sorted lists); None for an addition."""
    new: str | list[str] | None = None
    """The new value (normalised); None for a removal."""
    field: str = ""
    """The field that changed (`version`, `trained_on`, `inputs`, `actions`,
    `permissions`, `ingestion_paths`, a risk field of `RISK_FIELDS` such as
    `hosting.region` or `ingestion_paths[cms-sync].writers`, `exposure`, `access`,
    `atlas_version`); "" for an asset or interface added or removed."""
    introduced: CommitInfo | None = None
    """The first commit after the baseline that made this change; None when it is only in
    the working tree, or when it was not looked for (pull-request diffs)."""

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Identity of the change regardless of where it was introduced."""
        return (self.asset, self.kind.value, self.field, json.dumps(self.new, sort_keys=True))

    def describe(self) -> str:
        """A short phrase: `agent tool order-tool: actions changed from [a] to [a, b]`."""
        what = (
            "system"
            if self.asset_type == "system"
            else f"{self.asset_type.replace('_', ' ')} {self.asset}"
        )
        match self.kind:
            case ChangeKind.ADDED:
                return f"{what} was added"
            case ChangeKind.REMOVED:
                return f"{what} was removed"
            case ChangeKind.INGESTION_PATH_ADDED:
                return f"{what}: ingestion path {self.new} was added"
            case ChangeKind.INGESTION_PATH_REMOVED:
                return f"{what}: ingestion path {self.old} was removed"
            case ChangeKind.ACCESS_WIDENED if self.field == "authentication":
                return (
                    f"{what}: authentication dropped, from {_show(self.old)} to {_show(self.new)}"
                )
            case ChangeKind.ACCESS_WIDENED:
                return f"{what}: {self.field} widened from {_show(self.old)} to {_show(self.new)}"
            case ChangeKind.ATLAS_VERSION_CHANGED:
                return (
                    f"review.atlas_version changed from {_show(self.old)} to {_show(self.new)}"
                    " (the ATLAS release the threats were checked against)"
                )
            case (
                ChangeKind.VERSION_CHANGED
                | ChangeKind.INPUTS_CHANGED
                | ChangeKind.ACTIONS_CHANGED
                | ChangeKind.PERMISSIONS_CHANGED
                | ChangeKind.FIELD_CHANGED
            ):
                return f"{what}: {self.field} changed from {_show(self.old)} to {_show(self.new)}"


def _show(value: str | list[str] | None) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, list):
        return "[" + ", ".join(value) + "]"
    return value


_MODEL_TYPES = frozenset({"base_model", "fine_tuned_model", "embedding_model"})
_TRAINING_TYPES = frozenset({"training_pipeline", "fine_tuning_pipeline", "dataset"})
_TOOL_TYPES = frozenset({"agent_tool"})
_RETRIEVAL_TYPES = frozenset({"retrieval_corpus"})
TRIGGER_TYPES = _MODEL_TYPES | _TRAINING_TYPES | _TOOL_TYPES | _RETRIEVAL_TYPES
"""Asset types whose changes can require a review."""
_API_TYPES = frozenset({"inference_api"})
"""Asset types that trigger only when their reach widens: `exposure`, or `authentication`
dropped (`_unauthenticated`)."""

_INPUT_FIELDS = ("trained_on", "inputs")
"""Training inputs: of a pipeline or dataset, and of a fine-tuned model (its fine-tuning)."""


def _scalar(value: Any) -> str | None:
    """A scalar as the string a reader sees: `3` and `"3"` and a date all compare as text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, sort_keys=True, default=str)


def _norm(value: Any) -> str | list[str] | None:
    """Normalise a field for comparison: lists become sorted sets, scalars strings."""
    if isinstance(value, list | tuple):
        return sorted({_scalar(v) or "" for v in value})
    return _scalar(value)


def _assets_by_id(model: Any) -> dict[str, Mapping[str, Any]]:
    assets = model.get("assets") if isinstance(model, Mapping) else None
    out: dict[str, Mapping[str, Any]] = {}
    if not isinstance(assets, list):
        return out
    for asset in assets:
        if isinstance(asset, Mapping) and isinstance(asset.get("id"), str):
            out.setdefault(asset["id"], asset)
    return out


def _path_key(path: Any) -> str:
    if isinstance(path, Mapping):
        for key in ("id", "source"):
            if isinstance(path.get(key), str):
                return str(path[key])
        return json.dumps(path, sort_keys=True, default=str)
    return _scalar(path) or ""


def _ingestion_paths(asset: Mapping[str, Any]) -> set[str]:
    paths = asset.get("ingestion_paths")
    if not isinstance(paths, list):
        return set()
    return {_path_key(p) for p in paths}


def _asset_changes(
    aid: str, atype: str, old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[Change]:
    changes: list[Change] = []

    def compare(name: str, kind: ChangeKind) -> None:
        before, after = _norm(old.get(name)), _norm(new.get(name))
        if before != after:
            changes.append(Change(aid, atype, kind, before, after, name))

    if atype in _MODEL_TYPES or atype in _TRAINING_TYPES:
        compare("version", ChangeKind.VERSION_CHANGED)
    if atype in _TRAINING_TYPES or atype == "fine_tuned_model":
        for name in _INPUT_FIELDS:
            compare(name, ChangeKind.INPUTS_CHANGED)
    if atype in _TOOL_TYPES:
        compare("actions", ChangeKind.ACTIONS_CHANGED)
        compare("permissions", ChangeKind.PERMISSIONS_CHANGED)
    if atype in _RETRIEVAL_TYPES:
        before, after = _ingestion_paths(old), _ingestion_paths(new)
        changes.extend(
            Change(aid, atype, ChangeKind.INGESTION_PATH_ADDED, None, p, "ingestion_paths")
            for p in sorted(after - before)
        )
        changes.extend(
            Change(aid, atype, ChangeKind.INGESTION_PATH_REMOVED, p, None, "ingestion_paths")
            for p in sorted(before - after)
        )
    changes.extend(_risk_field_changes(aid, atype, old, new))
    return changes


# What an asset says about its risk, beyond version, inputs, actions and permissions
# (controls.md, review rule 2): where a model or its data comes from and which artifact it
# is, where a model runs, who can write the data a model learns or retrieves from, and when
# a human must approve a tool's action. A change to any of these changes what can go
# wrong, so it needs a review; descriptions, names, owners and other prose never do.
_ORIGIN: tuple[str, ...] = ("supplier", "provenance.source", "provenance.sha256")
_RUNS: tuple[str, ...] = (
    "hosting.provider",
    "hosting.region",
    "loaded_from_files",
    "weights_format",
    "memory",
)
RISK_FIELDS: Mapping[str, tuple[str, ...]] = {
    "base_model": _ORIGIN + _RUNS,
    "fine_tuned_model": _ORIGIN + _RUNS,
    "embedding_model": _ORIGIN + _RUNS,
    "dataset": (*_ORIGIN, "ingestion.access_controlled", "ingestion.writers"),
    "training_pipeline": ("access_controlled",),
    "fine_tuning_pipeline": ("access_controlled",),
    "agent_tool": ("human_approval", "memory"),
    "retrieval_corpus": ("embedding_model",),
}
"""Per trigger asset type, the dotted fields whose change needs a review."""

PATH_FIELDS = ("source", "writers", "reviewed_before_publish")
"""The fields of an ingestion path (kept by id) whose change needs a review."""


def _dotted(asset: Mapping[str, Any], name: str) -> Any:
    value: Any = asset
    for part in name.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _weighed(value: str | list[str] | None) -> object:
    """A normalised value as a reader weighs it (`in_substance`: case, punctuation and
    spacing aside), so that recasing or respacing a statement is no change."""
    if isinstance(value, list):
        return sorted({in_substance(v) for v in value})
    return None if value is None else in_substance(value)


def _field_change(aid: str, atype: str, name: str, before: Any, after: Any) -> Change | None:
    old, new = _norm(before), _norm(after)
    if old == new or _weighed(old) == _weighed(new):
        return None
    return Change(aid, atype, ChangeKind.FIELD_CHANGED, old, new, name)


def _risk_field_changes(
    aid: str, atype: str, old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[Change]:
    """The changes of the asset's `RISK_FIELDS`, and of the `PATH_FIELDS` of each
    ingestion path a retrieval corpus kept (by id or source)."""
    found = [
        _field_change(aid, atype, name, _dotted(old, name), _dotted(new, name))
        for name in RISK_FIELDS.get(atype, ())
    ]
    if atype in _RETRIEVAL_TYPES:
        before, after = _paths_by_key(old), _paths_by_key(new)
        for key in sorted(before.keys() & after.keys()):
            found.extend(
                _field_change(
                    aid,
                    atype,
                    f"ingestion_paths[{key}].{name}",
                    before[key].get(name),
                    after[key].get(name),
                )
                for name in PATH_FIELDS
            )
    return [c for c in found if c is not None]


def _paths_by_key(asset: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    paths = asset.get("ingestion_paths")
    out: dict[str, Mapping[str, Any]] = {}
    for path in paths if isinstance(paths, list) else []:
        if isinstance(path, Mapping):
            out.setdefault(_path_key(path), path)
    return out


_REACH = {"internal": 0, "authenticated": 1, "public": 2}
"""How far an interface (`access`) or inference API (`exposure`) reaches; unset reads as
internal, so setting it to authenticated or public widens it."""


def _widened(
    name: str, kind: str, key: str, old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[Change]:
    before, after = _norm(old.get(key)), _norm(new.get(key))
    rank_before = _REACH.get(before, 0) if isinstance(before, str) else 0
    rank_after = _REACH.get(after, 0) if isinstance(after, str) else 0
    if rank_after <= rank_before:
        return []
    return [Change(name, kind, ChangeKind.ACCESS_WIDENED, before, after, key)]


_NO_AUTHENTICATION = (None, "", "none")
"""`authentication` values that let any caller in (unset reads as none, as the ATLAS
applicability of inference-API techniques reads it)."""


def _unauthenticated(
    name: str, kind: str, old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[Change]:
    """An inference API whose callers authenticated and now need not: as wide a way in
    as `exposure: public` (the same techniques come into scope)."""
    before, after = _norm(old.get("authentication")), _norm(new.get("authentication"))
    if before in _NO_AUTHENTICATION or after not in _NO_AUTHENTICATION:
        return []
    return [Change(name, kind, ChangeKind.ACCESS_WIDENED, before, after, "authentication")]


def _interfaces(model: Any) -> dict[str, Mapping[str, Any]]:
    """The interfaces of a model's surfaces by `SURFACE/INTERFACE` id."""
    surfaces = model.get("surfaces") if isinstance(model, Mapping) else None
    out: dict[str, Mapping[str, Any]] = {}
    for surface in surfaces if isinstance(surfaces, list) else []:
        if not isinstance(surface, Mapping) or not isinstance(surface.get("id"), str):
            continue
        interfaces = surface.get("interfaces")
        for interface in interfaces if isinstance(interfaces, list) else []:
            if isinstance(interface, Mapping) and isinstance(interface.get("id"), str):
                out.setdefault(f"{surface['id']}/{interface['id']}", interface)
    return out


def _interface_changes(old: Any, new: Any) -> list[Change]:
    """A way in that the model did not have (an interface added, by surface and id), or
    one that now reaches more callers (`access` widened: internal -> authenticated ->
    public). An interface removed or narrowed is no trigger."""
    before, after = _interfaces(old), _interfaces(new)
    changes = []
    for name in sorted(after):
        now = after[name]
        if name not in before:
            changes.append(
                Change(name, "interface", ChangeKind.ADDED, None, _norm(now.get("access")))
            )
        else:
            changes.extend(_widened(name, "interface", "access", before[name], now))
    return changes


def _atlas_version(model: Any) -> str | None:
    review = model.get("review") if isinstance(model, Mapping) else None
    return _scalar(review.get("atlas_version")) if isinstance(review, Mapping) else None


SYSTEM_FIELDS = (
    "intended_purpose",
    "deployment_context",
    "users",
    "out_of_scope_uses",
    "ai_tasks",
    "human_oversight",
)
"""The fields of `system` whose change needs a review: what the system is for, where and
for whom it runs, what it does and how humans oversee it (MAP 1.1, 2.1, 3.5; ISO 42001
6.1.4 and A.9). A rewritten `human_oversight` triggers, as a rewritten `human_approval`
does; `description` is prose and never does. `risk_tolerance` is not here: raising it is
PR-RISK-001 in a pull request (one cause, one finding)."""


def _system_changes(old: Any, new: Any) -> list[Change]:
    """The changed `SYSTEM_FIELDS` (in substance), when both sides are models."""
    if old is None or new is None:
        return []
    before, after = old.get("system"), new.get("system")
    before = before if isinstance(before, Mapping) else {}
    after = after if isinstance(after, Mapping) else {}
    found = [
        _field_change("system", "system", name, before.get(name), after.get(name))
        for name in SYSTEM_FIELDS
    ]
    return [c for c in found if c is not None]


def diff_models(old: Any, new: Any) -> list[Change]:
    """The trigger-field changes from model `old` to model `new` (parsed YAML, JSON types).

    Assets are matched by id, so reordering never counts; lists of actions and inputs
    compare as sets; prose fields are never read. An asset of any type added or removed
    counts; an asset whose type changed counts as removed and added. Kept assets are
    compared field by field for the `TRIGGER_TYPES`; an inference API only when its
    `exposure` widens (`_widened`) or its `authentication` is dropped
    (`_unauthenticated`). The system's `SYSTEM_FIELDS` count. Interfaces of surfaces
    (`_interface_changes`) and a changed `review.atlas_version` (which decides the ATLAS
    rule: moving it is a claim that the threats were checked against that
    release, which only a review makes) count too. Returns the asset changes sorted by
    asset id, then kind, then the system's, then the interface changes by
    `SURFACE/INTERFACE`, then the ATLAS release; `introduced` is None on every change.
    Either side may be None (no model), meaning no assets.
    """
    before, after = _assets_by_id(old), _assets_by_id(new)
    changes: list[Change] = []
    for aid in sorted(before.keys() | after.keys()):
        a, b = before.get(aid), after.get(aid)
        atype_a = str(a.get("type", "")) if a is not None else ""
        atype_b = str(b.get("type", "")) if b is not None else ""
        if a is not None and b is not None and atype_a == atype_b:
            if a == b:
                continue  # most assets of most commits: nothing can have changed
            if atype_a in TRIGGER_TYPES:
                changes.extend(_asset_changes(aid, atype_a, a, b))
            elif atype_a in _API_TYPES:
                changes.extend(_widened(aid, atype_a, "exposure", a, b))
                changes.extend(_unauthenticated(aid, atype_a, a, b))
            continue
        if a is not None:
            changes.append(Change(aid, atype_a, ChangeKind.REMOVED, _norm(a.get("version")), None))
        if b is not None:
            changes.append(Change(aid, atype_b, ChangeKind.ADDED, None, _norm(b.get("version"))))
    changes.extend(_system_changes(old, new))
    changes.extend(_interface_changes(old, new))
    was, now = _atlas_version(old), _atlas_version(new)
    if old is not None and new is not None and was != now:
        changes.append(
            Change("review", "review", ChangeKind.ATLAS_VERSION_CHANGED, was, now, "atlas_version")
        )
    return changes


# --- change facts ---------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeFacts:
    """What the change rule needs about one model file."""

    changes: tuple[Change, ...] = ()
    """Trigger changes since the review baseline, sorted by asset id then kind."""
    review_commit: CommitInfo | None = None
    """The commit of the review the changes are counted from: the one that last set
    `review.last_reviewed` to its current value (or to a later day, when the current value
    was moved back); None when the working tree set it (not committed yet), when the
    model has no `last_reviewed`, or when the baseline is a version before the review
    (`before_review`: a review dated before a change does not cover it)."""
    baseline: str = ""
    """What was compared with the model now, for messages: `commit 1a2b3c4d5e`,
    `the working tree` (the review is not committed yet), `ref origin/main`."""
    unknown: str = ""
    """Non-empty when the rule could not be evaluated: why, and the fix."""
    path_history: tuple[str, ...] = ()
    """Earlier paths of the file (renames followed), newest first; empty when never moved."""

    @property
    def evaluated(self) -> bool:
        """True when the change rule could be evaluated."""
        return not self.unknown


# --- which versions a review saw ---------------------------------------------------------


def review_day(value: str | None) -> date | None:
    """A `last_reviewed` (or commit date) as a day when it is one (`YYYY-MM-DD`); else None."""
    if value is None or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def before_review(current: str | None, reviewed: str | None, committed: str) -> bool:
    """Whether a committed version of a model is one the review `current` (the model's
    `review.last_reviewed` now) can have seen and replaces: its own `last_reviewed`
    (`reviewed`) is earlier, and it was committed (`committed`, `YYYY-MM-DD`) on or before
    the day the review claims. The change rule's baseline is the newest such version, so
    a date moved back (no later than the review before it) is no review, and a review
    dated before a change does not cover it. A `current` that is not a day is compared as
    text (any other value ends the search, as before)."""
    if reviewed == current:
        return False
    now, then = review_day(current), review_day(reviewed)
    if now is None:
        return True
    if then is not None and then >= now:
        return False
    day = review_day(committed)
    return day is None or day <= now


def review_covers(reviewed: str | None, committed: str, current: str | None) -> bool:
    """Whether a version that `before_review` passed over is itself reviewed, so that the
    change rule can start from it: its `last_reviewed` (`reviewed`) is `current` or later
    and it was committed on or before that day (else the search goes one version further
    back, to the newest version `before_review` stopped at)."""
    if reviewed == current and review_day(current) is None:
        return True
    day, now = review_day(reviewed), review_day(current)
    if day is None or now is None or day < now:
        return False
    committed_day = review_day(committed)
    return committed_day is None or committed_day <= day


# --- one version of a model -------------------------------------------------------------


def last_reviewed_of(model: Any) -> str | None:
    """`review.last_reviewed` of a parsed model as text (`_scalar`); None when absent."""
    review = model.get("review") if isinstance(model, Mapping) else None
    if not isinstance(review, Mapping):
        return None
    return _scalar(review.get("last_reviewed"))


Pointer = tuple[str | int, ...]
"""Parts of a path into a parsed model: keys and list indexes."""


@dataclass(frozen=True)
class VersionView:
    """What the change rule reads of one version of a model file, parsed."""

    last_reviewed: str | None
    """Its `review.last_reviewed` (`last_reviewed_of`); None when absent or not loadable."""
    model: Any
    """The model reduced to what `diff_models` reads (`{"assets": ..., "surfaces": ...,
    "system": ..., "review": {"atlas_version": ...}}`, `view_of`); None when the version
    does not load."""
    error: str = ""
    """Why the version does not load (first line of the loader's message); "" when it does."""
    text: str | None = field(default=None, repr=False, compare=False)
    """Its text, when `derive_version` may start from it: UTF-8 with no byte-order mark,
    loaded, and without any `*` (so without aliases)."""
    keys: KeyIndex | None = field(default=None, repr=False, compare=False)
    """Where the loader placed each mapping key of that text (with `text`)."""


class KeyIndex:
    """The mapping keys of a loaded text by where they are: (line, column), 0-based ->
    the pointer of the member. Made from the loader's positions when first asked (most
    versions are never asked), then kept."""

    __slots__ = ("_index", "_positions")

    def __init__(self, positions: Mapping[Pointer, tuple[int, int]]) -> None:
        self._positions = positions
        self._index: dict[tuple[int, int], Pointer] | None = None

    def get(self, where: tuple[int, int]) -> Pointer | None:
        """The pointer of the member whose key starts at `where`, or None."""
        index = self._index
        if index is None:
            # Inverted in C. A key shares its place only with the list item that holds its
            # mapping, placed before it; the rare place held by something else last reads
            # as no key, which only refuses the shortcut.
            index = self._index = dict(zip(self._positions.values(), self._positions, strict=True))
        parts = index.get((where[0] + 1, where[1] + 1))
        return parts if parts and isinstance(parts[-1], str) else None


def view_of(model: Any) -> VersionView:
    """The view of a model already parsed by the loader (JSON types): its assets, its
    surfaces, its system and its `review.atlas_version`, what `diff_models` reads."""
    data = model if isinstance(model, Mapping) else {}
    review = data.get("review")
    atlas = (
        {"atlas_version": review["atlas_version"]}
        if isinstance(review, Mapping) and "atlas_version" in review
        else {}
    )
    reduced = {
        "assets": data.get("assets"),
        "surfaces": data.get("surfaces"),
        "system": data.get("system"),
        "review": atlas,
    }
    return VersionView(last_reviewed_of(model), reduced)


def read_version(content: bytes, path: str = "<git>") -> VersionView:
    """One version of a model file, read by the project's loader (`loader.parse_document`)
    exactly as a model in the working tree is: the same keys, escapes, flow and block
    styles, anchors and limits, so that no spelling reads differently in history. A
    version that does not load gives a view with `error` set; never raises."""
    try:
        doc = parse_document(content, path)
    except InvalidDocument as exc:
        return VersionView(None, None, first_line(exc))
    return document_view(doc, content)


def document_view(doc: Document, content: bytes) -> VersionView:
    """The view of `doc`, loaded from `content`, that `derive_version` can start from."""
    view = view_of(doc.data)
    text = _derivable_text(content)
    return view if text is None else replace(view, text=text, keys=KeyIndex(doc.positions))


def _derivable_text(content: bytes) -> str | None:
    """The text of loaded `content` when a shortcut may start from it: UTF-8 with no
    byte-order mark and without any `*` (so without aliases); else None."""
    if content.startswith(codecs.BOM_UTF8) or b"*" in content:
        return None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return None


# A line that holds one mapping member and nothing else: indentation, an optional `- `,
# a plain key, and one single-line scalar made only of characters that cannot start,
# end or nest anything (no flow indicators, quotes inside quotes, escapes, anchors,
# aliases, tags, comments or `: `).
_SAFE_LINE = re.compile(
    r"( *)((?:- )?)([A-Za-z0-9_][A-Za-z0-9_-]*): "
    r"(?:([A-Za-z0-9._/()+=;~^$][A-Za-z0-9 ._/()+=;~^$-]*(?<! ))"
    r'|"([A-Za-z0-9 ._/()+=;~^$:,-]*)"'
    r"|'([A-Za-z0-9 ._/()+=;~^$:,-]*)')"
)
_LAST_REVIEWED: Pointer = ("review", "last_reviewed")
_ATLAS_VERSION: Pointer = ("review", "atlas_version")
_VIEWED = frozenset({"assets", "surfaces", "system"})
"""The sections a view keeps whole (`view_of`)."""


def _line_value(match: re.Match[str]) -> Any:
    plain, double, single = match.group(4, 5, 6)
    return resolve_plain(plain) if plain is not None else double if double is not None else single


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def derive_version(known: VersionView, content: bytes) -> VersionView | None:
    """The view of `content` from the view of a neighbouring version, without parsing,
    when that is exact; None when it cannot tell (then parse it with `read_version`).

    Exact means: the two texts have the same lines but for lines that each hold one mapping
    member (`_SAFE_LINE`) whose key the loader placed at that line and column in `known`,
    with the same indentation, dash and key on both sides, and a single-line scalar that
    accounts for the whole old value. Such an edit changes that one scalar and nothing
    else, so the new view is the old one with the value replaced. The differential test
    in tests/properties holds this to `read_version` over many YAML spellings.
    """
    found = _edits(known.text, known.keys, content)
    if found is None:
        return None
    new_text, edits = found
    last, model = known.last_reviewed, known.model
    for parts, old_value, new_value in edits:
        if parts == _LAST_REVIEWED:
            if last != _scalar(old_value):
                return None
            last = _scalar(new_value)
        elif _LAST_REVIEWED[: len(parts)] == parts:
            return None
        elif parts[0] in _VIEWED or parts == _ATLAS_VERSION:
            model = _replaced(model, parts, old_value, new_value)
            if model is _MISMATCH:
                return None
    return VersionView(last, model, "", new_text, known.keys)


Edit = tuple[Pointer, Any, Any]
"""One scalar replaced: where (its member's pointer), the old value and the new one."""


def _edits(
    text: str | None, keys: KeyIndex | None, content: bytes
) -> tuple[str, list[Edit]] | None:
    """(the text of `content`, the scalar edits that turn `text` into it) when every line
    that differs holds one mapping member (`_SAFE_LINE`) on both sides, with the same
    indentation, dash and key, the key where the loader placed one in `text` (`keys`),
    and a single-line scalar that accounts for the whole value; None when it cannot tell
    (no text, aliases, a byte-order mark, not UTF-8, lines added or removed, any other
    line changed)."""
    if text is None or keys is None or len(content) > MAX_BYTES or b"*" in content:
        return None
    if content.startswith(codecs.BOM_UTF8):
        return None
    try:
        new_text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    first, old_lines, new_lines = _changed_lines(text, new_text)
    if len(new_lines) != len(old_lines):
        return None
    edits: list[Edit] = []
    for number, old, new in zip(
        range(first, first + len(old_lines)), old_lines, new_lines, strict=True
    ):
        if old == new:
            continue
        before, after = _SAFE_LINE.fullmatch(old), _SAFE_LINE.fullmatch(new)
        if before is None or after is None or before.group(1, 2, 3) != after.group(1, 2, 3):
            return None
        column = len(before.group(1)) + len(before.group(2))
        parts = keys.get((number, column))
        if parts is None or parts[-1] != before.group(3):
            return None
        try:
            edits.append((parts, _line_value(before), _line_value(after)))
        except ValueError:  # a number too long for int(): the loader refuses the file
            return None
    return new_text, edits


# --- the review section of one version (evidence packs' review history) ------------------


@dataclass(frozen=True)
class ReviewView:
    """What the review history reads of one version of a model file: its `review`."""

    review: Mapping[str, Any] | None | str
    """The `review` section (a mapping), None when the version has none (or not a
    mapping), or why the version does not load (`does not load: <message>`)."""
    text: str | None = field(default=None, repr=False, compare=False)
    """Its text, when `derive_review` may start from it (as `VersionView.text`)."""
    keys: KeyIndex | None = field(default=None, repr=False, compare=False)
    """Where the loader placed each mapping key of that text (with `text`)."""


def read_review(content: bytes, path: str) -> ReviewView:
    """The `review` section of one version, read by the project's loader (`path` names
    the file in messages); never raises."""
    try:
        doc = parse_document(content, path)
    except InvalidDocument as exc:
        return ReviewView(f"does not load: {exc.diagnostic.message}")
    data = doc.data
    review = data.get("review") if isinstance(data, Mapping) else None
    view = ReviewView(review if isinstance(review, Mapping) else None)
    text = _derivable_text(content)
    return view if text is None else replace(view, text=text, keys=KeyIndex(doc.positions))


def derive_review(known: ReviewView, content: bytes) -> ReviewView | None:
    """The `review` section of `content` from a neighbouring version's, without parsing,
    when that is exact (the edits `derive_version` takes, applied to `review`); None when
    it cannot tell (then `read_review`). Held to `read_review` by a differential test."""
    found = _edits(known.text, known.keys, content)
    if found is None or isinstance(known.review, str):
        return None
    new_text, edits = found
    review: Any = known.review
    for parts, old_value, new_value in edits:
        if parts[0] != "review":
            continue
        if len(parts) == 1 or review is None:
            return None
        review = _replaced(review, parts[1:], old_value, new_value)
        if review is _MISMATCH:
            return None
    return ReviewView(review, new_text, known.keys)


def _changed_lines(old: str, new: str) -> tuple[int, list[str], list[str]]:
    """(number of the first line, 0-based; those lines of `old`; those of `new`): the
    fewest whole lines of each text, from the same line on, outside which the two texts
    are the same (so they have as many lines in all exactly when these lists are as
    long). Found by halving (slices compare in C), not line by line: versions of a
    model differ in a line or two out of a thousand."""
    if old == new:
        return 0, [], []
    size_old, size_new = len(old), len(new)
    short = min(size_old, size_new)
    same, most = 0, short  # old[:same] == new[:same]; the common prefix is at most `most`
    while same < most:
        mid = (same + most + 1) // 2
        if old[same:mid] == new[same:mid]:
            same = mid
        else:
            most = mid - 1
    prefix = same
    same, most = 0, short - prefix  # the common suffix, not overlapping the prefix
    while same < most:
        mid = (same + most + 1) // 2
        if old[size_old - mid : size_old - same] == new[size_new - mid : size_new - same]:
            same = mid
        else:
            most = mid - 1
    start = old.rfind("\n", 0, prefix) + 1
    end_old = old.find("\n", size_old - same)
    end_old = size_old if end_old < 0 else end_old
    end_new = end_old + size_new - size_old
    first = old.count("\n", 0, start)
    return first, old[start:end_old].split("\n"), new[start:end_new].split("\n")


_MISMATCH: Any = object()
"""`_replaced`'s answer when the value found is not the old one."""


def _replaced(model: Any, parts: Pointer, old: Any, new: Any) -> Any:
    """`model` with the value at `parts` replaced by `new`, copying only the containers on
    the way; `_MISMATCH` when the value there is not `old` (or there is none)."""
    if not parts:
        return new if _same(model, old) else _MISMATCH
    head, rest = parts[0], parts[1:]
    if isinstance(model, dict) and isinstance(head, str) and head in model:
        inner = _replaced(model[head], rest, old, new)
        return _MISMATCH if inner is _MISMATCH else {**model, head: inner}
    if isinstance(model, list) and isinstance(head, int) and 0 <= head < len(model):
        inner = _replaced(model[head], rest, old, new)
        if inner is _MISMATCH:
            return _MISMATCH
        copy = list(model)
        copy[head] = inner
        return copy
    return _MISMATCH


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type name when it has none)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
