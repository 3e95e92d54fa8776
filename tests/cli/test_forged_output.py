"""No field of a model can forge output: every format of every model command, with an
attacker's string in every free-text field, a key and a file name.

The example model is walked; each string the schema lets be anything (an owner, a name,
a description, an evidence path, ...) is replaced by the payload, so the model stays
valid and its checks and review run. A second model carries the payload as an unknown
key (a schema diagnostic quotes it), and its file name carries it too.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import icalendar
import pytest
import yaml
from markdown_it import MarkdownIt

from policyengine.cli import main
from policyengine.loader import parse_document
from policyengine.report import FORMATS_OF, OutputFormat, escape
from policyengine.schema import quickly_valid

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "models" / "support-assistant.yaml"

FORGED_LINE = "::error file=x.yaml,line=1::forged"
"""What an attacker wants at the start of a line: a workflow command, or a finding."""
FORGED_FINDING = "models/x.yaml:1:1: error: forged"

PAYLOADS = {
    "newline-command": f"ok\n{FORGED_LINE}",
    "cr-command": f"ok\r{FORGED_LINE}",
    "newline-finding": f"ok\n{FORGED_FINDING}\n",
    "separator": f"ok\u2028{FORGED_LINE}\x85{FORGED_FINDING}",
    "terminal": "ok\x1b[2J\x1b]0;title\x07",
    "formula": "=cmd|' /C calc'!A0",
    "formula-at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "html": "<script>alert(1)</script>",
    "cell": "| cell | cell |",
    "link": "[x](javascript:alert(1))",
}


def _strings(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _strings(value, (*path, i))
    elif isinstance(node, str):
        yield path


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


def _set(node: Any, path: tuple[Any, ...], value: str) -> None:
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


def _forged_model(payload: str) -> tuple[dict[str, Any], int]:
    """The example with `payload` in every string the schema leaves free; and how many."""
    data = parse_document(EXAMPLE.read_bytes(), str(EXAMPLE)).data
    free = []
    for path in _strings(data):
        trial = copy.deepcopy(data)
        _set(trial, path, payload)
        if quickly_valid(trial):
            free.append(path)
    for path in free:
        _set(data, path, payload)
    assert quickly_valid(data)
    return data, len(free)


def _repo(tmp_path: Path, payload: str) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(REPO / "examples", root)
    shutil.rmtree(root / "models")
    (root / "models").mkdir()
    data, count = _forged_model(payload)
    assert count >= 100  # owner, names, descriptions, evidence paths, ...
    dump = yaml.safe_dump(data, sort_keys=False, allow_unicode=False)
    (root / "models" / "forged.yaml").write_text(dump, encoding="utf-8")
    keyed = copy.deepcopy(data)
    keyed["metadata"][payload] = "an unknown key"
    keyed["metadata"]["id"] = "keyed"
    name = payload.replace("/", "_")[:200]  # a file name holds 255 bytes
    dump = yaml.safe_dump(keyed, sort_keys=False, allow_unicode=False)
    (root / "models" / f"{name}.yaml").write_text(dump, encoding="utf-8")
    return root


def _argv(command: str, fmt: OutputFormat, root: Path) -> list[str]:
    argv = [command, str(root / "models"), "--as-of", "2026-11-27", "--format", fmt.value]
    argv += ["--config", str(root / ".policyengine.yaml")]
    return [*argv, "--within", "100000"] if command == "remind" else argv


def _no_forged_line(out: str) -> None:
    for line in out.splitlines():
        assert not line.lstrip().startswith(("::", FORGED_FINDING)), line
    assert "\x1b" not in out and "\x07" not in out


def _markdown(out: str) -> None:
    _no_forged_line(out)
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    # as a renderer that allows any link scheme would:
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    html = md.render(out)
    assert "<script" not in html and "<a " not in html
    for table in html.split("<table>")[1:]:  # a check comment has several tables
        rows = table.split("</table>")[0].split("<tr>")[1:]
        widths = {row.count("<th") + row.count("<td") for row in rows}
        assert len(widths) <= 1, widths  # no field split a cell or ended a row


def _github(out: str) -> None:
    """Every line is one workflow command the tool wrote, its properties its own (a field
    cannot end them or add one), or the tool's summary line last."""
    lines = out.splitlines()
    assert re.fullmatch(
        r"policyengine: \d+ annotations? \([^)]*\); the check (fails|passes) at --fail-on \w+",
        lines[-1],
    ), lines[-1]
    for line in lines[:-1]:
        kind, _, rest = line.partition(" ")
        assert kind in ("::error", "::warning", "::notice"), line
        properties = rest.split("::", 1)[0]
        for prop in properties.split(","):
            assert prop.split("=", 1)[0] in ("file", "line", "col", "title"), line
    assert "\x1b" not in out and "\x07" not in out


def _junit(out: str) -> None:
    import xml.etree.ElementTree as ET

    _no_forged_line(out)
    assert ET.fromstring(out).tag == "testsuites"  # no control character broke the XML


def _csv(out: str) -> None:
    rows = list(csv.reader(io.StringIO(out)))
    assert all(len(row) == len(rows[0]) for row in rows)
    header = rows[0]
    free = [header.index(c) for c in ("path", "id", "owner", "reasons")]
    for row in rows[1:]:
        for i in free:
            assert row[i][:1] not in {"=", "+", "-", "@"}, row[i]
    _no_forged_line(out)


def _ics(out: str) -> None:
    body = out.removesuffix("\r\n")
    for line in body.split("\r\n"):
        assert "\r" not in line and "\n" not in line and "\x1b" not in line
        assert not line.startswith("::")
    calendar = icalendar.Calendar.from_ical(out)
    assert calendar.walk("VEVENT")


def _json(out: str, payload: str) -> None:
    _no_forged_line(out)
    texts = [_get(json.loads(out), path) for path in _strings(json.loads(out))]
    assert any(payload in text for text in texts)  # the text is carried exactly


def _check_all_formats(
    capsys: pytest.CaptureFixture[str], command: str, root: Path, payload: str, *extra: str
) -> None:
    """Run `command` in each of its formats and check each output."""
    for fmt in FORMATS_OF[command]:
        code = main([*_argv(command, fmt, root), *extra])
        out, err = capsys.readouterr()
        assert code in (0, 1), (command, fmt, err)
        _no_forged_line(err)
        match fmt:
            case OutputFormat.TEXT:
                _no_forged_line(out)
                assert escape.text(payload) in out  # shown, on its line
            case OutputFormat.JSON:
                _json(out, payload)
            case OutputFormat.MARKDOWN:
                _markdown(out)
            case OutputFormat.CSV:
                _csv(out)
            case OutputFormat.ICS:
                _ics(out)
            case OutputFormat.SARIF:
                _json(out, payload)
            case OutputFormat.GITHUB:
                _github(out)
            case OutputFormat.JUNIT:
                _junit(out)


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_no_format_lets_a_field_forge_output(
    payload: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path, payload)
    for command in ("validate", "check", "status", "remind"):
        _check_all_formats(capsys, command, root, payload)
