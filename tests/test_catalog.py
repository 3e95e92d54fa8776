"""Tests for policyengine.catalog and the consistency of catalogs with check METADATA."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from policyengine.catalog import Control, load_controls
from policyengine.errors import CatalogError

_METADATA = re.compile(r"^# METADATA\n((?:#.*\n)+)", re.MULTILINE)


def _metadata_blocks(policies: Path) -> list[dict[str, Any]]:
    """Every METADATA block with a custom.id under policies/, parsed as YAML."""
    blocks = []
    for path in sorted(policies.rglob("*.rego")):
        for match in _METADATA.finditer(path.read_text(encoding="utf-8")):
            text = "\n".join(
                line[2:] if line.startswith("# ") else line[1:]
                for line in match.group(1).splitlines()
            )
            block = yaml.safe_load(text)
            if isinstance(block, dict) and "id" in block.get("custom", {}):
                blocks.append(block)
    return blocks


def _mapped(blocks: list[dict[str, Any]], *, attestation: bool) -> set[str]:
    """Keys of the controls named by checks that are (or are not) attestation checks."""
    keys: set[str] = set()
    for block in blocks:
        if block["custom"]["id"].startswith("TM-ATTEST-") == attestation:
            for framework, ids in (block["custom"].get("controls") or {}).items():
                keys.update(f"{framework}/{i}" for i in ids)
    return keys


@pytest.fixture(scope="module")
def blocks(repo_root: Path) -> list[dict[str, Any]]:
    return _metadata_blocks(repo_root / "policies")


def test_bundled_catalogs_have_every_control_in_scope() -> None:
    catalog = load_controls()
    assert len(catalog.for_framework("nist-ai-rmf")) == 40
    assert len(catalog.for_framework("iso42001")) == 45
    nist = catalog.for_framework("nist-ai-rmf")
    assert (nist[0].id, nist[-1].id) == ("MAP 1.1", "MEASURE 4.3")
    assert catalog.get("iso42001/A.7.5") == Control(
        "iso42001", "A.7.5", "Data provenance recorded", "A.7", "checks"
    )
    assert catalog.get("iso42001/A.1.1") is None
    assert "nist-ai-rmf/MEASURE 2.7" in catalog.ids()


def test_catalog_files_have_no_duplicate_ids(repo_root: Path) -> None:
    for path in sorted((repo_root / "policies" / "catalog").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        if "framework" not in doc:
            continue  # crosswalk.json: derived from METADATA, tested in test_crosswalk.py
        ids = [c["id"] for c in doc["controls"]]
        assert len(ids) == len(set(ids)), path.name


def test_check_ids_are_unique_across_packs(blocks: list[dict[str, Any]]) -> None:
    ids = [b["custom"]["id"] for b in blocks]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("framework", ["nist-ai-rmf", "iso42001"])
def test_system_controls_are_listed_by_an_attestation_check(
    framework: str, blocks: list[dict[str, Any]]
) -> None:
    wanted = {c.key for c in load_controls().for_framework(framework) if c.judged_by == "system"}
    listed = {k for k in _mapped(blocks, attestation=True) if k.startswith(framework + "/")}
    assert listed == wanted


@pytest.mark.parametrize("framework", ["nist-ai-rmf", "iso42001"])
def test_controls_judged_by_checks_are_mapped_by_a_check(
    framework: str, blocks: list[dict[str, Any]]
) -> None:
    """Every control the checks judge is mapped by one; a system control may be too (its
    evidence is then required besides); no check names an organisation control."""
    controls = load_controls().for_framework(framework)
    wanted = {c.key for c in controls if c.judged_by == "checks"}
    system = {c.key for c in controls if c.judged_by == "system"}
    mapped = {k for k in _mapped(blocks, attestation=False) if k.startswith(framework + "/")}
    assert wanted <= mapped
    assert mapped - wanted <= system


def test_checks_name_only_catalog_controls(blocks: list[dict[str, Any]]) -> None:
    catalog = load_controls()
    named = _mapped(blocks, attestation=True) | _mapped(blocks, attestation=False)
    framework_of = {c.framework for c in catalog.controls}
    assert {k for k in named if k.split("/", 1)[0] in framework_of} - catalog.ids() == set()


def test_nist_attestation_rule_matches_its_metadata(
    repo_root: Path, blocks: list[dict[str, Any]]
) -> None:
    source = (repo_root / "policies" / "nist_ai_rmf" / "attestations.rego").read_text(
        encoding="utf-8"
    )
    in_rule = set(re.findall(r'^\t"(nist-ai-rmf/[^"]+)",$', source, re.MULTILINE))
    (block,) = [b for b in blocks if b["custom"]["id"] == "TM-ATTEST-001"]
    assert in_rule == {f"nist-ai-rmf/{i}" for i in block["custom"]["controls"]["nist-ai-rmf"]}


def _write(folder: Path, name: str, document: object) -> None:
    (folder / name).write_text(json.dumps(document), encoding="utf-8")


def _ok(id_: str = "X 1") -> dict[str, str]:
    return {"id": id_, "title": "t", "group": "X", "judged_by": "checks"}


def test_load_reads_files_with_a_framework_in_sorted_order(tmp_path: Path) -> None:
    _write(tmp_path, "b.json", {"framework": "fw-b", "controls": [_ok("B 1")]})
    _write(tmp_path, "a.json", {"framework": "fw-a", "controls": [_ok("A 2"), _ok("A 1")]})
    _write(tmp_path, "other.json", {"not": "a catalog"})
    catalog = load_controls(tmp_path)
    assert [c.key for c in catalog.controls] == ["fw-a/A 2", "fw-a/A 1", "fw-b/B 1"]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"framework": "fw", "controls": [{"id": "X 1", "title": "t", "group": "X"}]}, "judged_by"),
        (
            {"framework": "fw", "controls": [{**_ok(), "judged_by": "vibes"}]},
            "one of checks, organisation, system",
        ),
        ({"framework": "fw", "controls": [_ok(), _ok()]}, "duplicate control fw/X 1"),
        ({"framework": "fw", "controls": "none"}, "'controls' list"),
    ],
)
def test_bad_catalogs_raise(tmp_path: Path, document: object, message: str) -> None:
    _write(tmp_path, "bad.json", document)
    with pytest.raises(CatalogError, match=re.escape(message)):
        load_controls(tmp_path)


def test_unparsable_catalog_raises(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(CatalogError, match="cannot read control catalog"):
        load_controls(tmp_path)


def test_missing_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="not found"):
        load_controls(tmp_path / "nope")


def _coverage_lines(repo_root: Path) -> dict[str, set[str]]:
    """Control key -> the check ids its line in COVERAGE.md's "Judged by checks" section
    names (`TM-TREAT-001, -002` names TM-TREAT-002 too; `TM-ATLAS-*` every ATLAS check)."""
    text = (repo_root / "policies" / "catalog" / "COVERAGE.md").read_text(encoding="utf-8")
    section = text.split("## Judged by checks", 1)[1]
    framework = ""
    out: dict[str, set[str]] = {}
    for line in section.splitlines():
        if line.startswith("### "):
            framework = "nist-ai-rmf" if "NIST" in line else "iso42001"
        match = re.match(r"^- (.+?) \(([^)]*)\): ", line)
        if not match:
            continue
        checks: set[str] = set()
        prefix = ""
        for token in match.group(2).split(", "):
            if token.startswith("-"):
                checks.add(prefix + token)
            else:
                checks.add(token)
                prefix = token.rsplit("-", 1)[0]
        for control in match.group(1).split(", "):
            out[f"{framework}/{control}"] = checks
    return out


@pytest.mark.parametrize("framework", ["nist-ai-rmf", "iso42001"])
def test_coverage_says_why_for_every_control_checks_judge(
    framework: str, blocks: list[dict[str, Any]], repo_root: Path
) -> None:
    from policyengine.pr import PR_CHECKS

    lines = _coverage_lines(repo_root)
    named: dict[str, set[str]] = {}
    for block in blocks:
        cid = block["custom"]["id"]
        if cid.startswith("TM-ATTEST-"):
            continue
        for ids in (block["custom"].get("controls") or {}).get(framework) or []:
            named.setdefault(f"{framework}/{ids}", set()).add(
                "TM-ATLAS-*" if cid.startswith("TM-ATLAS-") else cid
            )
    for info in PR_CHECKS.values():
        for key in info.controls:
            if key.startswith(framework + "/"):
                named.setdefault(key, set()).add(info.id)
    # every control judged by checks, and every system control that checks map too
    judged = {c.key for c in load_controls().for_framework(framework) if c.judged_by == "checks"}
    wanted = set(named)
    assert judged <= wanted
    assert {k for k in lines if k.startswith(framework + "/")} == wanted
    for key in sorted(wanted):
        assert lines[key] == named[key], key
