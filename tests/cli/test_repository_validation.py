"""Repository-level validation: one `metadata.id` per model, and a run that finds no model
is an error (exit 2) unless `--allow-empty`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import run_cli as _run

REPO = Path(__file__).resolve().parents[2]
MODEL = REPO / "examples" / "models" / "support-assistant.yaml"
AS_OF = ["--as-of", "2026-11-27"]


def _id_line(text: str) -> int:
    lines = text.splitlines()
    meta = lines.index("metadata:")
    return next(i for i in range(meta, len(lines)) if lines[i].strip().startswith("id:")) + 1


@pytest.fixture
def twins(tmp_path: Path) -> Path:
    """Two copies of one model (the same metadata.id) and a third with an id of its own."""
    shutil.copytree(REPO / "examples", tmp_path / "repo")
    models = tmp_path / "repo" / "models"
    shutil.copy(MODEL, models / "support-assistant-copy.yaml")
    return tmp_path / "repo"


@pytest.mark.parametrize("command", ["validate", "check"])
@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_reused_id_is_an_error_on_every_file_naming_the_other(
    capsys: pytest.CaptureFixture[str], twins: Path, command: str, workers: str
) -> None:
    code, out, _ = _run(
        capsys, command, str(twins), *AS_OF, "--format", "json", "--workers", workers
    )
    assert code == 1
    models = {m["path"]: m for m in json.loads(out)["models"]}
    line = _id_line(MODEL.read_text(encoding="utf-8"))
    pair = ("models/support-assistant.yaml", "models/support-assistant-copy.yaml")
    for path, other in (pair, pair[::-1]):
        errors = [e for e in models[path]["errors"] if "metadata.id" in e["message"]]
        assert [(e["line"], e["pointer"]) for e in errors] == [(line, "/metadata/id")]
        assert other in errors[0]["message"]
        assert models[path]["valid"] is False
    others = [p for p in models if p not in pair]
    assert others and all(models[p]["valid"] for p in others)


def test_ids_that_differ_pass(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    shutil.copytree(REPO / "examples", tmp_path / "repo")
    code, out, _ = _run(capsys, "validate", str(tmp_path / "repo"), *AS_OF)
    assert code == 0, out
    assert "metadata.id" not in out


@pytest.mark.parametrize("command", ["validate", "check", "status", "remind"])
def test_a_run_that_finds_no_model_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    (tmp_path / "values.yaml").write_text("replicas: 3\n", encoding="utf-8")
    code, out, err = _run(capsys, command, str(tmp_path), *AS_OF)
    assert code == 2
    assert out == ""
    assert f"no threat model found under {tmp_path}" in err
    assert "--allow-empty" in err
    assert "internal error" not in err


@pytest.mark.parametrize("command", ["validate", "check", "status", "remind"])
def test_allow_empty_accepts_an_empty_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    code, _, err = _run(capsys, command, str(tmp_path), *AS_OF, "--allow-empty")
    assert code == 0, err


def test_a_config_glob_that_finds_nothing_names_the_glob(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(REPO / "examples", tmp_path / "repo")
    repo = tmp_path / "repo"
    (repo / ".policyengine.yaml").write_text("models: ['model/*.yaml']\n", encoding="utf-8")
    monkeypatch.chdir(repo)
    code, out, err = _run(capsys, "check", *AS_OF)
    assert code == 2
    assert "with the config's models globs model/*.yaml" in err


_NEAR = [
    ("Kind: ThreatModel", "/Kind"),
    ("kind: Threatmodel", "/kind"),
    ("kind: threat_model", "/kind"),
    ("kind: threat-model", "/kind"),
]


def _near_miss_repo(tmp_path: Path, spelling: str) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "examples", repo)
    text = MODEL.read_text(encoding="utf-8").replace("kind: ThreatModel", spelling, 1)
    assert text != MODEL.read_text(encoding="utf-8")
    text = text.replace("id: support-assistant", "id: support-assistant-near", 1)
    (repo / "models" / "near.yaml").write_text(text, encoding="utf-8")
    return repo


@pytest.mark.parametrize(("spelling", "pointer"), _NEAR, ids=[s for s, _ in _NEAR])
@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_near_miss_of_the_kind_is_a_located_error_in_that_model(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, spelling: str, pointer: str, workers: str
) -> None:
    # The file says `apiVersion: policyengine/v1`: it is meant as ours, so a kind we do not
    # read makes it an invalid model (the other models are still judged), never a skip.
    repo = _near_miss_repo(tmp_path, spelling)
    code, out, _ = _run(
        capsys, "validate", str(repo), *AS_OF, "--format", "json", "--workers", workers
    )
    doc = json.loads(out)
    assert code == 1
    [near] = [m for m in doc["models"] if m["path"] == "models/near.yaml"]
    assert near["valid"] is False
    [error] = near["errors"]
    assert error["level"] == "error"
    assert error["pointer"] == pointer
    assert (error["line"], error["column"]) == (_kind_line(repo), 1)
    assert "write `kind: ThreatModel`" in error["message"]
    assert all(m["valid"] for m in doc["models"] if m["path"] != "models/near.yaml")


def _kind_line(repo: Path) -> int:
    lines = (repo / "models" / "near.yaml").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.lower().startswith("kind"))


_TYPOS = ["kind: ThreatModle", "kind: ThraetModel", "kind: Foo", "kind: 5"]


@pytest.mark.parametrize("spelling", _TYPOS)
def test_any_other_kind_under_our_api_version_is_an_error_not_a_skip(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, spelling: str
) -> None:
    repo = _near_miss_repo(tmp_path, spelling)
    code, out, _ = _run(capsys, "check", str(repo), *AS_OF, "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["errors"] == []
    assert doc["summary"]["skipped_files"] == 0
    [near] = [m for m in doc["models"] if m["path"] == "models/near.yaml"]
    assert near["valid"] is False
    assert [(e["line"], e["pointer"]) for e in near["errors"]] == [(_kind_line(repo), "/kind")]
    assert f"`{spelling}`" in near["errors"][0]["message"]


def test_a_near_miss_of_the_kind_without_our_api_version_is_a_warning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    repo = _near_miss_repo(tmp_path, "kind: threat_model")
    near = repo / "models" / "near.yaml"
    near.write_text(near.read_text().replace("apiVersion: policyengine/v1\n", "", 1))
    code, out, _ = _run(capsys, "validate", str(repo), *AS_OF, "--format", "json")
    doc = json.loads(out)
    assert code == 0  # not ours for sure: a warning, the other models pass
    [warning] = [d for d in doc["errors"] if d["file"] == "models/near.yaml"]
    assert warning["level"] == "warning" and warning["pointer"] == "/kind"
    assert "write `kind: ThreatModel`" in warning["message"]


def test_other_files_of_ours_and_of_others_are_skipped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "examples", repo)
    shutil.copy(repo / "governance" / "register.yaml", repo / "models" / "register-copy.yaml")
    (repo / "models" / "deploy.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: policyengine}\n"
    )
    code, out, _ = _run(capsys, "validate", str(repo), *AS_OF, "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["errors"] == []
    assert doc["summary"]["skipped_files"] == 2


def test_a_yaml_file_that_only_mentions_threat_models_is_not_reported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "examples", repo)
    (repo / "ci.yaml").write_text(
        "name: threat-model checks\non: [push]\njobs: {x: {runs-on: [ubuntu]}}\n",
        encoding="utf-8",
    )
    (repo / "broken.yaml").write_text("title: threat_model\n  bad: [\n", encoding="utf-8")
    code, out, _ = _run(capsys, "validate", str(repo), *AS_OF, "--format", "json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["errors"] == []
    assert {"ci.yaml", "broken.yaml"}.isdisjoint(m["path"] for m in doc["models"])


def test_only_a_near_miss_is_an_invalid_model_that_shows_the_fix(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = MODEL.read_text(encoding="utf-8").replace("kind: ThreatModel", "Kind: ThreatModel")
    (tmp_path / "model.yaml").write_text(text, encoding="utf-8")
    code, out, _ = _run(capsys, "check", str(tmp_path), *AS_OF)
    assert code == 1
    assert "model.yaml" in out and "write `kind: ThreatModel`" in out


@pytest.mark.parametrize("command", ["validate", "check"])
def test_workers_report_reused_ids_and_near_misses_as_one_process_does(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str, pools: list[str]
) -> None:
    repo = _near_miss_repo(tmp_path, "Kind: ThreatModel")
    text = MODEL.read_text(encoding="utf-8")
    for n in range(36):  # enough files for two workers; two of them share an id
        model_id = "twin" if n < 2 else f"copy-{n}"
        copy = text.replace("id: support-assistant", f"id: {model_id}", 1)
        (repo / "models" / f"copy-{n:02}.yaml").write_text(copy, encoding="utf-8")
    runs = {}
    for workers in ("1", "2"):
        code, out, _ = _run(
            capsys, command, str(repo), *AS_OF, "--format", "json", "--workers", workers
        )
        runs[workers] = (code, out)
    assert pools == [f"{command}: started 2 worker processes"]
    assert runs["1"] == runs["2"]
    doc = json.loads(runs["2"][1])
    assert doc["errors"] == []  # the near miss is an invalid model, in both ways
    invalid = sorted(m["path"] for m in doc["models"] if not m["valid"])
    assert invalid == ["models/copy-00.yaml", "models/copy-01.yaml", "models/near.yaml"]
