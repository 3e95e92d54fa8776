"""Pages of an evidence pack: Markdown, and the same page as HTML rendered from it.

A `Page` is a list of blocks: Markdown text, or a likelihood-by-impact heat map (a
Markdown table in `.md`, a coloured table in `.html`). The HTML is the Markdown rendered
by markdown-it-py (CommonMark, tables on, raw HTML off, so nothing a model says becomes
markup), in one page with one inline stylesheet that prints well and a
Content-Security-Policy that lets it load nothing. A link from one page to another is
written to the `.md` page and pointed at the `.html` page in the HTML. Pure: no I/O.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt

from ..report import escape
from ..results import ThreatRisk, risk_band

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
"""Nothing is loaded from anywhere, and no script runs: the page carries its own style."""

BANDS = ("low", "medium", "high", "critical")
"""The risk bands (`results.risk_band`), least first."""

_FILL = {"low": "C6EFCE", "medium": "FFEB9C", "high": "F8CBAD", "critical": "FF9B9B"}

CSS = (
    """
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 75em;
  padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.3em; margin-top: 1.6em;
  border-bottom: 1px solid #ccc; } h3 { font-size: 1.1em; }
table { border-collapse: collapse; margin: .5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
code { font-size: 90%; overflow-wrap: anywhere; }
blockquote { border-left: 4px solid #c00; margin: 1em 0; padding: .2em 1em;
  background: #fff3f3; }
table.heat td { width: 5em; height: 2.6em; text-align: center; font-size: 12px; }
"""
    + "".join(f"table.heat td.r-{band} {{ background: #{_FILL[band]}; }}\n" for band in BANDS)
    + """
@media print {
  body { max-width: none; margin: 0; font-size: 10pt; }
  a { color: inherit; text-decoration: none; }
  h2, h3 { break-after: avoid; }
  tr, td, th { break-inside: avoid; }
  table.heat td { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""
)
"""The one stylesheet of every HTML page, inline."""


@dataclass(frozen=True)
class Heat:
    """A likelihood-by-impact heat map of one model's threats."""

    risks: tuple[ThreatRisk, ...]
    """The threats' scores."""


Block = str | Heat
"""Markdown text, or a heat map."""


@dataclass(frozen=True)
class Page:
    """One page of the pack, written as `<path>.md` and `<path>.html`."""

    path: str
    """Its path in the pack without the extension, POSIX (`models/support-assistant/index`)."""
    title: str
    """The page's title (plain text)."""
    blocks: tuple[Block, ...]
    """Its content, in order; the first is expected to hold the `#` heading."""


def md(value: str) -> str:
    """Text from a model, shown literally in Markdown."""
    return escape.markdown(value)


def code(value: str, *, in_table: bool = True) -> str:
    """A path, id or pointer as a code span (safe in a table cell)."""
    return escape.markdown_code(value, in_table=in_table)


def link(text: str, target: str) -> str:
    """A Markdown link to a file of the pack (relative, percent-escaped where needed)."""
    return f"[{text}](<{target.replace('<', '%3C').replace('>', '%3E')}>)"


def relative(from_page: str, target: str) -> str:
    """`target` (a pack path) relative to the folder of the page at `from_page`."""
    return posixpath.relpath(target, posixpath.dirname(from_page) or ".")


def table(head: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table; cells are already escaped."""
    lines = [
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    lines.extend("| " + " | ".join(c.replace("\n", " ") or " " for c in row) + " |" for row in rows)
    return "\n".join(lines) + "\n"


def _grid(risks: Sequence[ThreatRisk]) -> tuple[dict[tuple[int, int], list[str]], list[str]]:
    grid: dict[tuple[int, int], list[str]] = {}
    unscored = []
    for r in risks:
        if risk_band(r.likelihood, r.impact) == "unscored":
            unscored.append(r.threat_id)
        else:
            grid.setdefault((r.likelihood, r.impact), []).append(r.threat_id)
    return grid, unscored


def heat_markdown(heat: Heat) -> str:
    """The heat map as a Markdown table: likelihood 5 at the top, impact 1-5 across; each
    cell its band and the threats scored there."""
    grid, unscored = _grid(heat.risks)
    rows = []
    for likelihood in range(5, 0, -1):
        cells = [f"**{likelihood}**"]
        for impact in range(1, 6):
            ids = ", ".join(md(t) for t in grid.get((likelihood, impact), []))
            band = risk_band(likelihood, impact)
            cells.append(f"{band}: {ids}" if ids else f"_{band}_")
        rows.append(cells)
    text = table(["likelihood \\\\ impact", "1", "2", "3", "4", "5"], rows)
    if unscored:
        text += "\nNot scored: " + ", ".join(md(t) for t in unscored) + ".\n"
    return text


def heat_html(heat: Heat) -> str:
    """The heat map as an HTML table coloured by band."""
    grid, unscored = _grid(heat.risks)
    rows = []
    for likelihood in range(5, 0, -1):
        cells = "".join(
            f'<td class="r-{risk_band(likelihood, impact)}" '
            f'title="likelihood {likelihood}, impact {impact}: {risk_band(likelihood, impact)}">'
            + "<br>".join(escape.html(t) for t in grid.get((likelihood, impact), []))
            + "</td>"
            for impact in range(1, 6)
        )
        rows.append(f"<tr><th>{likelihood}</th>{cells}</tr>")
    heads = "".join(f"<th>{n}</th>" for n in range(1, 6))
    note = "<p>Not scored: " + escape.html(", ".join(unscored)) + ".</p>" if unscored else ""
    legend = ", ".join(f"{b} from {s}" for b, s in zip(BANDS, (1, 5, 10, 15), strict=True))
    return (
        f'<table class="heat"><thead><tr><th>likelihood \\ impact</th>{heads}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        f"<p>Bands of likelihood x impact: {escape.html(legend)}.</p>{note}"
    )


def render_markdown(page: Page) -> bytes:
    """The page as Markdown (UTF-8)."""
    parts = [b if isinstance(b, str) else heat_markdown(b) for b in page.blocks]
    return ("\n".join(p.rstrip("\n") + "\n" for p in parts)).encode("utf-8")


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def _html_links(tokens: list[object], page: str, pages: frozenset[str]) -> None:
    """Point links to another page's `.md` at its `.html` (links to other files stay)."""
    for token in tokens:
        children = getattr(token, "children", None) or []
        for child in children:
            if getattr(child, "type", "") != "link_open":
                continue
            href = str(child.attrGet("href") or "")
            if "://" in href or not href.endswith(".md"):
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(page), href))
            if target.removesuffix(".md") in pages:
                child.attrSet("href", href.removesuffix(".md") + ".html")


def render_html(page: Page, pages: frozenset[str]) -> bytes:
    """The page as one self-contained HTML document: its Markdown rendered, a heat map as
    a coloured table; links to the pages in `pages` (paths without extension) go to their
    `.html`."""
    parser = _parser()
    body = []
    for block in page.blocks:
        if isinstance(block, Heat):
            body.append(heat_html(block))
            continue
        env: dict[str, object] = {}
        tokens = parser.parse(block, env)
        _html_links(list(tokens), page.path, pages)
        body.append(parser.renderer.render(tokens, parser.options, env))
    html = "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<link rel="icon" href="data:,">',
            f"<title>{escape.html(page.title)}</title><style>{CSS}</style></head><body>",
            *body,
            "</body></html>",
        ]
    )
    return (html + "\n").encode("utf-8")
