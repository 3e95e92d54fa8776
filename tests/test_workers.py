"""The worker count and the pools of `policyengine.workers`, on their own."""

from __future__ import annotations

import gc
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from policyengine.errors import EngineError, PolicyEngineError, UsageError, WorkerError
from policyengine.results import Level
from policyengine.workers import (
    MAX_WORKERS,
    SpawnPool,
    Unpacker,
    cpus,
    fork_map,
    pack,
    processes,
    thread_map,
    worker_count,
)


def test_cpus_are_those_the_process_may_run_on_at_most_eight() -> None:
    allowed = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert cpus() == min(allowed or 1, MAX_WORKERS) and MAX_WORKERS == 8


@pytest.mark.parametrize(
    ("requested", "available", "expected"),
    [(0, 64, 8), (0, 3, 3), (0, 1, 1), (1, 64, 1), (2, 1, 2), (5, 3, 5), (32, 2, 8)],
    ids=["auto-64-cpus", "auto-3-cpus", "auto-1-cpu", "one", "two", "five", "capped"],
)
def test_processes_follow_the_request_and_the_cpus(
    requested: int, available: int, expected: int
) -> None:
    assert processes(requested, available=available) == expected


@pytest.mark.parametrize(
    ("requested", "items", "expected"),
    [(0, 16, 1), (0, 17, 2), (0, 33, 3), (0, 1000, 4), (1, 1000, 1), (2, 1000, 2), (0, 0, 1)],
    ids=["at-the-minimum", "above-it", "three-batches", "all-cpus", "in-process", "two", "none"],
)
def test_a_worker_takes_at_least_a_minimum_batch(requested: int, items: int, expected: int) -> None:
    assert worker_count(requested, items, 16, available=4) == expected


def test_a_negative_request_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="--workers"):
        worker_count(-1, 100, 16)


def _square_in(values: list[int]) -> object:
    return lambda i: (values[i] ** 2, os.getpid())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks only on Linux")
def test_fork_map_runs_a_closure_in_forked_workers_in_order() -> None:
    values = list(range(40))
    square = _square_in(values)  # a closure: it reaches the workers by inheritance
    forked = fork_map(square, range(40), 2)  # type: ignore[arg-type]
    assert [v for v, _ in forked] == [v * v for v in values]
    assert os.getpid() not in {pid for _, pid in forked}
    here = fork_map(square, range(40), 1)  # type: ignore[arg-type]
    assert {pid for _, pid in here} == {os.getpid()}


def test_thread_map_keeps_the_order() -> None:
    assert thread_map(str, [3, 1, 2], 2) == ["3", "1", "2"]
    assert thread_map(Path, ["a"], 1) == [Path("a")]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
def test_a_dead_worker_is_a_worker_error_the_cli_reports() -> None:
    """Each worker's state is its own pid, and the task kills it: the pool reports a
    `WorkerError`, a user-visible failure (exit 2 with its message), not an engine's."""
    with SpawnPool(2, os.getpid, (), what="validate") as pool:
        with pytest.raises(WorkerError, match=r"^validate: a worker process died .*--workers 1"):
            pool.map(os.kill, [signal.SIGKILL])
        assert pool.broken
    assert issubclass(WorkerError, PolicyEngineError)
    assert not issubclass(WorkerError, EngineError)


@pytest.mark.parametrize("settled", [False, True])
def test_map_pauses_the_cyclic_collector_while_the_answers_arrive(settled: bool) -> None:
    """The answers arrive with the collector off (`done` sees each in this process); it is
    on again afterwards, and stays off for a caller that had turned it off. The same for
    `map_settled`, which a check uses."""
    seen: list[tuple[int, bool]] = []
    with SpawnPool(2, int, (), what="check") as pool:

        def mapped(chunks: list[int], done: Callable[[int], None] | None = None) -> list[int]:
            if not settled:
                return pool.map(max, chunks, done)

            def read(answer: int) -> int:
                if done is not None:
                    done(answer)
                return answer

            _, answers = pool.map_settled(max, chunks, read)
            return [a for a in answers if a is not None]

        answers = mapped([3, -1, 2], lambda answer: seen.append((answer, gc.isenabled())))
        assert answers == [3, 0, 2] and seen == [(3, False), (0, False), (2, False)]
        assert gc.isenabled()
        gc.disable()
        try:
            assert mapped([-5, 7]) == [0, 7]
            assert not gc.isenabled()
        finally:
            gc.enable()


def test_packed_answers_share_their_strings_and_keep_their_values() -> None:
    """What `pack` makes is read back equal by an `Unpacker`, and each string value that
    answers repeat is one object in the main process, whichever answer it came in; string
    subclasses (enums) and other values are pickled as ever."""
    first = ["mitigated" + "", {"status": "mitigated", "n": 3}, Level.ERROR, ("a/b", b"x")]
    second = [("a/" + "b", "mitigated"), None, 2.5]
    reader = Unpacker()
    one, two = reader.load(pack(first)), reader.load(pack(second))
    assert one == first and two == second
    assert one[0] is one[1]["status"] is two[0][1]  # three objects sent, one kept
    assert one[3][0] is two[0][0]
    assert one[2] is Level.ERROR
    assert Unpacker().load(pack(first))[0] is not one[0]  # each reader its own strings
