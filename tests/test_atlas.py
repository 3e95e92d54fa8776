"""Tests of the ATLAS catalog: shipped facts, lookups, imports of real MITRE releases."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from policyengine import atlas
from policyengine.errors import CatalogError


@pytest.fixture(scope="module")
def ref(atlas_reference: Path) -> Path:
    return atlas_reference


@pytest.fixture(scope="module")
def shipped() -> atlas.AtlasCatalog:
    return atlas.load_catalog()


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _new_ids_after(ref: Path, after: str, upto: str = "99.0.0") -> set[str]:
    """Ids the versions CSV lists as new in releases in (after, upto]."""
    ids: set[str] = set()
    for row in _rows(ref / "atlas_versions.csv"):
        v = atlas.parse_version(row["git_tag"])
        if atlas.parse_version(after) < v <= atlas.parse_version(upto):
            ids.update(x for x in row["new_technique_ids"].split(";") if x)
    return ids


# --- the shipped catalog --------------------------------------------------------------


def test_shipped_catalog_matches_techniques_csv_row_by_row(
    shipped: atlas.AtlasCatalog, ref: Path
) -> None:
    rows = _rows(ref / "atlas_techniques.csv")
    assert len(rows) == 170
    mismatches = []
    for r in rows:
        t = shipped.lookup(r["technique_id"])
        expected = (
            r["name"],
            r["parent_id"] or None,
            tuple(r["tactic_ids"].split(";")),
            r["maturity"],
            r["first_release_version"],
            tuple(x for x in r["former_names"].split(";") if x),
            False,
        )
        got = (
            None
            if t is None
            else (
                t.name,
                t.parent,
                t.tactics,
                t.maturity,
                t.first_release,
                t.former_names,
                t.retired,
            )
        )
        if got != expected:
            mismatches.append((r["technique_id"], got, expected))
    assert mismatches == []
    assert {t.id for t in shipped.active()} == {r["technique_id"] for r in rows}


def test_shipped_catalog_matches_tactics_csv(shipped: atlas.AtlasCatalog, ref: Path) -> None:
    expected = {
        r["tactic_id"]: atlas.Tactic(
            r["tactic_id"], r["name"], int(r["matrix_order"]), r["first_release_version"]
        )
        for r in _rows(ref / "atlas_tactics.csv")
    }
    assert dict(shipped.tactics) == expected
    assert shipped.version == "5.6.1"


def test_shipped_catalog_is_the_output_of_the_build_script(ref: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "build_atlas_catalog", Path(atlas.__file__).parent.parent / "scripts/build_atlas_catalog.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.build(ref)
    assert atlas.dumps_catalog(built) == atlas.SHIPPED_CATALOG.read_text(encoding="utf-8")


def test_shipped_catalog_has_no_descriptions() -> None:
    data = json.loads(atlas.SHIPPED_CATALOG.read_text(encoding="utf-8"))
    fields = {k for t in data["techniques"].values() for k in t}
    assert fields == {
        "name",
        "parent",
        "tactics",
        "maturity",
        "first_release",
        "retired",
        "retired_in",
        "replaced_by",
        "former_names",
    }


def test_retired_technique_is_flagged_and_points_to_its_replacement(
    shipped: atlas.AtlasCatalog,
) -> None:
    t = shipped.lookup("AML.T0045")
    assert t is not None
    assert (t.retired, t.retired_in, t.replaced_by) == (True, "4.5.0", "AML.T0048.004")
    assert t.name == "ML Intellectual Property Theft"
    assert shipped.current_id("AML.T0045") == "AML.T0048.004"
    assert shipped.current_id("AML.T0048.004") == "AML.T0048.004"
    assert shipped.current_id("AML.T9999") is None
    assert "AML.T0045" not in {x.id for x in shipped.active()}


def test_renamed_technique_keeps_its_former_names(shipped: atlas.AtlasCatalog) -> None:
    t = shipped.lookup("AML.T0053")
    assert t is not None
    assert (t.name, t.former_names) == ("AI Agent Tool Invocation", ("LLM Plugin Compromise",))


def test_children_are_active_subtechniques_sorted(shipped: atlas.AtlasCatalog) -> None:
    assert [t.id for t in shipped.children("AML.T0051")] == [
        "AML.T0051.000",
        "AML.T0051.001",
        "AML.T0051.002",
    ]
    assert shipped.children("AML.T0051.000") == []


def test_subtechniques_inherit_their_parents_tactics(shipped: atlas.AtlasCatalog) -> None:
    parent = shipped.lookup("AML.T0051")
    child = shipped.lookup("AML.T0051.001")
    assert parent is not None and child is not None
    assert child.tactics == parent.tactics != ()


def test_added_since_matches_versions_csv(shipped: atlas.AtlasCatalog, ref: Path) -> None:
    got = [t.id for t in shipped.added_since("5.0.0")]
    assert got == sorted(_new_ids_after(ref, "5.0.0"))
    assert len(got) == 40
    assert shipped.added_since("5.6.1") == []
    assert {t.id for t in shipped.added_since("<=3.0.0")} == _new_ids_after(ref, "3.0.0") - {
        "AML.T0045"
    }


@pytest.mark.parametrize(
    ("text", "key"),
    [("5.6.1", (5, 6, 1)), ("<=3.0.0", (3, 0, 0)), ("v4.10", (4, 10, 0)), ("4.10.0", (4, 10, 0))],
    ids=["plain", "first-tracked", "tag-two-parts", "two-digit-minor"],
)
def test_parse_version(text: str, key: tuple[int, int, int]) -> None:
    assert atlas.parse_version(text) == key


def test_versions_compare_numerically() -> None:
    assert atlas.parse_version("4.10.0") > atlas.parse_version("4.9.0")


def test_bad_version_is_a_catalog_error(shipped: atlas.AtlasCatalog) -> None:
    with pytest.raises(CatalogError, match=r"^not an ATLAS version: 'latest' \(expected e\.g\."):
        shipped.added_since("latest")


# --- catalog files --------------------------------------------------------------------


def test_save_then_load_round_trips_deterministically(
    shipped: atlas.AtlasCatalog, tmp_path: Path
) -> None:
    out = tmp_path / "sub" / "cat.json"
    atlas.save_catalog(shipped, out)
    text = out.read_text(encoding="utf-8")
    assert text == atlas.SHIPPED_CATALOG.read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert atlas.load_catalog(out) == shipped
    assert sorted(p.name for p in out.parent.iterdir()) == ["cat.json"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", r"cat\.json:1:2: not valid JSON \(.*\); not an ATLAS catalog$"),
        ('{"format": "x"}', r"cat\.json: not a policyengine ATLAS catalog \(no `format: "),
        (
            '{"format": "policyengine-atlas-catalog", "format_version": 9}',
            r"catalog format_version 9 is not supported \(expected 1\); upgrade policyengine$",
        ),
        (
            '{"format": "policyengine-atlas-catalog", "format_version": 1, "version": "5.6.1",'
            ' "tactics": {}, "techniques": {"AML.T0000": {"name": 3}}}',
            r"cat\.json: `techniques\.AML\.T0000\.name` must be a string; not a valid ATLAS",
        ),
        (
            '{"format": "policyengine-atlas-catalog", "format_version": 1, "version": "new",'
            ' "tactics": {}, "techniques": {}}',
            r"cat\.json: `version` is not a version \('new'\)",
        ),
    ],
    ids=["bad-json", "wrong-format", "future-format", "bad-field", "bad-version"],
)
def test_load_catalog_errors_are_clear(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "cat.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CatalogError, match=message):
        atlas.load_catalog(path)


def test_load_catalog_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"^ATLAS catalog not found: .*nope\.json$"):
        atlas.load_catalog(tmp_path / "nope.json")


def test_catalog_for_repo_prefers_the_repos_own_file(
    shipped: atlas.AtlasCatalog, tmp_path: Path, ref: Path
) -> None:
    assert atlas.catalog_for_repo(tmp_path, None) == shipped
    own = atlas.catalog_from_release(ref / "ATLAS-4.9.0.yaml")
    atlas.save_catalog(own, tmp_path / ".policyengine" / "atlas-catalog.json")
    assert atlas.catalog_for_repo(tmp_path, None).version == "4.9.0"
    atlas.save_catalog(own, tmp_path / "elsewhere.json")
    assert atlas.catalog_for_repo(tmp_path, "elsewhere.json").version == "4.9.0"
    assert atlas.catalog_for_repo(tmp_path, "missing.json") == shipped


# --- MITRE releases -------------------------------------------------------------------


def test_read_release_reads_the_stated_version(ref: Path) -> None:
    version, raw = atlas.read_release(ref / "ATLAS-5.6.1.yaml")
    assert version == "5.6.0"  # 5.6.1 added no ids and did not bump the field
    assert len(raw["matrices"][0]["techniques"]) == 170


def test_catalog_from_release_marks_everything_first_tracked(ref: Path) -> None:
    cat = atlas.catalog_from_release(ref / "ATLAS-4.9.0.yaml")
    assert cat.version == "4.9.0"
    assert len(cat.techniques) == 115
    assert {t.first_release for t in cat.techniques.values()} == {"<=4.9.0"}
    assert cat.added_since("4.9.0") == []
    overridden = atlas.catalog_from_release(ref / "ATLAS-5.6.1.yaml", "5.6.1")
    assert overridden.version == "5.6.1"


def test_import_5_6_1_into_a_4_9_0_catalog(ref: Path) -> None:
    old = atlas.catalog_from_release(ref / "ATLAS-4.9.0.yaml")
    new, change = atlas.import_release(old, ref / "ATLAS-5.6.1.yaml", release="5.6.1")
    expected_new = _new_ids_after(ref, "4.9.0", "5.6.1")
    assert len(expected_new) == 55
    assert set(change.added) == expected_new
    assert list(change.added) == sorted(change.added)
    assert change.retired == ()
    assert change.renamed == (("AML.T0053", "LLM Plugin Compromise", "AI Agent Tool Invocation"),)
    assert {t.id for t in new.added_since("4.9.0")} == expected_new
    assert {new.techniques[t].first_release for t in expected_new} == {"5.6.1"}
    t0053 = new.lookup("AML.T0053")
    assert t0053 is not None and t0053.former_names == ("LLM Plugin Compromise",)
    before, after = old.lookup("AML.T0000"), new.lookup("AML.T0000")
    assert before is not None and after is not None
    assert (before.first_release, before.maturity) == ("<=4.9.0", "")  # 4.9.0 has no maturity
    assert (after.first_release, after.maturity) == ("<=4.9.0", "demonstrated")
    assert new.tactics["AML.TA0015"].first_release == "5.6.1"
    assert new.version == "5.6.1"


def test_reimporting_the_same_release_changes_nothing(
    shipped: atlas.AtlasCatalog, ref: Path
) -> None:
    again, change = atlas.import_release(shipped, ref / "ATLAS-5.6.1.yaml", release="5.6.1")
    assert change.empty
    assert atlas.dumps_catalog(again) == atlas.dumps_catalog(shipped)


def test_import_of_an_older_release_is_refused(shipped: atlas.AtlasCatalog, ref: Path) -> None:
    with pytest.raises(
        CatalogError, match=r"release 5\.6\.0 is older than the catalog \(5\.6\.1\)"
    ):
        atlas.import_release(shipped, ref / "ATLAS-5.6.1.yaml")


_SMALL_RELEASE = """\
id: ATLAS
version: {version}
matrices:
- id: ATLAS
  tactics:
  - {{id: AML.TA0002, name: Reconnaissance, object-type: tactic}}
  - {{id: AML.TA0099, name: Brand New Tactic, object-type: tactic}}
  techniques:
{techniques}
"""


def _write_release(path: Path, version: str, techniques: list[str]) -> Path:
    body = "\n".join(f"  - {t}" for t in techniques)
    path.write_text(_SMALL_RELEASE.format(version=version, techniques=body), encoding="utf-8")
    return path


def test_import_marks_missing_ids_retired_and_records_renames(tmp_path: Path) -> None:
    first = _write_release(
        tmp_path / "a.yaml",
        "6.0.0",
        [
            "{id: AML.T0001, name: One, tactics: [AML.TA0002], maturity: feasible}",
            "{id: AML.T0001.000, name: One A, subtechnique-of: AML.T0001, maturity: realized}",
            "{id: AML.T0002, name: Two, tactics: [AML.TA0002], maturity: demonstrated}",
        ],
    )
    second = _write_release(
        tmp_path / "b.yaml",
        "6.1.0",
        [
            "{id: AML.T0001, name: One Renamed, tactics: [AML.TA0002], maturity: realized}",
            "{id: AML.T0001.000, name: One A, subtechnique-of: AML.T0001, maturity: realized}",
            "{id: AML.T0003, name: Three, tactics: [AML.TA0099]}",
        ],
    )
    base = atlas.catalog_from_release(first)
    sub = base.lookup("AML.T0001.000")
    assert sub is not None and sub.tactics == ("AML.TA0002",) and sub.parent == "AML.T0001"
    merged, change = atlas.import_release(base, second)
    assert change == atlas.CatalogDiff(
        added=("AML.T0003",),
        retired=("AML.T0002",),
        renamed=(("AML.T0001", "One", "One Renamed"),),
    )
    gone = merged.lookup("AML.T0002")
    assert gone is not None and (gone.retired, gone.retired_in, gone.replaced_by) == (
        True,
        "6.1.0",
        None,
    )
    assert merged.current_id("AML.T0002") is None
    renamed = merged.lookup("AML.T0001")
    assert renamed is not None
    assert (renamed.former_names, renamed.maturity, renamed.first_release) == (
        ("One",),
        "realized",
        "<=6.0.0",
    )
    added = merged.lookup("AML.T0003")
    assert added is not None and (added.first_release, added.maturity) == ("6.1.0", "")
    assert atlas.diff(base, merged) == change
    # a later import keeps the retirement as it was
    third, change3 = atlas.import_release(merged, second, release="6.2.0")
    assert change3.empty
    assert third.lookup("AML.T0002") == gone


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("- a\n- b\n", r"not a MITRE ATLAS release: the top level is not a mapping \("),
        ("version: 1.0.0\n", r"not a MITRE ATLAS release: no `matrices` list \("),
        (
            "version: 1.0.0\nmatrices: [{tactics: [], techniques: [{id: 3}]}]\n",
            r"`matrices\[0\]\.techniques\[0\]` has no string id/name",
        ),
        ("a: [\n", r"r\.yaml:2:1: not valid YAML \("),
        ("version: soon\nmatrices: [{tactics: [], techniques: []}]\n", r"`version` 'soon'"),
    ],
    ids=["list", "no-matrices", "bad-technique", "bad-yaml", "bad-version"],
)
def test_read_release_rejects_unknown_formats(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CatalogError, match=message):
        atlas.read_release(path)


def test_load_any_detects_the_format_by_content(
    shipped: atlas.AtlasCatalog, tmp_path: Path, ref: Path
) -> None:
    json_path = tmp_path / "cat.yaml"  # the name does not matter
    atlas.save_catalog(shipped, json_path)
    assert atlas.load_any(json_path) == shipped
    assert atlas.load_any(ref / "ATLAS-4.9.0.yaml").version == "4.9.0"
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(CatalogError, match=r"other\.json: unknown format: neither a policyengine"):
        atlas.load_any(other)
