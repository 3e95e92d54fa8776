"""The CSV format: the `status` table, one row per model, the `matrix`, one row per
cell (framework, control, model), and the Statement of Applicability, one row per control
and model, for a spreadsheet.

Free-text cells (paths, ids, owners, reasons, notes, messages) go through
`escape.csv_cell`, so that none is read as a formula nor breaks a line; dates and the
(possibly negative) days left are the tool's own.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import assert_never

from ..results import (
    AtlasChange,
    AtlasListing,
    CheckExplanation,
    CheckListing,
    DiscoveryReport,
    EvidencePointer,
    Matrix,
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
from . import Formatter, OutputFormat, escape, no_view
from .text import commit_label, judged_label, review_cells

_COLUMNS = ("path", "id", "owner", "last_reviewed", "due", "days_left", "status", "reasons")


def _status_csv(run: RunResult) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(_COLUMNS)
    for m in run.models:
        last, due, days, status, reasons = review_cells(m)
        free = (m.path, m.model_id, m.owner)
        writer.writerow(
            [*map(escape.csv_cell, free), last, due, days, status, escape.csv_cell(reasons)]
        )
    return buf.getvalue()


class CsvFormatter(Formatter):
    """`--format csv` (`status`): a header row, then one row per model; "" when unknown."""

    def render(self, report: Report) -> str:
        """The report as CSV with `\\n` line ends."""
        match report:
            case StatusReport():
                return _status_csv(report.run)
            case MatrixReport():
                return _matrix_csv(report.matrix)
            case SoaReport():
                return _soa_csv(report.soa)
            case (
                RunResult()
                | RemindReport()
                | PolicyTestReport()
                | AtlasListing()
                | AtlasChange()
                | CheckListing()
                | CheckExplanation()
            ):
                raise no_view(OutputFormat.CSV, report)
            case DiscoveryReport():
                raise no_view(OutputFormat.CSV, report)
            case _:
                assert_never(report)


_MATRIX_COLUMNS = (
    "framework", "control", "title", "group", "judged_by", "model_path", "model_id", "status",
    "checks", "not_run", "failed", "findings", "evidence", "judged", "note",
    "as_of", "tool_version", "commit", "policy_digest", "catalogs",
)  # fmt: skip
"""One row per cell; the provenance columns repeat on every row, so that any row cut out
of the file still says where it came from."""


def _stamp(p: Provenance | None, as_of: date) -> list[str]:
    """The provenance columns of a row: as of, tool, commit, policy digest, catalogs."""
    if p is None:
        return [as_of.isoformat(), "", "", "", ""]
    return [
        p.as_of.isoformat(),
        p.tool_version,
        commit_label(p),
        p.policy_digest or "",
        "; ".join(f"{name} {version}" for name, version in p.catalogs),
    ]


def _matrix_csv(matrix: Matrix) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(_MATRIX_COLUMNS)
    stamp = _stamp(matrix.provenance, matrix.as_of)
    for fw in matrix.frameworks:
        for row in fw.rows:
            for model, c in zip(matrix.models, row.cells, strict=True):
                facts = (
                    [
                        c.status.value,
                        " ".join(c.checks),
                        " ".join(c.not_run),
                        " ".join(c.failed),
                        str(len(c.findings)),
                        " ".join(c.evidence),
                        "; ".join(judged_label(p) for p in c.judged),
                        c.note,
                    ]
                    if c is not None
                    else ["", "", "", "", "", "", "", ""]
                )
                head = [fw.framework, row.id, row.title, row.group, row.judged_by]
                writer.writerow(
                    [
                        escape.csv_cell(v)
                        for v in (*head, model.path, model.model_id, *facts, *stamp)
                    ]
                )
    return buf.getvalue()


_SOA_COLUMNS = (
    "control", "title", "judged_by", "applicable", "justification", "implementation", "owner",
    "documents", "contradicted_by", "model_path", "model_id", "status", "checks", "not_run",
    "failed", "evidence", "note",
    "as_of", "tool_version", "commit", "policy_digest", "catalogs",
)  # fmt: skip
"""One row per Annex A control and model (one row for the repository for an organisation
control, its model columns empty); the provenance on every row. `contradicted_by` names
the models whose verdicts show a control decided not applicable applies (TM-REG-007)."""


def _pointers(evidence: tuple[EvidencePointer, ...]) -> str:
    return "; ".join(
        " ".join(
            part for part in (f"{p.file}:{p.line}" if p.line else p.file, p.pointer, p.what) if part
        )
        for p in evidence
    )


def _soa_csv(soa: Soa) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(_SOA_COLUMNS)
    stamp = _stamp(soa.provenance, soa.as_of)
    for row in soa.rows:
        d = row.decision
        decided = (
            [
                "" if d.applicable is None else ("yes" if d.applicable else "no"),
                d.justification,
                d.implementation or "",
                d.owner,
                "; ".join(d.documents),
            ]
            if d is not None
            else ["", "", "", "", ""]
        )
        decided.append("; ".join(row.contradicted_by))
        head = [row.id, row.title, row.judged_by, *decided]
        if row.judged_by == "organisation":
            status = row.status.value if row.status is not None else ""
            facts = ["", "", status, "", "", "", _pointers(row.evidence), ""]
            writer.writerow([escape.csv_cell(v) for v in (*head, *facts, *stamp)])
            continue
        for v in row.verdicts:
            facts = [
                v.model_path,
                v.model_id,
                v.status.value if v.status is not None else "",
                " ".join(v.checks),
                " ".join(v.not_run),
                " ".join(v.failed),
                _pointers(v.evidence),
                v.note,
            ]
            writer.writerow([escape.csv_cell(x) for x in (*head, *facts, *stamp)])
    return buf.getvalue()
