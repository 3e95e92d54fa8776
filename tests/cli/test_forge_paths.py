"""Reports that name files for the forge name them by their path in the repository.

GitHub places an annotation (`--format github`) and code scanning a SARIF result by the
file's path from the top of the repository. When the config and the models sit in a
folder of it (a monorepo), a path relative to the config's folder names no file of the
pull request: the annotation is dropped, or lands on another file.

A real repository: the examples in its folder `threat/`, committed on `main`, and a
pull request branch that raises a model's risk tolerance (PR-RISK-001) and changes the
config (PR-POLICY-001).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import git_run

from policyengine.cli import main

REPO = Path(__file__).resolve().parents[2]
AS_OF = ["--as-of", "2026-11-27"]
SUPPORT = "models/support-assistant.yaml"


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def monorepo(tmp_path: Path) -> Path:
    """The top of a repository whose folder `threat/` holds the examples; on branch `pr`,
    one commit that raises the support assistant's risk tolerance and lowers `fail_on`."""
    top = tmp_path / "mono"
    shutil.copytree(REPO / "examples", top / "threat")
    (top / "README.md").write_text("# A service with its threat models in threat/\n", "utf-8")
    git_run(top, "init", "-q", "-b", "main")
    git_run(top, "add", "--all")
    git_run(top, "commit", "-q", "-m", "examples")
    git_run(top, "checkout", "-q", "-b", "pr")
    _replace(top / "threat" / SUPPORT, "  risk_tolerance: low\n", "  risk_tolerance: high\n")
    _replace(top / "threat" / ".policyengine.yaml", "fail_on: high", "fail_on: critical")
    git_run(top, "commit", "-q", "-am", "Support assistant: we accept more risk")
    return top


def _annotated(out: str) -> list[str]:
    """The `file` property of every annotation."""
    return re.findall(r"^::\w+ file=([^,:]+)", out, flags=re.MULTILINE)


def test_annotations_name_the_repositorys_path_of_each_file(
    capsys: pytest.CaptureFixture[str], monorepo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git_run(monorepo, "checkout", "-q", "main")
    monkeypatch.chdir(monorepo)
    code = main(["check", "threat", *AS_OF, "--format", "github"])
    out = capsys.readouterr().out
    assert code == 1
    files = _annotated(out)
    assert "threat/models/coding-agent.yaml" in files
    assert "threat/governance/register.yaml" in files  # the register's findings too
    assert all(f.startswith("threat/") and (monorepo / f).is_file() for f in files), files


@pytest.mark.parametrize("changed_only", [False, True])
def test_a_pull_requests_annotations_and_sarif_name_the_repositorys_paths(
    capsys: pytest.CaptureFixture[str],
    monorepo: Path,
    monkeypatch: pytest.MonkeyPatch,
    changed_only: bool,
) -> None:
    # run from the config's folder, as a workflow with `working-directory: threat` does
    monkeypatch.chdir(monorepo / "threat")
    extra = ["--changed-only"] if changed_only else []
    code = main(["check", "--base", "main", *extra, *AS_OF, "--format", "github"])
    out = capsys.readouterr().out
    assert code == 1, out
    lines = out.splitlines()
    risk = next(line for line in lines if "title=PR-RISK-001" in line)
    policy = next(line for line in lines if "title=PR-POLICY-001" in line)
    assert risk.startswith(f"::error file=threat/{SUPPORT},line=")
    assert policy.startswith("::error file=threat/.policyengine.yaml")
    assert all((monorepo / f).is_file() for f in _annotated(out))
    main(["check", "--base", "main", *extra, *AS_OF, "--format", "sarif"])
    run = json.loads(capsys.readouterr().out)["runs"][0]
    uris = {
        r["ruleId"]: loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in run["results"]
        for loc in r["locations"]
    }
    assert uris["PR-RISK-001"] == f"threat/{SUPPORT}"
    assert uris["PR-POLICY-001"] == "threat/.policyengine.yaml"


def test_a_config_only_pull_request_names_the_config_by_its_repository_path(
    capsys: pytest.CaptureFixture[str], monorepo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No model changed: `--changed-only` evaluates none, and the report has only the
    pull request's own findings; they too are named from the top of the repository."""
    git_run(monorepo, "checkout", "-q", "main")
    git_run(monorepo, "checkout", "-q", "-b", "config-only")
    _replace(monorepo / "threat" / ".policyengine.yaml", "fail_on: high", "fail_on: critical")
    monkeypatch.chdir(monorepo / "threat")
    for fmt in ("github", "sarif"):
        main(["check", "--base", "main", "--changed-only", *AS_OF, "--format", fmt])
        out = capsys.readouterr().out
        assert "threat/.policyengine.yaml" in out, out
        assert "file=.policyengine.yaml" not in out and '"uri": ".policyengine.yaml"' not in out
