"""Tests of the validate stage: schema then references, per file, over a repository."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from policyengine.atlas import AtlasCatalog, load_catalog
from policyengine.catalog import load_controls
from policyengine.loader import load_document, parse_document
from policyengine.results import Level, ModelReport
from policyengine.validate import validate_document, validate_paths
from policyengine.workers import DOCUMENTS_PER_WORKER

DATA = Path(__file__).resolve().parent / "data"
EXAMPLE_CONTROLS = frozenset(
    {"nist-ai-rmf/MEASURE 2.2", "nist-ai-rmf/MEASURE 2.3", "nist-ai-rmf/MEASURE 2.11"}
)


@pytest.fixture(scope="module")
def atlas() -> AtlasCatalog:
    """The real ATLAS catalog shipped with the package."""
    return load_catalog()


def test_example_validates_unchanged_with_no_diagnostic(
    design_example: Path, atlas: AtlasCatalog
) -> None:
    doc = load_document(design_example, design_example.parent.parent)
    found = validate_document(
        doc, root=design_example.parent.parent, control_ids=EXAMPLE_CONTROLS, atlas=atlas
    )
    assert found == ()


def test_references_inside_schema_invalid_parts_are_not_repeated(atlas: AtlasCatalog) -> None:
    text = (
        "apiVersion: policyengine/v1\nkind: ThreatModel\nmetadata: {id: m, name: M, owner: o}\n"
        "threats:\n  - {id: T-1, surface: nowhere}\n  - {id: T-2, title: t, surface: gone}\n"
        "assets: [{id: a, type: dataset, name: a}]\n"
        "surfaces: [{id: s, layer: model, assets: [a]}]\n"
    )
    doc = parse_document(text.encode(), "m.yaml")
    found = validate_document(doc, root=DATA, control_ids=EXAMPLE_CONTROLS, atlas=atlas)
    assert [d.render() for d in found] == [
        "m.yaml:5:5: error: missing required field 'title' in threat T-1",
        "m.yaml:6:25: error: threat T-2 refers to unknown surface 'gone'",
    ]
    assert [d.code for d in found] == ["schema", "reference"]


def test_a_review_after_the_as_of_date_is_a_located_warning(atlas: AtlasCatalog) -> None:
    text = (
        "apiVersion: policyengine/v1\nkind: ThreatModel\nmetadata: {id: m, name: M, owner: o}\n"
        "review:\n  cadence: quarterly\n  last_reviewed: 2026-12-25\n"
    )
    doc = parse_document(text.encode(), "m.yaml")
    found = validate_document(
        doc, root=DATA, control_ids=EXAMPLE_CONTROLS, atlas=atlas, as_of=date(2026, 11, 27)
    )
    future = [d for d in found if d.pointer == "/review/last_reviewed"]
    assert [(d.render(), d.code) for d in future] == [
        (
            "m.yaml:6:3: warning: review/last_reviewed: 2026-12-25 is after the as-of date "
            "2026-11-27: record a review once it has taken place",
            "review",
        )
    ]
    for as_of in (date(2026, 12, 25), None):  # on the day, or no date to judge by
        again = validate_document(
            doc, root=DATA, control_ids=EXAMPLE_CONTROLS, atlas=atlas, as_of=as_of
        )
        assert not [d for d in again if d.pointer == "/review/last_reviewed"]


def test_diagnostics_are_sorted_and_deterministic(atlas: AtlasCatalog) -> None:
    doc = load_document(DATA / "bad" / "dangling_references.yaml", DATA)
    first = validate_document(doc, root=DATA, control_ids=EXAMPLE_CONTROLS, atlas=atlas)
    again = validate_document(doc, root=DATA, control_ids=EXAMPLE_CONTROLS, atlas=atlas)
    assert first == again
    assert [(d.line, d.column) for d in first] == sorted((d.line, d.column) for d in first)


def _repo(root: Path) -> None:
    models = root / "models"
    models.mkdir()
    shutil.copy(DATA / "good" / "minimal.yaml", models / "good.yaml")
    shutil.copy(DATA / "bad" / "atlas_ids.yaml", models / "warned.yaml")
    shutil.copy(DATA / "bad" / "duplicate_key.yaml", models / "dup.yaml")
    (models / "dup.yaml").write_text("kind: ThreatModel\n" + (models / "dup.yaml").read_text())
    (models / "ci.yaml").write_text("on: push\n")


def test_validate_paths_gives_one_result_per_model_file(
    tmp_path: Path, atlas: AtlasCatalog
) -> None:
    _repo(tmp_path)
    result = validate_paths(
        [tmp_path / "models", tmp_path / "nope"],
        root=tmp_path,
        control_ids=EXAMPLE_CONTROLS,
        atlas=atlas,
    )
    assert [(f.path, f.valid, f.document is not None) for f in result.files] == [
        ("models/dup.yaml", False, False),
        ("models/good.yaml", True, True),
        ("models/warned.yaml", False, True),
    ]
    assert result.files[0].diagnostics[0].render() == (
        "models/dup.yaml:5:3: error: duplicate key 'id' (first defined at line 3)"
    )
    assert result.skipped == 1
    assert [d.render() for d in result.diagnostics] == ["nope:0:0: error: no such file or folder"]


def test_file_result_turns_into_a_model_report(tmp_path: Path, atlas: AtlasCatalog) -> None:
    _repo(tmp_path)
    result = validate_paths(
        [],
        root=tmp_path,
        globs=["models/good.yaml", "models/dup.yaml"],
        control_ids=EXAMPLE_CONTROLS,
        atlas=atlas,
    )
    reports = [f.to_report() for f in result.files]
    assert reports[1] == ModelReport("models/good.yaml", "minimal", "team-a", ())
    assert reports[0].model_id == "" and not reports[0].valid


def test_warnings_alone_keep_a_model_valid(tmp_path: Path, atlas: AtlasCatalog) -> None:
    model = tmp_path / "m.yaml"
    model.write_text(
        (DATA / "good" / "minimal.yaml")
        .read_text()
        .replace("[AML.T0051]\n    likelihood", "[AML.T0045]\n    likelihood")
    )
    result = validate_paths([model], root=tmp_path, control_ids=EXAMPLE_CONTROLS, atlas=atlas)
    (only,) = result.files
    assert [d.level for d in only.diagnostics] == [Level.WARNING]
    assert only.valid and only.to_report().valid


def test_example_is_valid_against_the_real_control_catalogs(
    design_example: Path, atlas: AtlasCatalog
) -> None:
    doc = load_document(design_example, design_example.parent.parent)
    control_ids = load_controls().ids()
    assert EXAMPLE_CONTROLS <= control_ids
    assert (
        validate_document(
            doc, root=design_example.parent.parent, control_ids=control_ids, atlas=atlas
        )
        == ()
    )


def test_many_documents_are_checked_in_forked_workers_with_the_same_answers(
    tmp_path: Path, atlas: AtlasCatalog, pools: list[str]
) -> None:
    models = tmp_path / "models"
    models.mkdir()
    sources = sorted((DATA / "bad").glob("*.yaml")) + sorted((DATA / "good").glob("*.yaml"))
    for k in range(7):
        for src in sources:
            shutil.copy(src, models / f"{k}-{src.name}")

    def run(workers: int) -> list[tuple[str, bool, tuple[str, ...]]]:
        result = validate_paths(
            [models], root=tmp_path, control_ids=EXAMPLE_CONTROLS, atlas=atlas, workers=workers
        )
        return [(f.path, f.valid, tuple(d.render() for d in f.diagnostics)) for f in result.files]

    in_process = run(1)
    assert pools == []
    forked = run(2)
    [started] = pools
    assert started.endswith("documents: forked 2 worker processes")
    assert int(started.split()[0]) > DOCUMENTS_PER_WORKER
    assert forked == in_process
    assert sum(1 for _, valid, _ in forked if valid) >= 7
