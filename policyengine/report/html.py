"""The HTML format: the `matrix` and the Statement of Applicability (`soa_html`), each as
one self-contained page (no network, no CDN).

The page has a heat map of the matrix (one table per framework, a coloured cell per model
and control), a likelihood-by-impact heat map per model, and filters by framework, status
and model, in inline CSS and JavaScript. The prose parts (the models, each cell's checks,
findings and evidence, the provenance) are the Markdown format's, rendered by
markdown-it-py with raw HTML off, so the page says what the Markdown says. Every text from
a model is escaped; the page's Content-Security-Policy lets it load nothing.
"""

from __future__ import annotations

from typing import assert_never

from markdown_it import MarkdownIt

from ..results import (
    AtlasChange,
    AtlasListing,
    CheckExplanation,
    CheckListing,
    ControlStatus,
    DiscoveryReport,
    Matrix,
    MatrixFramework,
    MatrixModel,
    MatrixReport,
    PolicyTestReport,
    RemindReport,
    Report,
    RunResult,
    Soa,
    SoaReport,
    StatusReport,
    risk_band,
)
from . import NO_RESULT, STATUS_STYLE, Formatter, OutputFormat, escape, no_view
from .markdown import (
    framework_details_markdown,
    matrix_models_markdown,
    provenance_markdown,
    soa_contradiction,
    soa_details_markdown,
    soa_table_markdown,
)
from .text import judged_label, style_of

_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
"""Nothing is loaded from anywhere: the page carries its own style and script."""


def _h(value: str) -> str:
    """Text from a model as HTML text or attribute content, on one line."""
    return escape.html(value)


def _markdown(text: str) -> str:
    """Markdown rendered with raw HTML off (a `<` in the text stays text) and tables on."""
    rendered: str = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    return rendered


def _css() -> str:
    statuses = "\n".join(
        f".s-{status.value} {{ background: #{style.fill}; }}"
        for status, style in STATUS_STYLE.items()
    )
    return f"""
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }}
table {{ border-collapse: collapse; margin: .5em 0 1em; }}
th, td {{ border: 1px solid #ccc; padding: 2px 6px; text-align: left; vertical-align: top; }}
table.heat td.cell {{ text-align: center; min-width: 2.2em; font-family: monospace; }}
table.heat td.title {{ max-width: 38em; }}
table.heat th.model {{ writing-mode: vertical-rl; transform: rotate(180deg); }}
.s-none {{ background: #{NO_RESULT.fill}; color: #999; }}
{statuses}
td.dim {{ opacity: .15; }}
.hidden {{ display: none; }}
table.risk td {{ width: 4.5em; height: 2.6em; text-align: center; font-size: 12px; }}
.r-low {{ background: #C6EFCE; }} .r-medium {{ background: #FFEB9C; }}
.r-high {{ background: #F8CBAD; }} .r-critical {{ background: #FF9B9B; }}
#filters {{ position: sticky; top: 0; background: #fff; padding: .5em 0;
  border-bottom: 1px solid #ccc; }}
#filters label {{ margin-right: 1.2em; }}
.legend span {{ display: inline-block; padding: 0 .5em; margin-right: .3em;
  border: 1px solid #ccc; }}
"""


_SCRIPT = """
(function () {
  "use strict";
  var fw = document.getElementById("filter-framework");
  var st = document.getElementById("filter-status");
  var md = document.getElementById("filter-model");
  var shown = document.getElementById("shown");
  function hide(el, yes) { el.classList.toggle("hidden", yes); }
  function apply() {
    var f = fw.value, s = st.value, m = md.value, count = 0;
    document.querySelectorAll("[data-framework]").forEach(function (el) {
      hide(el, f !== "" && el.dataset.framework !== f);
    });
    document.querySelectorAll("table.heat [data-model]").forEach(function (el) {
      hide(el, m !== "" && el.dataset.model !== m);
    });
    document.querySelectorAll("div.risk[data-model]").forEach(function (el) {
      hide(el, m !== "" && el.dataset.model !== m);
    });
    document.querySelectorAll("table.heat tbody tr").forEach(function (tr) {
      var any = false;
      tr.querySelectorAll("td.cell").forEach(function (td) {
        var inModel = m === "" || td.dataset.model === m;
        var match = s === "" || td.dataset.status === s;
        td.classList.toggle("dim", !match);
        if (inModel && match) { any = true; }
      });
      hide(tr, !any);
      var table = tr.closest("[data-framework]");
      if (any && !(table && table.classList.contains("hidden"))) {
        tr.querySelectorAll("td.cell").forEach(function (td) {
          if ((m === "" || td.dataset.model === m) && (s === "" || td.dataset.status === s)) {
            count += 1;
          }
        });
      }
    });
    shown.textContent = count + " cells shown";
  }
  [fw, st, md].forEach(function (el) { el.addEventListener("change", apply); });
  apply();
}());
"""


def _options(pairs: list[tuple[str, str]]) -> str:
    return "".join(f'<option value="{_h(v)}">{_h(label)}</option>' for v, label in pairs)


def _filters(matrix: Matrix) -> str:
    frameworks = [("", "all")] + [(fw.framework, fw.name) for fw in matrix.frameworks]
    statuses = [("", "all")] + [(s.value, s.value) for s in ControlStatus] + [("none", "no result")]
    models = [("", "all")] + [(str(i), m.label) for i, m in enumerate(matrix.models)]
    return (
        '<form id="filters" onsubmit="return false">'
        f'<label>Framework <select id="filter-framework">{_options(frameworks)}</select></label>'
        f'<label>Status <select id="filter-status">{_options(statuses)}</select></label>'
        f'<label>Model <select id="filter-model">{_options(models)}</select></label>'
        '<output id="shown"></output></form>'
    )


def _legend() -> str:
    spans = "".join(
        f'<span class="s-{status.value}">{_h(style.symbol)} {_h(style.label)}</span>'
        for status, style in STATUS_STYLE.items()
    )
    return (
        f'<p class="legend">{spans}<span class="s-none">{_h(NO_RESULT.symbol)} no result</span></p>'
    )


def _heat_table(fw: MatrixFramework, matrix: Matrix) -> str:
    heads = "".join(
        f'<th class="model" data-model="{i}" title="{_h(m.path)}">{_h(m.label)}</th>'
        for i, m in enumerate(matrix.models)
    )
    rows = []
    for row in fw.rows:
        cells = []
        for i, cell in enumerate(row.cells):
            style = style_of(cell)
            status = cell.status.value if cell is not None else "none"
            facts = [style.label]
            if cell is not None:
                if cell.checks:
                    facts.append("checks " + ", ".join(cell.checks))
                if cell.not_run:
                    facts.append("not run " + ", ".join(cell.not_run))
                if cell.failed:
                    facts.append("failed " + ", ".join(cell.failed))
                if cell.evidence:
                    facts.append("evidence " + ", ".join(cell.evidence))
                if cell.judged:
                    facts.append("judged " + ", ".join(judged_label(p) for p in cell.judged))
            tip = f"{row.id} / {matrix.models[i].label}: " + "; ".join(facts)
            cells.append(
                f'<td class="cell s-{status}" data-model="{i}" data-status="{status}" '
                f'title="{_h(tip)}">{_h(style.symbol)}</td>'
            )
        rows.append(
            f'<tr data-control="{_h(row.control)}"><th>{_h(row.id)}</th>'
            f'<td class="title">{_h(row.title)}</td>{"".join(cells)}</tr>'
        )
    totals = ", ".join(f"{n} {s.value}" for s, n in fw.totals.items() if n) or "no cells"
    return (
        f'<table class="heat"><thead><tr><th>Control</th><th>Title</th>{heads}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<p class="totals">Totals, all models: {_h(totals)}.</p>'
    )


def _risk_map(i: int, model: MatrixModel) -> str:
    """Likelihood (rows, 5 at the top) by impact (columns): the model's threat ids."""
    grid: dict[tuple[int, int], list[str]] = {}
    unscored = []
    for r in model.risks:
        if 1 <= r.likelihood <= 5 and 1 <= r.impact <= 5:
            grid.setdefault((r.likelihood, r.impact), []).append(r.threat_id)
        else:
            unscored.append(r.threat_id)
    rows = []
    for likelihood in range(5, 0, -1):
        cells = "".join(
            f'<td class="r-{risk_band(likelihood, impact)}" '
            f'title="likelihood {likelihood}, impact {impact}">'
            f"{'<br>'.join(_h(t) for t in grid.get((likelihood, impact), []))}</td>"
            for impact in range(1, 6)
        )
        rows.append(f"<tr><th>{likelihood}</th>{cells}</tr>")
    impacts = "".join(f"<th>{n}</th>" for n in range(1, 6))
    note = (
        f"<p>Not scored: {_h(', '.join(unscored))}.</p>"
        if unscored
        else ("" if model.risks else "<p>No threats scored.</p>")
    )
    return (
        f'<div class="risk" data-model="{i}"><h3>{_h(model.label)}</h3>'
        '<table class="risk"><thead><tr><th>likelihood \\ impact</th>'
        f"{impacts}</tr></thead><tbody>{''.join(rows)}</tbody></table>{note}</div>"
    )


def matrix_html(matrix: Matrix) -> str:
    """The whole page."""
    title = f"Control-coverage matrix ({matrix.as_of.isoformat()})"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',
        f"<title>{_h(title)}</title><style>{_css()}</style></head><body>",
        f"<h1>{_h(title)}</h1>",
        _filters(matrix),
        '<section id="models"><h2>Models</h2>',
        _markdown(matrix_models_markdown(matrix)),
        "</section>",
        '<section id="heatmap"><h2>Heat map</h2>',
        _legend(),
    ]
    parts.extend(
        f'<div class="framework" data-framework="{_h(fw.framework)}">'
        f"<h3>{_h(fw.name)} ({_h(fw.framework)})</h3>{_heat_table(fw, matrix)}</div>"
        for fw in matrix.frameworks
    )
    parts.append("</section>")
    parts.append('<section id="risks"><h2>Likelihood by impact, per model</h2>')
    parts.extend(_risk_map(i, m) for i, m in enumerate(matrix.models))
    parts.append("</section>")
    parts.append('<section id="cells"><h2>Cells: checks, findings and evidence</h2>')
    parts.extend(
        f'<div class="framework" data-framework="{_h(fw.framework)}">'
        f"<h3>{_h(fw.name)} ({_h(fw.framework)})</h3>"
        f"{_markdown(framework_details_markdown(fw, matrix))}</div>"
        for fw in matrix.frameworks
    )
    parts.append("</section>")
    if matrix.provenance is not None:
        provenance = _markdown(provenance_markdown(matrix.provenance))
        parts.append(f'<section id="provenance">{provenance}</section>')
    parts.append(f"<script>{_SCRIPT}</script></body></html>")
    return "\n".join(parts) + "\n"


class HtmlFormatter(Formatter):
    """`--format html` (`matrix`): one self-contained page."""

    def render(self, report: Report) -> str:
        """The report as one HTML document."""
        match report:
            case MatrixReport():
                return matrix_html(report.matrix)
            case SoaReport():
                return soa_html(report.soa)
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
                raise no_view(OutputFormat.HTML, report)
            case _:
                assert_never(report)


# --- the Statement of Applicability ------------------------------------------------------


def _soa_status(status: ControlStatus | None) -> str:
    value = status.value if status is not None else "none"
    style = STATUS_STYLE[status] if status is not None else NO_RESULT
    return f'<td class="cell s-{value}" title="{_h(style.label)}">{_h(style.label)}</td>'


def _soa_table(soa: Soa) -> str:
    heads = "".join(f'<th title="{_h(m.path)}">{_h(m.label)}</th>' for m in soa.models)
    rows = []
    for row in soa.rows:
        d = row.decision
        if d is None or d.applicable is None:
            applicable = "undecided"
        else:
            applicable = "yes" if d.applicable else "no"
        if row.contradicted_by:
            applicable = f"no, contradicted: {soa_contradiction(row, soa)} show it applies"
        if row.judged_by == "organisation":
            results = _soa_status(row.status) + "".join(
                '<td class="inherited">inherited</td>' for _ in soa.models
            )
        else:
            results = '<td class="na">-</td>' + "".join(_soa_status(v.status) for v in row.verdicts)
        cells = (
            f'<th>{_h(row.id)}</th><td class="title">{_h(row.title)}</td>'
            f"<td>{_h(applicable)}</td>"
            f"<td>{_h(d.implementation or 'undecided') if d is not None else 'undecided'}</td>"
            f"<td>{_h(d.owner) if d is not None else ''}</td>{results}"
        )
        rows.append(f'<tr data-control="{_h(row.control)}">{cells}</tr>')
    return (
        '<table class="heat soa"><thead><tr><th>Control</th><th>Title</th><th>Applicable</th>'
        f"<th>Implementation</th><th>Owner</th><th>Organisation</th>{heads}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def soa_html(soa: Soa) -> str:
    """The Statement of Applicability as one self-contained page: a table coloured by
    status, then the Markdown's decisions, verdicts, evidence and provenance."""
    title = f"Statement of Applicability, ISO/IEC 42001 Annex A ({soa.as_of.isoformat()})"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',
        f"<title>{_h(title)}</title><style>{_css()}</style></head><body>",
        f"<h1>{_h(title)}</h1>",
        _legend(),
        '<section id="soa">',
        _soa_table(soa),
        "</section>",
        '<section id="decisions"><h2>Decisions</h2>',
        _markdown(soa_table_markdown(soa)),
        "</section>",
        '<section id="verdicts"><h2>Verdicts and evidence</h2>',
        _markdown(soa_details_markdown(soa)),
        "</section>",
    ]
    if soa.provenance is not None:
        provenance = _markdown(provenance_markdown(soa.provenance))
        parts.append(f'<section id="provenance">{provenance}</section>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
