"""Budgets on untrusted input, end to end: the threat ceiling of a model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policyengine.cli import main
from policyengine.loader import load_document
from policyengine.validate import CEILINGS, MAX_THREATS

REPO = Path(__file__).resolve().parents[2]
MINIMAL = REPO / "tests" / "data" / "good" / "minimal.yaml"
AS_OF = ["--as-of", "2026-11-27"]


def _model_with_threats(folder: Path, count: int) -> Path:
    """The minimal model with `count` threats (its own, then copies with their own ids),
    written as JSON, with the evidence it cites."""
    data = load_document(MINIMAL, MINIMAL.parent).data
    first = data["threats"][0]
    copies = [dict(first, id=f"T-X{i}") for i in range(count - 1)]
    data["threats"] = [first, *copies]
    # the red-team finding that validates T-1 is about its copies too
    data["red_team"][0]["findings"][0]["threats"] += [t["id"] for t in copies]
    (folder / "docs").mkdir(parents=True, exist_ok=True)
    (folder / "docs" / "filter.md").write_text("filter\n", encoding="utf-8")
    (folder / ".policyengine.yaml").write_text("fail_on: low\n", encoding="utf-8")
    path = folder / "model.yaml"
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


def test_a_model_over_the_threat_ceiling_is_refused_where_its_threats_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = _model_with_threats(tmp_path, MAX_THREATS + 1)
    line = model.read_text(encoding="utf-8").splitlines().index(' "threats": [') + 1
    code = main(["check", str(model), "--config", str(tmp_path / ".policyengine.yaml"), *AS_OF])
    out, err = capsys.readouterr()
    assert code == 1
    assert f"model.yaml:{line}:2: error: the model lists 5,001 threats; the limit is 5,000" in out
    assert "TM-" not in out  # refused before evaluation
    assert "internal error" not in err


def test_a_model_at_the_threat_ceiling_is_evaluated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """5,000 threats go through the embedded engine (11,500 crashed it), with findings."""
    model = _model_with_threats(tmp_path, MAX_THREATS)
    code = main(["check", str(model), "--config", str(tmp_path / ".policyengine.yaml"), *AS_OF])
    out, err = capsys.readouterr()
    assert "limit" not in out
    assert "model.yaml" in out and ": high: TM-" in out
    assert code == 1, err


@pytest.mark.parametrize(("key", "most"), CEILINGS, ids=[key for key, _ in CEILINGS])
def test_every_list_over_its_ceiling_is_refused_where_it_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str, most: int
) -> None:
    """One entry over the ceiling of any top-level list (16,000 surfaces cost a minute of CPU
    and half a gigabyte before there was one) is one located error, before evaluation."""
    data = load_document(MINIMAL, MINIMAL.parent).data
    first = data[key][0]
    data[key] = [first] + [dict(first, id=f"X-{i}") for i in range(most)]
    (tmp_path / ".policyengine.yaml").write_text("fail_on: low\n", encoding="utf-8")
    model = tmp_path / "model.yaml"
    model.write_text(json.dumps(data, indent=1), encoding="utf-8")
    line = model.read_text(encoding="utf-8").splitlines().index(f' "{key}": [') + 1
    code = main(["check", str(model), "--config", str(tmp_path / ".policyengine.yaml"), *AS_OF])
    out, err = capsys.readouterr()
    assert code == 1
    name = "red-team exercises" if key == "red_team" else key
    assert (
        f"model.yaml:{line}:2: error: the model lists {most + 1:,} {name}; the limit is {most:,}"
        in out
    )
    assert "TM-" not in out  # refused before evaluation
    assert "internal error" not in err
