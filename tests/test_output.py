"""output.write_output and `--output`: regular files whole, devices, FIFOs and the process's
own streams in place, and no write outside the working folder through a symlink."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from policyengine.errors import UsageError
from policyengine.output import write_output

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"


def _cli(*argv: str, cwd: Path, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    command = [sys.executable, "-m", "policyengine", *argv]
    return subprocess.run(command, cwd=cwd, check=False, timeout=120, **kwargs)  # type: ignore[call-overload, no-any-return]


def test_a_regular_file_is_replaced_whole_with_no_temporary(tmp_path: Path) -> None:
    (tmp_path / "report.txt").write_text("old\n", encoding="utf-8")
    write_output(Path("report.txt"), iter(["new ", "report\n"]), workdir=tmp_path)
    assert (tmp_path / "report.txt").read_text(encoding="utf-8") == "new report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.txt"]


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_dev_null_stays_a_character_device_as_root(tmp_path: Path) -> None:
    """A null device made in tmp_path first, so that a regression replaces that one and
    stops the test before it can replace the machine's /dev/null."""
    os.mknod(tmp_path / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    done = _cli("validate", str(EXAMPLES), "--output", "null", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISCHR(os.lstat(tmp_path / "null").st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]
    before = os.lstat("/dev/null")
    done = _cli("validate", str(EXAMPLES), "--output", "/dev/null", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    after = os.lstat("/dev/null")
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_a_fifo_is_written_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_output(Path("pipe"), ["one\n", "two\n"], workdir=tmp_path)
    reader.join(timeout=30)
    assert received == [b"one\ntwo\n"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_dev_stdout_into_a_pipe_that_closes_early(tmp_path: Path) -> None:
    """`--output /dev/stdout | head -c1`: head gets the first byte, no internal error."""
    command = (
        f"{sys.executable} -m policyengine validate {EXAMPLES} --output /dev/stdout | head -c1; "
        "exit ${PIPESTATUS[0]}"
    )
    done = subprocess.run(
        ["bash", "-c", command], cwd=tmp_path, capture_output=True, timeout=120, check=False
    )
    assert done.stdout == b"m"  # models/coding-agent.yaml: ...
    assert done.returncode == 0
    assert b"error" not in done.stderr


def test_dev_stdout_of_a_large_report_into_head_ends_quietly(tmp_path: Path) -> None:
    script = (  # 2 MB, far beyond a pipe's buffer
        "from pathlib import Path; from policyengine.output import write_output; "
        "big = (f'line {i}\\n' for i in range(200_000)); "
        "write_output(Path('/dev/stdout'), big, workdir=Path.cwd())"
    )
    done = subprocess.run(
        ["bash", "-c", f'{sys.executable} -c "$S" | head -c6; exit ${{PIPESTATUS[0]}}'],
        env={**os.environ, "S": script},
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert (done.stdout, done.returncode, done.stderr) == (b"line 0", 0, b"")


def test_dev_stderr_adds_to_the_redirected_file(tmp_path: Path) -> None:
    """`--output /dev/stderr 2>f`: the report and the summary after it both land in f."""
    log = tmp_path / "f"
    with log.open("wb") as err:
        done = _cli(
            "status", str(EXAMPLES), "--as-of", "2026-11-27", "--output", "/dev/stderr",
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=err,
        )  # fmt: skip
    assert done.stdout == b""
    text = log.read_text(encoding="utf-8")
    assert text.startswith("Review status as of 2026-11-27\n")
    assert text.rstrip("\n").splitlines()[-1].startswith("policyengine: 3 models")


def test_a_committed_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    outside, work = tmp_path / "outside", tmp_path / "work"
    outside.mkdir()
    work.mkdir()
    (work / "reports").symlink_to(outside, target_is_directory=True)
    (work / "report.txt").symlink_to(outside / "victim.txt")
    (outside / "victim.txt").write_text("keep\n", encoding="utf-8")
    for name in ("reports/x.txt", "report.txt", "reports/new/deeper.txt"):
        with pytest.raises(UsageError, match="outside the working folder through a symlink"):
            write_output(Path(name), "forged\n", workdir=work)
    assert sorted(p.name for p in outside.iterdir()) == ["victim.txt"]
    assert (outside / "victim.txt").read_text(encoding="utf-8") == "keep\n"


def test_a_committed_symlink_into_git_is_refused(tmp_path: Path) -> None:
    """A pull request can commit `results.sarif -> .git/config` (or a link into
    `.git/hooks`): the link stays inside the working folder, yet writing the report
    through it would rewrite git's own configuration or plant a hook."""
    work = tmp_path / "work"
    (work / ".git" / "hooks").mkdir(parents=True)
    (work / ".git" / "config").write_text("[core]\n", encoding="utf-8")
    (work / "results.sarif").symlink_to(".git/config")
    (work / "hooks").symlink_to(".git/hooks", target_is_directory=True)
    for name in ("results.sarif", "hooks/post-checkout"):
        with pytest.raises(UsageError, match="leads into git's own folder through a symlink"):
            write_output(Path(name), "forged\n", workdir=work)
    assert (work / ".git" / "config").read_text(encoding="utf-8") == "[core]\n"
    assert list((work / ".git" / "hooks").iterdir()) == []
    write_output(
        Path(".git/notes.txt"), "asked\n", workdir=work
    )  # written as asked: the user's choice
    assert (work / ".git" / "notes.txt").read_text(encoding="utf-8") == "asked\n"


def test_the_cli_refuses_it_with_exit_2(tmp_path: Path) -> None:
    outside, work = tmp_path / "outside", tmp_path / "work"
    outside.mkdir()
    work.mkdir()
    (work / "reports").symlink_to(outside, target_is_directory=True)
    done = _cli(
        "validate", str(EXAMPLES), "--output", "reports/x.txt", cwd=work, capture_output=True
    )
    assert done.returncode == 2
    assert done.stderr.decode().startswith(
        "policyengine: error: --output reports/x.txt: resolves outside the working folder"
    )
    assert list(outside.iterdir()) == []


def test_an_absolute_path_or_dotdot_is_the_users_choice(tmp_path: Path) -> None:
    outside, work = tmp_path / "outside", tmp_path / "work"
    outside.mkdir()
    work.mkdir()
    (work / "reports").symlink_to(outside, target_is_directory=True)
    write_output(work / "reports" / "a.txt", "a\n", workdir=work)
    write_output(Path("../outside/b.txt"), "b\n", workdir=work)
    inside = work / "in"
    inside.mkdir()
    (work / "local").symlink_to(inside, target_is_directory=True)
    write_output(Path("local/c.txt"), "c\n", workdir=work)  # a symlink that stays inside
    assert sorted(p.name for p in outside.iterdir()) == ["a.txt", "b.txt"]
    assert (inside / "c.txt").read_text(encoding="utf-8") == "c\n"
