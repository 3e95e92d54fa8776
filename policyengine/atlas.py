"""The MITRE ATLAS catalog: tactic and technique ids, names, tactics, first release.

The package ships a catalog of ATLAS 5.6.1 (`policyengine/data/atlas-catalog.json`,
made by `scripts/build_atlas_catalog.py`). It holds facts only, never descriptions:
for each tactic and technique its id, name, parent, tactics, maturity and the first
ATLAS release that contained it, plus retired ids and former names. A repository can
keep its own, newer catalog (`atlas import`), merged from a MITRE `ATLAS.yaml` release.

Versions compare numerically. A first release written `<=X.Y.Z` means "already in
X.Y.Z, the first release the catalog tracks" and compares as X.Y.Z.

Only `load_catalog`, `catalog_for_repo`, `read_release`, `catalog_from_release`,
`import_release` and `save_catalog` touch files; everything else is pure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from .atomic import write_whole
from .errors import CatalogError
from .results import CatalogDiff as CatalogDiff
from .results import Technique as Technique

SHIPPED_CATALOG = Path(__file__).resolve().parent / "data" / "atlas-catalog.json"
"""The catalog shipped with the package (ATLAS 5.6.1)."""

DEFAULT_REPO_CATALOG = ".policyengine/atlas-catalog.json"
"""Where a repository keeps its own catalog, relative to the repository root."""

CATALOG_FORMAT = "policyengine-atlas-catalog"
"""The `format` marker of a catalog JSON file."""

CATALOG_FORMAT_VERSION = 1
"""The `format_version` of catalog JSON files this module reads and writes."""

_VERSION_RE = re.compile(r"^(<=)?v?(\d+)\.(\d+)(?:\.(\d+))?$")


def parse_version(text: str) -> tuple[int, int, int]:
    """The numeric key of an ATLAS version: `5.6.1` -> (5, 6, 1); `<=3.0.0` -> (3, 0, 0).

    A leading `v` (a git tag) is accepted. Raises CatalogError for anything else.
    """
    m = _VERSION_RE.match(text.strip()) if isinstance(text, str) else None
    if m is None:
        raise CatalogError(f"not an ATLAS version: {text!r} (expected e.g. 5.6.1)")
    return (int(m.group(2)), int(m.group(3)), int(m.group(4) or 0))


@dataclass(frozen=True)
class Tactic:
    """One ATLAS tactic (a column of the matrix)."""

    id: str
    """The tactic id, e.g. `AML.TA0002`."""
    name: str
    """Its current name, e.g. `Reconnaissance`."""
    order: int
    """Its position in the ATLAS matrix, from 1."""
    first_release: str
    """The first ATLAS release that contained it (`<=3.0.0`: the first tracked one)."""


def _freeze(items: Iterable[tuple[str, Any]]) -> Mapping[str, Any]:
    return MappingProxyType(dict(sorted(items)))


@dataclass(frozen=True)
class AtlasCatalog:
    """A whole ATLAS catalog at one release: tactics and techniques by id."""

    version: str
    """The ATLAS release the catalog describes, e.g. `5.6.1`."""
    tactics: Mapping[str, Tactic] = field(default_factory=lambda: MappingProxyType({}))
    """Every tactic, by id."""
    techniques: Mapping[str, Technique] = field(default_factory=lambda: MappingProxyType({}))
    """Every technique and sub-technique by id, retired ones included (flagged)."""

    def lookup(self, tid: str) -> Technique | None:
        """The technique with this id (active or retired), or None when unknown."""
        return self.techniques.get(tid)

    def current_id(self, tid: str) -> str | None:
        """The id to use today for `tid`.

        `tid` itself when active; its replacement (followed to an active id) when
        retired; None when unknown or retired without an active replacement.
        """
        seen: set[str] = set()
        current: str | None = tid
        while current is not None and current not in seen:
            seen.add(current)
            tech = self.techniques.get(current)
            if tech is None:
                return None
            if not tech.retired:
                return current
            current = tech.replaced_by
        return None

    def active(self) -> list[Technique]:
        """Every technique that is not retired, sorted by id."""
        return [t for t in self.techniques.values() if not t.retired]

    def added_since(self, version: str) -> list[Technique]:
        """Active techniques first released after `version`, sorted by id.

        Raises CatalogError when `version` is not a version.
        """
        floor = parse_version(version)
        return [t for released, t in self._released if released > floor]

    @cached_property
    def _released(self) -> tuple[tuple[tuple[int, int, int], Technique], ...]:
        """Each active technique with its first release parsed, sorted by id: made once
        (the review rule asks `added_since` of every model). Raises CatalogError as
        `parse_version`."""
        return tuple((parse_version(t.first_release), t) for t in self.active())

    def children(self, tid: str) -> list[Technique]:
        """The active sub-techniques of `tid`, sorted by id."""
        return [t for t in self.active() if t.parent == tid]


def diff(old: AtlasCatalog, new: AtlasCatalog) -> CatalogDiff:
    """What changed from `old` to `new`: ids added, ids retired, names changed."""
    old_active = {t.id: t for t in old.active()}
    new_active = {t.id: t for t in new.active()}
    added = tuple(sorted(set(new_active) - set(old_active)))
    retired = tuple(sorted(set(old_active) - set(new_active)))
    renamed = tuple(
        (tid, old_active[tid].name, new_active[tid].name)
        for tid in sorted(set(old_active) & set(new_active))
        if old_active[tid].name != new_active[tid].name
    )
    return CatalogDiff(added=added, retired=retired, renamed=renamed)


# --- catalog JSON ---------------------------------------------------------------------


def _catalog_to_json(catalog: AtlasCatalog) -> dict[str, Any]:
    return {
        "format": CATALOG_FORMAT,
        "format_version": CATALOG_FORMAT_VERSION,
        "version": catalog.version,
        "tactics": {
            t.id: {"name": t.name, "order": t.order, "first_release": t.first_release}
            for t in catalog.tactics.values()
        },
        "techniques": {
            t.id: {
                "name": t.name,
                "parent": t.parent,
                "tactics": list(t.tactics),
                "maturity": t.maturity,
                "first_release": t.first_release,
                "retired": t.retired,
                "retired_in": t.retired_in,
                "replaced_by": t.replaced_by,
                "former_names": list(t.former_names),
            }
            for t in catalog.techniques.values()
        },
    }


def dumps_catalog(catalog: AtlasCatalog) -> str:
    """The catalog as deterministic JSON text: sorted keys, 2-space indent, final newline."""
    return json.dumps(_catalog_to_json(catalog), indent=2, sort_keys=True, ensure_ascii=False) + (
        "\n"
    )


def save_catalog(catalog: AtlasCatalog, path: Path) -> None:
    """Write the catalog to `path` whole (temp file + rename); creates parent folders.

    Raises CatalogError when the file cannot be written.
    """
    try:
        write_whole(path, dumps_catalog(catalog))
    except OSError as exc:
        raise CatalogError(f"cannot write the ATLAS catalog {path}: {exc.strerror}") from exc


class _Shape:
    """Reads one catalog JSON document, raising CatalogError that names the bad field."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, what: str) -> CatalogError:
        return CatalogError(f"{self.source}: `{where}` {what}; not a valid ATLAS catalog")

    def obj(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "must be an object")
        return value

    def str_(self, value: Any, where: str) -> str:
        if not isinstance(value, str):
            raise self.fail(where, "must be a string")
        return value

    def opt_str(self, value: Any, where: str) -> str | None:
        return None if value is None else self.str_(value, where)

    def strs(self, value: Any, where: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(where, "must be a list of strings")
        return tuple(value)

    def version(self, value: Any, where: str) -> str:
        text = self.str_(value, where)
        try:
            parse_version(text)
        except CatalogError:
            raise self.fail(where, f"is not a version ({text!r})") from None
        return text


def _catalog_from_json(data: Any, source: str) -> AtlasCatalog:
    s = _Shape(source)
    root = s.obj(data, "(top level)")
    if root.get("format") != CATALOG_FORMAT:
        raise CatalogError(
            f"{source}: not a policyengine ATLAS catalog (no `format: {CATALOG_FORMAT}`)"
        )
    if root.get("format_version") != CATALOG_FORMAT_VERSION:
        raise CatalogError(
            f"{source}: catalog format_version {root.get('format_version')!r} is not "
            f"supported (expected {CATALOG_FORMAT_VERSION}); upgrade policyengine"
        )
    version = s.version(root.get("version"), "version")
    tactics: dict[str, Tactic] = {}
    for tid, raw in s.obj(root.get("tactics"), "tactics").items():
        w = f"tactics.{tid}"
        t = s.obj(raw, w)
        order = t.get("order")
        if not isinstance(order, int) or isinstance(order, bool):
            raise s.fail(f"{w}.order", "must be an integer")
        tactics[tid] = Tactic(
            id=tid,
            name=s.str_(t.get("name"), f"{w}.name"),
            order=order,
            first_release=s.version(t.get("first_release"), f"{w}.first_release"),
        )
    techniques: dict[str, Technique] = {}
    for tid, raw in s.obj(root.get("techniques"), "techniques").items():
        w = f"techniques.{tid}"
        t = s.obj(raw, w)
        retired = t.get("retired", False)
        if not isinstance(retired, bool):
            raise s.fail(f"{w}.retired", "must be true or false")
        retired_in = t.get("retired_in")
        techniques[tid] = Technique(
            id=tid,
            name=s.str_(t.get("name"), f"{w}.name"),
            parent=s.opt_str(t.get("parent"), f"{w}.parent"),
            tactics=s.strs(t.get("tactics", []), f"{w}.tactics"),
            maturity=s.str_(t.get("maturity", ""), f"{w}.maturity"),
            first_release=s.version(t.get("first_release"), f"{w}.first_release"),
            retired=retired,
            retired_in=None if retired_in is None else s.version(retired_in, f"{w}.retired_in"),
            replaced_by=s.opt_str(t.get("replaced_by"), f"{w}.replaced_by"),
            former_names=s.strs(t.get("former_names", []), f"{w}.former_names"),
        )
    return AtlasCatalog(
        version=version, tactics=_freeze(tactics.items()), techniques=_freeze(techniques.items())
    )


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogError(f"{what} not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"cannot read {what} {path}: {exc}") from exc


def load_catalog(path: Path | None = None) -> AtlasCatalog:
    """Load a catalog JSON file; None loads the shipped ATLAS 5.6.1 catalog.

    Raises CatalogError when the file is missing, unreadable or not a catalog.
    """
    target = SHIPPED_CATALOG if path is None else path
    text = _read_text(target, "ATLAS catalog")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogError(
            f"{target}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg}); not an ATLAS catalog"
        ) from None
    return _catalog_from_json(data, str(target))


def catalog_for_repo(root: Path, catalog_path: str | None) -> AtlasCatalog:
    """The repository's own catalog when its file exists, else the shipped one.

    `catalog_path` is relative to `root` (None: `.policyengine/atlas-catalog.json`).
    Raises CatalogError when the repository's file exists but is not a catalog.
    """
    candidate = root / (catalog_path or DEFAULT_REPO_CATALOG)
    if candidate.is_file():
        return load_catalog(candidate)
    return load_catalog(None)


# --- MITRE ATLAS.yaml releases --------------------------------------------------------

_YamlLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _release_problem(path: Path, what: str) -> CatalogError:
    return CatalogError(
        f"{path}: not a MITRE ATLAS release: {what} (expected the ATLAS.yaml of "
        "mitre-atlas/atlas-data: `version`, `matrices[0].tactics`, `matrices[0].techniques`)"
    )


def read_release(path: Path) -> tuple[str, dict[str, Any]]:
    """Parse a MITRE `ATLAS.yaml` release with safe YAML: (the version it states, the data).

    Checks the shape this module reads (`version`, `matrices[0].tactics` and
    `.techniques` as lists of objects with string `id` and `name`). Raises CatalogError
    for unreadable files, YAML errors (with line and column) and any other format.
    """
    text = _read_text(path, "ATLAS release")
    try:
        data = yaml.load(text, Loader=_YamlLoader)  # a safe loader (CSafeLoader/SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        raise CatalogError(f"{path}{where}: not valid YAML ({exc.problem})") from None
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise _release_problem(path, "the top level is not a mapping")
    version = data.get("version")
    if not isinstance(version, str | int | float):
        raise _release_problem(path, "no `version`")
    matrices = data.get("matrices")
    if not isinstance(matrices, list) or not matrices or not isinstance(matrices[0], dict):
        raise _release_problem(path, "no `matrices` list")
    for key in ("tactics", "techniques"):
        items = matrices[0].get(key)
        if not isinstance(items, list):
            raise _release_problem(path, f"no `matrices[0].{key}` list")
        for i, item in enumerate(items):
            if (
                not isinstance(item, dict)
                or not isinstance(item.get("id"), str)
                or not isinstance(item.get("name"), str)
            ):
                raise _release_problem(path, f"`matrices[0].{key}[{i}]` has no string id/name")
    version_text = str(version)
    try:
        parse_version(version_text)
    except CatalogError:
        raise _release_problem(path, f"`version` {version_text!r} is not a version") from None
    return version_text, data


def _release_entries(
    data: dict[str, Any], release: str
) -> tuple[dict[str, Tactic], dict[str, Technique]]:
    """Tactics and techniques as a release states them; first_release = `release`."""
    matrix = data["matrices"][0]
    tactics = {
        t["id"]: Tactic(id=t["id"], name=t["name"], order=i, first_release=release)
        for i, t in enumerate(matrix["tactics"], start=1)
    }
    raw = {
        t["id"]: t for t in matrix["techniques"] if t.get("object-type", "technique") == "technique"
    }

    def tactics_of(tid: str) -> tuple[str, ...]:
        item = raw[tid]
        own = item.get("tactics")
        if isinstance(own, list) and own:
            return tuple(str(x) for x in own)
        parent = item.get("subtechnique-of")
        if isinstance(parent, str) and parent in raw and parent != tid:
            return tactics_of(parent)
        return ()

    techniques = {}
    for tid, item in raw.items():
        parent = item.get("subtechnique-of")
        maturity = item.get("maturity")
        techniques[tid] = Technique(
            id=tid,
            name=item["name"],
            parent=parent if isinstance(parent, str) else None,
            tactics=tactics_of(tid),
            maturity=maturity if isinstance(maturity, str) else "",
            first_release=release,
        )
    return tactics, techniques


def catalog_from_release(path: Path, release: str | None = None) -> AtlasCatalog:
    """A catalog of one MITRE release file alone.

    `release` overrides the version stated in the file (ATLAS-5.6.1.yaml says 5.6.0).
    With no history, every id gets first_release `<=<release>`. Raises CatalogError.
    """
    stated, data = read_release(path)
    version = release if release is not None else stated
    parse_version(version)
    tactics, techniques = _release_entries(data, f"<={version}")
    return AtlasCatalog(
        version=version, tactics=_freeze(tactics.items()), techniques=_freeze(techniques.items())
    )


def merge_release(
    catalog: AtlasCatalog,
    tactics: Mapping[str, Tactic],
    techniques: Mapping[str, Technique],
    release: str,
) -> AtlasCatalog:
    """Merge one release's entries into `catalog` (pure; see `import_release`)."""
    merged_tactics: dict[str, Tactic] = {}
    for tid, new_tactic in tactics.items():
        old_tactic = catalog.tactics.get(tid)
        first = old_tactic.first_release if old_tactic is not None else release
        merged_tactics[tid] = replace(new_tactic, first_release=first)
    for tid, kept in catalog.tactics.items():
        merged_tactics.setdefault(tid, kept)

    merged: dict[str, Technique] = {}
    for tid, new in techniques.items():
        old = catalog.techniques.get(tid)
        if old is None:
            merged[tid] = replace(new, first_release=release)
            continue
        former = old.former_names
        if old.name != new.name and old.name not in former:
            former = (*former, old.name)
        merged[tid] = replace(new, first_release=old.first_release, former_names=former)
    for tid, old in catalog.techniques.items():
        if tid in merged:
            continue
        merged[tid] = old if old.retired else replace(old, retired=True, retired_in=release)
    return AtlasCatalog(
        version=release,
        tactics=_freeze(merged_tactics.items()),
        techniques=_freeze(merged.items()),
    )


def import_release(
    catalog: AtlasCatalog, release_path: Path, release: str | None = None
) -> tuple[AtlasCatalog, CatalogDiff]:
    """Merge a MITRE release into `catalog`: (the new catalog, what changed).

    Ids new to the catalog get the release as first_release; active ids missing from
    the release become retired (retired_in = the release); a changed name is kept in
    `former_names`. `release` overrides the version stated in the file. Raises
    CatalogError for a bad file or a release older than the catalog.
    """
    stated, data = read_release(release_path)
    version = release if release is not None else stated
    if parse_version(version) < parse_version(catalog.version):
        raise CatalogError(
            f"{release_path}: release {version} is older than the catalog ({catalog.version}); "
            "nothing imported (use --release VERSION if the file states the wrong version)"
        )
    tactics, techniques = _release_entries(data, version)
    merged = merge_release(catalog, tactics, techniques, version)
    return merged, diff(catalog, merged)


def load_any(path: Path) -> AtlasCatalog:
    """A catalog from either a catalog JSON file or a MITRE ATLAS.yaml release.

    Detected by content: a JSON object with the catalog `format` marker, else a YAML
    mapping with `matrices`. Raises CatalogError for anything else.
    """
    if not path.exists() and re.fullmatch(r"v?\d+(\.\d+){1,2}", path.name):
        raise CatalogError(
            f"ATLAS file not found: {path}: OLD and NEW are files (a policyengine ATLAS "
            "catalog or a MITRE ATLAS.yaml release), not release numbers; what the catalog "
            f"gained after a release: `policyengine atlas list --since {path.name.lstrip('v')}`"
        )
    text = _read_text(path, "ATLAS file")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = None
    if isinstance(data, dict) and data.get("format") == CATALOG_FORMAT:
        return _catalog_from_json(data, str(path))
    try:
        return catalog_from_release(path)
    except CatalogError as exc:
        reason = str(exc).removeprefix(f"{path}: ")
        raise CatalogError(
            f"{path}: unknown format: neither a policyengine ATLAS catalog (JSON with "
            f"`format: {CATALOG_FORMAT}`) nor a MITRE ATLAS.yaml release ({reason})"
        ) from None
