"""SBOM files a model cites, read as data: CycloneDX JSON or SPDX JSON, and nothing else.

An ML library asset's `sbom`, or a control's evidence that is an SBOM, shows which
components a system runs only when it can be read. `read_sbom` turns the bytes of one such
file into the facts the policies see (`input.facts.sbom[PATH]`, policies/README.md): its
format, or why it has none, and the components it lists. The bytes are parsed as strict
JSON (no `NaN`, no `Infinity`) within `SBOM_MAX_BYTES` and only read as structure when the
document declares itself an SBOM: never as YAML, never as anything the text itself names.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["SBOM_MAX_BYTES", "component_key", "looks_like_sbom", "read_sbom"]

SBOM_MAX_BYTES = 16 << 20
"""The largest SBOM file read (16 MiB); a larger one is unreadable (`too large`)."""

_MAX_COMPONENTS = 100_000
"""The most components counted from one SBOM (nested CycloneDX components included)."""

_NAME_MARKS = (".cdx.json", ".spdx.json", "bom.json")
"""File name endings that say a file is an SBOM (lower case): CycloneDX's and SPDX's own
conventions, and `bom.json`/`sbom.json`."""


def looks_like_sbom(path: str) -> bool:
    """Whether a repository-relative path says it is an SBOM, in any case: a JSON file
    whose name ends in `.cdx.json`, `.spdx.json` or `bom.json`, or whose path holds `sbom`
    (`sbom/serving.json`, `image-sbom.json`; not `docs/sbom-diff.md`, a document about
    SBOMs)."""
    lowered = path.lower()
    return lowered.endswith(_NAME_MARKS) or (lowered.endswith(".json") and "sbom" in lowered)


def component_key(name: str) -> str:
    """The key a component name is compared by: trimmed, ASCII letters in lower case, `_`
    and `.` read as `-` (`PyYAML` and `pyyaml`, `scikit_learn` and `scikit-learn` match)."""
    lowered = "".join(c.lower() if "A" <= c <= "Z" else c for c in name.strip())
    return lowered.replace("_", "-").replace(".", "-")


def read_sbom(data: bytes | None) -> dict[str, Any]:
    """The facts of one SBOM file from its bytes (None: not a readable file; more than
    `SBOM_MAX_BYTES` bytes may be passed, and is then too large):
    `{"format": "cyclonedx"|"spdx"|"", "why": TEXT, "components": {KEY: [VERSION, ...]}}`.
    `format` is "" when the file is not CycloneDX or SPDX JSON, and `why` then says why in
    plain words (no quote, backslash or control character: it fills a message); KEY is
    `component_key` of each listed component's name, with the versions listed for it,
    sorted. Never raises."""
    if data is None:
        return _unreadable("not a readable file")
    if len(data) > SBOM_MAX_BYTES:
        return _unreadable(f"larger than {SBOM_MAX_BYTES >> 20} MiB")
    try:
        doc = json.loads(data, parse_constant=_no_constant)
    except (ValueError, RecursionError):  # not JSON, not UTF-8/16/32, nested too deep
        return _unreadable("not JSON")
    if not isinstance(doc, dict):
        return _unreadable("not a JSON object")
    if doc.get("bomFormat") == "CycloneDX":
        listed = doc.get("components", [])
        if not isinstance(listed, list):
            return _unreadable("its components are not a list")
        return _readable("cyclonedx", _cyclonedx(listed))
    if "spdxVersion" in doc:
        if not isinstance(doc.get("spdxVersion"), str):
            return _unreadable("its spdxVersion is not text")
        listed = doc.get("packages", [])
        if not isinstance(listed, list):
            return _unreadable("its packages are not a list")
        return _readable("spdx", ((p.get("name"), p.get("versionInfo")) for p in _objects(listed)))
    return _unreadable("neither bomFormat CycloneDX nor an spdxVersion")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _unreadable(why: str) -> dict[str, Any]:
    return {"format": "", "why": why, "components": {}}


def _readable(fmt: str, listed: Iterator[tuple[Any, Any]]) -> dict[str, Any]:
    components: dict[str, set[str]] = {}
    for count, (name, version) in enumerate(listed):
        if count >= _MAX_COMPONENTS:
            break
        if not isinstance(name, str) or not name.strip():
            continue
        versions = components.setdefault(component_key(name), set())
        if isinstance(version, str) and version.strip():
            versions.add(version.strip())
    return {
        "format": fmt,
        "why": "",
        "components": {k: sorted(v) for k, v in sorted(components.items())},
    }


def _objects(items: list[Any]) -> Iterator[Mapping[str, Any]]:
    return (item for item in items if isinstance(item, dict))


def _cyclonedx(top: list[Any]) -> Iterator[tuple[Any, Any]]:
    """Each component's (name, version), nested components included (a stack, not
    recursion: a deep SBOM cannot exhaust Python's stack)."""
    end = object()
    stack = [iter(top)]
    while stack:
        item = next(stack[-1], end)
        if item is end:
            stack.pop()
            continue
        if not isinstance(item, dict):
            continue
        yield item.get("name"), item.get("version")
        nested = item.get("components")
        if isinstance(nested, list):
            stack.append(iter(nested))
