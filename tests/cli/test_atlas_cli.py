"""`policyengine atlas list|diff|import`, in process: exit status, stdout, stderr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policyengine import atlas
from policyengine.cli import main


@pytest.fixture(scope="module")
def ref(atlas_reference: Path) -> Path:
    return atlas_reference


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty repository folder (a `.git` marker), made the working directory."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _new_ids_after(ref: Path, after: str) -> list[str]:
    import csv

    with (ref / "atlas_versions.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return sorted(
        tid
        for r in rows
        if atlas.parse_version(r["git_tag"]) > atlas.parse_version(after)
        for tid in r["new_technique_ids"].split(";")
        if tid
    )


def test_list_since_lists_techniques_first_released_after(
    repo: Path, ref: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["atlas", "list", "--since", "5.0.0"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    ids = [line.split()[0] for line in out.splitlines()]
    assert ids == _new_ids_after(ref, "5.0.0")
    assert "AML.T0112.001  5.5.0    " in out


def test_list_json_by_tactic(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["atlas", "list", "--tactic", "AML.TA0015", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["atlas_version"] == "5.6.1"
    shipped = atlas.load_catalog()
    assert [t["id"] for t in doc["techniques"]] == [
        t.id for t in shipped.active() if "AML.TA0015" in t.tactics
    ]
    assert doc["techniques"][0] == {
        "id": "AML.T0052",
        "name": "Phishing",
        "parent": None,
        "tactics": ["AML.TA0004", "AML.TA0015"],
        "maturity": "realized",
        "first_release": "4.5.0",
        "former_names": [],
    }


def test_list_never_shows_retired_ids(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["atlas", "list"]) == 0
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 170
    assert "AML.T0045" not in out


def test_list_unknown_tactic_is_a_usage_error(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["atlas", "list", "--tactic", "AML.TA9999"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("policyengine: error: unknown tactic AML.TA9999 (known: AML.TA0000, ")


def test_list_bad_since_is_an_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["atlas", "list", "--since", "latest"]) == 2
    assert capsys.readouterr().err == (
        "policyengine: error: not an ATLAS version: 'latest' (expected e.g. 5.6.1)\n"
    )


def test_diff_of_two_mitre_releases(ref: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [str(ref / "ATLAS-4.9.0.yaml"), str(ref / "ATLAS-5.6.1.yaml")]
    assert main(["atlas", "diff", *args, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["old"] == "4.9.0" and doc["new"] == "5.6.0"  # the file's own version field
    assert doc["added"] == _new_ids_after(ref, "4.9.0")
    assert doc["retired"] == []
    assert doc["renamed"] == [
        {"id": "AML.T0053", "old": "LLM Plugin Compromise", "new": "AI Agent Tool Invocation"}
    ]
    assert main(["atlas", "diff", *args]) == 0
    text = capsys.readouterr().out
    assert text.startswith("ATLAS 4.9.0 -> 5.6.0\nadded (55):\n  AML.T0002.002\n")
    assert text.endswith(
        "retired (0):\nrenamed (1):\n"
        "  AML.T0053: LLM Plugin Compromise -> AI Agent Tool Invocation\n"
    )


def test_diff_accepts_a_catalog_json(ref: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["atlas", "diff", str(ref / "ATLAS-5.6.1.yaml"), str(atlas.SHIPPED_CATALOG)]) == 0
    # the shipped catalog has exactly the release's ids and names
    assert capsys.readouterr().out == (
        "ATLAS 5.6.0 -> 5.6.1\nadded (0):\nretired (0):\nrenamed (0):\n"
    )


def test_diff_unknown_format_exits_2_without_traceback(
    ref: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"techniques": []}\n', encoding="utf-8")
    assert main(["atlas", "diff", str(other), str(ref / "ATLAS-5.6.1.yaml")]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"policyengine: error: {other}: unknown format: neither a policyengine ATLAS catalog "
        "(JSON with `format: policyengine-atlas-catalog`) nor a MITRE ATLAS.yaml release "
        "(not a MITRE ATLAS release: no `version` (expected the ATLAS.yaml of "
        "mitre-atlas/atlas-data: `version`, `matrices[0].tactics`, `matrices[0].techniques`))\n"
    )
    assert "Traceback" not in err


def test_diff_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.yaml"
    assert main(["atlas", "diff", str(missing), str(missing)]) == 2
    assert capsys.readouterr().err == f"policyengine: error: ATLAS file not found: {missing}\n"


def test_diff_of_release_numbers_says_what_old_and_new_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`atlas diff 5.6.0 5.6.1` (numbers `atlas list` shows) names the files it takes
    and the command that answers what a release added."""
    monkeypatch.chdir(tmp_path)
    assert main(["atlas", "diff", "5.6.0", "5.6.1"]) == 2
    assert capsys.readouterr().err == (
        "policyengine: error: ATLAS file not found: 5.6.0: OLD and NEW are files (a "
        "policyengine ATLAS catalog or a MITRE ATLAS.yaml release), not release numbers; "
        "what the catalog gained after a release: `policyengine atlas list --since 5.6.0`\n"
    )


def test_import_writes_the_repo_catalog_and_reports_to_stderr(
    repo: Path, ref: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = repo / ".policyengine" / "atlas-catalog.json"
    atlas.save_catalog(atlas.catalog_from_release(ref / "ATLAS-4.9.0.yaml"), target)
    code = main(["atlas", "import", str(ref / "ATLAS-5.6.1.yaml"), "--release", "5.6.1"])
    out, err = capsys.readouterr()
    assert (code, out) == (0, "")
    assert err.startswith(f"policyengine: wrote {target}\nATLAS 4.9.0 -> 5.6.1\nadded (55):\n")
    imported = atlas.load_catalog(target)
    assert [t.id for t in imported.added_since("4.9.0")] == _new_ids_after(ref, "4.9.0")
    # `atlas list` now reads the repository's catalog
    assert main(["atlas", "list", "--since", "4.9.0"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 55


def test_import_starts_from_the_shipped_catalog_and_honours_config(
    repo: Path, ref: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".policyengine.yaml").write_text("atlas_catalog: atlas/cat.json\n", encoding="utf-8")
    code = main(["atlas", "import", str(ref / "ATLAS-5.6.1.yaml"), "--release", "5.6.1"])
    assert code == 0
    assert "added (0):" in capsys.readouterr().err
    written = repo / "atlas" / "cat.json"
    assert written.read_text(encoding="utf-8") == atlas.SHIPPED_CATALOG.read_text(encoding="utf-8")


def test_import_catalog_option_overrides(
    repo: Path, ref: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "custom.json"
    code = main(
        [
            "atlas",
            "import",
            str(ref / "ATLAS-5.6.1.yaml"),
            "--release",
            "5.7.0",
            "--catalog",
            str(target),
        ]
    )
    assert code == 0
    assert atlas.load_catalog(target).version == "5.7.0"
    assert not (repo / ".policyengine").exists()
    assert capsys.readouterr().out == ""


def test_import_of_an_older_release_changes_nothing(
    repo: Path, ref: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["atlas", "import", str(ref / "ATLAS-4.9.0.yaml")]) == 2
    err = capsys.readouterr().err
    assert "release 4.9.0 is older than the catalog (5.6.1); nothing imported" in err
    assert not (repo / ".policyengine").exists()
