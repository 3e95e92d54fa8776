"""The CSV format: the `status` table, one row per model, for a spreadsheet."""

from __future__ import annotations

import csv
import io
from typing import assert_never

from ..results import (
    AtlasChange,
    AtlasListing,
    PolicyTestReport,
    RemindReport,
    Report,
    RunResult,
    StatusReport,
)
from . import Formatter, OutputFormat, no_view
from .text import review_cells

_COLUMNS = ("path", "id", "owner", "last_reviewed", "due", "days_left", "status", "reasons")


def _status_csv(run: RunResult) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(_COLUMNS)
    for m in run.models:
        writer.writerow([m.path, m.model_id, m.owner, *review_cells(m)])
    return buf.getvalue()


class CsvFormatter(Formatter):
    """`--format csv` (`status`): a header row, then one row per model; "" when unknown."""

    def render(self, report: Report) -> str:
        """The report as CSV with `\\n` line ends."""
        match report:
            case StatusReport():
                return _status_csv(report.run)
            case RunResult() | RemindReport() | PolicyTestReport() | AtlasListing() | AtlasChange():
                raise no_view(OutputFormat.CSV, report)
            case _:
                assert_never(report)
