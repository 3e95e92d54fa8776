"""report/escape: each format family's escaping, on the strings an attacker would write."""

from __future__ import annotations

import csv
import html
import io
import json
import re

import pytest
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

from policyengine.report import escape


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\nb", "a\\nb"),
        ("a\r\nb", "a\\r\\nb"),
        ("\x1b[2J", "\\x1b[2J"),
        ("tab\there", "tab\\there"),
        ("nul\x00del\x7fc1\x85", "nul\\x00del\\x7fc1\\x85"),
        ("line\u2028para\u2029", "line\\u2028para\\u2029"),
        ("rtl\u202eoverride\u2066", "rtl\\u202eoverride\\u2066"),
        ("C:\\path é ü 漢字 -> ok", "C:\\path é ü 漢字 -> ok"),
    ],
    ids=["lf", "crlf", "esc", "tab", "c0-del-c1", "separators", "bidi", "plain"],
)
def test_text_puts_every_control_character_on_the_line_visibly(raw: str, shown: str) -> None:
    assert escape.text(raw) == shown
    assert len(escape.text(raw).splitlines()) == 1


def test_github_data_and_property_cannot_end_the_command() -> None:
    forged = "x\n::error file=a.yaml::forged %0A::warning::b"
    data = escape.github_data(forged)
    assert data == "x\\n::error file=a.yaml::forged %250A::warning::b"
    prop = escape.github_property("a.yaml,line=1::x")
    assert prop == "a.yaml%2Cline=1%3A%3Ax"


def _runner_decodes(value: str) -> str:
    """What the GitHub Actions runner makes of an escaped property value."""
    for encoded, raw in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        value = value.replace(encoded, raw)
    return value


def test_github_file_names_the_file_and_cannot_end_the_command() -> None:
    """The attacker's B8: a model file named with a newline and `::notice::` came out as
    `file=models/a\\n%3A%3Anotice...`, a file that does not exist, so the annotation
    was placed on none; encoded as the runner decodes it, it names the real file."""
    for path in ("models/a\n::notice::x\r.yaml", "models/100%,line=1.yaml", "m/%0A.yaml"):
        encoded = escape.github_file(path)
        assert not set(encoded) & set("\r\n:,")
        assert _runner_decodes(encoded) == path
    assert escape.github_file("models/a\n::x.yaml") == "models/a%0A%3A%3Ax.yaml"
    assert escape.github_file("m/\x1b[2J.yaml") == "m/\\x1b[2J.yaml"  # shown, as text does


@pytest.mark.parametrize(
    ("raw", "cell"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("  =1+1", "'  =1+1"),
        ("\t=1", "\\t=1"),
        ("owner-team", "owner-team"),
    ],
    ids=["equals", "plus", "minus", "at", "leading-spaces", "tab", "plain"],
)
def test_csv_cell_makes_formulas_text(raw: str, cell: str) -> None:
    assert escape.csv_cell(raw) == cell
    buf = io.StringIO()
    csv.writer(buf).writerow([escape.csv_cell(raw)])
    (row,) = csv.reader(io.StringIO(buf.getvalue()))
    assert row[0][:1] not in {"=", "+", "-", "@"}


@pytest.mark.parametrize(
    "raw",
    [
        "[x](javascript:alert(1))",
        "![img](http://x/a.png)",
        "<script>alert(1)</script>",
        "*bold* _em_ ~~strike~~ `code`",
        "&lt;entity&gt; \\*",
        "a | cell | b",
        "line\n# heading\n- item",
    ],
    ids=["link", "image", "html", "emphasis", "entity", "pipes", "newlines"],
)
def test_markdown_renders_the_text_literally(raw: str) -> None:
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    rendered = md.render(f"| a |\n|---|\n| {escape.markdown(raw)} |\n")
    assert "<a " not in rendered and "<img" not in rendered and "<script" not in rendered
    assert "<em>" not in rendered and "<code>" not in rendered and "<s>" not in rendered
    assert rendered.count("<td>") == 1  # one cell: no pipe split it, no line ended the row
    # shown as the text itself: exactly the characters, HTML-escaped by the renderer
    shown = md.renderInline(escape.markdown(raw)).replace("\u200b", "")
    assert shown == escapeHtml(escape.text(raw))


@pytest.mark.parametrize(
    "raw",
    [
        "log in at https://evil.example/login now",
        "ask @acme/security-team or @octocat",
        "see www.evil.example or WWW.Evil.example",
        "mail owner@evil.example, mailto:owner@evil.example or xmpp:bot@evil.example",
        "fixes #12 and acme/repo#3",
        "ftp://evil.example/x",
    ],
    ids=["url", "mention", "www", "email", "issue", "ftp"],
)
def test_markdown_gives_github_nothing_to_link_or_notify(raw: str) -> None:
    """GitHub also makes links, mentions and issue references of the rendered text (after
    Markdown, where escapes no longer count): none of its triggers survive in that text,
    which still reads as the value (a zero-width space is all that was added)."""
    md = MarkdownIt("commonmark")
    shown = html.unescape(md.renderInline(escape.markdown(raw)))
    assert "<a " not in md.renderInline(escape.markdown(raw))
    for trigger in (r"[A-Za-z]://", r"(?i)www\.", r"@\w", r"#\d", r"(?i)(mailto|xmpp):"):
        assert re.search(trigger, shown) is None, (trigger, shown)
    assert shown.replace("\u200b", "") == raw


def test_markdown_code_span_cannot_be_closed() -> None:
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    span = escape.markdown_code("a`b``c|d")
    assert span == "```a`b``c|d```"
    assert md.renderInline(span) == "<code>a`b``c|d</code>"
    assert escape.markdown_code("`x") == "`` `x ``"
    cell = escape.markdown_code("a|b", in_table=True)
    rendered = md.render(f"| a |\n|---|\n| {cell} |\n")
    assert rendered.count("<td>") == 1 and "<code>a|b</code>" in rendered


def test_html_escapes_tags_quotes_and_lines() -> None:
    assert escape.html("<script>\"'&\n") == "&lt;script&gt;&quot;&#x27;&amp;\\n"


def test_json_document_is_the_same_document_with_no_raw_line_breaks() -> None:
    value = {"owner": "a\u2028b\x85c\u202ed\x7f\n", "plain": "é"}
    dumped = escape.json_document(json.dumps(value, ensure_ascii=False, indent=2))
    assert json.loads(dumped) == value
    assert dumped.splitlines() == dumped.split("\n")
    assert "é" in dumped
