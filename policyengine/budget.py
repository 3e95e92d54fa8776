"""The budget of one evaluation: how much time and memory Rego may take for one model.

A pull request may change the policies that judge it, so a policy is untrusted code: a
rule that builds an array of 30 million numbers took 14 GB before regopy stopped it.
Every engine bounds each model's evaluation by a `Budget`:

- wasm: the module's memory may not grow beyond `memory_mb`, and an evaluation that
  runs longer than `seconds` (wall time, wasmtime's epoch interruption) is stopped;
- embedded (regopy): a team's policy set is evaluated in worker processes, never in the
  `policyengine` process itself; each worker watches itself (`guard_process`): a thread
  that every `_INTERVAL` seconds reads the process's peak resident memory and the CPU
  time of the evaluation under way, and ends the process when either goes over budget,
  leaving the reason in a file the parent reads (`over_budget`). regopy's allocator
  reserves 256 GB of address space when it starts, so an address-space rlimit cannot
  bound it. The bundled policies, which are the tool's own, are evaluated in process;
- OPA: the request's deadline (`--opa-timeout`); the server's memory is its operator's
  to bound (README).

Exceeding a budget is `BudgetExceeded`, an `EngineError` that names the budget, the model
and, where the engine knows it, the package. `check` reports it as that model's error and
judges the others (`Engine.evaluate_each`, `pipeline.over_budget_report`); the run exits 2.
"""

from __future__ import annotations

import contextlib
import math
import os
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError

__all__ = [
    "DEFAULT_BUDGET",
    "EXIT_OVER_BUDGET",
    "MEMORY_MB_RANGE",
    "SECONDS_RANGE",
    "Budget",
    "checked_budget",
    "evaluating",
    "guard_process",
    "idle",
    "over_budget",
    "within",
]

SECONDS_RANGE = (1.0, 600.0)
"""The least and most seconds a budget may give one evaluation."""
MEMORY_MB_RANGE = (256, 16384)
"""The least and most megabytes (MiB) a budget may give one evaluation."""
_INTERVAL = 0.05
EXIT_OVER_BUDGET = 3
"""The exit status of a process that `guard_process` ended."""
"""Seconds between two looks of a worker's watch at its memory and time."""


@dataclass(frozen=True)
class Budget:
    """What one model's evaluation may take. The defaults leave a margin of about 4x
    over a model at the threat ceiling (5,000 threats, `benchmarks/bench_threats.py`:
    ~10 s of CPU and ~550 MB on the embedded engine, ~0.8 s and 60 MB on wasm)."""

    seconds: float = 60.0
    """Seconds one model's evaluation may take: CPU time on the embedded engine, wall
    time on wasm."""
    memory_mb: int = 2048
    """Megabytes (MiB): the peak resident memory of an embedded engine worker; the
    memory of a wasm module."""

    def text(self) -> str:
        """`60 s and 2,048 MB`."""
        return f"{self.seconds:g} s and {self.memory_mb:,} MB"


DEFAULT_BUDGET = Budget()
"""The budget when neither the config nor the command line gives one."""


def checked_budget(
    seconds: float | None, memory_mb: int | None, *, base: Budget = DEFAULT_BUDGET
) -> Budget:
    """`base` with the `seconds` and `memory_mb` given (None keeps `base`'s); raises
    `UsageError` when one is outside `SECONDS_RANGE` or `MEMORY_MB_RANGE`."""
    low, high = SECONDS_RANGE
    if seconds is not None and not low <= seconds <= high:
        raise UsageError(
            f"an evaluation's time budget must be {low:g} to {high:g} seconds (got {seconds:g})"
        )
    least, most = MEMORY_MB_RANGE
    if memory_mb is not None and not least <= memory_mb <= most:
        raise UsageError(
            f"an evaluation's memory budget must be {least} to {most} MB (got {memory_mb})"
        )
    return Budget(
        seconds=base.seconds if seconds is None else float(seconds),
        memory_mb=base.memory_mb if memory_mb is None else memory_mb,
    )


# --- a worker process that watches itself ----------------------------------------------

_now: list[object] = [None, "", ""]
"""The evaluation under way in this process: CPU time when it started (None when idle),
the model it evaluates and the part of the policies evaluating it (for the message)."""
_guarded: list[bool] = [False]


def evaluating(model: str) -> None:
    """Mark the start of the evaluation of `model` (`model "m"`): from now on its CPU
    time counts against the budget (in a guarded process; anywhere else it costs one
    clock read)."""
    _now[0] = time.process_time()
    _now[1] = model
    _now[2] = ""


def within(part: str) -> None:
    """Say which part of the policies evaluates now (`package team.x`), for the message."""
    _now[2] = part


def idle() -> None:
    """Mark the end of the evaluation under way."""
    _now[0] = None


def guard_process(budget: Budget, report: Path | None) -> None:
    """Watch this process (once; a worker's setup calls it): a daemon thread ends it with
    exit status `EXIT_OVER_BUDGET` when its peak resident memory goes over
    `budget.memory_mb`, or the evaluation under way (`evaluating`) over `budget.seconds`
    of CPU, after writing why into a file in the folder `report` (`over_budget` reads
    it), or with no folder on stderr."""
    if _guarded[0]:
        return
    _guarded[0] = True
    from .workers import Ticker  # not at import: the config reads this module

    Ticker(_INTERVAL, lambda: _look(budget, report))


def _peak_mb() -> float:
    """This process's peak resident memory in MiB: `VmHWM` on Linux (`ru_maxrss` there
    starts at the RSS of the process that forked it: a worker spawned by a 1 GB parent
    would be over budget at once), else `ru_maxrss` (bytes on macOS)."""
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def _look(budget: Budget, report: Path | None) -> None:
    """One look of the watch: end the process when it is over budget."""
    started, model, part = _now
    peak = _peak_mb()
    why = None
    if peak > budget.memory_mb:
        # Rounded up: a peak of 400.3 MB over a 400 MB budget is said as 401, not 400.
        said = math.ceil(peak)
        why = f"used more than its memory budget of {budget.memory_mb:,} MB ({said:,} MB)"
    elif isinstance(started, float) and time.process_time() - started > budget.seconds:
        why = f"took more than its time budget of {budget.seconds:g} s of CPU"
    if why is not None:
        doing = " on ".join(str(w) for w in (part, model) if w) or "the evaluation"
        _leave(report, f"{doing} {why}; it was stopped")


def _leave(report: Path | None, message: str) -> None:
    """Write `message` for the parent (whole, or not at all) and end the process now."""
    with contextlib.suppress(OSError):
        if report is None:
            os.write(2, f"{message}\n".encode())
        else:
            part = report / f".{os.getpid()}.part"
            part.write_text(message, encoding="utf-8")
            os.replace(part, report / f"{os.getpid()}.txt")
    os._exit(EXIT_OVER_BUDGET)


def over_budget(report: Path) -> str | None:
    """Why a worker watching into the folder `report` ended itself, or None when none
    did (the first by name when several did)."""
    try:
        found = sorted(p for p in report.iterdir() if p.suffix == ".txt")
        return found[0].read_text(encoding="utf-8") if found else None
    except OSError:
        return None
