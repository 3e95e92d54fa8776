"""Tests of the reference checks: unique ids, dangling references, ATLAS ids, safe paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from policyengine.atlas import AtlasCatalog, load_catalog
from policyengine.loader import load_document, parse_document
from policyengine.references import PathChecks, check_references, path_problem, repository_path
from policyengine.results import Level

DATA = Path(__file__).resolve().parent / "data"
CONTROLS = frozenset(
    {
        "nist-ai-rmf/MEASURE 2.11",
        "nist-ai-rmf/MEASURE 2.2",
        "nist-ai-rmf/MEASURE 2.3",
        "iso42001/A.7.6",
        "iso42001/A.7.5",
    }
)


@pytest.fixture(scope="module")
def atlas() -> AtlasCatalog:
    """The real ATLAS catalog shipped with the package."""
    return load_catalog()


def _render(name: str, atlas: AtlasCatalog) -> list[str]:
    doc = load_document(DATA / "bad" / f"{name}.yaml", DATA)
    return [d.render() for d in check_references(doc, root=DATA, control_ids=CONTROLS, atlas=atlas)]


GOLDEN = {
    "dangling_references": [
        "bad/dangling_references.yaml:18:5: error: asset tuned refers to unknown asset 'bass'",
        "bad/dangling_references.yaml:19:18: error: asset tuned refers to unknown asset 'dataset'",
        "bad/dangling_references.yaml:34:26: error: surface chat refers to unknown asset 'gateway'",
        "bad/dangling_references.yaml:38:5: error: threat T-1 refers to unknown surface 'chatbot'",
        "bad/dangling_references.yaml:43:24: error: threat T-1 refers to unknown control 'C-9'",
        "bad/dangling_references.yaml:44:48: error: threat T-1 refers to unknown finding 'F-2' of "
        "red-team exercise 'RT-1'",
        "bad/dangling_references.yaml:44:58: error: threat T-1 refers to finding 'RT-9/F-1' of "
        "unknown red-team exercise 'RT-9'",
        "bad/dangling_references.yaml:55:30: error: red-team exercise RT-1 refers to unknown "
        "surface 'rag'",
        "bad/dangling_references.yaml:57:58: error: finding RT-1/F-1 refers to unknown threat "
        "'T-7'",
        "bad/dangling_references.yaml:65:8: error: the waiver at compliance/waivers/0 names "
        "control 'nist-ai-rmf/MEASURE 9.99', which is not in the control catalogs",
    ],
    "duplicate_ids": [
        "bad/duplicate_ids.yaml:19:18: error: asset tuned refers to unknown asset 'data'",
        "bad/duplicate_ids.yaml:20:5: error: duplicate asset id 'tuned' (first used at line 15)",
        "bad/duplicate_ids.yaml:48:5: error: duplicate control id 'C-1' (first used at line 46)",
        "bad/duplicate_ids.yaml:60:10: error: duplicate finding id 'F-1' (first used at line 59)",
    ],
    "evidence_paths": [
        "bad/evidence_paths.yaml:50:32: error: path '../secrets.txt' in control C-1 leaves the "
        "repository through '..'",
        "bad/evidence_paths.yaml:50:48: error: path 'docs/../../x.md' in control C-1 leaves the "
        "repository through '..'",
        "bad/evidence_paths.yaml:50:65: error: path '/etc/passwd' in control C-1 is absolute; "
        "write it relative to the repository root",
    ],
    "atlas_ids": [
        "bad/atlas_ids.yaml:39:24: error: threat T-1 names ATLAS technique 'AML.T9999', which is "
        "not in the ATLAS catalog",
        "bad/atlas_ids.yaml:39:35: warning: threat T-1 names ATLAS technique 'AML.T0045', which "
        "is retired or renamed; use AML.T0048.004",
        "bad/atlas_ids.yaml:63:8: error: the not_applicable entry at compliance/not_applicable/0 "
        "names ATLAS technique 'AML.T0999.003', which is not in the ATLAS catalog",
    ],
}


@pytest.mark.parametrize("name", sorted(GOLDEN), ids=sorted(GOLDEN))
def test_reference_problems_are_located_and_readable(name: str, atlas: AtlasCatalog) -> None:
    assert _render(name, atlas) == GOLDEN[name]


def test_good_model_and_example_have_no_reference_problem(
    atlas: AtlasCatalog, design_example: Path
) -> None:
    good = load_document(DATA / "good" / "minimal.yaml", DATA)
    assert check_references(good, root=DATA, control_ids=CONTROLS, atlas=atlas) == []
    example = load_document(design_example, design_example.parent.parent)
    assert (
        check_references(
            example, root=design_example.parent.parent, control_ids=CONTROLS, atlas=atlas
        )
        == []
    )


def test_retired_id_is_a_warning_with_code_atlas(atlas: AtlasCatalog) -> None:
    doc = load_document(DATA / "bad" / "atlas_ids.yaml", DATA)
    found = check_references(doc, root=DATA, control_ids=CONTROLS, atlas=atlas)
    retired = [d for d in found if "AML.T0045" in d.message]
    assert [(d.level, d.code, d.pointer) for d in retired] == [
        (Level.WARNING, "atlas", "/threats/0/atlas/2")
    ]


MODEL = "apiVersion: policyengine/v1\nkind: ThreatModel\nmetadata: {id: m, name: M, owner: o}\n"


def _check(
    text: str, atlas: AtlasCatalog, root: Path = DATA, controls: frozenset[str] = CONTROLS
) -> list[str]:
    doc = parse_document((MODEL + text).encode(), "m.yaml")
    return [d.render() for d in check_references(doc, root=root, control_ids=controls, atlas=atlas)]


def test_symlink_leaving_the_repository_is_an_error(tmp_path: Path, atlas: AtlasCatalog) -> None:
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    (tmp_path / "secret.md").write_text("x")
    (repo / "docs" / "inside.md").write_text("x")
    (repo / "docs" / "out.md").symlink_to(tmp_path / "secret.md")
    (repo / "docs" / "in.md").symlink_to(repo / "docs" / "inside.md")
    text = (
        "controls:\n  - {id: C-1, title: t, evidence: [docs/out.md, docs/in.md, docs/none.md]}\n"
        "assets:\n  - {id: lib, type: ml_library, name: l, sbom: ../sbom.json}\n"
        "compliance:\n  attestations:\n    - {control: iso42001/A.7.5, evidence: docs/out.md, "
        "by: board, date: 2026-01-01}\n"
    )
    assert _check(text, atlas, root=repo) == [
        "m.yaml:5:36: error: path 'docs/out.md' in control C-1 points outside the repository "
        "through a symlink",
        "m.yaml:7:42: error: path '../sbom.json' in asset lib leaves the repository through '..'",
        "m.yaml:10:33: error: path 'docs/out.md' in the attestation at compliance/attestations/0 "
        "points outside the repository through a symlink",
    ]


def test_a_run_resolves_each_path_once_with_the_same_answers(
    tmp_path: Path, atlas: AtlasCatalog
) -> None:
    """A run's `PathChecks` answers for every model as a model's own would: the symlink
    out is an error in both models, the one in is not; a `PathChecks` of another root is
    not used (its answers would be of the wrong files)."""
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    (tmp_path / "secret.md").write_text("x")
    (repo / "docs" / "inside.md").write_text("x")
    (repo / "docs" / "out.md").symlink_to(tmp_path / "secret.md")
    (repo / "docs" / "in.md").symlink_to(repo / "docs" / "inside.md")
    text = "controls:\n  - {id: C-1, title: t, evidence: [docs/out.md, docs/in.md]}\n"
    doc = parse_document((MODEL + text).encode(), "m.yaml")
    alone = check_references(doc, root=repo, control_ids=CONTROLS, atlas=atlas)
    assert [d.message for d in alone] == [
        "path 'docs/out.md' in control C-1 points outside the repository through a symlink"
    ]
    run = PathChecks(repo)
    for _ in range(2):
        assert (
            check_references(doc, root=repo, control_ids=CONTROLS, atlas=atlas, paths=run) == alone
        )
    assert run.problem("docs/in.md") is None
    other = PathChecks(tmp_path)
    assert other.problem("repo/docs/out.md") is None  # inside tmp_path, it stays inside
    assert check_references(doc, root=repo, control_ids=CONTROLS, atlas=atlas, paths=other) == alone


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("docs/a.md", None),
        ("docs/../a.md", None),
        ("", "is empty"),
        ("..", "leaves the repository through '..'"),
        ("C:\\evidence\\a.md", "is absolute; write it relative to the repository root"),
        ("\\\\server\\share\\a.md", "is absolute; write it relative to the repository root"),
        ("..\\a.md", "leaves the repository through '..'"),
    ],
    ids=["plain", "dotdot-inside", "empty", "dotdot", "windows-drive", "unc", "backslash-dotdot"],
)
def test_path_problem_table(value: str, problem: str | None) -> None:
    assert path_problem(DATA, value) == problem


@pytest.mark.parametrize(
    ("value", "normal"),
    [
        ("docs/a.md", "docs/a.md"),
        ("./docs/a.md", "docs/a.md"),
        ("docs//a.md", "docs/a.md"),
        ("docs/design/../a.md", "docs/a.md"),
        ("docs/a.md/.", "docs/a.md"),
        ("docs\\a.md", "docs/a.md"),
        ("", None),
        ("../a.md", None),
        ("docs/../../x.md", None),
        ("/etc/passwd", None),
    ],
    ids=[
        "plain",
        "dot",
        "double-slash",
        "dotdot-inside",
        "trailing-dot",
        "backslash",
        "empty",
        "dotdot",
        "dotdot-leaving",
        "absolute",
    ],
)
def test_repository_path_is_the_path_the_checks_read(value: str, normal: str | None) -> None:
    """One spelling per file, as git names it; a path that is a validation error names none."""
    assert repository_path(value) == normal
    assert (normal is None) == (path_problem(DATA, value) is not None)


def test_atlas_control_ids_are_checked_against_the_catalog(atlas: AtlasCatalog) -> None:
    text = (
        "compliance:\n  not_applicable:\n    - {control: atlas/AML.T0051, reason: r}\n"
        "    - {control: atlas/AML.T0045, reason: r}\n    - {control: atlas/AML.T0000.999, "
        "reason: r}\n"
    )
    assert _check(text, atlas) == [
        "m.yaml:7:8: warning: the not_applicable entry at compliance/not_applicable/1 names ATLAS "
        "technique 'AML.T0045', which is retired or renamed; use AML.T0048.004",
        "m.yaml:8:8: error: the not_applicable entry at compliance/not_applicable/2 names ATLAS "
        "technique 'AML.T0000.999', which is not in the ATLAS catalog",
    ]


def test_framework_controls_are_not_checked_without_a_catalog(atlas: AtlasCatalog) -> None:
    text = (
        "compliance:\n  waivers:\n    - {control: nist-ai-rmf/X 9, reason: r, "
        "expires: 2027-01-01}\n"
    )
    assert _check(text, atlas, controls=frozenset()) == []
    assert len(_check(text, atlas)) == 1


def test_ingestion_paths_and_interfaces_must_be_unique(atlas: AtlasCatalog) -> None:
    text = (
        "assets:\n  - id: kb\n    type: retrieval_corpus\n    name: kb\n    ingestion_paths:\n"
        "      - {id: cms}\n      - {id: cms}\n"
        "surfaces:\n  - id: s\n    layer: retrieval\n    assets: [kb]\n    interfaces:\n"
        "      - {id: web}\n      - {id: web}\n"
    )
    assert _check(text, atlas) == [
        "m.yaml:10:10: error: duplicate ingestion path id 'cms' (first used at line 9)",
        "m.yaml:17:10: error: duplicate interface id 'web' (first used at line 16)",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "threats: 3\n",
        "threats: [1, [2], {id: 5, surface: [x], mitigations: {a: 1}, atlas: [7]}]\n",
        "red_team: [{id: R, findings: 3, scope: [1]}, {findings: [{threats: x}]}]\n",
        "compliance: {waivers: [3, {control: 4}], not_applicable: {}}\n",
        "assets: [{id: a, derived_from: {x: 1}, trained_on: a, sbom: 5}]\n",
    ],
    ids=["scalar-section", "odd-threats", "odd-red-team", "odd-compliance", "odd-assets"],
)
def test_malformed_shapes_never_raise(text: str, atlas: AtlasCatalog) -> None:
    assert isinstance(_check(text, atlas), list)
