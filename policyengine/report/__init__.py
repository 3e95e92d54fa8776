"""Report formats: pure views of a `RunResult`.

A formatter never evaluates, re-derives a status, reads a file or knows which engine ran;
everything it shows was decided and ordered upstream. Adding a format means a module, a
member of `OutputFormat` and golden files (an exhaustiveness test checks all three).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from enum import StrEnum
from typing import assert_never

from ..results import RunResult


class Formatter(ABC):
    """Turns a run into the bytes of one report format."""

    @abstractmethod
    def render(self, run: RunResult) -> str:
        """The whole report as text (ends with a newline)."""

    def pieces(self, run: RunResult) -> Iterator[str]:
        """The same text in pieces, so that a large report is written without being held
        whole; joined, they are `render(run)`. By default, one piece."""
        yield self.render(run)


class OutputFormat(StrEnum):
    """The formats of `validate` and `check` reports."""

    TEXT = "text"
    JSON = "json"

    def formatter(self) -> Formatter:
        """The formatter for this format."""
        from .json import JsonFormatter
        from .text import TextFormatter

        match self:
            case OutputFormat.TEXT:
                return TextFormatter()
            case OutputFormat.JSON:
                return JsonFormatter()
            case _:
                assert_never(self)
