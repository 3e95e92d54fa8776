"""User errors that used to end as "internal error (a bug)": each is now a message that
names the path (and line:column where the problem is in a file's content), never a
traceback or an internal error.

The run's own problems (an output path, a pipe, a config, an argument) exit 2; problems in
a model's file are that model's diagnostics, so the model is invalid (exit 1), like any
other error in a model."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from policyengine.cli import main

REPO = Path(__file__).resolve().parents[2]
AS_OF = ["--as-of", "2026-11-27"]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the examples: three models, a config, evidence."""
    shutil.copytree(REPO / "examples", tmp_path / "repo")
    return tmp_path / "repo"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert "internal error" not in err and "Traceback" not in err
    return code, out, err


def _config(repo: Path, old: str, new: str) -> Path:
    config = repo / ".policyengine.yaml"
    text = config.read_text(encoding="utf-8")
    assert old in text
    config.write_text(text.replace(old, new, 1), encoding="utf-8")
    return config


# --- the run's own problems: exit 2 ---------------------------------------------------


def test_an_output_path_that_is_a_folder_is_refused_before_the_run(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, "check", str(repo), *AS_OF, "--output", str(repo / "models"))
    assert (code, out) == (2, "")
    assert err == (
        f"policyengine: error: --output {repo / 'models'}: is a folder; give a file name "
        "inside it\n"
    )


@pytest.mark.parametrize("command", ["check", "status"])
def test_an_empty_output_path_is_a_usage_error(
    repo: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    code, _, err = _run(capsys, command, str(repo), *AS_OF, "--output", "")
    assert code == 2
    assert "argument --output/-o: an empty path: give a file name" in err


def test_bundle_out_that_is_a_folder_is_refused(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "bundle", "build", "--out", str(repo))
    assert (code, err) == (
        2,
        f"policyengine: error: --out {repo}: is a folder; give a file name inside it\n",
    )


def test_an_output_that_cannot_be_written_names_the_path(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = repo / "reports"
    blocker.write_text("a file where a folder is needed\n", encoding="utf-8")
    target = blocker / "out.txt"
    code, _, err = _run(capsys, "check", str(repo), *AS_OF, "--output", str(target))
    assert code == 2  # found before the run, and named as what it is (not "File exists")
    assert err == f"policyengine: error: --output {target}: {blocker} is not a folder\n"


def test_a_closed_pipe_on_stdout_is_a_message_not_a_bug(repo: Path) -> None:
    """`check -f json | head -c 1`: the reader goes away long before the report ends."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "policyengine", "check", *AS_OF, "--format", "json"],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(1) == b"{"
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 2
    assert err == (
        "policyengine: error: stdout was closed before the whole report was written "
        "(broken pipe); use --output FILE to keep all of it\n"
    )


@pytest.mark.parametrize(
    ("glob", "problem"),
    [
        ("/**/*.yaml", "must be a glob relative to the repository root (got '/**/*.yaml')"),
        ("../**/*.yaml", "must stay inside the repository, without '..' (got '../**/*.yaml')"),
        ("models/a**b/*.yaml", "is not a valid glob: Invalid pattern: '**' can only be an entire"),
        (".", "is not a valid glob"),
    ],
    ids=["absolute", "parent", "bad-star", "dot"],
)
def test_a_models_glob_pathlib_cannot_run_is_a_located_config_error(
    repo: Path, capsys: pytest.CaptureFixture[str], glob: str, problem: str
) -> None:
    config = _config(repo, 'models: ["models/**/*.yaml"]', f"models: [{glob!r}]")
    code, _, err = _run(capsys, "check", *AS_OF, "--config", str(config))
    assert code == 2
    assert err.startswith(f"policyengine: error: {config}:2:10: `models[0]` {problem}")


def test_a_config_nested_5000_deep_is_a_located_error(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = repo / ".policyengine.yaml"
    config.write_text("models: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    code, _, err = _run(capsys, "check", *AS_OF, "--config", str(config))
    assert (code, err) == (
        2,
        f"policyengine: error: {config}:1:1008: nesting is deeper than 100 levels\n",
    )


def test_a_policy_folder_that_is_a_symlink_loop_is_a_located_config_error(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "loop").symlink_to("loop")
    config = _config(repo, "policies: [policies]", "policies: [loop]")
    code, _, err = _run(capsys, "check", *AS_OF, "--config", str(config))
    assert code == 2
    line = config.read_text(encoding="utf-8").splitlines().index("policies: [loop]") + 1
    assert err.startswith(f"policyengine: error: {config}:{line}:")
    assert "`policies[0]` is a symbolic link that never ends (a loop) (got 'loop')" in err


@pytest.mark.parametrize("url", ["http://[::1", "http://127.0.0.1:99999", "ftp://host"])
def test_an_opa_url_that_does_not_parse_is_a_usage_error(
    repo: Path, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    code, _, err = _run(capsys, "check", str(repo), *AS_OF, "--engine", "opa", "--opa-url", url)
    assert code == 2
    assert "argument --opa-url: not a valid URL: " in err and repr(url) in err


def test_an_opa_url_in_the_config_that_does_not_parse_is_located(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(
        repo, "policies: [policies]", "engine:\n  opa_url: http://[::1\npolicies: [policies]"
    )
    code, _, err = _run(capsys, "check", *AS_OF, "--config", str(config))
    line = config.read_text(encoding="utf-8").splitlines().index("  opa_url: http://[::1") + 1
    assert (code, err) == (
        2,
        f"policyengine: error: {config}:{line}:3: `engine.opa_url` is not a valid URL: "
        "Invalid IPv6 URL (got 'http://[::1')\n",
    )


# --- problems in a model's file: the model is invalid (exit 1), located -----------------


def test_a_symlink_loop_under_models_is_reported_and_the_rest_is_checked(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "models" / "a.yaml").symlink_to("b.yaml")
    (repo / "models" / "b.yaml").symlink_to("a.yaml")
    code, out, _ = _run(capsys, "validate", str(repo / "models"), *AS_OF)
    assert code == 1
    assert "models/a.yaml:0:0: error: a symbolic link that never reaches a file (a loop)" in out
    # the two loop errors fail the run, and the summary line counts them
    assert out.endswith("3 models (3 valid, 0 invalid); 2 errors\n")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("99999999999999999999", "a number over the 64-bit integers (-2^63 to 2^63-1) policies"),
        ("-9223372036854775809", "a number under the 64-bit integers (-2^63 to 2^63-1) policies"),
        ("1e999", "a number too large for a 64-bit float (it reads as infinity)"),
        ("9" * 5000, "a number of 5,000 characters is too long to read; quote it to keep it"),
    ],
    ids=["over-2^63", "under-2^63", "infinite", "5000-digits"],
)
@pytest.mark.parametrize("engine", ["embedded", "opa"])
def test_a_number_no_engine_reads_exactly_is_a_located_model_error(
    repo: Path, capsys: pytest.CaptureFixture[str], value: str, message: str, engine: str
) -> None:
    """Refused in validation, so on either engine (the OPA URL is never reached)."""
    model = repo / "models" / "support-assistant.yaml"
    text = model.read_text(encoding="utf-8")
    model.write_text(
        text.replace(
            "  owner: ai-platform-team\n", f"  owner: ai-platform-team\n  x-n: {value}\n", 1
        ),
        encoding="utf-8",
    )
    line = text.splitlines().index("  owner: ai-platform-team") + 2
    code, out, _ = _run(
        capsys, "check", str(model), *AS_OF, "--engine", engine, "--opa-url", "http://127.0.0.1:9"
    )
    assert code == 1
    column = 3 if "characters" not in message else 8
    assert f"models/support-assistant.yaml:{line}:{column}: error: {message}" in out
