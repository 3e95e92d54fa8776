"""Runs the Rego unit tests (`test_*` rules of `*_test.rego` files) on the embedded engine.

Each test file runs in a child process (`python -m policyengine.policytest --child ...`)
with every non-test module of the policy set plus that file, so that a regopy crash
(SIGSEGV on `with input as {...}`) becomes a failed test that names the file instead of
killing the run. Results are per test: `pass`, `fail` (false or undefined) or `error`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

from .errors import PolicyEngineError, PolicyError
from .policyset import PolicySet, load_policy_set

__all__ = ["Outcome", "TestResult", "render_json", "render_text", "run_policy_tests"]

_TEST_RE = re.compile(r"^(test_[A-Za-z0-9_]*)\b")
_PACKAGE_RE = re.compile(r"^package\s+([\w.]+)", re.MULTILINE)
_MARK = "POLICYENGINE-TEST-RESULTS:"
_CHILD_TIMEOUT = 300.0


class Outcome(StrEnum):
    """The result of one Rego test."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"


@dataclass(frozen=True)
class TestResult:
    """One Rego test (or, with an empty `name`, a file that could not run)."""

    __test__ = False  # not a pytest class

    file: str
    """Path of the `*_test.rego` file."""
    package: str
    """Rego package of the test, e.g. `checks.scoring_test`."""
    name: str
    """Rule name, e.g. `test_threat_without_assumption_denied`; "" for a file failure."""
    line: int
    """1-based line of the rule (of the package line for a file failure)."""
    outcome: Outcome
    """pass, fail (false or undefined) or error (the engine failed or crashed)."""
    message: str = ""
    """Why it failed or erred; "" when it passed."""


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


def run_file(policy_set: PolicySet, module: str) -> list[TestResult]:
    """Run the tests of one test module in this process (the child's job)."""
    from .engine.embedded import compile_modules, query_json

    source = policy_set.tests[module]
    file = policy_set.file_of(module)
    package = _package_of(source)
    modules = {**policy_set.modules, module: source}
    try:
        interp = compile_modules(modules, policy_set.files)
    except PolicyEngineError as exc:
        return [TestResult(file, package, "", 1, Outcome.ERROR, exc.diagnostics())]
    results: list[TestResult] = []
    for name, line in _tests_of(source):
        try:
            answer = query_json(interp, f"data.{package}.{name}", modules, policy_set.files)
        except PolicyEngineError as exc:
            results.append(TestResult(file, package, name, line, Outcome.ERROR, exc.diagnostics()))
            continue
        values = [r.get("expressions", [None])[0] for r in answer]
        if values == [True]:
            results.append(TestResult(file, package, name, line, Outcome.PASS))
        else:
            why = "undefined" if not values else f"evaluated to {json.dumps(values[0])}"
            results.append(TestResult(file, package, name, line, Outcome.FAIL, why))
    return results


def _run_child(dirs: Sequence[Path], policy_set: PolicySet, module: str) -> list[TestResult]:
    source = policy_set.tests[module]
    file = policy_set.file_of(module)
    package = _package_of(source)
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    cmd = [sys.executable, "-m", "policyengine.policytest", "--child", module]
    cmd += [str(d) for d in dirs]
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, env=env, timeout=_CHILD_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        why = f"the embedded engine did not finish this file within {_CHILD_TIMEOUT:.0f} s"
        return [TestResult(file, package, "", 1, Outcome.ERROR, why)]
    for line in proc.stdout.splitlines():
        if line.startswith(_MARK) and proc.returncode == 0:
            rows = json.loads(line[len(_MARK) :])
            return [TestResult(**{**r, "outcome": Outcome(r["outcome"])}) for r in rows]
    if proc.returncode < 0:
        try:
            sig = signal.Signals(-proc.returncode).name
        except ValueError:
            sig = f"signal {-proc.returncode}"
        why = f"the embedded engine crashed ({sig}) running this file"
        if sig == "SIGSEGV":
            why += " (regopy 1.5.2 crashes on `with input as {...}`: override input.model)"
    else:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        why = f"the test runner failed (exit {proc.returncode}): {tail}"
    names = _tests_of(source) or [("", 1)]
    return [TestResult(file, package, name, line, Outcome.ERROR, why) for name, line in names]


def run_policy_tests(
    dirs: Sequence[Path], *, support: Sequence[Path] = (), jobs: int | None = None
) -> list[TestResult]:
    """Run every `*_test.rego` under `dirs`, each file in a child process.

    The modules of `support` folders (e.g. the bundled `lib`, which custom checks import)
    are loaded too, but their tests are not run. Returns the results sorted by file, then
    line. Raises `PolicyError` when the policy set does not load (bad METADATA, missing
    folder).
    """
    every = [*support, *dirs]
    policy_set = load_policy_set(every)
    # support folders come first, so their module names are the same in both sets
    support_tests = set(load_policy_set(support).tests) if support else set()
    modules = [m for m in policy_set.tests if m not in support_tests]
    workers = max(1, min(jobs or (os.cpu_count() or 1), len(modules) or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        batches = list(pool.map(lambda m: _run_child(every, policy_set, m), modules))
    results = [r for batch in batches for r in batch]
    return sorted(results, key=lambda r: (r.file, r.line, r.name))


def exit_code(results: Sequence[TestResult]) -> int:
    """0 when every test passed, 1 otherwise."""
    return 0 if all(r.outcome is Outcome.PASS for r in results) else 1


def _label(r: TestResult) -> str:
    name = f"data.{r.package}.{r.name}" if r.name else f"data.{r.package}"
    return f"{r.file}:{r.line}: {name}"


def render_text(results: Sequence[TestResult], *, verbose: bool = False) -> str:
    """Failures and errors (every test with `verbose`), then a summary line."""
    lines: list[str] = []
    for r in results:
        if r.outcome is Outcome.PASS and not verbose:
            continue
        lines.append(f"{r.outcome.value.upper()}: {_label(r)}")
        if r.message:
            lines.append(f"  {r.message}")
    passed = sum(r.outcome is Outcome.PASS for r in results)
    failed = sum(r.outcome is Outcome.FAIL for r in results)
    errors = sum(r.outcome is Outcome.ERROR for r in results)
    if lines:
        lines.append("-" * 60)
    lines.append(f"PASS: {passed}/{len(results)}, FAIL: {failed}, ERROR: {errors}")
    return "\n".join(lines) + "\n"


def render_json(results: Sequence[TestResult]) -> str:
    """`{"schema_version": 1, "tests": [...], "summary": {...}}`, sorted keys."""
    doc = {
        "schema_version": 1,
        "tests": [{**asdict(r), "outcome": r.outcome.value} for r in results],
        "summary": {
            "total": len(results),
            **{o.value: sum(r.outcome is o for r in results) for o in Outcome},
        },
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def _child(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="policyengine.policytest")
    parser.add_argument("--child", required=True, metavar="MODULE")
    parser.add_argument("dirs", nargs="+", type=Path)
    args = parser.parse_args(argv)
    try:
        policy_set = load_policy_set(args.dirs)
        if args.child not in policy_set.tests:
            raise PolicyError(f"no test module {args.child!r} in {args.dirs}")
        results = run_file(policy_set, args.child)
    except PolicyEngineError as exc:
        print(exc.diagnostics(), file=sys.stderr)
        return 2
    rows = [{**asdict(r), "outcome": r.outcome.value} for r in results]
    sys.stdout.write(_MARK + json.dumps(rows) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(_child(sys.argv[1:]))
