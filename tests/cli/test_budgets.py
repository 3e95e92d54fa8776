"""Budgets on untrusted input, end to end: the threat ceiling of a model."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import git_run

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


HOG = """package team.hog

import data.lib.result

# METADATA
# title: A check that builds an array of 300 million numbers
# custom:
#   id: TM-TEAM-991
#   severity: low
#   controls: {iso42001: ["6.1.2"]}
#   judges: [threats]
deny contains result.finding("TM-TEAM-991", [], {}) if {
	xs := numbers.range(1, 300000000)
	count([x | some x in xs; x > 0]) > 0
}
"""


def _hog_repository(folder: Path, models: int = 1, config: str = "fail_on: low\n") -> list[str]:
    """A repository of `models` copies of the minimal model and a team policy that takes
    gigabytes; the arguments of a check of it."""
    _model_with_threats(folder, 1)
    text = (folder / "model.yaml").read_text(encoding="utf-8")
    for i in range(1, models):
        (folder / f"model-{i:02d}.yaml").write_text(
            text.replace('"id": "minimal"', f'"id": "minimal-{i}"'), encoding="utf-8"
        )
    (folder / "team").mkdir()
    (folder / "team" / "hog.rego").write_text(HOG, encoding="utf-8")
    (folder / ".policyengine.yaml").write_text(config + "policies: [team]\n", encoding="utf-8")
    return [str(folder), "--config", str(folder / ".policyengine.yaml"), *AS_OF]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_policy_over_its_memory_budget_is_exit_2_and_a_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], workers: str
) -> None:
    """One model (a worker of the engine) and 20 (check workers, each watching itself),
    every one over budget: each is reported with its located error, and the run exits 2
    naming the budget, the package and its file on stderr."""
    models = 1 if workers == "1" else 20
    argv = _hog_repository(tmp_path / "repo", models=models)
    report = tmp_path / "report.json"
    code = main(
        ["check", *argv, "--engine", "embedded", "--budget-memory", "300"]
        + ["--workers", workers, "-f", "json", "--output", str(report)]
    )
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.startswith("policyengine: error: the embedded engine: package team.hog (")
    assert 'hog.rego) on model "minimal' in err
    assert "used more than its memory budget of 300 MB (" in err and "; it was stopped" in err
    assert "Traceback" not in err and "internal error" not in err
    over = _over_budget(json.loads(report.read_text(encoding="utf-8")))
    assert len(over) == models
    assert all(line == 4 and "budget per model: 60 s and 300 MB" in m for line, m in over.values())


def _over_budget(doc: dict[str, Any]) -> dict[str, tuple[int, str]]:
    """Path -> (line, message) of each model of a check JSON report whose error says its
    evaluation went over budget."""
    return {
        m["path"]: (d["line"], d["message"])
        for m in doc["models"]
        for d in m["errors"]
        if d["code"] == "budget"
    }


def _picky_hog(folder: Path, ids: Sequence[str]) -> None:
    """The team policy takes gigabytes only for the models named by `ids`."""
    named = ", ".join(f'"{i}"' for i in ids)
    _hog_when(folder, f"{{{named}}}[input.model.metadata.id]")


def _hog_when(folder: Path, condition: str) -> None:
    """The team policy takes gigabytes only for the models `condition` (Rego) holds for."""
    text = HOG.replace("\txs := numbers.range", f"\t{condition}\n\txs := numbers.range")
    (folder / "team" / "hog.rego").write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("engine", "workers", "models", "hogs"),
    [
        ("embedded", "1", 3, ["minimal-1"]),
        ("embedded", "2", 20, ["minimal-3", "minimal-15"]),
        ("wasm", "1", 3, ["minimal-1"]),
        ("wasm", "2", 20, ["minimal-3", "minimal-15"]),
    ],
    ids=["embedded-in-process", "embedded-workers", "wasm-in-process", "wasm-workers"],
)
def test_a_model_over_budget_is_reported_and_the_others_are_judged(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    engine: str,
    workers: str,
    models: int,
    hogs: list[str],
) -> None:
    """Going over budget on some models stops no other: every other model is judged (its
    findings reported), each model over budget has its located error naming the budget
    (on embedded, the package and its file; a dead check worker's unfinished chunks are
    checked again one model at a time in fresh workers), and the run exits 2."""
    argv = _hog_repository(tmp_path / "repo", models=models)
    _picky_hog(tmp_path / "repo", hogs)
    report = tmp_path / "report.json"
    code = main(
        ["check", *argv, "--engine", engine, "--budget-memory", "300"]
        + ["--workers", workers, "-f", "json", "--output", str(report)]
    )
    err = capsys.readouterr().err
    assert code == 2
    doc = json.loads(report.read_text(encoding="utf-8"))
    assert len(doc["models"]) == models
    over = _over_budget(doc)
    files = {f"model-{int(h.split('-')[1]):02d}.yaml" for h in hogs}
    assert set(over) == files
    for _, message in over.values():
        assert "budget per model: 60 s and 300 MB" in message
        if engine == "embedded":
            assert "package team.hog (" in message and "hog.rego) on model " in message
        else:
            assert "the wasm engine: the policies on model " in message
            assert "used more than their memory budget of 300 MB" in message
    judged = [m for m in doc["models"] if m["path"] not in files]
    assert judged and all(m["valid"] and m["checks"] for m in judged)
    assert err.count("policyengine: error: ") == len(hogs)


def test_the_config_gives_the_budget_and_the_command_line_overrides_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _hog_repository(
        tmp_path, config="fail_on: low\nengine:\n  budget:\n    memory_mb: 280\n    seconds: 30\n"
    )
    assert main(["check", *argv, "--engine", "embedded"]) == 2
    assert "budget per model: 30 s and 280 MB" in capsys.readouterr().err
    assert main(["check", *argv, "--engine", "embedded", "--budget-memory", "260"]) == 2
    assert "budget per model: 30 s and 260 MB" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--budget-memory", "100", "memory budget must be 256 to 16384 MB (got 100)"),
        ("--budget-seconds", "601", "time budget must be 1 to 600 seconds (got 601)"),
    ],
)
def test_a_budget_beyond_its_limits_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str, value: str, message: str
) -> None:
    model = _model_with_threats(tmp_path, 1)
    code = main(
        ["check", str(model), "--config", str(tmp_path / ".policyengine.yaml"), flag, value]
    )
    assert code == 2
    assert message in capsys.readouterr().err


def test_a_budget_beyond_its_limits_in_the_config_is_located(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _hog_repository(tmp_path, config="engine:\n  budget:\n    memory_mb: 100000\n")
    assert main(["check", *argv]) == 2
    err = capsys.readouterr().err
    assert ".policyengine.yaml:3:" in err and "memory_mb" in err


HOG_OWNER = 'input.model.metadata.owner == "hog-team"'


def _pull_request(folder: Path, base_owner: str, head_owner: str) -> list[str]:
    """A repository of 3 models whose team policy goes over budget for a model owned by
    hog-team; model-01 is owned by `base_owner` in the commit and `head_owner` in the
    working tree. The arguments of `check --base HEAD` of it."""
    argv = _hog_repository(folder, models=3)
    _hog_when(folder, HOG_OWNER)
    model = folder / "model-01.yaml"
    text = model.read_text(encoding="utf-8")
    assert text.count('"owner": "team-a"') == 1
    model.write_text(text.replace('"owner": "team-a"', f'"owner": "{base_owner}"'))
    git_run(folder, "init", "-q", "-b", "main")
    git_run(folder, "add", "-A")
    git_run(folder, "commit", "-q", "-m", "base")
    model.write_text(text.replace('"owner": "team-a"', f'"owner": "{head_owner}"'))
    return ["--base", "HEAD", *argv]


def test_a_pull_request_whose_head_goes_over_budget_reports_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """In `check --base` the head's model over budget is its error (new in the pull
    request), the other models are compared, and the run exits 2."""
    argv = _pull_request(tmp_path / "repo", "team-a", "hog-team")
    code = main(["check", *argv, "--engine", "embedded", "--budget-memory", "300", "-f", "json"])
    out, err = capsys.readouterr()
    assert code == 2
    doc = json.loads(out)
    assert set(_over_budget(doc)) == {"model-01.yaml"}
    assert {m["path"]: m["valid"] for m in doc["models"]} == {
        "model-01.yaml": False,
        "model-02.yaml": True,
        "model.yaml": True,
    }
    (delta,) = [m for m in doc["pull_request"]["models"] if m["path"] == "model-01.yaml"]
    assert [e["code"] for e in delta["errors"]] == ["budget"]
    assert err.count("policyengine: error: the embedded engine: package team.hog (") == 1


def test_a_pull_request_whose_base_went_over_budget_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A base model not judged leaves the head's findings nothing to compare with: the
    run-level error says so, `at the base`, and the run exits 2 though the head is fine."""
    argv = _pull_request(tmp_path / "repo", "hog-team", "team-a")
    code = main(["check", *argv, "--engine", "wasm", "--budget-memory", "300", "-f", "json"])
    out, err = capsys.readouterr()
    assert code == 2
    doc = json.loads(out)
    assert _over_budget(doc) == {}
    (error,) = [e for e in doc["errors"] if e["code"] == "budget"]
    assert error["file"] == "model-01.yaml"
    assert error["message"].startswith("at the base: the wasm engine: the policies on model ")
    assert "policyengine: error: at the base: the wasm engine:" in err
