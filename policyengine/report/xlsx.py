"""The xlsx format: the `matrix` and the Statement of Applicability (`soa_xlsx`) as Excel
workbooks, made with XlsxWriter.

One sheet per framework (controls by models, each cell coloured by its status, the header
row and the control columns frozen, filters on every column, the totals below), a `cells`
sheet with one row per cell and its checks, findings and evidence (frozen and filtered
too), and an `about` sheet with the provenance. Every text is written as a string, never
as a formula, a number or a link, and on one line. The same matrix gives the same bytes:
the workbook's creation date is the as-of date and XlsxWriter stamps its zip members with
a fixed date.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any, ClassVar, assert_never

import xlsxwriter

from ..results import (
    AtlasChange,
    AtlasListing,
    CheckExplanation,
    CheckListing,
    ControlStatus,
    DiscoveryReport,
    EvidencePointer,
    Matrix,
    MatrixFramework,
    MatrixReport,
    PolicyTestReport,
    Provenance,
    RemindReport,
    Report,
    RunResult,
    Soa,
    SoaReport,
    StatusReport,
)
from . import NO_RESULT, STATUS_STYLE, Formatter, OutputFormat, escape, no_view
from .text import commit_label, judged_label, style_of

_MAX_CELL = 32767
"""The most characters an Excel cell holds."""

_CELL_COLUMNS = (
    "framework", "control", "title", "model_path", "model_id", "status", "checks", "not_run",
    "failed", "findings", "messages", "evidence", "judged", "note",
)  # fmt: skip


def _text(value: str) -> str:
    text = escape.text(value)
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 3] + "..."


class _Book:
    """The workbook being written, with one cell format per status."""

    def __init__(self, as_of: date, title: str, out: io.BytesIO) -> None:
        self.wb = xlsxwriter.Workbook(
            out,
            {
                "in_memory": True,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        created = datetime.combine(as_of, time(0, 0))
        self.wb.set_properties(
            {
                "title": title,
                "author": "policyengine",
                "created": created,
            }
        )
        self.bold = self.wb.add_format({"bold": True, "bottom": 1})
        self.fills = {
            style.label: self.wb.add_format({"bg_color": f"#{style.fill}", "border": 1})
            for style in (*STATUS_STYLE.values(), NO_RESULT)
        }

    def put(self, ws: Any, row: int, col: int, value: str, fmt: Any = None) -> None:
        ws.write_string(row, col, _text(value), fmt)


def _framework_sheet(book: _Book, fw: MatrixFramework, matrix: Matrix) -> None:
    ws = book.wb.add_worksheet(fw.framework[:31])
    heads = ["control", "title", "group", "judged_by", *(m.label for m in matrix.models)]
    for col, head in enumerate(heads):
        book.put(ws, 0, col, head, book.bold)
    for r, row in enumerate(fw.rows, start=1):
        for col, value in enumerate((row.id, row.title, row.group, row.judged_by)):
            book.put(ws, r, col, value)
        for i, cell in enumerate(row.cells):
            style = style_of(cell)
            label = cell.status.value if cell is not None else ""
            book.put(ws, r, 4 + i, label, book.fills[style.label])
    last = len(fw.rows)
    ws.autofilter(0, 0, last, len(heads) - 1)
    ws.freeze_panes(1, 2)
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 60)
    ws.set_column(2, 3, 18)
    ws.set_column(4, max(4, len(heads) - 1), 16)
    # The totals, below the filtered rows: one row per status, a column per model.
    start = last + 2
    book.put(ws, start, 0, f"totals ({fw.name})", book.bold)
    book.put(ws, start, 3, "all models", book.bold)
    for n, status in enumerate(fw.totals, start=start + 1):
        book.put(ws, n, 0, status.value, book.fills[STATUS_STYLE[status].label])
        ws.write_number(n, 3, fw.totals[status])
        for i, totals in enumerate(fw.model_totals):
            ws.write_number(n, 4 + i, totals[status])


def _cells_sheet(book: _Book, matrix: Matrix) -> None:
    ws = book.wb.add_worksheet("cells")
    for col, head in enumerate(_CELL_COLUMNS):
        book.put(ws, 0, col, head, book.bold)
    r = 0
    for fw in matrix.frameworks:
        for row in fw.rows:
            for model, cell in zip(matrix.models, row.cells, strict=True):
                r += 1
                facts = (
                    (
                        cell.status.value,
                        " ".join(cell.checks),
                        " ".join(cell.not_run),
                        " ".join(cell.failed),
                        str(len(cell.findings)),
                        "; ".join(
                            f"{f.check_id} line {f.line} {f.pointer}: {f.message}"
                            for f in cell.findings
                        ),
                        " ".join(cell.evidence),
                        "; ".join(judged_label(p) for p in cell.judged),
                        cell.note,
                    )
                    if cell is not None
                    else ("", "", "", "", "", "", "", "", "")
                )
                values = (fw.framework, row.id, row.title, model.path, model.model_id, *facts)
                for col, value in enumerate(values):
                    fmt = book.fills[style_of(cell).label] if col == 5 else None
                    book.put(ws, r, col, value, fmt)
    ws.autofilter(0, 0, r, len(_CELL_COLUMNS) - 1)
    ws.freeze_panes(1, 0)
    ws.set_column(0, len(_CELL_COLUMNS) - 1, 18)


def _about_sheet(book: _Book, matrix: Matrix) -> None:
    _about(book, "control-coverage matrix", matrix.as_of, matrix.provenance)


def _about(book: _Book, report: str, as_of: date, p: Provenance | None) -> None:
    ws = book.wb.add_worksheet("about")
    rows = [("report", report), ("as_of", as_of.isoformat())]
    if p is not None:
        rows.extend(
            [
                ("tool_version", p.tool_version),
                ("commit", commit_label(p)),
                ("policy_digest", p.policy_digest or ""),
                *((f"catalog {name}", version) for name, version in p.catalogs),
            ]
        )
    for r, (key, value) in enumerate(rows):
        book.put(ws, r, 0, key, book.bold)
        book.put(ws, r, 1, value)
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 90)


def matrix_xlsx(matrix: Matrix) -> bytes:
    """The workbook's bytes; the same matrix gives the same bytes."""
    out = io.BytesIO()
    book = _Book(matrix.as_of, f"Control-coverage matrix {matrix.as_of.isoformat()}", out)
    for fw in matrix.frameworks:
        _framework_sheet(book, fw, matrix)
    _cells_sheet(book, matrix)
    _about_sheet(book, matrix)
    book.wb.close()
    return out.getvalue()


class XlsxFormatter(Formatter):
    """`--format xlsx` (`matrix`): a binary format, so `encoded` only."""

    binary: ClassVar[bool] = True

    def render(self, report: Report) -> str:
        """Raises TypeError: a workbook is not text (use `encoded`); or, for a report the
        format has no view of, the `no_view` TypeError."""
        self._check(report)
        raise TypeError("the xlsx format is binary: use encoded(), not render()")

    def encoded(self, report: Report) -> Iterator[bytes]:
        """The workbook's bytes, in one piece."""
        self._check(report)
        if isinstance(report, SoaReport):
            yield soa_xlsx(report.soa)
            return
        assert isinstance(report, MatrixReport)
        yield matrix_xlsx(report.matrix)

    @staticmethod
    def _check(report: Report) -> None:
        match report:
            case MatrixReport() | SoaReport():
                return
            case (
                RunResult()
                | StatusReport()
                | RemindReport()
                | PolicyTestReport()
                | AtlasListing()
                | AtlasChange()
                | CheckListing()
                | CheckExplanation()
                | DiscoveryReport()
            ):
                raise no_view(OutputFormat.XLSX, report)
            case _:
                assert_never(report)


# --- the Statement of Applicability ------------------------------------------------------

_SOA_HEADS = (
    "control", "title", "judged_by", "applicable", "justification", "implementation", "owner",
    "documents", "contradicted_by", "organisation",
)  # fmt: skip
"""The `soa` sheet's first columns, then one per model. `contradicted_by` names the models
whose verdicts show a control decided not applicable applies (TM-REG-007), filled as a
failure."""


def _soa_sheet(book: _Book, soa: Soa) -> None:
    ws = book.wb.add_worksheet("soa")
    heads = [*_SOA_HEADS, *(m.label for m in soa.models)]
    for col, head in enumerate(heads):
        book.put(ws, 0, col, head, book.bold)
    for r, row in enumerate(soa.rows, start=1):
        d = row.decision
        applicable = "" if d is None or d.applicable is None else ("yes" if d.applicable else "no")
        values = (
            row.id,
            row.title,
            row.judged_by,
            applicable,
            d.justification if d is not None else "",
            (d.implementation or "") if d is not None else "",
            d.owner if d is not None else "",
            "; ".join(d.documents) if d is not None else "",
        )
        for col, value in enumerate(values):
            book.put(ws, r, col, value)
        if row.contradicted_by:
            failing = book.fills[STATUS_STYLE[ControlStatus.NOT_SATISFIED].label]
            book.put(ws, r, len(values), "; ".join(row.contradicted_by), failing)
        if row.judged_by == "organisation":
            style = STATUS_STYLE[row.status] if row.status is not None else NO_RESULT
            label = row.status.value if row.status is not None else ""
            book.put(ws, r, len(_SOA_HEADS) - 1, label, book.fills[style.label])
        for i, v in enumerate(row.verdicts):
            style = STATUS_STYLE[v.status] if v.status is not None else NO_RESULT
            label = v.status.value if v.status is not None else ""
            book.put(ws, r, len(_SOA_HEADS) + i, label, book.fills[style.label])
    ws.autofilter(0, 0, len(soa.rows), len(heads) - 1)
    ws.freeze_panes(1, 2)
    ws.set_column(0, 0, 10)
    ws.set_column(1, 1, 50)
    ws.set_column(2, 3, 12)
    ws.set_column(4, 4, 60)
    ws.set_column(5, 8, 20)
    ws.set_column(9, max(9, len(heads) - 1), 16)


_EVIDENCE_COLUMNS = (
    "control",
    "model_path",
    "model_id",
    "status",
    "file",
    "line",
    "pointer",
    "what",
    "note",
)


def _soa_evidence_sheet(book: _Book, soa: Soa) -> None:
    ws = book.wb.add_worksheet("evidence")
    for col, head in enumerate(_EVIDENCE_COLUMNS):
        book.put(ws, 0, col, head, book.bold)
    r = 0
    for row in soa.rows:
        found: list[tuple[str, str, str, str, EvidencePointer | None]] = []
        if row.decision is not None:
            found.append(("", "", "", row.decision.justification, row.decision.where))
        if row.judged_by == "organisation":
            status = row.status.value if row.status is not None else ""
            found += [("", "(organisation)", status, "", p) for p in row.evidence]
        for v in row.verdicts:
            status = v.status.value if v.status is not None else ""
            found += [(v.model_path, v.model_id, status, v.note, p) for p in v.evidence]
            if not v.evidence:
                found.append((v.model_path, v.model_id, status, v.note, None))
        for path, model_id, status, note, p in found:
            r += 1
            values = (
                row.id,
                path,
                model_id,
                status,
                p.file if p is not None else "",
                str(p.line) if p is not None and p.line else "",
                p.pointer if p is not None else "",
                p.what if p is not None else "",
                note,
            )
            for col, value in enumerate(values):
                book.put(ws, r, col, value)
    ws.autofilter(0, 0, r, len(_EVIDENCE_COLUMNS) - 1)
    ws.freeze_panes(1, 1)
    ws.set_column(0, len(_EVIDENCE_COLUMNS) - 1, 20)


def soa_xlsx(soa: Soa) -> bytes:
    """The Statement of Applicability as a workbook: `soa` (a row per control, each model's
    status coloured), `evidence` (a row per located piece of evidence) and `about`; the
    same statement gives the same bytes."""
    out = io.BytesIO()
    book = _Book(soa.as_of, f"Statement of Applicability {soa.as_of.isoformat()}", out)
    _soa_sheet(book, soa)
    _soa_evidence_sheet(book, soa)
    _about(book, "statement of applicability", soa.as_of, soa.provenance)
    book.wb.close()
    return out.getvalue()
