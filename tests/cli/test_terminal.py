"""Terminal manners: a progress bar on stderr only when it is a terminal, colour only on a
terminal and never with NO_COLOR or --no-color, shell completion, `--help` with examples
and the exit statuses. Terminals are real pseudo-terminals (`pty`)."""

from __future__ import annotations

import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from policyengine.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
AS_OF = "2026-11-27"


def _with_terminal(
    argv: list[str], cwd: Path, *, stdout_tty: bool, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """Run the CLI with stderr (and, when `stdout_tty`, stdout) on a pseudo-terminal:
    (exit status, stdout, what the terminal got)."""
    leader, follower = pty.openpty()
    out_file = cwd / ".stdout"
    with open(out_file, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "policyengine", *argv],
            stdout=follower if stdout_tty else out,
            stderr=follower,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
            env=env if env is not None else dict(os.environ),
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        os.close(leader)
        code = proc.wait(timeout=600)
    stdout = out_file.read_text(encoding="utf-8")
    out_file.unlink()
    return code, stdout, b"".join(chunks).decode("utf-8", errors="replace")


@pytest.fixture(scope="module")
def many_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """33 models (copies of the support assistant under their own ids): enough for two
    worker processes (more than 16 files a worker)."""
    root = tmp_path_factory.mktemp("many")
    shutil.copy(EXAMPLES / ".policyengine.yaml", root / ".policyengine.yaml")
    for name in ("evidence", "catalog", "policies"):
        if (EXAMPLES / name).is_dir():
            shutil.copytree(EXAMPLES / name, root / name)
    source = (EXAMPLES / "models" / "support-assistant.yaml").read_text(encoding="utf-8")
    (root / "models").mkdir()
    for i in range(33):
        text = source.replace("id: support-assistant", f"id: support-assistant-{i:02d}", 1)
        (root / "models" / f"m{i:02d}.yaml").write_text(text, encoding="utf-8")
    return root


def test_a_progress_bar_on_a_terminal_only(many_models: Path) -> None:
    argv = ["check", "--as-of", AS_OF, "--workers", "2", "--allow-unknown-history"]
    code, out, terminal = _with_terminal(argv, many_models, stdout_tty=False)
    assert code in (0, 1), terminal
    assert re.search(r"policyengine: checking: +\d+%.*\d+/33", terminal), terminal
    assert "checking" not in out and "\r" not in out
    assert out.endswith("33 models (33 valid, 0 invalid); " + out.rsplit("; ", 1)[1])

    piped = subprocess.run(
        [sys.executable, "-m", "policyengine", *argv],
        cwd=many_models,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert piped.returncode == code and piped.stdout == out
    assert "checking" not in piped.stderr and "\r" not in piped.stderr


def test_no_color_on_a_terminal(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "ex")
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    argv = ["matrix", "--as-of", AS_OF]
    code, _, terminal = _with_terminal(argv, tmp_path / "ex", stdout_tty=True, env=env)
    assert code == 0 and "\x1b[32m+\x1b[0m" in terminal
    code, _, terminal = _with_terminal(
        [*argv, "--no-color"], tmp_path / "ex", stdout_tty=True, env=env
    )
    assert code == 0 and "\x1b[" not in terminal and "MAP 5.1" in terminal


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o bashdefault -F _shtab_policyengine policyengine"),
        ("zsh", "#compdef policyengine"),
        ("tcsh", "complete"),
    ],
    ids=["bash", "zsh", "tcsh"],
)
def test_completion_scripts(capsys: pytest.CaptureFixture[str], shell: str, marker: str) -> None:
    assert main(["completion", shell]) == 0
    out = capsys.readouterr().out
    assert marker in out
    for word in ("check", "matrix", "remind", "fail-on", "show-existing"):
        assert word in out, word


def test_bash_completion_completes_a_subcommand() -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.fail("bash is needed to test the bash completion")
    script = subprocess.run(
        [sys.executable, "-m", "policyengine", "completion", "bash"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    probe = (
        script
        + "\nCOMP_WORDS=(policyengine ch); COMP_CWORD=1; COMP_LINE='policyengine ch';"
        + " COMP_POINT=${#COMP_LINE}; _shtab_policyengine; printf '%s\\n' \"${COMPREPLY[@]}\"\n"
    )
    done = subprocess.run([bash, "-c", probe], capture_output=True, text=True, check=False)
    assert "check" in done.stdout.split(), done.stdout + done.stderr


@pytest.mark.parametrize("argv", [["--help"], ["check", "--help"]], ids=["main", "check"])
def test_help_has_examples_and_exit_statuses(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out = capsys.readouterr().out
    assert exc.value.code == 0
    assert "examples:\n  policyengine check" in out
    assert "exit status:\n  0  nothing at or above --fail-on" in out
    assert "  2  the tool could not do its job" in out
