"""Budgets of one evaluation on every engine: a real pathological team policy, stopped.

Each test runs a policy that would take gigabytes or minutes, on a small budget, and
asserts the engine error that names the budget; the bounds on time and memory are
generous (the machine is shared), the budgets small so that a failure stays cheap.
"""

from __future__ import annotations

import re
import resource
import time
from pathlib import Path

import pytest

from policyengine.budget import Budget, checked_budget
from policyengine.bundled import policies_dir
from policyengine.engine.embedded import EmbeddedEngine
from policyengine.engine.wasm import WasmEngine
from policyengine.errors import BudgetExceeded, UsageError
from policyengine.policyset import load_policy_set

MINIMAL = Path(__file__).resolve().parents[1] / "data" / "good" / "minimal.yaml"
MODEL = {
    "model": {"metadata": {"id": "payments"}, "threats": [{"id": "T-1"}]},
    "facts": {"threats": {}},
}

_HEAD = """package team.{name}

import data.lib.result

# METADATA
# title: A pathological check
# custom:
#   id: TM-TEAM-99{n}
#   severity: low
#   controls: {{iso42001: ["6.1.2"]}}
#   judges: [threats]
deny contains result.finding("TM-TEAM-99{n}", [], {{}}) if {{
"""

HOG = (
    _HEAD.format(name="hog", n=1)
    + """	xs := numbers.range(1, 300000000)
	count([x | some x in xs; x > 0]) > 0
}
"""
)
"""Builds an array of 300 million numbers: gigabytes on every engine."""

SPIN = (
    _HEAD.format(name="spin", n=2)
    + """	xs := numbers.range(1, 20000)
	count([1 | some x in xs; some y in xs; x == -y]) > 0
}
"""
)
"""400 million comparisons over two small arrays: minutes of CPU, little memory."""


def _team(folder: Path, name: str, source: str) -> Path:
    (folder / "team").mkdir(parents=True, exist_ok=True)
    (folder / "team" / f"{name}.rego").write_text(source, encoding="utf-8")
    return folder / "team"


def test_embedded_memory_budget_stops_a_hog_in_its_worker(tmp_path: Path) -> None:
    ps = load_policy_set([policies_dir(), _team(tmp_path, "hog", HOG)])
    start = time.monotonic()
    with (
        EmbeddedEngine(budget=Budget(seconds=600, memory_mb=400)) as engine,
        pytest.raises(BudgetExceeded) as raised,
    ):
        engine.evaluate(ps, [MODEL])
    elapsed = time.monotonic() - start
    message = str(raised.value)
    assert "package team.hog (" in message and "hog.rego)" in message
    assert 'on model "payments" used more than its memory budget of 400 MB (' in message
    assert "budget per model: 600 s and 400 MB" in message
    assert elapsed < 120, elapsed  # measured: ~3 s
    # the worker's peak resident memory when it stopped (checked every 50 ms)
    peak = re.search(r"memory budget of 400 MB \(([\d,]+) MB\)", message)
    assert peak is not None and 400 < int(peak.group(1).replace(",", "")) < 400 + 300


def test_embedded_time_budget_stops_a_spinner(tmp_path: Path) -> None:
    ps = load_policy_set([policies_dir(), _team(tmp_path, "spin", SPIN)])
    start = time.monotonic()
    with (
        EmbeddedEngine(budget=Budget(seconds=2, memory_mb=1024)) as engine,
        pytest.raises(BudgetExceeded, match=r"package team\.spin .* time budget of 2 s of CPU"),
    ):
        engine.evaluate(ps, [MODEL])
    assert time.monotonic() - start < 120


def test_embedded_engine_evaluates_team_policies_in_a_worker_and_bundled_in_process(
    tmp_path: Path,
) -> None:
    """The bundled set (the tool's own code) stays in process: no worker starts for it."""
    bundled = load_policy_set([policies_dir()])
    team = load_policy_set([policies_dir(), _team(tmp_path, "hog", HOG.replace("300000000", "3"))])
    with EmbeddedEngine() as engine:
        [alone] = engine.evaluate(bundled, [MODEL])
        assert engine._pool is None
        [with_team] = engine.evaluate(team, [MODEL])
        assert engine._pool is not None and engine._pool.workers == 1
    assert {d["rule_id"] for d in with_team.deny} - {d["rule_id"] for d in alone.deny} == {
        "TM-TEAM-991"
    }


@pytest.mark.opa
def test_wasm_memory_budget_stops_a_hog(tmp_path: Path, opa_bin: str) -> None:
    ps = load_policy_set([policies_dir(), _team(tmp_path, "hog", HOG)])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.monotonic()
    with WasmEngine(budget=Budget(seconds=600, memory_mb=256)) as engine:
        host = engine.prepare(ps)
        assert host.timed
        with pytest.raises(BudgetExceeded) as raised:
            engine.evaluate(ps, [MODEL])
        assert host.memory.type(host.store).limits.max == 256 * 16  # 64 KiB pages
        # The instance is made again: the next model is evaluated.
        [out] = engine.evaluate(load_policy_set([policies_dir()]), [MODEL])
    assert str(raised.value).startswith(
        'the wasm engine: the policies on model "payments" used more than their memory '
        "budget of 256 MB; it was stopped (budget per model: 600 s and 256 MB"
    )
    assert time.monotonic() - start < 120
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert after - before < 256 + 300
    assert out.deny


@pytest.mark.opa
def test_wasm_time_budget_stops_a_spinner(tmp_path: Path, opa_bin: str) -> None:
    ps = load_policy_set([policies_dir(), _team(tmp_path, "spin", SPIN)])
    with WasmEngine(budget=Budget(seconds=1, memory_mb=512)) as engine:
        engine.prepare(ps)
        start = time.monotonic()
        with pytest.raises(BudgetExceeded, match="more than their time budget of 1 s"):
            engine.evaluate(ps, [MODEL])
        elapsed = time.monotonic() - start
    assert 0.9 < elapsed < 60, elapsed


def test_the_shipped_module_runs_without_epoch_checks() -> None:
    with WasmEngine() as engine:
        host = engine.prepare(load_policy_set([policies_dir()]))
    assert not host.timed
    assert host.memory.type(host.store).limits.max == 2048 * 16  # 2,048 MB in 64 KiB pages


def test_a_budget_outside_its_range_is_a_usage_error() -> None:
    assert checked_budget(None, 512) == Budget(seconds=60, memory_mb=512)
    assert checked_budget(5, None, base=Budget(seconds=60, memory_mb=300)) == Budget(5, 300)
    with pytest.raises(UsageError, match="memory budget must be 256 to 16384 MB"):
        checked_budget(None, 100_000)
    with pytest.raises(UsageError, match="time budget must be 1 to 600 seconds"):
        checked_budget(0.5, None)


@pytest.mark.opa
def test_an_opa_server_started_with_a_memory_limit_dies_and_the_run_is_exit_2(
    tmp_path: Path, opa_bin: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """OPA's memory is its operator's to bound (README, Engines): a real server started
    under `ulimit -v` and GOMEMLIMIT runs out on the hog and exits; the run stops with an
    error that says so, exit 2, not a hang and not the machine's memory."""
    from conftest import start_opa

    from policyengine.cli import main

    wrapper = tmp_path / "bounded-opa"
    wrapper.write_text(
        f'#!/bin/sh\nulimit -v 1500000\nGOMEMLIMIT=600MiB exec "{opa_bin}" "$@"\n',
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    _team(tmp_path / "repo", "hog", HOG)
    proc, url = start_opa(str(wrapper))
    try:
        start = time.monotonic()
        code = main(
            ["check", str(MINIMAL), "--engine", "opa", "--opa-url", url, "--opa-timeout", "60"]
            + ["--policy", str(tmp_path / "repo" / "team"), "--as-of", "2026-11-27"]
        )
        elapsed = time.monotonic() - start
        status = proc.wait(timeout=30)  # type: ignore[attr-defined]
    finally:
        proc.kill()  # type: ignore[attr-defined]
        proc.wait(timeout=10)  # type: ignore[attr-defined]
    err = capsys.readouterr().err
    assert code == 2
    assert status != 0  # the server ran out of memory: Go's "fatal error: out of memory"
    assert f"OPA at {url} closed the connection" in err and "memory" in err
    assert "Traceback" not in err
    assert elapsed < 120, elapsed
