"""The architecture rules of STYLE.md, read from the source with `ast`.

Imports point one way (`results` imports nothing of ours; `report/*` and `controls` see
only `results`; engines never see the pipeline, the CLI or the report), `cli.py` owns the
process (argparse, `sys.exit`, `sys.argv`, today's date, `print`), `workers.py` owns
every pool of processes, no grab-bag modules, and every format of every command has a
formatter and golden files.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from policyengine.catalog import load_controls
from policyengine.discovery import draft_model
from policyengine.matrix import build_matrix
from policyengine.reminders import remind_report
from policyengine.report import FORMATS_OF, NO_RESULT, STATUS_STYLE, OutputFormat
from policyengine.results import (
    AtlasChange,
    AtlasListing,
    CatalogDiff,
    CheckExplanation,
    CheckInfo,
    CheckListing,
    CheckOutcome,
    CodeFinding,
    CodeKind,
    ControlResult,
    ControlStatus,
    Diagnostic,
    DiscoveryReport,
    Finding,
    MatrixReport,
    ModelReport,
    Outcome,
    PolicyTestReport,
    Report,
    ReviewStatus,
    ReviewVerdict,
    RunResult,
    Severity,
    SoaReport,
    StatusReport,
    Technique,
    TestResult,
)
from policyengine.soa import build_soa

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "policyengine"
GOLDEN = REPO / "tests" / "golden"
CLI_TESTS = REPO / "tests" / "cli"


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


def test_matrix_imports_only_results_and_the_catalog() -> None:
    (matrix,) = [m for m in MODULES if m.name == "policyengine.matrix"]
    assert _ours(matrix) <= {"policyengine.results", "policyengine.catalog"}


@pytest.mark.parametrize(
    "module",
    [
        m
        for m in MODULES
        if _in(m.name, "policyengine.evidence") and m.name != "policyengine.evidence.gather"
    ],
    ids=lambda m: m.rel,
)
def test_evidence_pack_is_made_from_its_sources_alone(module: Module) -> None:
    """The pack's files follow from `results.PackSources`: only `evidence.gather` runs the
    pipeline and git; the rest sees the results, the report formats, the loader's pack
    marker and the tool's errors."""
    allowed = (
        "policyengine.results",
        "policyengine.report",
        "policyengine.evidence",
        "policyengine.errors",
        "policyengine.loader",
    )
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

_GOLDEN_EXT = {
    OutputFormat.TEXT: "txt",
    OutputFormat.JSON: "json",
    OutputFormat.MARKDOWN: "md",
    OutputFormat.CSV: "csv",
    OutputFormat.ICS: "ics",
    OutputFormat.XLSX: "xlsx.txt",
    OutputFormat.HTML: "html",
    OutputFormat.YAML: "yaml",
    OutputFormat.SARIF: "sarif",
    OutputFormat.GITHUB: "github.txt",
    OutputFormat.JUNIT: "junit.xml",
}
"""Extension of each format's golden file; a new format must add its own. A binary
format's golden file is a text dump of what a reader of it sees (`.xlsx.txt`)."""

_PAIRS = [(command, fmt) for command, formats in FORMATS_OF.items() for fmt in formats]
"""Every (command, format) the CLI offers."""


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
        review=ReviewVerdict(ReviewStatus.DUE_SOON, date(2026, 12, 2), 5, (), date(2026, 9, 2)),
    )
    broken = ModelReport(
        path="models/b.yaml",
        model_id="",
        owner="",
        diagnostics=(Diagnostic("models/b.yaml", 3, 1, "YAML syntax error"),),
    )
    return RunResult(models=(model, broken), as_of=date(2026, 11, 27), frameworks=("nist-ai-rmf",))


_INFO = CheckInfo(
    "TM-SCORE-002",
    "Every threat states an assumption",
    "high",
    ("nist-ai-rmf/MAP 5.1",),
    "policies/scoring.rego",
    hint="State the assumption.",
)


def _sample(command: str) -> tuple[Report, str]:
    """A small report of `command` and a text every format of it must show."""
    run = _small_run()
    technique = Technique("AML.T0051", "LLM Prompt Injection", None, ("AML.TA0005",), "", "4.0.0")
    match command:
        case "validate" | "check":
            return run, "models/b.yaml"
        case "status":
            return StatusReport(run), "models/a.yaml"
        case "remind":
            return remind_report(run, 14), "models/a.yaml"
        case "test":
            result = TestResult("p/x_test.rego", "x_test", "test_y", 3, Outcome.FAIL, "undefined")
            return PolicyTestReport((result,)), "test_y"
        case "atlas list":
            return AtlasListing("5.6.1", (technique,)), "AML.T0051"
        case "atlas diff":
            return AtlasChange("5.4.0", "5.6.1", CatalogDiff(("AML.T0051",), (), ())), "AML.T0051"
        case "matrix":
            return MatrixReport(build_matrix(run, load_controls())), "MAP 5.1"
        case "soa":
            return SoaReport(build_soa(run, load_controls(), None)), "A.2.2"
        case "checks":
            return CheckListing((_INFO,)), "TM-SCORE-002"
        case "explain":
            return CheckExplanation(_INFO), "TM-SCORE-002"
        case "discover":
            tool = CodeFinding(
                CodeKind.AGENT_TOOL,
                "lookup_order",
                "app/tools.py",
                4,
                "def lookup_order():",
                provider="langchain",
                asset_type="agent_tool",
            )
            return DiscoveryReport((tool,), draft_model([tool], "app")), "lookup_order"
    raise AssertionError(f"add a sample report of command {command!r}")


@pytest.mark.parametrize("pair", _PAIRS, ids=lambda p: f"{p[0]}-{p[1].value}")
def test_every_format_of_every_command_renders(pair: tuple[str, OutputFormat]) -> None:
    command, fmt = pair
    report, shown = _sample(command)
    if fmt.formatter().binary:
        data = b"".join(fmt.formatter().encoded(report))
        assert data == b"".join(fmt.formatter().encoded(report)) and data
        with pytest.raises(TypeError, match="binary"):
            fmt.formatter().render(report)
        return
    assert b"".join(fmt.formatter().encoded(report)) == fmt.formatter().render(report).encode()
    text = fmt.formatter().render(report)
    assert text.endswith("\n")
    assert shown in text
    assert text == "".join(fmt.formatter().pieces(report)) == fmt.formatter().render(report)


@pytest.mark.parametrize("fmt", list(OutputFormat), ids=lambda f: f.value)
def test_every_format_is_offered_and_refuses_what_it_cannot_show(fmt: OutputFormat) -> None:
    offered = [command for command, f in _PAIRS if f is fmt]
    assert offered, f"no command offers --format {fmt.value}"
    shown = {type(_sample(command)[0]) for command in offered}
    for command in FORMATS_OF:
        # `validate` and `check` both end with a RunResult: a format of one shows the other's
        if command not in offered and type(_sample(command)[0]) not in shown:
            with pytest.raises(TypeError, match="has no view of"):
                fmt.formatter().render(_sample(command)[0])
            with pytest.raises(TypeError, match="has no view of"):
                b"".join(fmt.formatter().encoded(_sample(command)[0]))


def test_every_control_status_has_a_style() -> None:
    """A status added to `ControlStatus` (say `attested`) needs only its style here to
    appear, coloured, in every matrix view and total."""
    assert list(STATUS_STYLE) == list(ControlStatus)
    symbols = [s.symbol for s in STATUS_STYLE.values()] + [NO_RESULT.symbol]
    assert len(set(symbols)) == len(symbols) and all(len(s) == 1 for s in symbols)


def _command_of(argv: list[str]) -> str:
    return " ".join(argv[:2]) if argv[:1] == ["atlas"] else argv[0]


def _golden_formats() -> dict[str, tuple[str, str]]:
    """Golden file name to the (command, `--format`) of the run a CLI test compares it with:
    every `_golden("name", ...)` call of a test function in tests/cli/, with that function's
    `_run(capsys, "command", ...)` call."""
    compared: dict[str, tuple[str, str]] = {}
    for path in sorted(CLI_TESTS.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
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
                    argv = [str(a.value) for a in run.args if isinstance(a, ast.Constant)]
                    if not argv or _command_of(argv) not in FORMATS_OF:
                        continue
                    fmt = FORMATS_OF[_command_of(argv)][0].value
                    for flag in ("--format", "-f"):
                        if flag in argv[:-1]:
                            fmt = argv[argv.index(flag) + 1]
                    compared[name] = (_command_of(argv), fmt)
    return compared


def test_golden_formats_are_read_from_the_cli_tests() -> None:
    found = _golden_formats()
    assert found["check-examples.json"] == ("check", "json")
    assert found["check-examples.txt"] == ("check", "text")
    assert found["atlas-diff.txt"] == ("atlas diff", "text")
    assert found["remind-examples.ics"] == ("remind", "ics")


@pytest.mark.parametrize("pair", _PAIRS, ids=lambda p: f"{p[0]}-{p[1].value}")
def test_every_format_of_every_command_has_a_golden_file(pair: tuple[str, OutputFormat]) -> None:
    command, fmt = pair
    assert fmt in _GOLDEN_EXT, f"add the golden file extension of format {fmt.value}"
    names = [n for n, compared in _golden_formats().items() if compared == (command, fmt.value)]
    assert names, f"no test in tests/cli/ compares a `{command} --format {fmt.value}` golden file"
    for name in names:
        assert name.endswith(f".{_GOLDEN_EXT[fmt]}"), name
        assert (GOLDEN / name).is_file(), f"missing golden file tests/golden/{name}"
