"""Runs the Rego unit tests (`test_*` rules of `*_test.rego` files) on the embedded engine.

Test files run in child processes (`python -m policyengine.policytest --child ...`), one
child per policy folder, so that a regopy crash (SIGSEGV on `with input as {...}`) becomes
a failed test instead of killing the run; the files of a batch that crashed run again one
per child, so the error names the file. A child compiles the policy set with the batch's
test files once and evaluates every test package with a single query, because regopy
re-plans every module on each query: per-test queries made the bundled suite take a minute.
Results are per test: `pass`, `fail` (false or undefined) or `error`. Test files are
untrusted code like the policies: a child ends itself when its resident memory passes the
budget or its CPU time the budget's seconds (`budget.guard_process`; `test
--budget-memory`/`--budget-seconds`, else the config's `engine.budget`), and is stopped
after `_CHILD_TIMEOUT` seconds of wall time (twice the budget's seconds when that is
more); either is an `error` of every test of the file (a batch over budget runs again one
file per child, so the file is the one that went over).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path

from .budget import DEFAULT_BUDGET, EXIT_OVER_BUDGET, Budget, evaluating, guard_process
from .capabilities import check_policies
from .errors import PolicyEngineError, PolicyError
from .policyset import PolicySet, load_policy_set
from .results import Outcome, TestResult
from .workers import thread_map, worker_count

__all__ = ["Outcome", "TestResult", "run_policy_tests"]

_TEST_RE = re.compile(r"^(test_[A-Za-z0-9_]*)\b")
_PACKAGE_RE = re.compile(r"^package\s+([\w.]+)", re.MULTILINE)
_MARK = "POLICYENGINE-TEST-RESULTS:"
_CHILD_TIMEOUT = 300.0
_CHILD_ENV = ("PATH", "PYTHONPATH", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
"""The environment a test child inherits: nothing else (no tokens, no CI secrets)."""


def _tests_of(source: str) -> list[tuple[str, int]]:
    seen: dict[str, int] = {}
    for number, line in enumerate(source.splitlines(), start=1):
        m = _TEST_RE.match(line)
        if m and m.group(1) not in seen:
            seen[m.group(1)] = number
    return list(seen.items())


def _package_of(source: str) -> str:
    m = _PACKAGE_RE.search(source)
    return m.group(1) if m else ""


def _result_of(
    file: str, package: str, name: str, line: int, values: Sequence[object]
) -> TestResult:
    if list(values) == [True]:
        return TestResult(file, package, name, line, Outcome.PASS)
    why = "undefined" if not values else f"evaluated to {json.dumps(values[0])}"
    return TestResult(file, package, name, line, Outcome.FAIL, why)


def _from_package(
    file: str, package: str, source: str, value: Mapping[str, object]
) -> list[TestResult]:
    """Results of one file from the value of its whole package (absent rule: undefined)."""
    return [
        _result_of(file, package, name, line, [value[name]] if name in value else [])
        for name, line in _tests_of(source)
    ]


def run_file(policy_set: PolicySet, module: str) -> list[TestResult]:
    """Run the tests of one test module in this process.

    One query for the whole test package; when that query fails, one query per test, so
    an error is reported on the test that raised it.
    """
    from .engine.embedded import compile_modules, query_json

    source = policy_set.tests[module]
    file = policy_set.file_of(module)
    package = _package_of(source)
    modules = {**policy_set.modules, **policy_set.test_support, module: source}
    try:
        interp = compile_modules(modules, policy_set.files)
    except PolicyEngineError as exc:
        return [TestResult(file, package, "", 1, Outcome.ERROR, exc.diagnostics())]
    try:
        answer = query_json(interp, f"x := data.{package}", modules, policy_set.files)
    except PolicyEngineError:
        answer = []
    value = answer[0].get("bindings", {}).get("x") if len(answer) == 1 else None
    if isinstance(value, dict):
        return _from_package(file, package, source, value)
    results: list[TestResult] = []
    for name, line in _tests_of(source):
        try:
            answer = query_json(interp, f"data.{package}.{name}", modules, policy_set.files)
        except PolicyEngineError as exc:
            results.append(TestResult(file, package, name, line, Outcome.ERROR, exc.diagnostics()))
            continue
        values = [r.get("expressions", [None])[0] for r in answer]
        results.append(_result_of(file, package, name, line, values))
    return results


def run_files(policy_set: PolicySet, modules: Sequence[str]) -> list[TestResult]:
    """Run the tests of several test modules in this process (a child's job).

    The policy set and every test module are compiled together and each test package is
    read with one query. When that does not work (a file does not compile, a package is
    shared by two files, the query fails), each file runs on its own with `run_file`.
    """
    from .engine.embedded import compile_modules, query_json

    packages = [_package_of(policy_set.tests[m]) for m in modules]
    if len(modules) > 1 and len(set(packages)) == len(packages) and all(packages):
        combined = {
            **policy_set.modules,
            **policy_set.test_support,
            **{m: policy_set.tests[m] for m in modules},
        }
        query = "; ".join(f"x{i} := data.{pkg}" for i, pkg in enumerate(packages))
        try:
            interp = compile_modules(combined, policy_set.files)
            answer = query_json(interp, query, combined, policy_set.files)
        except PolicyEngineError:
            answer = []
        bindings = answer[0].get("bindings", {}) if len(answer) == 1 else {}
        values = [bindings.get(f"x{i}") for i in range(len(modules))]
        if all(isinstance(v, dict) for v in values):
            return [
                r
                for m, pkg, v in zip(modules, packages, values, strict=True)
                if isinstance(v, dict)
                for r in _from_package(policy_set.file_of(m), pkg, policy_set.tests[m], v)
            ]
    return [r for m in modules for r in run_file(policy_set, m)]


def _crash_reason(returncode: int, stderr: str) -> str:
    tail = (stderr.strip().splitlines() or ["no output"])[-1]
    if returncode == EXIT_OVER_BUDGET:
        return f"the embedded engine went over budget running this file: {tail}"
    if returncode < 0:
        try:
            sig = signal.Signals(-returncode).name
        except ValueError:
            sig = f"signal {-returncode}"
        why = f"the embedded engine crashed ({sig}) running this file"
        if sig == "SIGSEGV":
            why += " (regopy 1.5.2 crashes on `with input as {...}`: override input.model)"
        return why
    return f"the test runner failed (exit {returncode}): {tail}"


def _file_error(policy_set: PolicySet, module: str, why: str) -> list[TestResult]:
    source = policy_set.tests[module]
    file = policy_set.file_of(module)
    package = _package_of(source)
    names = _tests_of(source) or [("", 1)]
    return [TestResult(file, package, name, line, Outcome.ERROR, why) for name, line in names]


def _run_child(
    dirs: Sequence[Path], policy_set: PolicySet, modules: Sequence[str], budget: Budget
) -> list[TestResult]:
    """Run `modules` in one child; a batch that crashes runs again one file per child."""
    # The child sees no secret of this process: only what Python needs to start.
    env = {k: os.environ[k] for k in _CHILD_ENV if k in os.environ}
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    cmd = [sys.executable, "-m", "policyengine.policytest"]
    for module in modules:
        cmd += ["--child", module]
    cmd += ["--memory-mb", str(budget.memory_mb), "--seconds", repr(budget.seconds)]
    timeout = max(_CHILD_TIMEOUT, 2 * budget.seconds)
    cmd += [str(d) for d in dirs]
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, env=env, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        if len(modules) > 1:
            return [r for m in modules for r in _run_child(dirs, policy_set, [m], budget)]
        why = f"the embedded engine did not finish this file within {timeout:.0f} s"
        return [
            TestResult(
                policy_set.file_of(modules[0]),
                _package_of(policy_set.tests[modules[0]]),
                "",
                1,
                Outcome.ERROR,
                why,
            )
        ]
    for line in proc.stdout.splitlines():
        if line.startswith(_MARK) and proc.returncode == 0:
            rows = json.loads(line[len(_MARK) :])
            return [TestResult(**{**r, "outcome": Outcome(r["outcome"])}) for r in rows]
    if len(modules) > 1:
        return [r for m in modules for r in _run_child(dirs, policy_set, [m], budget)]
    return _file_error(policy_set, modules[0], _crash_reason(proc.returncode, proc.stderr))


def _batches(modules: Sequence[str]) -> list[list[str]]:
    """Test modules grouped by folder (module names are `<prefix>/<posix path>`)."""
    groups: dict[str, list[str]] = {}
    for module in modules:
        groups.setdefault(module.rpartition("/")[0], []).append(module)
    return [groups[key] for key in sorted(groups)]


def run_policy_tests(
    dirs: Sequence[Path],
    *,
    support: Sequence[Path] = (),
    workers: int = 0,
    budget: Budget = DEFAULT_BUDGET,
) -> list[TestResult]:
    """Run every `*_test.rego` under `dirs`, in child processes (one per folder), as many
    at a time as `workers` allows (`workers.worker_count`: 0 one per CPU; 1 one after
    the other), each ending itself when its resident memory passes `budget.memory_mb` or
    its CPU time `budget.seconds`.

    The modules of `support` folders (e.g. the bundled `lib`, which custom checks import)
    are loaded too, but their tests are not run. Returns the results sorted by file, then
    line. Raises `PolicyError` when the policy set does not load (bad METADATA, missing
    folder), `UsageError` when `workers` is negative.
    """
    every = [*support, *dirs]
    policy_set = load_policy_set(every)
    # The tests run too, so they keep to the capability policy like the modules.
    check_policies(
        {**policy_set.modules, **policy_set.test_support, **policy_set.tests}, policy_set.files
    )
    # support folders come first, so their module names are the same in both sets
    support_tests = set(load_policy_set(support).tests) if support else set()
    modules = [m for m in policy_set.tests if m not in support_tests]
    batches = _batches(modules)
    count = worker_count(workers, len(batches), 1)
    # largest batches first, so the last child to start is a short one
    batches.sort(key=len, reverse=True)
    done = thread_map(lambda b: _run_child(every, policy_set, b, budget), batches, count)
    results = [r for batch in done for r in batch]
    return sorted(results, key=lambda r: (r.file, r.line, r.name))


def _child_args(argv: Sequence[str]) -> tuple[list[str], list[Path], Budget]:
    """`--child MODULE` (repeated), `--memory-mb N`, `--seconds S` and the policy
    folders; ValueError when malformed.

    A private protocol between `run_policy_tests` and its children, so no argparse (the
    CLI lives in cli.py only).
    """
    modules: list[str] = []
    dirs: list[Path] = []
    memory_mb, seconds = DEFAULT_BUDGET.memory_mb, DEFAULT_BUDGET.seconds
    rest = list(argv)
    while rest:
        arg = rest.pop(0)
        if arg == "--child":
            if not rest:
                raise ValueError("--child needs a MODULE")
            modules.append(rest.pop(0))
        elif arg == "--memory-mb":
            if not rest:
                raise ValueError("--memory-mb needs a number")
            memory_mb = int(rest.pop(0))
        elif arg == "--seconds":
            if not rest:
                raise ValueError("--seconds needs a number")
            seconds = float(rest.pop(0))
        else:
            dirs.append(Path(arg))
    if not modules or not dirs:
        raise ValueError("usage: python -m policyengine.policytest --child MODULE... DIR...")
    return modules, dirs, Budget(seconds=seconds, memory_mb=memory_mb)


def _child(argv: Sequence[str]) -> int:
    try:
        modules, dirs, budget = _child_args(argv)
    except ValueError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    guard_process(budget, None)
    evaluating("")  # the CPU time of the evaluation (the child, from here) counts
    try:
        policy_set = load_policy_set(dirs)
        missing = [m for m in modules if m not in policy_set.tests]
        if missing:
            raise PolicyError(f"no test module {missing[0]!r} in {[str(d) for d in dirs]}")
        results = run_files(policy_set, modules)
    except PolicyEngineError as exc:
        sys.stderr.write(exc.diagnostics() + "\n")
        return 2
    rows = [{**asdict(r), "outcome": r.outcome.value} for r in results]
    sys.stdout.write(_MARK + json.dumps(rows) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(_child(sys.argv[1:]))
