"""Report formats: pure views of the report of every command.

Each command ends with one `Report` (results.py): a `RunResult` for `validate` and
`check`, a `StatusReport`, `RemindReport`, `PolicyTestReport`, `AtlasListing`,
`AtlasChange`, `CheckListing` or `CheckExplanation` (or another, in results.`Report`)
for the others. A formatter never evaluates, re-derives a status, reads a
file or knows which engine ran; everything it shows was decided and ordered upstream.
Each format is one module; `FORMATS_OF` says which formats each command offers. Adding a
format means a module, a member of `OutputFormat` and golden files for every command that
offers it (an exhaustiveness test checks all three). Text formats give text (`render`);
a binary one (xlsx) gives bytes only (`encoded`, which every format has).

How each control status is shown (symbol, terminal colour, fill colour) is said once, in
`STATUS_STYLE`; a test fails when a `ControlStatus` member has no style.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import ClassVar, assert_never

from ..results import ControlStatus, Report


def counted(n: int, noun: str, plural: str = "") -> str:
    """`n` and `noun`, plural unless `n` is 1: `1 model`, `2 models`, `0 models`
    (`plural` for a noun that does not just take an `s`: `counted(2, "entry", "entries")`)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


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

    binary: ClassVar[bool] = False
    """True for a format whose output is not text (xlsx): it has `encoded` only."""

    def encoded(self, report: Report) -> Iterator[bytes]:
        """The bytes written to a file or stdout, in pieces: `pieces` as UTF-8 for a text
        format; a binary format overrides it."""
        for piece in self.pieces(report):
            yield piece.encode("utf-8")


class OutputFormat(StrEnum):
    """Every report format (`--format`); `FORMATS_OF` says which command offers which."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    CSV = "csv"
    ICS = "ics"
    XLSX = "xlsx"
    HTML = "html"
    YAML = "yaml"
    SARIF = "sarif"
    GITHUB = "github"
    JUNIT = "junit"

    def formatter(self) -> Formatter:
        """The formatter for this format; only its own module is imported (the HTML and
        XLSX ones bring markdown-it and XlsxWriter, ~50 ms a process)."""
        match self:
            case OutputFormat.TEXT:
                from .text import TextFormatter

                return TextFormatter()
            case OutputFormat.JSON:
                from .json import JsonFormatter

                return JsonFormatter()
            case OutputFormat.MARKDOWN:
                from .markdown import MarkdownFormatter

                return MarkdownFormatter()
            case OutputFormat.CSV:
                from .csv import CsvFormatter

                return CsvFormatter()
            case OutputFormat.ICS:
                from .ics import IcsFormatter

                return IcsFormatter()
            case OutputFormat.XLSX:
                from .xlsx import XlsxFormatter

                return XlsxFormatter()
            case OutputFormat.HTML:
                from .html import HtmlFormatter

                return HtmlFormatter()
            case OutputFormat.YAML:
                from .yaml import YamlFormatter

                return YamlFormatter()
            case OutputFormat.SARIF:
                from .sarif import SarifFormatter

                return SarifFormatter()
            case OutputFormat.GITHUB:
                from .github import GithubFormatter

                return GithubFormatter()
            case OutputFormat.JUNIT:
                from .junit import JunitFormatter

                return JunitFormatter()
            case _:
                assert_never(self)


_T, _J, _M = OutputFormat.TEXT, OutputFormat.JSON, OutputFormat.MARKDOWN

FORMATS_OF: Mapping[str, tuple[OutputFormat, ...]] = MappingProxyType(
    {
        "validate": (_T, _J),
        "check": (_T, _J, OutputFormat.SARIF, OutputFormat.GITHUB, OutputFormat.JUNIT, _M),
        "status": (_T, _J, _M, OutputFormat.CSV),
        "remind": (_T, _M, _J, OutputFormat.ICS),
        "test": (_T, _J),
        "atlas list": (_T, _J),
        "atlas diff": (_T, _J),
        "matrix": (_T, _M, OutputFormat.CSV, _J, OutputFormat.XLSX, OutputFormat.HTML),
        "soa": (_M, OutputFormat.CSV, _J, OutputFormat.XLSX, OutputFormat.HTML),
        "checks": (_T, _J),
        "explain": (_T, _M),
        "discover": (OutputFormat.YAML, _J, _T),
    }
)
"""The formats each command offers, its default first (the CLI's `--format` choices)."""


def no_view(fmt: OutputFormat, report: Report) -> TypeError:
    """The error a formatter raises for a kind of report its format cannot show."""
    return TypeError(f"the {fmt.value} format has no view of a {type(report).__name__}")


@dataclass(frozen=True)
class StatusStyle:
    """How one control status is shown in every matrix view."""

    symbol: str
    """One ASCII character for the terminal's cells (`+` satisfied, `X` not satisfied)."""
    ansi: str
    """SGR parameters of its terminal colour, e.g. `32` (green)."""
    fill: str
    """Background colour, `RRGGBB` hex, of its cells in xlsx and html."""
    label: str
    """How it reads in words (the enum value with spaces)."""


STATUS_STYLE: Mapping[ControlStatus, StatusStyle] = MappingProxyType(
    {
        ControlStatus.SATISFIED: StatusStyle("+", "32", "C6EFCE", "satisfied"),
        ControlStatus.ATTESTED: StatusStyle("a", "34", "BFE3E8", "attested"),
        ControlStatus.PARTIAL: StatusStyle("~", "33", "FFEB9C", "partial"),
        ControlStatus.NOT_SATISFIED: StatusStyle("X", "31;1", "FFC7CE", "not satisfied"),
        ControlStatus.NOT_APPLICABLE: StatusStyle("-", "2", "E7E6E6", "not applicable"),
        ControlStatus.WAIVED: StatusStyle("w", "36", "DDEBF7", "waived"),
        ControlStatus.NOT_ASSESSED: StatusStyle("?", "35", "EDE1F5", "not assessed"),
    }
)
"""The style of every control status, in `ControlStatus` order."""

NO_RESULT = StatusStyle(".", "2", "FFFFFF", "no result")
"""The style of a cell without a result (an invalid model, a framework it does not use)."""
