"""SIGTERM on a real `policyengine check` with worker processes: nothing survives it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def _children(pid: int) -> set[int]:
    """The live processes whose parent is `pid` (zombies, already dead, left out)."""
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="ascii")
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == pid and state != "Z":
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_sigterm_during_a_multi_worker_check_kills_the_workers_and_leaves_no_file(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLES, repo)
    source = (repo / "models" / "support-assistant.yaml").read_text(encoding="utf-8")
    for i in range(40):
        (repo / "models" / f"copy-{i:02d}.yaml").write_text(
            source.replace("id: support-assistant", f"id: support-assistant-{i:02d}", 1),
            encoding="utf-8",
        )
    before = sorted(p.relative_to(repo) for p in repo.rglob("*"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "policyengine", "check", "--workers", "2"]
        + ["--as-of", "2026-11-27", "--output", "reports/out.txt"],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        deadline = time.monotonic() + 60
        while len(_children(proc.pid)) < 2 and proc.poll() is None:
            assert time.monotonic() < deadline, "the workers never started"
            time.sleep(0.05)
        time.sleep(0.3)
        spawned = _children(proc.pid)
        assert proc.poll() is None, "the check ended before it could be stopped"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 2
    assert err.decode().strip().endswith("policyengine: terminated (SIGTERM)")
    assert "Traceback" not in err.decode()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in spawned) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [pid for pid in spawned if _alive(pid)] == []
    after = sorted(p.relative_to(repo) for p in repo.rglob("*"))
    assert [p for p in after if p not in before and p != Path("reports")] == []
