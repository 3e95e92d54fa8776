"""`policyengine discover`: golden files of every format on a sample agent project, the
draft validated by `validate`, and its warnings and exit status."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import assert_golden
from conftest import run_cli as _run

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "tests" / "data" / "discovery" / "langchain_agent"


@pytest.fixture
def in_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sample agent project as the working directory (and the repository root)."""
    dest = tmp_path / "support-agent"
    shutil.copytree(SAMPLE, dest)
    (dest / ".git").mkdir()  # the root marker: find_root stops here
    (dest / "agent" / "broken.py").write_text("def f(:\n", encoding="utf-8")
    monkeypatch.chdir(dest)
    return dest


def _golden(name: str, text: str, update: bool) -> None:
    assert_golden(name, text, update, {})


@pytest.fixture
def update(request: pytest.FixtureRequest) -> bool:
    """`pytest --update-golden`."""
    return bool(request.config.getoption("--update-golden"))


def test_discover_yaml(in_sample: Path, capsys: pytest.CaptureFixture[str], update: bool) -> None:
    code, out, err = _run(capsys, "discover")
    assert code == 0
    assert "agent/broken.py:1:7: warning: not analysed: Python syntax error" in err
    assert err.endswith("policyengine: 5 files read; 14 findings\n")
    _golden("discover-agent.yaml", out, update)


def test_discover_json(in_sample: Path, capsys: pytest.CaptureFixture[str], update: bool) -> None:
    code, out, _ = _run(capsys, "discover", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["schema_version"] == 1
    tools = [f for f in doc["findings"] if f["kind"] == "agent_tool"]
    assert {(t["file"], t["line"], t["name"]) for t in tools} >= {
        ("agent/tools.py", 8, "lookup_order")
    }
    assert doc["diagnostics"][0]["file"] == "agent/broken.py"
    _golden("discover-agent.json", out, update)


def test_discover_text(in_sample: Path, capsys: pytest.CaptureFixture[str], update: bool) -> None:
    code, out, _ = _run(capsys, "discover", "agent", "-f", "text")
    assert code == 0
    assert "agent/tools.py:8: agent_tool lookup_order: def lookup_order" in out
    _golden("discover-agent.txt", out, update)


def test_the_draft_validates_and_check_lists_the_work_left(
    in_sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "discover", "--name", "support-agent", "-o", "model.yaml")
    assert code == 0 and out == ""
    # The draft has no threat yet: a threat model with none assesses nothing (issue 11), so
    # validate names that as the one error, the work left to do.
    code, out, _ = _run(capsys, "validate", "model.yaml", "--format", "json")
    [model] = json.loads(out)["models"]
    assert code == 1 and [e["message"] for e in model["errors"]] == [
        "threats is empty: a threat model with no threat assesses nothing"
    ]


def test_a_path_outside_the_repository_is_refused(
    in_sample: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = _run(capsys, "discover", str(tmp_path))
    assert code == 2 and out == ""
    assert "outside the repository" in err
