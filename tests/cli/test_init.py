"""`policyengine init`, the Action (`action.yml`) and the pre-commit hooks.

The workflows `init` writes and `action.yml` are linted with actionlint (built from its Go
module by scripts/test.sh, `$POLICYENGINE_ACTIONLINT`); the pre-commit files are read with
pre-commit's own loader; `init` then `check` passes in an empty folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import git
import pytest
import yaml
from identify.identify import tags_from_path
from pre_commit.clientlib import load_config, load_manifest

from policyengine import __version__
from policyengine.cli import main
from policyengine.scaffold import STARTER

REPO = Path(__file__).resolve().parent.parent.parent
AS_OF = "2026-11-27"
WORKFLOWS = [p for p in STARTER if p.startswith(".github/workflows/")]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="session")
def actionlint() -> str:
    """actionlint v1.7.12: $POLICYENGINE_ACTIONLINT, `actionlint` on PATH or ~/go/bin.
    Missing, the tests fail in CI (env CI set) and skip elsewhere."""
    for candidate in (
        os.environ.get("POLICYENGINE_ACTIONLINT"),
        shutil.which("actionlint"),
        str(Path.home() / "go" / "bin" / "actionlint"),
    ):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    message = (
        "actionlint not found (bash scripts/test.sh builds it; or set POLICYENGINE_ACTIONLINT)"
    )
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def lint(actionlint: str, folder: Path, *files: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [actionlint, "-no-color", *files], cwd=folder, capture_output=True, text=True, check=False
    )


@pytest.fixture
def started(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """An empty folder after `policyengine init --as-of 2026-11-27`."""
    folder = tmp_path / "repo"
    code, out, err = run(["init", str(folder), "--as-of", AS_OF], capsys)
    assert (code, out) == (0, "")
    assert err.count("policyengine: wrote ") == len(STARTER)
    return folder


def test_init_writes_the_config_a_model_two_workflows_and_pre_commit(started: Path) -> None:
    written = sorted(p.relative_to(started).as_posix() for p in started.rglob("*") if p.is_file())
    assert (
        written
        == sorted(STARTER)
        == [
            ".github/workflows/threat-model-check.yml",
            ".github/workflows/threat-model-review.yml",
            ".policyengine.yaml",
            ".pre-commit-config.yaml",
            "models/example.yaml",
        ]
    )
    model = yaml.safe_load((started / "models/example.yaml").read_text(encoding="utf-8"))
    assert model["kind"] == "ThreatModel"
    assert str(model["review"]["last_reviewed"]) == AS_OF
    for name in STARTER:
        text = (started / name).read_text(encoding="utf-8")
        assert "@" + "VERSION@" not in text and "@" + "TODAY@" not in text
    for name in (*WORKFLOWS, ".pre-commit-config.yaml"):
        assert_installs_this_repository_not_a_pypi_name((started / name).read_text("utf-8"))


PLACEHOLDER = "https://SET-ME.invalid/policyengine.git"
"""Where the written files install policyengine from until the user says: `.invalid` is
reserved (RFC 2606) and never resolves, so nothing is installed from a name we do not own."""

# `pip install policyengine`, with or without a version: on PyPI that name is another project
_PYPI_NAME = re.compile(r"""pip[^\n]*\binstall\b[^\n]*(?<![/+.\w-])["']?policyengine\b(?![./])""")


def assert_installs_this_repository_not_a_pypi_name(text: str) -> None:
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert _PYPI_NAME.search(code) is None, text
    assert "additional_dependencies" not in text
    assert PLACEHOLDER in text


@pytest.mark.parametrize(
    ("line", "bare"),
    [
        ('python -m pip install "policyengine==0.1.0"', True),
        ("pip install policyengine", True),
        ("pip install -U 'policyengine'", True),
        ('python -m pip install "$POLICYENGINE_SOURCE"', False),
        (f'pip install "git+{PLACEHOLDER}@v0.1.0"', False),
        ('python -m pip install "$GITHUB_ACTION_PATH"', False),
    ],
    ids=["pinned", "bare", "quoted", "variable", "git-url", "action-path"],
)
def test_the_pypi_name_pattern(line: str, bare: bool) -> None:
    assert (_PYPI_NAME.search(line) is not None) is bare


def test_the_readme_recipes_install_this_repository_not_a_pypi_name() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:yaml|sh)\n(.*?)```", readme, flags=re.S)
    installs = [b for b in blocks if "install" in b and "SET-ME" in b]
    assert len(installs) >= 3  # the GitHub and GitLab recipes, the code-drift step
    for block in blocks:
        assert _PYPI_NAME.search(block) is None, block


def test_the_written_workflows_install_from_the_source_they_name(started: Path) -> None:
    """Each workflow installs `$POLICYENGINE_SOURCE`, a git URL at this version's tag, and
    stops with a message while it is the placeholder."""
    for name in WORKFLOWS:
        flow = yaml.safe_load((started / name).read_text(encoding="utf-8"))
        assert flow["env"]["POLICYENGINE_SOURCE"] == f"git+{PLACEHOLDER}@v{__version__}"
        steps = [s for job in flow["jobs"].values() for s in job["steps"]]
        (install,) = [s for s in steps if s.get("name") == "Install policyengine"]
        script = install["run"]
        assert 'python -m pip install "$POLICYENGINE_SOURCE"' in script
        env = {**os.environ, "POLICYENGINE_SOURCE": flow["env"]["POLICYENGINE_SOURCE"]}
        env["GITHUB_WORKFLOW_REF"] = name
        # only the guard: the install line is never reached with the placeholder
        guard = script.split("python -m pip")[0]
        got = subprocess.run(["bash", "-c", guard], env=env, capture_output=True, text=True)
        assert got.returncode == 2
        assert got.stdout.startswith("::error::set POLICYENGINE_SOURCE in " + name)
        env["POLICYENGINE_SOURCE"] = "git+https://git.example.com/tools/policyengine.git@v0.1.0"
        got = subprocess.run(["bash", "-c", guard], env=env, capture_output=True, text=True)
        assert (got.returncode, got.stdout) == (0, "")


def test_init_then_check_passes_in_an_empty_folder(
    started: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(started)
    code, _, _ = run(["validate"], capsys)
    assert code == 0
    # outside git the change rule cannot run: the one thing that fails, with its fix
    code, out, _ = run(["check", "--as-of", AS_OF], capsys)
    assert code == 1 and "TM-REVIEW-001" in out and "not a git repository" in out
    # the starter's owner `your-team` is the user's to name: the one high finding
    code, out, _ = run(["check", "--as-of", AS_OF, "--allow-unknown-history"], capsys)
    assert code == 1 and "TM-REVIEW-001" not in out
    assert "metadata.owner of model example-assistant is placeholder text: 'your-team'" in out
    _name_the_owner(started)
    code, out, _ = run(["check", "--as-of", AS_OF, "--allow-unknown-history"], capsys)
    assert code == 0, out
    repo = git.Repo.init(started)
    repo.index.add([*STARTER])
    who = git.Actor("Ana", "ana@example.com")
    repo.index.commit("policyengine init", author=who, committer=who)
    repo.close()
    code, out, _ = run(["check", "--as-of", AS_OF, "--format", "json"], capsys)
    assert code == 0, out
    doc = json.loads(out)
    assert [m["id"] for m in doc["models"]] == ["example-assistant"]
    assert doc["summary"]["findings"]["critical"] == doc["summary"]["findings"]["high"] == 0
    # Not complete, as the README and init's last line say: the evidence files it cites
    # (init writes none), who ran the exercise and the organisation register are left to
    # fill in.
    checks = [*(c for m in doc["models"] for c in m["checks"]), *doc["organisation"]["checks"]]
    failed = {c["id"] for c in checks if c["status"] == "fail"}
    assert {"TM-EVID-001", "TM-TEXT-005", "TM-REG-001"} <= failed


def _name_the_owner(folder: Path) -> None:
    """Name a team where the starter model says `your-team` (the user's to name)."""
    model = folder / "models/example.yaml"
    text = model.read_text(encoding="utf-8")
    model.write_text(text.replace("owner: your-team", "owner: it-helpdesk"), encoding="utf-8")


def test_the_starter_exercise_shows_no_independent_expert_until_one_is_named(
    started: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """tester-a A7: with a report filed, the starter's exercise performed by `replace with
    who ran your first exercise` showed MEASURE 1.3 and A.6.2.4 met."""
    monkeypatch.chdir(started)
    model = started / "models/example.yaml"
    text = model.read_text(encoding="utf-8")
    performer = "    performed_by: replace with who ran your first exercise\n"
    assert performer in text
    model.write_text(text.replace(performer, performer + "    report: docs/rt.md\n"), "utf-8")
    (started / "docs").mkdir()
    (started / "docs/rt.md").write_text(
        "# Red-team report\n\nThe exercise probed the chat for system prompt leaks and "
        "knowledge-base injection; one finding, F-1, was fixed.\n",
        encoding="utf-8",
    )
    argv = ["check", "--as-of", AS_OF, "--format", "json", "--allow-unknown-history"]
    code, out, _ = run(argv, capsys)
    (report,) = json.loads(out)["models"]
    status = {c["control"]: c["status"] for c in report["controls"]}
    assert status["nist-ai-rmf/MEASURE 1.3"] not in ("satisfied", "attested")
    assert status["iso42001/A.6.2.4"] not in ("satisfied", "attested")
    found = {(f["check"], f["pointer"]) for c in report["checks"] for f in c["findings"]}
    assert ("TM-TEXT-005", "/red_team/0/performed_by") in found


def test_init_says_what_is_left_to_fill_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["init", str(tmp_path / "repo"), "--as-of", AS_OF], capsys)
    assert code == 0
    last = err.strip().splitlines()[-1]
    assert "evidence files" in last and "TM-EVID-001" in last
    assert "metadata.owner" in last and "performed_by" in last and "TM-TEXT-001" in last
    assert "policyengine init-register" in last and "TM-REG-001" in last


def test_init_never_overwrites_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "repo"
    (folder / "models").mkdir(parents=True)
    (folder / "models" / "example.yaml").write_text("mine\n", encoding="utf-8")
    code, out, err = run(["init", str(folder)], capsys)
    assert (code, out) == (2, "")
    assert f"{folder / 'models' / 'example.yaml'}: already there; nothing was written" in err
    assert "--force" in err
    assert sorted(p.name for p in folder.rglob("*")) == ["example.yaml", "models"]
    assert (folder / "models" / "example.yaml").read_text(encoding="utf-8") == "mine\n"
    code, _, _ = run(["init", str(folder), "--force"], capsys)
    assert code == 0
    assert "kind: ThreatModel" in (folder / "models" / "example.yaml").read_text(encoding="utf-8")


def test_init_into_a_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "f").write_text("", encoding="utf-8")
    code, _, err = run(["init", str(tmp_path / "f")], capsys)
    assert code == 2 and f"{tmp_path / 'f'}: is a file" in err and "Traceback" not in err


def test_init_files_follow_the_umask(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = os.umask(0o022)
    try:
        run(["init", str(tmp_path)], capsys)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / ".policyengine.yaml").stat().st_mode) == 0o644


# --- the workflows ---------------------------------------------------------------------


def _workflow(started: Path, name: str) -> Any:
    return yaml.load((started / name).read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


def test_the_check_workflow_gates_pull_requests_with_full_history(started: Path) -> None:
    flow = _workflow(started, ".github/workflows/threat-model-check.yml")
    assert list(flow["on"]) == ["pull_request"]
    assert flow["permissions"]["security-events"] == "write"
    steps = flow["jobs"]["check"]["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@") and steps[0]["with"] == {
        "fetch-depth": "0"
    }
    check = next(s for s in steps if "policyengine check" in s.get("run", ""))
    assert '--base "origin/$BASE_REF"' in check["run"]
    assert "--format github,sarif --output -,results.sarif" in check["run"]
    upload = next(s for s in steps if "upload-sarif" in s.get("uses", ""))
    assert upload["with"]["sarif_file"] == "results.sarif" and "cancelled()" in upload["if"]


def test_the_review_workflow_runs_remind_weekly_into_one_issue(started: Path) -> None:
    flow = _workflow(started, ".github/workflows/threat-model-review.yml")
    assert [c["cron"] for c in flow["on"]["schedule"]] == ["17 6 * * 1"]
    assert flow["permissions"]["issues"] == "write"
    steps = flow["jobs"]["remind"]["steps"]
    assert steps[0]["with"] == {"fetch-depth": "0"}  # the change rule needs the history
    script = "\n".join(s.get("run", "") for s in steps)
    assert "policyengine remind --within 21 --format markdown --output reviews.md" in script
    assert "gh issue edit" in script and "gh issue create" in script


def test_the_generated_workflows_pass_actionlint(actionlint: str, started: Path) -> None:
    got = lint(actionlint, started, *WORKFLOWS)
    assert (got.returncode, got.stdout, got.stderr) == (0, "", "")
    # and actionlint does catch a mistake in them
    broken = started / ".github/workflows/threat-model-check.yml"
    broken.write_text(
        broken.read_text(encoding="utf-8").replace("runs-on: ubuntu-latest", "runs_on: x"),
        encoding="utf-8",
    )
    assert lint(actionlint, started, *WORKFLOWS).returncode == 1


# --- action.yml ------------------------------------------------------------------------


def _action() -> Any:
    return yaml.load((REPO / "action.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


def test_action_yml_passes_actionlint(actionlint: str, tmp_path: Path) -> None:
    """actionlint reads a local action's metadata where a workflow uses it (`uses: ./`),
    and its steps as those of a reusable workflow with the same inputs."""
    shutil.copy(REPO / "action.yml", tmp_path / "action.yml")
    git.Repo.init(tmp_path).close()  # actionlint finds local actions from the repository root
    flows = tmp_path / ".github" / "workflows"
    flows.mkdir(parents=True)
    action = _action()
    assert action["runs"]["using"] == "composite"
    inputs = dict.fromkeys(action["inputs"], "x")
    use = {
        "on": "pull_request",
        "jobs": {
            "check": {
                "runs-on": "ubuntu-latest",
                "steps": [
                    {"uses": "actions/checkout@v4", "with": {"fetch-depth": 0}},
                    {"uses": "./", "with": inputs},
                ],
            }
        },
    }
    steps = {
        "on": {
            "workflow_call": {
                "inputs": {
                    name: {"type": "string", "required": False, "default": spec["default"]}
                    for name, spec in action["inputs"].items()
                }
            }
        },
        "jobs": {"steps": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
    }
    (flows / "use.yml").write_text(yaml.safe_dump(use, sort_keys=False), encoding="utf-8")
    (flows / "steps.yml").write_text(yaml.safe_dump(steps, sort_keys=False), encoding="utf-8")
    got = lint(actionlint, tmp_path, ".github/workflows/use.yml", ".github/workflows/steps.yml")
    assert (got.returncode, got.stdout, got.stderr) == (0, "", "")
    use["jobs"]["check"]["steps"][1]["with"] = {**inputs, "no-such-input": "x"}
    (flows / "use.yml").write_text(yaml.safe_dump(use, sort_keys=False), encoding="utf-8")
    got = lint(actionlint, tmp_path, ".github/workflows/use.yml")
    assert got.returncode == 1 and 'input "no-such-input" is not defined' in got.stdout


# --- pre-commit --------------------------------------------------------------------------


def _selects(hook: dict[str, Any], path: str) -> bool:
    """Whether pre-commit would pass `path` to `hook` (its `files`, `exclude`, `types`)."""
    tags = tags_from_path(path)
    return (
        re.search(hook["files"], path) is not None
        and re.search(hook["exclude"], path) is None
        and set(hook["types"]) <= tags
    )


def test_the_pre_commit_files_parse_and_select_the_models(
    started: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (remote,) = load_config(str(started / ".pre-commit-config.yaml"))["repos"]
    # this repository's own hook at this version's tag, never a PyPI package by name
    assert (remote["repo"], remote["rev"]) == (PLACEHOLDER, f"v{__version__}")
    (override,) = remote["hooks"]
    (published,) = load_manifest(str(REPO / ".pre-commit-hooks.yaml"))
    assert override["id"] == published["id"] == "policyengine-validate"
    assert set(override) <= {"id", "files"}
    generated = {**published, **override}
    monkeypatch.chdir(started)
    (started / "docs").mkdir()
    (started / "docs" / "notes.yaml").write_text("a: 1\n", encoding="utf-8")
    for hook in (generated, published):
        assert hook["entry"] == "policyengine validate" and hook["pass_filenames"] is True
        files = [p for p in ("models/example.yaml", *WORKFLOWS, ".policyengine.yaml",
                             "docs/notes.yaml", ".pre-commit-config.yaml")
                 if _selects(hook, p)]  # fmt: skip
        assert files == ["models/example.yaml"]
        code, _, _ = run([*hook["entry"].split()[1:], *files], capsys)
        assert code == 0
    (started / "services" / "chat" / "models").mkdir(parents=True)
    (started / "services" / "chat" / "models" / "bot.yml").write_text("a: 1\n", encoding="utf-8")
    assert _selects(published, "services/chat/models/bot.yml")  # models/ at any depth
    # tester-c C2: not the models' copies in evidence packs (default `evidence_dir`, or a
    # dated pack anywhere); `validate` would skip them, but the commit need not run at all
    for copy in (
        "evidence/2026-11-27-0123456789ab/models/bot/bot.yml",
        "evidence/q4-audit/models/bot/bot.yaml",
        "audit/packs/2026-11-27-uncommitted/models/bot/bot.yaml",
        "evidence/models/bot.yml",
    ):
        (started / copy).parent.mkdir(parents=True, exist_ok=True)
        (started / copy).write_text("a: 1\n", encoding="utf-8")
    for copy in (
        "evidence/2026-11-27-0123456789ab/models/bot/bot.yml",
        "evidence/q4-audit/models/bot/bot.yaml",
        "audit/packs/2026-11-27-uncommitted/models/bot/bot.yaml",
    ):
        assert not _selects(published, copy) and not _selects(generated, copy)
    assert _selects(published, "evidence/models/bot.yml")  # not a pack's copy


def test_the_check_workflows_command_runs_in_the_started_folder(
    started: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The formats the generated workflow asks for exist, and write what it uploads."""
    monkeypatch.chdir(started)
    _name_the_owner(started)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    argv = ["check", "--as-of", AS_OF, "--allow-unknown-history"]
    code, out, err = run([*argv, "--format", "github,sarif", "--output", "-,results.sarif"], capsys)
    assert code == 0, err
    annotations = [line for line in out.splitlines() if line.startswith("::")]
    assert out.splitlines()[-1].startswith(f"policyengine: {len(annotations)} annotation")
    assert out.endswith("; the check passes at --fail-on high\n")  # as its exit status
    log = json.loads((started / "results.sarif").read_text(encoding="utf-8"))
    assert log["version"] == "2.1.0" and len(log["runs"][0]["results"]) == len(annotations)
    assert len(log["runs"][0]["tool"]["driver"]["rules"]) > 50
