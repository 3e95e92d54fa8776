"""Report formats: pure views of the report of every command.

Each command ends with one `Report` (results.py): a `RunResult` for `validate` and
`check`, a `StatusReport`, `RemindReport`, `PolicyTestReport`, `AtlasListing` or
`AtlasChange` for the others. A formatter never evaluates, re-derives a status, reads a
file or knows which engine ran; everything it shows was decided and ordered upstream.
Each format is one module; `FORMATS_OF` says which formats each command offers. Adding a
format means a module, a member of `OutputFormat` and golden files for every command that
offers it (an exhaustiveness test checks all three).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import assert_never

from ..results import Report


class Formatter(ABC):
    """Turns a command's report into the bytes of one report format."""

    @abstractmethod
    def render(self, report: Report) -> str:
        """The whole report as text (ends with a newline).

        Raises TypeError for a kind of report the format has no view of (a command never
        offers that format: see `FORMATS_OF`).
        """

    def pieces(self, report: Report) -> Iterator[str]:
        """The same text in pieces, so that a large report is written without being held
        whole; joined, they are `render(report)`. By default, one piece."""
        yield self.render(report)


class OutputFormat(StrEnum):
    """Every report format (`--format`); `FORMATS_OF` says which command offers which."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    CSV = "csv"
    ICS = "ics"

    def formatter(self) -> Formatter:
        """The formatter for this format."""
        from .csv import CsvFormatter
        from .ics import IcsFormatter
        from .json import JsonFormatter
        from .markdown import MarkdownFormatter
        from .text import TextFormatter

        match self:
            case OutputFormat.TEXT:
                return TextFormatter()
            case OutputFormat.JSON:
                return JsonFormatter()
            case OutputFormat.MARKDOWN:
                return MarkdownFormatter()
            case OutputFormat.CSV:
                return CsvFormatter()
            case OutputFormat.ICS:
                return IcsFormatter()
            case _:
                assert_never(self)


_T, _J, _M = OutputFormat.TEXT, OutputFormat.JSON, OutputFormat.MARKDOWN

FORMATS_OF: Mapping[str, tuple[OutputFormat, ...]] = MappingProxyType(
    {
        "validate": (_T, _J),
        "check": (_T, _J),
        "status": (_T, _J, _M, OutputFormat.CSV),
        "remind": (_T, _M, _J, OutputFormat.ICS),
        "test": (_T, _J),
        "atlas list": (_T, _J),
        "atlas diff": (_T, _J),
    }
)
"""The formats each command offers, its default first (the CLI's `--format` choices)."""


def no_view(fmt: OutputFormat, report: Report) -> TypeError:
    """The error a formatter raises for a kind of report its format cannot show."""
    return TypeError(f"the {fmt.value} format has no view of a {type(report).__name__}")
