"""Loads the control catalogs (`policies/catalog/*.json`): every control of each framework."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import bundled
from .errors import CatalogError

JUDGED_BY = ("checks", "organisation", "system")
"""How a control is judged (a catalog's `judged_by`): `checks` (Rego checks read the threat
model), `organisation` (a decision in the organisation register, judged once per
repository: `policyengine.register`), `system` (system-specific evidence a model cites in
`compliance.attestations`: its impact assessment, evaluation reports, privacy assessment,
release plan, checked by TM-ATTEST-001 and TM-ATTEST-002)."""
_FIELDS = ("id", "title", "group", "judged_by")


@dataclass(frozen=True)
class Control:
    """One control of a framework, with the project's own short paraphrase."""

    framework: str
    """Framework id as used in METADATA and attestations: `nist-ai-rmf`, `iso42001`, `atlas`."""
    id: str
    """Control id as the framework writes it: `MAP 5.1`, `A.7.5`, `AML.T0051`."""
    title: str
    """Our own short paraphrase (never the standard's text)."""
    group: str
    """The category or clause the control belongs to: `MAP 5`, `A.7`, a tactic."""
    judged_by: str
    """One of `JUDGED_BY`: `checks`, `organisation` (the register) or `system` (evidence
    a model cites)."""

    @property
    def organisational(self) -> bool:
        """Judged once per repository from the organisation register, not per model."""
        return self.judged_by == "organisation"

    @property
    def key(self) -> str:
        """`framework/ID`, the key used in findings, waivers and attestations."""
        return f"{self.framework}/{self.id}"


@dataclass(frozen=True)
class ControlCatalog:
    """Every control of every loaded framework, in catalog file and catalog order."""

    controls: tuple[Control, ...]
    """The controls, in sorted file order and, within a file, in catalog order."""
    editions: tuple[tuple[str, str, str], ...] = ()
    """(framework, the catalog's `name`, sha256 hex of its file) of every catalog file
    read, in the same order: which edition of each catalog a report was made with."""

    def framework_name(self, framework: str) -> str:
        """The catalog's name of a framework (`ISO/IEC 42001:2023`), else its id."""
        for fw, name, _ in self.editions:
            if fw == framework:
                return name
        return framework

    def ids(self) -> frozenset[str]:
        """The keys (`framework/ID`) of every control."""
        return frozenset(c.key for c in self.controls)

    def judging(self) -> dict[str, str]:
        """Each control's key and its `judged_by`: the control ids a model's references
        are checked against (`references.check_references`)."""
        return {c.key: c.judged_by for c in self.controls}

    def get(self, key: str) -> Control | None:
        """The control with this key (`framework/ID`), or None."""
        for control in self.controls:
            if control.key == key:
                return control
        return None

    def for_framework(self, framework: str) -> tuple[Control, ...]:
        """The controls of one framework, in catalog order."""
        return tuple(c for c in self.controls if c.framework == framework)

    def judged(self, how: str) -> tuple[Control, ...]:
        """The controls whose `judged_by` is `how`, in catalog order."""
        return tuple(c for c in self.controls if c.judged_by == how)


def load_controls(catalog_dir: Path | None = None) -> ControlCatalog:
    """Read every `*.json` with a `framework` key in catalog_dir (default: the bundled one).

    Files are read in sorted name order. Raises CatalogError on an unreadable file, a
    control missing a field, an unknown `judged_by` or a duplicate key.
    """
    folder = bundled.catalog_dir() if catalog_dir is None else catalog_dir
    if not folder.is_dir():
        raise CatalogError(f"control catalog folder not found: {folder}")
    controls: list[Control] = []
    editions: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for path in sorted(folder.glob("*.json")):
        read = _read_catalog(path)
        if read is None:
            continue
        edition, entries = read
        editions.append(edition)
        for control in entries:
            if control.key in seen:
                raise CatalogError(f"{path}: duplicate control {control.key}")
            seen.add(control.key)
            controls.append(control)
    return ControlCatalog(controls=tuple(controls), editions=tuple(editions))


def _read_catalog(path: Path) -> tuple[tuple[str, str, str], list[Control]] | None:
    """(framework, name, sha256 of the file) and the controls; None for a JSON file that
    is not a control catalog (the crosswalk)."""
    try:
        data = path.read_bytes()
        document = json.loads(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogError(f"{path}: cannot read control catalog: {exc}") from exc
    if not isinstance(document, dict) or "framework" not in document:
        return None
    framework = document["framework"]
    entries = document.get("controls")
    if not isinstance(framework, str) or not framework or not isinstance(entries, list):
        raise CatalogError(f"{path}: a catalog needs a string 'framework' and a 'controls' list")
    name = document.get("name")
    edition = (framework, name if isinstance(name, str) and name else framework)
    controls = [_control(path, framework, n, entry) for n, entry in enumerate(entries)]
    return (*edition, hashlib.sha256(data).hexdigest()), controls


def _control(path: Path, framework: str, n: int, entry: object) -> Control:
    where = f"{path}: controls[{n}]"
    if not isinstance(entry, dict):
        raise CatalogError(f"{where} is not an object")
    for field in _FIELDS:
        if not isinstance(entry.get(field), str) or not entry[field]:
            raise CatalogError(f"{where} needs a non-empty string '{field}'")
    if entry["judged_by"] not in JUDGED_BY:
        raise CatalogError(
            f"{where}: judged_by must be one of {', '.join(JUDGED_BY)}, not {entry['judged_by']!r}"
        )
    return Control(
        framework=framework,
        id=entry["id"],
        title=entry["title"],
        group=entry["group"],
        judged_by=entry["judged_by"],
    )


@lru_cache(maxsize=8192)
def control_order(text: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key of a control id (`A.2.2`, `iso42001/A.10.4`, `nist-ai-rmf/MAP 1.1`), or of
    any text that holds one: each run of digits compares as a number, so `A.2.2` comes
    before `A.10.4` and `MEASURE 2.9` before `MEASURE 2.10`, the catalogs' order. Kept for
    the texts last asked about: a run sorts the same few hundred control ids per model."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in _DIGITS.split(text) if p)


_DIGITS = re.compile(r"(\d+)")


def _pair_key(pair: tuple[str, str]) -> tuple[tuple[tuple[int, int, str], ...], ...]:
    return (control_order(pair[0]), control_order(pair[1]))


PUBLISHED_SOURCE = (
    "NIST AI RMF to ISO/IEC FDIS 42001 AI Management system Crosswalk, listed on the NIST AI "
    "Resource Center (airc.nist.gov), provided by Microsoft; ids only "
    "(policies/catalog/reference/SOURCE.md)"
)
"""Where the published pairs come from, as the crosswalk file states it."""


def crosswalk(
    check_controls: Mapping[str, Mapping[str, Sequence[str]]],
    published: Sequence[Mapping[str, str]] = (),
) -> dict[str, Any]:
    """The NIST AI RMF to ISO/IEC 42001 crosswalk document (`policies/catalog/crosswalk.json`).

    `published` are the rows of the published crosswalk (`nist_id`, `iso_id`, `source_page`):
    the crosswalk proper, each pair marked `uncertain` where the source is. `check_controls`
    maps a check id to its `custom.controls` (framework -> control ids); two controls
    evidenced by one check form a separate, labelled list (`evidenced_by_same_checks`) with
    those checks and whether the published crosswalk also pairs them. Deterministic: pairs
    sorted by NIST id, then ISO id. A test keeps the shipped file in step.
    """
    rows = {(r["nist_id"], r["iso_id"]): r.get("source_page") == "uncertain" for r in published}
    derived: dict[tuple[str, str], set[str]] = {}
    for check_id, controls in check_controls.items():
        for nist in controls.get("nist-ai-rmf", ()):
            for iso in controls.get("iso42001", ()):
                derived.setdefault((nist, iso), set()).add(check_id)
    return {
        "published": {
            "source": PUBLISHED_SOURCE,
            "pairs": [
                {"nist-ai-rmf": nist, "iso42001": iso, "uncertain": uncertain}
                for (nist, iso), uncertain in sorted(rows.items(), key=lambda kv: _pair_key(kv[0]))
            ],
        },
        "evidenced_by_same_checks": {
            "description": (
                "Not a crosswalk: NIST AI RMF subcategories and ISO/IEC 42001 controls that one "
                "of our checks evidences together, derived from the checks' METADATA; "
                "regenerate with `python scripts/build_crosswalk.py`."
            ),
            "pairs": [
                {
                    "nist-ai-rmf": nist,
                    "iso42001": iso,
                    "checks": sorted(checks),
                    "published": (nist, iso) in rows,
                }
                for (nist, iso), checks in sorted(derived.items(), key=lambda kv: _pair_key(kv[0]))
            ],
        },
    }


@dataclass(frozen=True)
class Crosswalk:
    """The published NIST AI RMF to ISO/IEC 42001 pairs, looked up both ways."""

    pairs: tuple[tuple[str, str], ...]
    """(NIST id, ISO id) pairs as published, sorted."""

    def counterparts(self, key: str) -> tuple[str, ...]:
        """The other framework's keys paired with `key` (`nist-ai-rmf/MAP 5.1` gives
        `iso42001/...` keys and back); empty for any other framework or an unpaired id."""
        framework, _, cid = key.partition("/")
        if framework == "nist-ai-rmf":
            return tuple(f"iso42001/{iso}" for nist, iso in self.pairs if nist == cid)
        if framework == "iso42001":
            return tuple(f"nist-ai-rmf/{nist}" for nist, iso in self.pairs if iso == cid)
        return ()


def load_crosswalk(folder: Path | None = None) -> Crosswalk:
    """The published crosswalk from `crosswalk.json` in `folder` (default: the bundled
    catalogs). Raises CatalogError when the file is missing or malformed."""
    path = (folder or bundled.catalog_dir()) / "crosswalk.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        pairs = tuple(
            (str(p["nist-ai-rmf"]), str(p["iso42001"])) for p in doc["published"]["pairs"]
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CatalogError(f"{path}: not a crosswalk file ({exc})") from exc
    return Crosswalk(pairs=pairs)
