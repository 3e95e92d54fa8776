"""Loads the control catalogs (`policies/catalog/*.json`): every control of each framework."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import bundled
from .errors import CatalogError

_JUDGED_BY = frozenset({"checks", "attestation"})
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
    """`checks` (Rego checks judge it) or `attestation` (only organisation documents can)."""

    @property
    def key(self) -> str:
        """`framework/ID`, the key used in findings, waivers and attestations."""
        return f"{self.framework}/{self.id}"


@dataclass(frozen=True)
class ControlCatalog:
    """Every control of every loaded framework, in catalog file and catalog order."""

    controls: tuple[Control, ...]
    """The controls, in sorted file order and, within a file, in catalog order."""

    def ids(self) -> frozenset[str]:
        """The keys (`framework/ID`) of every control."""
        return frozenset(c.key for c in self.controls)

    def get(self, key: str) -> Control | None:
        """The control with this key (`framework/ID`), or None."""
        for control in self.controls:
            if control.key == key:
                return control
        return None

    def for_framework(self, framework: str) -> tuple[Control, ...]:
        """The controls of one framework, in catalog order."""
        return tuple(c for c in self.controls if c.framework == framework)


def load_controls(catalog_dir: Path | None = None) -> ControlCatalog:
    """Read every `*.json` with a `framework` key in catalog_dir (default: the bundled one).

    Files are read in sorted name order. Raises CatalogError on an unreadable file, a
    control missing a field, an unknown `judged_by` or a duplicate key.
    """
    folder = bundled.catalog_dir() if catalog_dir is None else catalog_dir
    if not folder.is_dir():
        raise CatalogError(f"control catalog folder not found: {folder}")
    controls: list[Control] = []
    seen: set[str] = set()
    for path in sorted(folder.glob("*.json")):
        for control in _read_catalog(path):
            if control.key in seen:
                raise CatalogError(f"{path}: duplicate control {control.key}")
            seen.add(control.key)
            controls.append(control)
    return ControlCatalog(controls=tuple(controls))


def _read_catalog(path: Path) -> list[Control]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogError(f"{path}: cannot read control catalog: {exc}") from exc
    if not isinstance(document, dict) or "framework" not in document:
        return []
    framework = document["framework"]
    entries = document.get("controls")
    if not isinstance(framework, str) or not framework or not isinstance(entries, list):
        raise CatalogError(f"{path}: a catalog needs a string 'framework' and a 'controls' list")
    return [_control(path, framework, n, entry) for n, entry in enumerate(entries)]


def _control(path: Path, framework: str, n: int, entry: object) -> Control:
    where = f"{path}: controls[{n}]"
    if not isinstance(entry, dict):
        raise CatalogError(f"{where} is not an object")
    for field in _FIELDS:
        if not isinstance(entry.get(field), str) or not entry[field]:
            raise CatalogError(f"{where} needs a non-empty string '{field}'")
    if entry["judged_by"] not in _JUDGED_BY:
        raise CatalogError(
            f"{where}: judged_by must be 'checks' or 'attestation', not {entry['judged_by']!r}"
        )
    return Control(
        framework=framework,
        id=entry["id"],
        title=entry["title"],
        group=entry["group"],
        judged_by=entry["judged_by"],
    )


def crosswalk(check_controls: Mapping[str, Mapping[str, Sequence[str]]]) -> dict[str, Any]:
    """The NIST AI RMF to ISO/IEC 42001 crosswalk that the checks' METADATA implies.

    `check_controls` maps a check id to its `custom.controls` (framework -> control ids).
    Two controls are paired when one check evidences both; each pair lists those checks.
    Deterministic: pairs sorted by NIST id, then ISO id. This is what
    `policies/catalog/crosswalk.json` holds (a test keeps the file in step).
    """
    pairs: dict[tuple[str, str], set[str]] = {}
    for check_id, controls in check_controls.items():
        for nist in controls.get("nist-ai-rmf", ()):
            for iso in controls.get("iso42001", ()):
                pairs.setdefault((nist, iso), set()).add(check_id)

    def order(control: str) -> list[tuple[int, int, str]]:
        parts = control.replace(" ", ".").split(".")
        return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts]

    return {
        "description": (
            "NIST AI RMF subcategories and ISO/IEC 42001 controls evidenced by the same "
            "check, derived from the checks' METADATA; regenerate with "
            "`python scripts/build_crosswalk.py`."
        ),
        "pairs": [
            {"nist-ai-rmf": nist, "iso42001": iso, "checks": sorted(checks)}
            for (nist, iso), checks in sorted(
                pairs.items(), key=lambda kv: (order(kv[0][0]), order(kv[0][1]))
            )
        ],
    }
