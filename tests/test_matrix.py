"""The matrix stage (`matrix.build_matrix`), the escaping of model text in every matrix
format, and the provenance of a run inside a git repository."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import date
from pathlib import Path

import git
import openpyxl
import pytest

from policyengine.catalog import load_controls
from policyengine.cli import main
from policyengine.matrix import build_matrix
from policyengine.report import OutputFormat
from policyengine.results import (
    ControlResult,
    ControlStatus,
    Diagnostic,
    Finding,
    MatrixReport,
    ModelReport,
    Provenance,
    RunResult,
    Severity,
    ThreatRisk,
    exit_status,
)

REPO = Path(__file__).resolve().parent.parent
FORGED = '<script>alert(1)</script> | =HYPERLINK("x") *bold* [l](javascript:x)\n\x1b[31mred'


def _finding(message: str = "threat T-1 has no assumption") -> Finding:
    return Finding(
        "TM-SCORE-002", Severity.HIGH, message, "/threats/0", 7, 5, ("nist-ai-rmf/MAP 5.1",)
    )


def _run(owner: str = "team-a", message: str = "threat T-1 has no assumption") -> RunResult:
    finding = _finding(message)
    judged = ModelReport(
        path="models/a.yaml",
        model_id="a",
        owner=owner,
        diagnostics=(),
        controls=(
            ControlResult(
                "nist-ai-rmf/MAP 5.1",
                "nist-ai-rmf",
                ControlStatus.PARTIAL,
                ("TM-SCORE-001", "TM-SCORE-002"),
                (finding,),
                evidence=("/threats/0",),
            ),
            ControlResult(
                "nist-ai-rmf/MAP 1.1", "nist-ai-rmf", ControlStatus.WAIVED, (), (), note=owner
            ),
        ),
        risks=(ThreatRisk("T-1", 4, 5, "open"), ThreatRisk(owner, 0, 3)),
    )
    broken = ModelReport(
        "models/b.yaml", "", "", (Diagnostic("models/b.yaml", 3, 1, "YAML syntax error"),)
    )
    provenance = Provenance("0.1.0", date(2026, 11, 27), None, None, "ab" * 32, (("x", owner),))
    return RunResult(
        models=(judged, broken),
        as_of=date(2026, 11, 27),
        frameworks=("nist-ai-rmf", "iso42001"),
        provenance=provenance,
    )


def test_rows_are_the_catalog_and_cells_the_models() -> None:
    catalog = load_controls()
    matrix = build_matrix(_run(), catalog)
    assert [fw.framework for fw in matrix.frameworks] == ["nist-ai-rmf", "iso42001"]
    nist, iso = matrix.frameworks
    assert [r.control for r in nist.rows] == [c.key for c in catalog.for_framework("nist-ai-rmf")]
    assert nist.name == "NIST AI RMF 1.0"
    row = next(r for r in nist.rows if r.id == "MAP 5.1")
    cell, none = row.cells
    assert cell is not None and none is None  # the invalid model has no result
    assert (cell.status, cell.failed, cell.evidence) == (
        ControlStatus.PARTIAL,
        ("TM-SCORE-002",),
        ("/threats/0",),
    )
    assert row.title == catalog.get("nist-ai-rmf/MAP 5.1").title  # type: ignore[union-attr]
    # the model gave no result for the other controls: no cell, counted as unjudged
    assert nist.unjudged == 2 * len(nist.rows) - 2
    assert iso.unjudged == 2 * len(iso.rows)


def test_totals_list_every_status_in_enum_order() -> None:
    nist = build_matrix(_run(), load_controls()).frameworks[0]
    assert list(nist.totals) == list(ControlStatus)
    assert nist.totals[ControlStatus.PARTIAL] == 1 and nist.totals[ControlStatus.WAIVED] == 1
    assert sum(nist.totals.values()) == 2
    assert [sum(t.values()) for t in nist.model_totals] == [2, 0]


def test_an_invalid_model_fails_the_matrix_and_a_gap_does_not() -> None:
    run = _run()
    assert exit_status(MatrixReport(build_matrix(run, load_controls()))) == 1
    valid_only = RunResult(models=run.models[:1], as_of=run.as_of, frameworks=run.frameworks)
    assert exit_status(MatrixReport(build_matrix(valid_only, load_controls()))) == 0


def _render(fmt: OutputFormat, owner: str = FORGED) -> str:
    report = MatrixReport(build_matrix(_run(owner, message=FORGED), load_controls()))
    return fmt.formatter().render(report)


def test_text_shows_model_text_on_one_line() -> None:
    out = _render(OutputFormat.TEXT)
    assert "\x1b" not in out
    assert max(len(line) for line in out.splitlines()) <= 100


def test_colour_only_when_asked() -> None:
    report = MatrixReport(build_matrix(_run(), load_controls()), colour=True)
    out = OutputFormat.TEXT.formatter().render(report)
    assert "\x1b[33m~\x1b[0m" in out  # partial in yellow
    assert max(len(line) for line in out.replace("\x1b[", "").splitlines()) <= 130


def test_markdown_escapes_model_text() -> None:
    out = _render(OutputFormat.MARKDOWN)
    assert "<script>" not in out and "\\<script\\>" in out
    assert "[l](javascript" not in out and "\x1b" not in out
    assert "\\| =HYPERLINK" in out


def test_csv_cells_are_never_formulas() -> None:
    out = _render(OutputFormat.CSV)
    rows = list(csv.DictReader(io.StringIO(out)))
    notes = {r["note"] for r in rows if r["control"] == "MAP 1.1" and r["model_id"] == "a"}
    assert notes == {FORGED.replace("\n", "\\n").replace("\x1b", "\\x1b")}
    catalogs = {r["catalogs"] for r in rows}
    assert all(not c.startswith(("=", "+", "-", "@")) for c in catalogs)
    forged = _render(OutputFormat.CSV, owner="=1+2")
    assert "'=1+2" in forged and ",=1+2" not in forged


def test_json_keeps_model_text_exact() -> None:
    doc = json.loads(_render(OutputFormat.JSON))
    cells = doc["frameworks"][0]["controls"]
    map11 = next(c for c in cells if c["id"] == "MAP 1.1")
    assert map11["cells"][0]["note"] == FORGED


def test_html_escapes_model_text() -> None:
    out = _render(OutputFormat.HTML)
    assert "<script>alert" not in out and "&lt;script&gt;alert" in out
    assert 'href="javascript' not in out


def test_xlsx_writes_text_never_formulas(tmp_path: Path) -> None:
    report = MatrixReport(build_matrix(_run("=1+2"), load_controls()))
    path = tmp_path / "m.xlsx"
    path.write_bytes(b"".join(OutputFormat.XLSX.formatter().encoded(report)))
    book = openpyxl.load_workbook(path)
    values = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert "=1+2" in values  # a string cell: openpyxl reads a formula with data_type "f"
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)


@pytest.fixture
def repository(tmp_path: Path) -> tuple[Path, git.Repo]:
    """The examples committed to a new git repository."""
    root = tmp_path / "repo"
    shutil.copytree(REPO / "examples", root)
    repo = git.Repo.init(root)
    with repo.config_writer() as cfg:
        cfg.set_value("user", "name", "Test").set_value("user", "email", "t@example.com")
    repo.git.add(A=True)
    repo.index.commit("examples")
    return root, repo


def test_provenance_names_the_commit_and_a_dirty_tree(
    repository: tuple[Path, git.Repo], capsys: pytest.CaptureFixture[str]
) -> None:
    root, repo = repository
    argv = ["matrix", str(root), "--as-of", "2026-11-27", "-f", "json"]
    main(argv)
    clean = json.loads(capsys.readouterr().out)["provenance"]
    assert clean["commit"] == repo.head.commit.hexsha and clean["dirty"] is False
    assert clean["tool_version"] and clean["as_of"] == "2026-11-27"
    (root / "notes.txt").write_text("not yet committed\n", encoding="utf-8")
    main(["check", str(root), "--as-of", "2026-11-27", "-f", "json"])
    dirty = json.loads(capsys.readouterr().out)["provenance"]
    assert dirty["commit"] == repo.head.commit.hexsha and dirty["dirty"] is True
    assert dirty["policy_digest"] == clean["policy_digest"]
    main(["check", str(root), "--as-of", "2026-11-27"])
    assert f"commit: {repo.head.commit.hexsha} (work tree dirty)\n" in capsys.readouterr().out
