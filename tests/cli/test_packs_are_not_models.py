"""Evidence packs in the repository (`evidence_dir: evidence`) are records of a commit: a
file or folder named inside one, as pre-commit names them, is never read as a threat
model (tester-c C2: the packs' copies failed the commit with duplicate ids)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import committed_examples
from conftest import run_cli as _run

from policyengine.cli import main

AS_OF = "2026-11-27"
SAID = "part of an evidence pack (marked .policyengine-evidence-pack)"


@pytest.fixture(scope="module")
def packed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples, committed, with two dated packs under `evidence/` (untracked)."""
    root = committed_examples(tmp_path_factory)
    for as_of in (AS_OF, "2026-12-01"):
        assert main(["evidence", str(root), "--as-of", as_of]) == 0
    return root


@pytest.fixture
def in_packed(packed: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(packed)
    return packed


def _packs(root: Path) -> list[Path]:
    packs = sorted(p.parent for p in (root / "evidence").glob("*/.policyengine-evidence-pack"))
    assert len(packs) == 2
    return [p.relative_to(root) for p in packs]


def _said(err: str) -> list[str]:
    return [line for line in err.splitlines() if SAID in line]


def test_the_copies_of_a_model_named_in_packs_are_not_read(
    in_packed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copies = [str(p / "models" / "coding-agent" / "coding-agent.yaml") for p in _packs(in_packed)]
    code, out, err = _run(capsys, "validate", *copies, "--as-of", AS_OF)
    assert (code, out.splitlines()[-1]) == (0, "0 models (0 valid, 0 invalid); no findings"), out
    assert "also the id of" not in out
    assert _said(err) == [f"policyengine: INFO: {copies[0]} and 1 more: {SAID}, a record of a "
                          "commit: not read as a threat model"]  # fmt: skip


@pytest.mark.parametrize("command", ["validate", "check"])
@pytest.mark.parametrize(
    "inside", ["models", "models/coding-agent", "."], ids=["models", "deeper", "pack"]
)
def test_a_folder_inside_a_pack_is_not_walked(
    in_packed: Path, capsys: pytest.CaptureFixture[str], command: str, inside: str
) -> None:
    folder = _packs(in_packed)[0] / inside
    code, out, err = _run(capsys, command, str(folder), "--as-of", AS_OF)
    assert code == 0, out + err
    assert "0 models (0 valid, 0 invalid)" in out.splitlines()[-1] and "coding-agent" not in out
    assert len(_said(err)) == 1


def test_a_pre_commit_run_with_pack_files_and_a_changed_model(
    in_packed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What pre-commit passes when a model edit and the packs are committed together."""
    copies = sorted(
        str(p.relative_to(in_packed)) for p in (in_packed / "evidence").glob("*/models/*/*.yaml")
    )
    assert len(copies) == 6
    code, out, err = _run(capsys, "validate", "models/coding-agent.yaml", *copies)
    assert code == 0, out
    assert out.splitlines()[-1] == "1 model (1 valid, 0 invalid); no findings"
    assert out.startswith("models/coding-agent.yaml: coding-agent")
    assert _said(err) == [f"policyengine: INFO: {copies[0]} and 5 more: {SAID}, a record of a "
                          "commit: not read as a threat model"]  # fmt: skip
    assert err.count("\n") == 1  # one line for six files, whatever their number


def test_a_pack_next_to_a_wrong_path_is_still_no_model_found(
    in_packed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_packed / "empty").mkdir(exist_ok=True)
    code, _, err = _run(capsys, "validate", str(_packs(in_packed)[0]), "empty")
    assert code == 2 and "no threat model found under" in err


def test_no_evidence_pack_is_made_of_a_pack(
    in_packed: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = _run(capsys, "evidence", str(_packs(in_packed)[0]), "--out", str(tmp_path / "p"))
    assert code == 2 and "no threat model found under" in err
    assert not (tmp_path / "p").exists()
