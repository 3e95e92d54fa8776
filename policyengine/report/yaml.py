"""`--format yaml`: the draft threat model of `discover`, as a YAML document.

The draft was built upstream (`discovery.draft_model`); this view only writes it, keys
in the order of the format, with a comment line on top that says where it came from.
"""

from __future__ import annotations

from typing import assert_never

import yaml

from ..results import (
    AtlasChange,
    AtlasListing,
    CheckExplanation,
    CheckListing,
    DiscoveryReport,
    MatrixReport,
    PolicyTestReport,
    RemindReport,
    Report,
    RunResult,
    SoaReport,
    StatusReport,
)
from . import Formatter, OutputFormat, no_view

HEADER = (
    "# yaml-language-server: $schema=https://policyengine.dev/schemas/threat-model/v1.json\n"
    "# Drafted by `policyengine discover` from the code (static analysis): every asset has\n"
    "# x-discovered-at (file:line). Check each one, then write and score the threats.\n"
)
"""The comment lines the draft starts with."""


class _Dumper(yaml.SafeDumper):
    """Lists indented under their key, as the examples write them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


class YamlFormatter(Formatter):
    """`--format yaml`: the draft threat model of a discovery."""

    def render(self, report: Report) -> str:
        """The draft model as YAML, after the header comment."""
        match report:
            case DiscoveryReport():
                body = yaml.dump(
                    dict(report.draft),
                    Dumper=_Dumper,
                    sort_keys=False,
                    allow_unicode=True,
                    width=100,
                    default_flow_style=False,
                )
                return HEADER + body
            case (
                RunResult()
                | StatusReport()
                | RemindReport()
                | PolicyTestReport()
                | AtlasListing()
                | AtlasChange()
                | CheckListing()
                | CheckExplanation()
                | MatrixReport()
                | SoaReport()
            ):
                raise no_view(OutputFormat.YAML, report)
            case _:
                assert_never(report)
