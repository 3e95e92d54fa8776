"""What a pull request's symlinks and a parent folder's config can make the tool read:
models, configs and evidence resolve inside the repository, and the config search stops
at the repository's root. Real folders, symlinks and git repositories in tmp_path."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import git
import pytest

from policyengine.cli import main
from policyengine.config import find_root, load_config
from policyengine.errors import ConfigError
from policyengine.loader import discover
from policyengine.results import Level

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "models" / "support-assistant.yaml"


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    """(repository with one model, a folder outside it holding a secret model)."""
    root = tmp_path / "repo"
    git.Repo.init(root).close()
    (root / "models").mkdir()
    shutil.copy(EXAMPLE, root / "models" / "support.yaml")
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = EXAMPLE.read_text(encoding="utf-8").replace(
        "id: support-assistant", "id: secret-model"
    )
    (outside / "secret.yaml").write_text(secret, encoding="utf-8")
    return root, outside


def _validate_json(
    capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, dict[str, object], str]:
    code = main(["validate", *argv, "--format", "json"])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_a_symlinked_model_from_outside_is_not_read_when_walking(
    layout: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root, outside = layout
    (root / "models" / "secret.yaml").symlink_to(outside / "secret.yaml")
    found = discover([root / "models"], root)
    assert [d.path for d in found.documents] == ["models/support.yaml"]
    (warning,) = found.diagnostics
    assert (warning.file, warning.level) == ("models/secret.yaml", Level.WARNING)
    assert warning.message == (
        f"a symlink to {outside.resolve() / 'secret.yaml'}, outside the repository: not read"
    )
    code, doc, _ = _validate_json(capsys, str(root / "models"))
    assert code == 0
    assert "secret-model" not in json.dumps(doc)


def test_a_folder_symlinked_from_outside_is_not_read_by_a_glob(
    layout: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, outside = layout
    (root / "team").symlink_to(outside, target_is_directory=True)
    (root / ".policyengine.yaml").write_text(
        'models: ["models/*.yaml", "team/*.yaml"]\n', encoding="utf-8"
    )
    monkeypatch.chdir(root)
    code, doc, _ = _validate_json(capsys)
    assert code == 0
    assert "secret-model" not in json.dumps(doc)
    warnings = [e for e in doc["errors"] if isinstance(e, dict) and e["level"] == "warning"]  # type: ignore[attr-defined]
    assert [w["file"] for w in warnings] == ["team/secret.yaml"]


def test_a_named_relative_symlink_out_of_the_repository_is_an_error(
    layout: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, outside = layout
    (root / "models" / "secret.yaml").symlink_to(outside / "secret.yaml")
    monkeypatch.chdir(root)
    code, doc, _ = _validate_json(capsys, "models/support.yaml", "models/secret.yaml")
    assert code == 1
    assert "secret-model" not in json.dumps(doc)
    (error,) = doc["errors"]  # type: ignore[misc]
    assert error["level"] == "error" and "outside the repository: not read" in error["message"]


def test_a_model_the_user_names_outside_the_repository_is_read(
    layout: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, outside = layout
    monkeypatch.chdir(root)
    code, doc, _ = _validate_json(capsys, str(outside / "secret.yaml"))
    assert code == 0
    assert [m["id"] for m in doc["models"]] == ["secret-model"]  # type: ignore[attr-defined]
    code, doc, _ = _validate_json(capsys, "../outside")
    assert [m["id"] for m in doc["models"]] == ["secret-model"]  # type: ignore[attr-defined]


def test_a_symlink_loop_or_a_dangling_link_under_models_is_an_error(
    layout: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = layout
    (root / "models" / "a.yaml").symlink_to("b.yaml")
    (root / "models" / "b.yaml").symlink_to("a.yaml")
    (root / "models" / "gone.yaml").symlink_to("missing.yaml")
    code, doc, err = _validate_json(capsys, str(root / "models"))
    assert code == 1, err
    assert [m["id"] for m in doc["models"]] == ["support-assistant"]  # type: ignore[attr-defined]
    messages = {(e["file"], e["message"]) for e in doc["errors"]}  # type: ignore[attr-defined]
    loop = "a symbolic link that never reaches a file (a loop); remove it"
    assert messages == {
        ("models/a.yaml", loop),
        ("models/b.yaml", loop),
        ("models/gone.yaml", "a symbolic link that points to a missing file; remove it"),
    }


def test_the_config_search_stops_at_the_repository_root(
    layout: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, outside = layout
    parent = root.parent
    (parent / ".policyengine.yaml").write_text(
        'models: ["outside/*.yaml"]\nfail_on: critical\n', encoding="utf-8"
    )
    assert find_root(root / "models") == root.resolve()
    assert load_config(root).path is None
    monkeypatch.chdir(root / "models")
    code, doc, _ = _validate_json(capsys)
    assert [m["id"] for m in doc["models"]] == ["support-assistant"]  # type: ignore[attr-defined]
    # outside any repository, the nearest config still applies
    assert find_root(outside) == parent.resolve()


def test_a_config_symlinked_from_outside_is_refused(layout: tuple[Path, Path]) -> None:
    root, outside = layout
    (outside / "config.yaml").write_text("fail_on: critical\n", encoding="utf-8")
    (root / ".policyengine.yaml").symlink_to(outside / "config.yaml")
    with pytest.raises(ConfigError, match="outside the repository: not read"):
        load_config(root)
    # given by the user, a config may be anywhere (its own paths are checked as ever)
    assert load_config(root, outside / "config.yaml").path == outside / "config.yaml"


def test_evidence_through_a_symlink_loop_is_a_diagnostic_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "examples"
    shutil.copytree(REPO / "examples", root)
    evidence = root / "evidence" / "evaluations"
    shutil.rmtree(evidence)
    evidence.symlink_to("evaluations", target_is_directory=True)  # a loop
    code = main(["check", str(root / "models"), "--as-of", "2026-11-27", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 1, err
    messages = [e["message"] for m in json.loads(out)["models"] for e in m["errors"]]
    assert any("cannot be resolved (a symlink loop?)" in m for m in messages)


def test_outside_any_repository_paths_are_those_of_the_working_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No config and no git: a PATH below the working folder is printed as written
    (`models/x.yaml:LINE:COL`, a link the terminal resolves), not relative to its folder;
    run from the model's own folder it is `x.yaml`."""
    marked = [
        d
        for d in [tmp_path.resolve(), *tmp_path.resolve().parents]
        if (d / ".git").exists() or (d / ".policyengine.yaml").exists()
    ]
    assert marked == [], f"test precondition: no root markers above {tmp_path}"
    (tmp_path / "models").mkdir()
    text = EXAMPLE.read_text(encoding="utf-8").replace("\nreview:", "\nbogus: 1\nreview:", 1)
    (tmp_path / "models" / "x.yaml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "models/x.yaml"]) == 1
    out = capsys.readouterr().out
    assert "\n  models/x.yaml:" in out and "unknown field 'bogus'" in out
    monkeypatch.chdir(tmp_path / "models")
    assert main(["validate", "x.yaml"]) == 1
    assert "\n  x.yaml:" in capsys.readouterr().out
