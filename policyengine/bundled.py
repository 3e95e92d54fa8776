"""Locates the data shipped with the package: policies, schemas and catalogs.

An installed wheel carries them under `policyengine/_bundled/`; a source checkout
(or an editable install) has them at the repository root. Nothing else here.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    wheel = _PACKAGE / "_bundled" / name
    if wheel.is_dir():
        return wheel
    return _PACKAGE.parent / name


def policies_dir() -> Path:
    """The folder of the built-in Rego policy packs (`policies/`)."""
    return _bundled("policies")


def schemas_dir() -> Path:
    """The folder of the published JSON Schemas (`schemas/`)."""
    return _bundled("schemas")


def catalog_dir() -> Path:
    """The folder of the control catalogs (`policies/catalog/`)."""
    return policies_dir() / "catalog"
