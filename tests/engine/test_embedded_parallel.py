"""The embedded engine's worker pool: same answers, same order, and failures as our errors."""

from __future__ import annotations

import os
import signal
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from policyengine.applicability import load_mapping
from policyengine.atlas import load_catalog
from policyengine.bundled import policies_dir
from policyengine.engine.embedded import EmbeddedEngine
from policyengine.errors import EngineError, PolicyError, UsageError
from policyengine.evaluate import build_facts, policy_input
from policyengine.loader import load_document
from policyengine.policyset import PolicySet, load_policy_set
from policyengine.results import ReviewStatus
from policyengine.workers import INPUTS_PER_WORKER, cpus

AS_OF = date(2026, 11, 27)
BASIC = Path(__file__).parent / "data" / "basic"
SMALL: list[dict[str, Any]] = [
    {"model": {"threats": [{"id": f"T-{n}"}] * (n % 3), "n": n}, "facts": {}} for n in range(20)
]
"""Inputs for the small test policy set: cheap to evaluate, answers that differ."""


@pytest.fixture(scope="module")
def policy_set(repo_root: Path) -> PolicySet:
    """The bundled policies."""
    return load_policy_set([repo_root / "policies"])


@pytest.fixture(scope="module")
def inputs(repo_root: Path) -> list[dict[str, Any]]:
    """About 20 real inputs: the three examples, cut short (to keep the test fast) and
    varied so that the answers differ."""
    examples = repo_root / "examples"
    atlas = load_catalog()
    out = []
    for n in range(21):
        path = sorted((examples / "models").glob("*.yaml"))[n % 3]
        model = dict(load_document(path, examples).data)
        model["threats"] = model["threats"][: 1 + n % 3]
        model.pop("compliance" if n % 2 else "controls", None)
        if n % 4 == 3:
            model.pop("red_team", None)
        facts = build_facts(
            model,
            as_of=AS_OF,
            review_status=[ReviewStatus.CURRENT, ReviewStatus.OVERDUE][n % 2],
            cadence_days=91,
            atlas=atlas,
            mapping=load_mapping(),
            evidence_exists=lambda rel: (examples / rel).is_file(),
        )
        out.append(policy_input(model, facts))
    return out


def test_workers_give_the_same_outputs_in_the_same_order(
    policy_set: PolicySet, inputs: list[dict[str, Any]]
) -> None:
    assert len(inputs) > INPUTS_PER_WORKER
    with EmbeddedEngine(workers=1) as one:
        expected = one.evaluate(policy_set, inputs)
    with EmbeddedEngine(workers=2) as two:
        got = two.evaluate(policy_set, inputs)
    assert got == expected
    assert len({repr(out) for out in expected}) > 3, "the inputs should not all answer alike"


def test_order_follows_the_inputs_on_every_call() -> None:
    basic = load_policy_set([BASIC])
    with EmbeddedEngine(workers=1) as one:
        expected = one.evaluate(basic, SMALL)
    with EmbeddedEngine(workers=2) as two:
        assert two.evaluate(basic, SMALL) == expected
        assert two.evaluate(basic, SMALL[::-1]) == expected[::-1]


def test_policy_set_that_does_not_compile_raises_policy_error(tmp_path: Path) -> None:
    (tmp_path / "p.rego").write_text("package p\n\n_helper if {\n  x := \n}\n")
    broken = load_policy_set([tmp_path])
    many: list[dict[str, Any]] = [{"model": {}, "facts": {}}] * (INPUTS_PER_WORKER + 4)
    for workers in (1, 2):
        with EmbeddedEngine(workers=workers) as engine, pytest.raises(PolicyError) as info:
            engine.evaluate(broken, many)
        assert f"{tmp_path / 'p.rego'}:4:5:" in str(info.value)


def test_failure_in_a_worker_is_engine_error_not_a_partial_result() -> None:
    bad: list[dict[str, Any]] = [
        *SMALL[:15],
        {"model": {"day": date(2026, 1, 1)}, "facts": {}},
        *SMALL[15:],
    ]
    with EmbeddedEngine(workers=2) as engine, pytest.raises(EngineError, match="is a date"):
        engine.evaluate(load_policy_set([BASIC]), bad)


def _workers() -> list[int]:
    """Pids of this process's pool workers (not multiprocessing's resource tracker)."""
    found: list[int] = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        # A thread may end while it is listed (wasmtime's compiler threads, from the wasm
        # engine's tests): its children are then nobody's workers.
        try:
            children = (task / "children").read_text().split()
        except FileNotFoundError:
            continue
        for pid in children:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except FileNotFoundError:
                continue
            if b"spawn_main" in cmdline:
                found.append(int(pid))
    return found


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_worker_killed_is_engine_error_and_the_next_call_works() -> None:
    basic = load_policy_set([BASIC])
    with EmbeddedEngine(workers=2) as engine:
        expected = engine.evaluate(basic, SMALL)
        workers = _workers()
        assert len(workers) == 2, "the pool should have started two worker processes"
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(EngineError, match="worker process died"):
            engine.evaluate(basic, SMALL)
        assert engine.evaluate(basic, SMALL) == expected
    assert _workers() == [], "close() stops the workers"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_small_batches_and_one_worker_stay_in_process() -> None:
    """For the bundled policies (the tool's own code); any other set is evaluated in a
    worker that keeps to the budget, one at least."""
    bundled = load_policy_set([policies_dir()])
    with EmbeddedEngine(workers=2) as engine:
        engine.evaluate(bundled, SMALL[:INPUTS_PER_WORKER])
        assert _workers() == []
    with EmbeddedEngine(workers=1) as engine:
        engine.evaluate(bundled, SMALL)
        assert _workers() == []
        engine.evaluate(load_policy_set([BASIC]), SMALL[:2])
        assert len(_workers()) == 1


def test_workers_default_to_in_process_and_zero_means_one_per_cpu() -> None:
    with pytest.raises(UsageError, match="workers"):
        EmbeddedEngine(workers=-1)
    assert EmbeddedEngine().workers == 1
    assert EmbeddedEngine(workers=0).workers == cpus()
    assert EmbeddedEngine(workers=32).workers == 8


def test_input_that_cannot_reach_a_worker_is_engine_error() -> None:
    bad: list[dict[str, Any]] = [*SMALL[:10], {"model": {"f": lambda: 0}, "facts": {}}]
    basic = load_policy_set([BASIC])
    with EmbeddedEngine(workers=2) as engine:
        with pytest.raises(EngineError, match="no results were kept"):
            engine.evaluate(basic, bad)
        assert len(engine.evaluate(basic, SMALL)) == len(SMALL)
