"""Reading cited SBOMs (`sbom.read_sbom`, `pipeline.sbom_reading`) and `facts.sbom`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from policyengine.evaluate import sbom_facts
from policyengine.pipeline import sbom_reading
from policyengine.sbom import SBOM_MAX_BYTES, looks_like_sbom, read_sbom


def _cdx(components: Any) -> bytes:
    return json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": components})


def test_a_cyclonedx_sbom_lists_its_components_nested_ones_too() -> None:
    data = _cdx(
        [
            {"name": "torch", "version": "2.5.1"},
            {"name": "torch", "version": "2.4.1"},
            {"name": "PyYAML", "version": " 6.0.2 "},
            {"name": "app", "components": [{"name": "scikit_learn", "version": "1.5.2"}]},
            {"name": "  "},
            {"version": "1"},
            None,
            "numpy",
            {"name": 7},
        ]
    )
    assert read_sbom(data.encode()) == {
        "format": "cyclonedx",
        "why": "",
        "components": {
            "app": [],
            "pyyaml": ["6.0.2"],
            "scikit-learn": ["1.5.2"],
            "torch": ["2.4.1", "2.5.1"],
        },
    }


def test_an_spdx_sbom_lists_its_packages() -> None:
    data = json.dumps(
        {
            "spdxVersion": "SPDX-2.3",
            "packages": [{"name": "torch", "versionInfo": "2.3.1"}, {"name": "cuda"}],
        }
    ).encode()
    assert read_sbom(data) == {
        "format": "spdx",
        "why": "",
        "components": {"cuda": [], "torch": ["2.3.1"]},
    }


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (None, "not a readable file"),
        (b'{"note": "generated later"}', "neither bomFormat CycloneDX nor an spdxVersion"),
        (b"bomFormat: CycloneDX\ncomponents: [{name: torch}]\n", "not JSON"),
        (b'{"bomFormat": "CycloneDX", "components": [], "x": NaN}', "not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not JSON"),
        (b"\xff\xfe\x00garbage", "not JSON"),
        (b'["bomFormat", "CycloneDX"]', "not a JSON object"),
        (
            b'{"bomFormat": "CycloneDX", "components": {"name": "torch"}}',
            "its components are not a list",
        ),
        (b'{"spdxVersion": 2, "packages": []}', "its spdxVersion is not text"),
        (b'{"spdxVersion": "SPDX-2.3", "packages": "torch"}', "its packages are not a list"),
        (b" " * (SBOM_MAX_BYTES + 1), "larger than 16 MiB"),
    ],
    ids=[
        "unreadable",
        "a-json-note",
        "yaml",
        "nan",
        "nested-too-deep",
        "not-text",
        "not-an-object",
        "components-not-a-list",
        "spdx-version-not-text",
        "packages-not-a-list",
        "too-large",
    ],
)
def test_a_file_that_is_not_cyclonedx_or_spdx_json_says_why(data: bytes | None, why: str) -> None:
    assert read_sbom(data) == {"format": "", "why": why, "components": {}}


def test_an_sbom_with_no_component_list_is_readable_and_lists_nothing() -> None:
    assert read_sbom(b'{"bomFormat": "CycloneDX", "specVersion": "1.5"}')["components"] == {}


@pytest.mark.parametrize(
    ("path", "sbom"),
    [
        ("sbom/serving.cdx.json", True),
        ("sbom/GPU.SPDX.JSON", True),
        ("build/bom.json", True),
        ("evidence/sbom-2026.json", True),
        ("sbom/serving.json", True),
        ("docs/controls/sbom-diff.md", False),
        ("evidence/monitoring/alerts.json", False),
    ],
)
def test_an_sbom_is_known_by_its_file_name(path: str, sbom: bool) -> None:
    assert looks_like_sbom(path) is sbom


def test_sbom_facts_hold_the_cited_sboms_and_the_declared_spellings(tmp_path: Path) -> None:
    (tmp_path / "sbom").mkdir()
    (tmp_path / "evidence").mkdir()
    (tmp_path / "sbom/libs.cdx.json").write_bytes(
        _cdx(
            [{"name": "pyyaml", "version": "6.0.2"}, {"name": "torch", "version": "2.5.1"}]
        ).encode()
    )
    (tmp_path / "sbom/empty.json").write_text('{"note": "later"}', encoding="utf-8")
    # A JSON file that is an SBOM by its content, and one that is not.
    (tmp_path / "evidence/image.json").write_text('{"spdxVersion": "SPDX-2.3"}', encoding="utf-8")
    (tmp_path / "evidence/alerts.json").write_text('{"alerts": 3}', encoding="utf-8")
    model = {
        "assets": [
            {
                "id": "libs",
                "type": "ml_library",
                "components": [{"name": "PyYAML"}, {"name": "torch"}, {"name": "numpy"}],
                "sbom": "sbom/libs.cdx.json",
            }
        ],
        "controls": [
            {
                "id": "C-1",
                "evidence": [
                    "sbom/libs.cdx.json",
                    "sbom/empty.json",
                    "evidence/image.json",
                    "evidence/alerts.json",
                    "docs/runbook.md",
                ],
            }
        ],
    }
    facts = sbom_facts(model, sbom_reading(tmp_path))
    assert facts == {
        "evidence/image.json": {"format": "spdx", "why": "", "components": {}},
        "sbom/empty.json": {
            "format": "",
            "why": "neither bomFormat CycloneDX nor an spdxVersion",
            "components": {},
        },
        "sbom/libs.cdx.json": {
            "format": "cyclonedx",
            "why": "",
            "components": {"PyYAML": ["6.0.2"], "pyyaml": ["6.0.2"], "torch": ["2.5.1"]},
        },
    }


def test_an_sbom_outside_the_repository_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.cdx.json"
    outside.write_bytes(_cdx([{"name": "torch"}]).encode())
    root = tmp_path / "repo"
    root.mkdir()
    (root / "link.cdx.json").symlink_to(outside)
    read = sbom_reading(root)
    assert read("link.cdx.json")["why"] == "not a readable file"
    assert read("../outside.cdx.json")["why"] == "not a readable file"
    assert read(str(outside))["why"] == "not a readable file"
