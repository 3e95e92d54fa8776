"""The architecture rules of STYLE.md, read from the source with `ast`.

Imports point one way (`results` imports nothing of ours; `report/*` and `controls` see
only `results`; engines never see the pipeline, the CLI or the report), `cli.py` owns the
process (argparse, `sys.exit`, `sys.argv`, today's date, `print`), `workers.py` owns
every pool of processes, no grab-bag modules, and every report format has a formatter and
golden files.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from policyengine.report import OutputFormat
from policyengine.results import (
    CheckOutcome,
    ControlResult,
    ControlStatus,
    Diagnostic,
    Finding,
    ModelReport,
    ReviewStatus,
    ReviewVerdict,
    RunResult,
    Severity,
)

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "policyengine"
GOLDEN = REPO / "tests" / "golden"
CHECK_TESTS = REPO / "tests" / "cli" / "test_check.py"


@dataclass(frozen=True)
class Module:
    """One module of the package, parsed."""

    name: str
    """Dotted name, e.g. `policyengine.report.text`."""
    path: Path
    """Its file."""
    tree: ast.Module
    """Its syntax tree."""

    @property
    def rel(self) -> str:
        """Path relative to the package folder, e.g. `report/text.py`."""
        return self.path.relative_to(PACKAGE).as_posix()


def _modules() -> list[Module]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found.append(Module(".".join(parts), path, tree))
    return found


MODULES = _modules()


def _is_package(module: Module) -> bool:
    return module.path.name == "__init__.py"


def _resolve(module: Module, node: ast.ImportFrom) -> list[str]:
    """Absolute dotted names an `import from` refers to (module and module.name)."""
    if node.level == 0:
        base = node.module or ""
    else:
        parts = module.name.split(".")
        # a package's own `.` is itself; a plain module's `.` is its package
        keep = len(parts) - node.level + (1 if _is_package(module) else 0)
        base = ".".join(parts[:keep] + ([node.module] if node.module else []))
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def _imports(module: Module) -> set[str]:
    """Every absolute module name imported anywhere in the module (also inside functions)."""
    names: set[str] = set()
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.update(_resolve(module, node))
    return names


_KNOWN = {m.name for m in MODULES}


def _ours(module: Module) -> set[str]:
    """The package's own modules it imports (names that are modules, not attributes)."""
    return {n for n in _imports(module) if n in _KNOWN and n != module.name} - {"policyengine"}


def _in(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_modules_found() -> None:
    names = {m.name for m in MODULES}
    assert {"policyengine.results", "policyengine.cli", "policyengine.report"} <= names
    assert "policyengine.engine.embedded" in names


def test_resolve_relative_imports() -> None:
    text = next(m for m in MODULES if m.name == "policyengine.report.text")
    assert "policyengine.results" in _ours(text)
    assert "policyengine.report" in _ours(text)
    engine = next(m for m in MODULES if m.name == "policyengine.engine")
    assert "policyengine.policyset" in _ours(engine)


def test_results_imports_nothing_of_ours() -> None:
    (results,) = [m for m in MODULES if m.name == "policyengine.results"]
    assert _ours(results) == set()


@pytest.mark.parametrize(
    "module",
    [m for m in MODULES if _in(m.name, "policyengine.report", "policyengine.controls")],
    ids=lambda m: m.rel,
)
def test_views_import_only_results(module: Module) -> None:
    allowed = ("policyengine.results", "policyengine.report")
    assert {n for n in _ours(module) if not _in(n, *allowed)} == set()


@pytest.mark.parametrize(
    "module", [m for m in MODULES if _in(m.name, "policyengine.engine")], ids=lambda m: m.rel
)
def test_engines_do_not_import_upstream(module: Module) -> None:
    banned = ("policyengine.pipeline", "policyengine.cli", "policyengine.report")
    assert {n for n in _ours(module) if _in(n, *banned)} == set()


def _calls(module: Module) -> list[tuple[str, int]]:
    """Dotted names of every call (`sys.exit`, `date.today`, `print`) with their line."""
    found = []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Call):
            parts: list[str] = []
            func: ast.expr = node.func
            while isinstance(func, ast.Attribute):
                parts.append(func.attr)
                func = func.value
            if isinstance(func, ast.Name):
                parts.append(func.id)
                found.append((".".join(reversed(parts)), node.lineno))
    return found


def _uses(module: Module, pattern: str) -> list[str]:
    regex = re.compile(pattern)
    return [f"{module.rel}:{line}: {name}" for name, line in _calls(module) if regex.search(name)]


OUTSIDE_CLI = [m for m in MODULES if m.name != "policyengine.cli"]
"""Every module that must not own the process."""


def test_only_cli_imports_argparse() -> None:
    users = sorted(m.rel for m in OUTSIDE_CLI if "argparse" in _imports(m))
    assert users == []


def test_only_cli_calls_sys_exit() -> None:
    calls = [c for m in OUTSIDE_CLI for c in _uses(m, r"(^|\.)exit$|^_exit$")]
    assert calls == []


def test_only_cli_reads_the_clock() -> None:
    pattern = r"(^|\.)(today|now|utcnow)$|^time\.(time|localtime|gmtime)$"
    calls = [c for m in OUTSIDE_CLI for c in _uses(m, pattern)]
    assert calls == []


def test_only_cli_prints() -> None:
    calls = [c for m in OUTSIDE_CLI for c in _uses(m, r"^print$")]
    assert calls == []


def _process_entry(module: Module) -> bool:
    """`__main__.py`, or a child-process entry point under `if __name__ == "__main__":`."""
    return module.path.name == "__main__.py"


def _owns_process(module: Module) -> list[str]:
    """`sys.argv` reads and `raise SystemExit` outside an `if __name__ == "__main__":`."""
    guarded: set[int] = set()
    for stmt in module.tree.body:
        if isinstance(stmt, ast.If) and "__main__" in ast.unparse(stmt.test):
            guarded.update(id(n) for n in ast.walk(stmt))
    found = []
    for node in ast.walk(module.tree):
        if id(node) in guarded:
            continue
        if isinstance(node, ast.Attribute) and ast.unparse(node) == "sys.argv":
            found.append(f"{module.rel}:{node.lineno}: sys.argv")
        if isinstance(node, ast.Raise) and node.exc is not None:
            raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if ast.unparse(raised) == "SystemExit":
                found.append(f"{module.rel}:{node.lineno}: raise SystemExit")
    return sorted(found)


def test_sys_argv_and_system_exit_only_at_process_entries() -> None:
    """`sys.argv` and `raise SystemExit` appear only in cli.py, `__main__.py` and under the
    `if __name__ == "__main__":` of a child-process module (policytest's child runner)."""
    found = [c for m in OUTSIDE_CLI if not _process_entry(m) for c in _owns_process(m)]
    assert found == []


def _fake(source: str) -> Module:
    return Module("policyengine.fake", PACKAGE / "fake.py", ast.parse(source))


def test_rules_catch_violations() -> None:
    """The detectors above do find what they ban (so an empty list means something)."""
    bad = _fake(
        "import argparse, sys\n"
        "from datetime import date, datetime\n"
        "from .report import text\n"
        "def f():\n"
        "    print(date.today(), datetime.now())\n"
        "    sys.exit(sys.argv)\n"
        "    raise SystemExit(1)\n"
    )
    assert "argparse" in _imports(bad)
    assert "policyengine.report" in _imports(bad)
    assert [c.split(": ")[1] for c in _uses(bad, r"(^|\.)(today|now|utcnow)$")] == [
        "date.today",
        "datetime.now",
    ]
    assert _uses(bad, r"^print$") == ["fake.py:5: print"]
    assert _uses(bad, r"(^|\.)exit$|^_exit$") == ["fake.py:6: sys.exit"]
    assert _owns_process(bad) == ["fake.py:6: sys.argv", "fake.py:7: raise SystemExit"]
    guarded = _fake('import sys\nif __name__ == "__main__":\n    raise SystemExit(sys.argv)\n')
    assert _owns_process(guarded) == []


def test_no_grab_bag_modules() -> None:
    banned = {"utils.py", "helpers.py", "common.py", "util.py", "misc.py"}
    assert sorted(m.rel for m in MODULES if m.path.name in banned) == []


def test_only_workers_starts_pools_of_processes() -> None:
    """`workers.py` is the one home of parallel work: every process or thread pool."""
    pools = ("multiprocessing", "concurrent.futures", "threading")
    users = sorted(m.rel for m in MODULES if any(_in(n, *pools) for n in _imports(m)))
    assert users == ["workers.py"]


def test_every_module_has_a_docstring() -> None:
    assert sorted(m.rel for m in MODULES if not ast.get_docstring(m.tree)) == []


# --- report formats: formatter, golden file, compared by the CLI test ---------------------

_GOLDEN_EXT = {OutputFormat.TEXT: "txt", OutputFormat.JSON: "json"}
"""Extension of each format's golden file; a new format must add its own."""


def _small_run() -> RunResult:
    finding = Finding(
        check_id="TM-SCORE-002",
        severity=Severity.HIGH,
        message="threat T-1 has no assumption",
        pointer="/threats/0/assumptions",
        line=7,
        column=5,
        controls=("nist-ai-rmf/MAP 5.1",),
    )
    model = ModelReport(
        path="models/a.yaml",
        model_id="a",
        owner="team-a",
        diagnostics=(),
        checks=(
            CheckOutcome(
                "TM-SCORE-002", "Every threat states an assumption", Severity.HIGH, True, (finding,)
            ),
        ),
        controls=(
            ControlResult(
                "nist-ai-rmf/MAP 5.1",
                "nist-ai-rmf",
                ControlStatus.NOT_SATISFIED,
                ("TM-SCORE-002",),
                (finding,),
            ),
        ),
        review=ReviewVerdict(ReviewStatus.CURRENT, date(2027, 1, 2), 36, (), date(2026, 10, 2)),
    )
    broken = ModelReport(
        path="models/b.yaml",
        model_id="",
        owner="",
        diagnostics=(Diagnostic("models/b.yaml", 3, 1, "YAML syntax error"),),
    )
    return RunResult(models=(model, broken), as_of=date(2026, 11, 27), frameworks=("nist-ai-rmf",))


@pytest.mark.parametrize("fmt", list(OutputFormat), ids=lambda f: f.value)
def test_every_format_renders(fmt: OutputFormat) -> None:
    text = fmt.formatter().render(_small_run())
    assert text.endswith("\n")
    assert "TM-SCORE-002" in text
    assert "models/b.yaml" in text
    assert text == fmt.formatter().render(_small_run())


def _golden_formats() -> dict[str, str]:
    """Golden file name to the `--format` of the `check` run that test_check.py compares."""
    tree = ast.parse(CHECK_TESTS.read_text(encoding="utf-8"))
    compared: dict[str, str] = {}
    for func in tree.body:
        if not isinstance(func, ast.FunctionDef):
            continue
        calls = [n for n in ast.walk(func) if isinstance(n, ast.Call)]
        names = [
            c.args[0].value
            for c in calls
            if ast.unparse(c.func) == "_golden"
            and c.args
            and isinstance(c.args[0], ast.Constant)
            and isinstance(c.args[0].value, str)
        ]
        runs = [c for c in calls if ast.unparse(c.func) == "_run"]
        for name in names:
            for run in runs:
                argv = [a.value for a in run.args if isinstance(a, ast.Constant)]
                if "check" not in argv:
                    continue
                fmt = "text"
                for flag in ("--format", "-f"):
                    if flag in argv[:-1]:
                        fmt = str(argv[argv.index(flag) + 1])
                compared[name] = fmt
    return compared


def test_golden_formats_are_read_from_the_cli_tests() -> None:
    assert _golden_formats()["check-examples.json"] == "json"


@pytest.mark.parametrize("fmt", list(OutputFormat), ids=lambda f: f.value)
def test_every_format_has_a_golden_file_compared_by_the_cli_tests(fmt: OutputFormat) -> None:
    assert fmt in _GOLDEN_EXT, f"add the golden file extension of format {fmt.value}"
    name = f"check-examples.{_GOLDEN_EXT[fmt]}"
    assert (GOLDEN / name).is_file(), f"missing golden file tests/golden/{name}"
    assert _golden_formats().get(name) == fmt.value, (
        f"tests/cli/test_check.py does not compare {name} with a `check --format {fmt.value}` run"
    )
