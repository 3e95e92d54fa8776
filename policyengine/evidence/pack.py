"""The files of an evidence pack, made from its sources: a pure function, no I/O.

A pack is sections; each section (`Section`) is made by one function of the sources
(`SectionMaker`) and brings its pages (written as Markdown and HTML), its other files and
a paragraph for the index. `build_pack` runs the makers in order and writes `index.md`
and `index.html` over what they made. The Statement of Applicability and the
organisation register are sections like the others: a maker added to `SECTIONS`. Every
file's bytes follow from the sources alone: sorted keys, stable order, no clock.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..loader import PACK_MARKER
from ..report import STATUS_STYLE, OutputFormat, counted
from ..report.markdown import (
    framework_details_markdown,
    framework_table_markdown,
    soa_contradiction,
)
from ..results import (
    ControlStatus,
    MatrixReport,
    ModelEvidence,
    ModelReport,
    PackSources,
    SoaReport,
    ThreatRisk,
    risk_band,
)
from .oscal import assessment_results
from .pages import Heat, Page, code, link, md, relative, render_html, render_markdown, table

MANIFEST = "manifest.json"
"""The manifest's name in a pack."""
SIGNATURE = "manifest.sig"
"""The detached Ed25519 signature of the manifest's bytes."""


@dataclass(frozen=True)
class Section:
    """One part of a pack: pages, other files, and what the index says of it."""

    title: str
    """Its heading in the index."""
    summary: str
    """A Markdown paragraph for the index (links relative to the pack's root)."""
    pages: tuple[Page, ...] = ()
    """Its pages; the first is the one the index links to."""
    files: Mapping[str, bytes] = field(default_factory=dict)
    """Its other files by pack path (POSIX)."""


_MARKER_TEXT = (
    b"policyengine evidence pack: `policyengine evidence verify` checks this folder against "
    b"manifest.json; a model check does not enter it.\n"
)

SectionMaker = Callable[[PackSources], Section | None]
"""Makes one section of a pack from its sources; None when it has nothing to show."""


def _slugs(sources: PackSources) -> dict[str, str]:
    """Model path -> folder name in the pack: the file's stem, else the whole path."""
    stems: dict[str, list[str]] = {}
    for m in sources.run.models:
        stems.setdefault(_safe(posixpath.splitext(posixpath.basename(m.path))[0]), []).append(
            m.path
        )
    out = {}
    for stem, paths in stems.items():
        for path in paths:
            out[path] = stem if len(paths) == 1 else _safe(path.replace("/", "--"))
    return out


def _safe(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-")
    return cleaned or "model"


def model_folder(sources: PackSources, path: str) -> str:
    """The pack folder of the model at `path` (`models/<name>`)."""
    return f"models/{_slugs(sources)[path]}"


def _label(report: ModelReport) -> str:
    return report.model_id or report.path


def _items(data: Any, *keys: str) -> list[Mapping[str, Any]]:
    node = data
    for key in keys:
        node = node.get(key) if isinstance(node, Mapping) else None
    return [i for i in node if isinstance(i, Mapping)] if isinstance(node, list) else []


def _words(value: Any) -> str:
    """A list or a scalar of a model as escaped Markdown text."""
    if isinstance(value, list):
        return ", ".join(md(str(v)) for v in value)
    if value is None or isinstance(value, Mapping):
        return ""
    return md(str(value))


def _technique(tid: str, names: Mapping[str, str]) -> str:
    name = names.get(tid, "")
    return f"{code(tid)} {md(name)}" if name else code(tid)


def _techniques(value: Any, names: Mapping[str, str]) -> str:
    ids = [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
    return "; ".join(_technique(t, names) for t in ids)


def _document_link(page: str, path: str, sources: PackSources) -> str:
    known = {d.path: d for d in sources.documents}
    doc = known.get(path)
    if doc is None or doc.content is None:
        return code(path) + " (not committed)"
    return link(code(path), relative(page, f"documents/{path}"))


# --- models -------------------------------------------------------------------------


def _where(m: ModelEvidence, pointer: str) -> str:
    line, column = m.lines.get(pointer, (0, 0))
    place = f"{m.path}:{line}:{column}" if line else m.path
    return f"{code(place)} {code(pointer)}"


def _findings_table(report: ModelReport) -> str:
    rows = [
        [
            f.severity.value,
            code(f.check_id),
            code(f"{report.path}:{f.line}:{f.column}"),
            code(f.pointer or "/"),
            md(f.message),
        ]
        for check in report.checks
        for f in check.findings
    ]
    if not rows:
        return "No check found anything.\n"
    return table(["Severity", "Check", "File:line:column", "JSON pointer", "Finding"], rows)


def _controls_tables(report: ModelReport, m: ModelEvidence, sources: PackSources, page: str) -> str:
    parts = []
    frameworks = dict.fromkeys(c.framework for c in report.controls)
    for framework in frameworks:
        rows = []
        for c in report.controls:
            if c.framework != framework:
                continue
            evidence = [
                _where(m, e) if e.startswith("/") else _document_link(page, e, sources)
                for e in c.evidence
            ]
            failing = sorted({f"{f.check_id} line {f.line}" for f in c.findings})
            checks = ", ".join(code(x) for x in c.checks)
            if c.not_run:
                checks += ("; " if checks else "") + "not run: "
                checks += ", ".join(code(x) for x in c.not_run)
            judged = [
                f"{code(f'{p.file}:{p.line}')} {code(p.pointer)} {md(p.what)}"
                for p in c.judged_evidence(report.path)
            ]
            rows.append(
                [
                    code(c.control_id),
                    STATUS_STYLE[c.status].label,
                    checks,
                    "; ".join(md(x) for x in failing),
                    "; ".join(evidence),
                    "; ".join(judged),
                    md(c.note),
                ]
            )
        parts.append(f"### {md(framework)}\n")
        heads = ["Control", "Status", "Checks", "Findings against it", "Evidence", "Judged", "Note"]
        parts.append(table(heads, rows))
    return "\n".join(parts) if parts else "No control results (the model is not valid).\n"


def _treatment(t: Mapping[str, Any]) -> str:
    parts = [md(str(t.get("status", "")))]
    if t.get("mitigations"):
        parts.append("mitigations " + _words(t.get("mitigations")))
    acceptance = t.get("acceptance")
    if isinstance(acceptance, Mapping):
        dated = acceptance.get("date")
        parts.append(
            f"accepted by {md(str(acceptance.get('approved_by', '')))} "
            + (f"on {md(str(dated))} " if dated else "")
            + f"until {md(str(acceptance.get('expires', '')))}"
        )
    return "; ".join(p for p in parts if p)


def _validation(t: Mapping[str, Any]) -> str:
    v = t.get("validation")
    if not isinstance(v, Mapping):
        return "not validated"
    found = v.get("findings")
    extra = f" ({_words(found)})" if found else ""
    return md(str(v.get("status", ""))) + extra


def _score(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def risk_rows(m: ModelEvidence, names: Mapping[str, str]) -> list[list[str]]:
    """The model's risk register, one row per threat in file order."""
    surfaces = {s.get("id"): s for s in _items(m.data, "surfaces")}
    rows = []
    for t in _items(m.data, "threats"):
        likelihood, impact = _score(t.get("likelihood")), _score(t.get("impact"))
        surface = surfaces.get(t.get("surface"), {})
        where = md(str(t.get("surface", "")))
        if surface.get("layer"):
            where += f" ({md(str(surface['layer']))})"
        band = risk_band(likelihood, impact)
        rows.append(
            [
                code(str(t.get("id", ""))),
                md(str(t.get("title", ""))),
                where,
                _techniques(t.get("atlas"), names),
                _words(t.get("stride")),
                str(likelihood or "-"),
                str(impact or "-"),
                str(likelihood * impact or "-"),
                band,
                "; ".join(md(str(a)) for a in t.get("assumptions") or [] if a),
                _treatment(t),
                _validation(t),
            ]
        )
    return rows


def _model_page(report: ModelReport, m: ModelEvidence, sources: PackSources) -> Page:
    folder = model_folder(sources, report.path)
    page = f"{folder}/index"
    copy = posixpath.basename(report.path)
    meta = m.data.get("metadata") if isinstance(m.data.get("metadata"), Mapping) else {}
    assert isinstance(meta, Mapping)
    head = [
        f"# Threat model {md(_label(report))}",
        "",
        f"- File: {code(report.path)}; owner {md(report.owner) or '(none)'}; "
        f"name {md(str(meta.get('name', '')))}; version {md(str(meta.get('version', '')))}",
    ]
    if m.committed is not None:
        head.append(
            f"- As committed at {code(sources.commit)}: {link(code(copy), copy)} "
            f"(read from git, not from the working tree)"
        )
    else:
        head.append(f"- **Not committed** at {code(sources.commit)}: no copy in this pack.")
    if report.path in sources.dirty_models:
        head.extend(
            [
                "",
                "> **The working copy of this file differs from the commit.** The pack was made "
                "with `--allow-dirty`: the copy above is the committed file; the results "
                "below are of the working copy.",
            ]
        )
    review = report.review
    if review is not None:
        due = review.due.isoformat() if review.due else "none"
        head.append(f"- Review verdict: **{review.status.value}**, due {due}")
    head.append(
        "- See also: "
        + ", ".join(
            link(text, relative(page, target))
            for text, target in (
                ("red team", "red-team.md"),
                ("review history", "reviews.md"),
                ("waivers, acceptances and attestations", "commitments.md"),
                ("the matrix", "matrix/matrix.html"),
            )
        )
    )
    blocks: list[str | Heat] = ["\n".join(head) + "\n"]
    if report.diagnostics:
        rows = [
            [
                d.level.value,
                code(f"{d.file}:{d.line}:{d.column}"),
                code(d.pointer or "/"),
                md(d.message),
            ]
            for d in report.diagnostics
        ]
        blocks.append(
            "## Validation\n\n" + table(["Level", "Where", "JSON pointer", "Problem"], rows)
        )
    else:
        blocks.append("## Validation\n\nValid: no schema or reference problem.\n")
    count = sum(len(c.findings) for c in report.checks)
    blocks.append(f"## Findings ({count})\n\n" + _findings_table(report))
    blocks.append(
        "## Control results\n\nEach control's status, the checks mapped to it that ran (and "
        "those that did not apply to the model, not run), the findings against it, the "
        "evidence it cites (file:line:column and JSON pointer in the model, or the document, "
        "copied as it stood at the commit) and what a satisfied, attested or partial status "
        "rests on: the parts of the model its passing checks judged (file:line and JSON "
        "pointer).\n\n" + _controls_tables(report, m, sources, page)
    )
    head_row = [
        "Threat",
        "Title",
        "Surface",
        "ATLAS techniques",
        "STRIDE",
        "L",
        "I",
        "Risk",
        "Band",
        "Assumptions",
        "Treatment",
        "Validation",
    ]
    rows = risk_rows(m, sources.techniques)
    blocks.append(
        "## Risk register\n\n"
        + (table(head_row, rows) if rows else "No threats.\n")
        + "\n## Likelihood by impact\n"
    )
    blocks.append(Heat(report.risks or _risks(m)))
    return Page(page, f"Threat model {_label(report)}", tuple(blocks))


def _risks(m: ModelEvidence) -> tuple[ThreatRisk, ...]:
    return tuple(
        ThreatRisk(str(t.get("id", "")), _score(t.get("likelihood")), _score(t.get("impact")))
        for t in _items(m.data, "threats")
    )


def models_section(sources: PackSources) -> Section:
    """Per model: its page (findings, control results with evidence pointers, risk
    register, heat map) and the model file as committed."""
    pages = []
    files: dict[str, bytes] = {}
    rows = []
    for report, m in zip(sources.run.models, sources.models, strict=True):
        page = _model_page(report, m, sources)
        pages.append(page)
        folder = model_folder(sources, report.path)
        if m.committed is not None:
            files[f"{folder}/{posixpath.basename(report.path)}"] = m.committed
        findings = sum(len(c.findings) for c in report.checks)
        review = report.review.status.value if report.review is not None else "-"
        rows.append(
            [
                link(md(_label(report)), f"{folder}/index.md"),
                code(report.path),
                md(report.owner),
                "yes" if report.valid else "**no**",
                str(findings),
                review,
            ]
        )
    summary = (
        "Each model's page: its file as committed, findings, control results with evidence "
        "pointers, risk register and likelihood-by-impact heat map.\n\n"
        + table(["Model", "Path", "Owner", "Valid", "Findings", "Review"], rows)
    )
    return Section("Threat models", summary, tuple(pages), files)


# --- the matrix and the frameworks ----------------------------------------------------


def matrix_section(sources: PackSources) -> Section:
    """The control-coverage matrix in csv, json, xlsx and html (the `matrix` formats)."""
    report = MatrixReport(sources.matrix)
    files = {}
    for fmt in (OutputFormat.CSV, OutputFormat.JSON, OutputFormat.XLSX, OutputFormat.HTML):
        files[f"matrix/matrix.{fmt.value}"] = b"".join(fmt.formatter().encoded(report))
    links = ", ".join(link(f, f"matrix/matrix.{f}") for f in ("html", "csv", "json", "xlsx"))
    rows = []
    for fw in sources.matrix.frameworks:
        counts = [str(fw.totals.get(s, 0)) for s in ControlStatus]
        rows.append([md(fw.name), *counts, str(fw.unjudged)])
    heads = ["Framework", *(STATUS_STYLE[s].label for s in ControlStatus), "no result"]
    summary = (
        f"Controls by models, per framework: {links}. Cells per status, all models:\n\n"
        + table(heads, rows)
    )
    return Section("Control-coverage matrix", summary, (), files)


_VIEW_TITLES = {
    "nist-ai-rmf": "NIST AI RMF: MAP and MEASURE subcategories",
    "iso42001": "ISO/IEC 42001 controls as the checks judge them",
    "atlas": "MITRE ATLAS technique families",
}


def frameworks_section(sources: PackSources) -> Section | None:
    """A page per framework: every control's status per model, with its checks,
    findings and evidence."""
    pages = []
    items = []
    for fw in sources.matrix.frameworks:
        title = _VIEW_TITLES.get(fw.framework, fw.name)
        path = f"frameworks/{fw.framework}"
        text = "\n".join(
            [
                f"# {md(title)}\n",
                f"{md(fw.name)}: every control of our catalog (titles are our paraphrase) "
                "with its status for each model, then per control the checks, the findings "
                "(line and JSON pointer) and the evidence.\n",
                "## Status per model\n",
                framework_table_markdown(fw, sources.matrix),
                "## Checks, findings and evidence\n",
                framework_details_markdown(fw, sources.matrix),
            ]
        )
        pages.append(Page(path, title, (text,)))
        items.append(f"- {link(md(title), path + '.md')}")
    if not pages:
        return None
    return Section("Framework views", "\n".join(items) + "\n", tuple(pages))


# --- red team ----------------------------------------------------------------------------


def _threat_link(
    tid: str, threats: Mapping[str, Mapping[str, Any]], names: Mapping[str, str]
) -> str:
    t = threats.get(tid)
    if t is None:
        return f"**{code(tid)} (no such threat)**"
    atlas = _techniques(t.get("atlas"), names)
    return f"{code(tid)} {md(str(t.get('title', '')))}" + (f" [{atlas}]" if atlas else "")


def _matched(finding: Mapping[str, Any], threats: Mapping[str, Any]) -> bool:
    ids = finding.get("threats")
    return isinstance(ids, list) and any(isinstance(i, str) and i in threats for i in ids)


def _remediation(finding: Mapping[str, Any]) -> str:
    r = finding.get("remediation")
    if not isinstance(r, Mapping):
        return "none recorded"
    parts = [md(str(r.get("status", "")))]
    parts.extend(f"{k} {md(str(r[k]))}" for k in ("ticket", "due", "owner") if r.get(k))
    return "; ".join(p for p in parts if p)


def red_team_section(sources: PackSources) -> Section:
    """Red-team exercises and their findings with remediation, linked to threats and ATLAS
    techniques; findings that matched no threat are listed first and marked."""
    page = "red-team"
    names = sources.techniques
    unmatched: list[str] = []
    body: list[str] = []
    exercises = findings_count = 0
    for report, m in zip(sources.run.models, sources.models, strict=True):
        threats = {str(t.get("id")): t for t in _items(m.data, "threats")}
        runs = _items(m.data, "red_team")
        if not runs:
            continue
        body.append(f"## {md(_label(report))}\n")
        for rt in runs:
            exercises += 1
            scope = rt.get("scope") if isinstance(rt.get("scope"), Mapping) else {}
            assert isinstance(scope, Mapping)
            lines = [
                f"### {md(str(rt.get('id', '')))} ({md(str(rt.get('date', '')))})\n",
                f"- Performed by {md(str(rt.get('performed_by', '')))}; independent: "
                f"{'yes' if rt.get('independent') else 'no'}",
            ]
            if isinstance(rt.get("report"), str):
                lines.append(f"- Report: {_document_link(page, rt['report'], sources)}")
            if scope:
                lines.append(
                    f"- Scope: surfaces {_words(scope.get('surfaces'))}; techniques "
                    f"{_techniques(scope.get('atlas'), names)}"
                )
            rows = []
            for f in _items(rt, "findings"):
                findings_count += 1
                matched = _matched(f, threats)
                ids = [i for i in f.get("threats") or [] if isinstance(i, str)]
                linked = "; ".join(_threat_link(i, threats, names) for i in ids)
                if not matched:
                    linked = "**matched no threat** " + linked
                    unmatched.append(
                        f"- **{md(_label(report))} {md(str(rt.get('id', '')))}/"
                        f"{md(str(f.get('id', '')))}**: {md(str(f.get('title', '')))}"
                    )
                rows.append(
                    [
                        ("**" + code(str(f.get("id", ""))) + "**")
                        if not matched
                        else code(str(f.get("id", ""))),
                        md(str(f.get("title", ""))),
                        md(str(f.get("severity", ""))),
                        _techniques(f.get("atlas"), names),
                        linked,
                        _remediation(f),
                    ]
                )
            lines.append("")
            lines.append(
                table(["Finding", "Title", "Severity", "ATLAS", "Threats", "Remediation"], rows)
                if rows
                else "No findings recorded.\n"
            )
            body.append("\n".join(lines))
    head = [
        "# Red-team exercises and findings\n",
        f"{exercises} exercises, {findings_count} findings. Each finding names the threats "
        "it confirms and the ATLAS techniques used; its remediation record follows.\n",
    ]
    if unmatched:
        head.append(
            "> **Findings that matched no threat** (the threat model missed them: each needs "
            "a review of the model):\n>\n" + "\n".join("> " + u for u in unmatched) + "\n"
        )
    else:
        head.append("Every finding matched a threat of its model.\n")
    summary = (
        f"{link('Red-team exercises and findings', 'red-team.md')}: {exercises} exercises, "
        f"{findings_count} findings, "
        + (f"**{len(unmatched)} matched no threat**." if unmatched else "all matched a threat.")
        + "\n"
    )
    text = "\n".join(head + body)
    return Section("Red team", summary, (Page(page, "Red-team exercises and findings", (text,)),))


# --- reviews and commitments -------------------------------------------------------------


def reviews_section(sources: PackSources) -> Section:
    """The review history of each model from git (every commit that changed `review`)
    and its current verdict."""
    parts = [
        "# Review history\n",
        "For each model, its current review verdict, then every commit that changed its "
        "`review` section, newest first, read from git.\n",
    ]
    for report, m in zip(sources.run.models, sources.models, strict=True):
        parts.append(f"## {md(_label(report))} ({code(report.path, in_table=False)})\n")
        v = report.review
        if v is not None:
            due = v.due.isoformat() if v.due else "none"
            last = v.last_reviewed.isoformat() if v.last_reviewed else "never"
            parts.append(
                f"Verdict on {sources.run.as_of.isoformat()}: **{v.status.value}**; last "
                f"reviewed {last}; due {due}.\n"
            )
            parts.extend(
                f"- {r.rule.value}: {r.status.value if r.status else 'unknown'}: {md(r.message)}"
                for r in v.reasons
            )
            parts.append("")
        else:
            parts.append("No verdict: the model is not valid.\n")
        if m.history_note:
            parts.append(f"> {md(m.history_note)}\n")
        rows = [
            [
                c.date,
                md(c.author),
                code(c.commit[:12]),
                md(c.reason),
                "; ".join(md(x) for x in c.changed),
            ]
            for c in m.review_history
        ]
        parts.append(
            table(["Date", "Author", "Commit", "Reason", "What changed in review"], rows)
            if rows
            else "No commit changed `review`.\n"
        )
    summary = (
        f"{link('Review history from git', 'reviews.md')}: "
        + ", ".join(
            f"{md(_label(r))} {r.review.status.value if r.review else 'no verdict'} "
            f"({counted(len(m.review_history), 'review commit')})"
            for r, m in zip(sources.run.models, sources.models, strict=True)
        )
        + ".\n"
    )
    return Section("Reviews", summary, (Page("reviews", "Review history", ("\n".join(parts),)),))


UNTIL = "In force until (inclusive)"
"""The head of the column that gives the last day something is in force, on every page of a
pack: a document, a waiver, an acceptance or an attestation holds on that day and has
lapsed from the day after (as a review is `overdue` only after its due date)."""


def commitments_section(sources: PackSources) -> Section:
    """Waivers, risk acceptances and attestations: those in force, those granted after the
    as-of date (not in force yet), then those no longer in force, with approvers and the
    last day each is in force."""
    head = ["Model", "Kind", "About", "Approved by", "Granted", UNTIL, "Reason or evidence"]
    in_force: list[list[str]] = []
    not_yet: list[list[str]] = []
    lapsed: list[list[str]] = []
    page = "commitments"
    for report, m in zip(sources.run.models, sources.models, strict=True):
        for c in m.commitments:
            detail = (
                _document_link(page, c.detail, sources)
                if c.kind == "attestation" and c.detail
                else md(c.detail)
            )
            row = [
                md(_label(report)),
                c.kind,
                code(c.subject),
                md(c.approver) or "**(none)**",
                c.granted or "-",
                c.expires or "-",
                detail,
            ]
            (in_force if c.in_force else not_yet if c.not_yet else lapsed).append(row)
    as_of = sources.run.as_of.isoformat()
    text = "\n".join(
        [
            "# Waivers, acceptances and attestations\n",
            f"In force on {as_of}: {len(in_force)}; not yet in force (granted after "
            f"{as_of}): {len(not_yet)}; no longer in force: {len(lapsed)}. Each holds "
            "through its in-force-until day and lapses the day after. An attestation "
            "holds for its model's review cadence; a waiver counts only when one of the "
            "organisation's acceptors approved it, if it names acceptors.\n",
            "## In force\n",
            table(head, in_force) if in_force else "None.\n",
            f"## Not yet in force (granted after {as_of})\n",
            table(head, not_yet) if not_yet else "None.\n",
            "## Not in force (expired, longer than the risk criteria allow, or not approved)\n",
            table(head, lapsed) if lapsed else "None.\n",
        ]
    )
    summary = (
        f"{link('Waivers, acceptances and attestations', 'commitments.md')}: "
        f"{len(in_force)} in force, {len(not_yet)} not yet, {len(lapsed)} not.\n"
    )
    return Section(
        "Waivers, acceptances and attestations",
        summary,
        (Page(page, "Waivers, acceptances and attestations", (text,)),),
    )


def documents_section(sources: PackSources) -> Section | None:
    """The documents the models cite, copied as they stood at the commit."""
    if not sources.documents:
        return None
    files = {f"documents/{d.path}": d.content for d in sources.documents if d.content is not None}
    rows = [
        [
            link(code(d.path), f"documents/{d.path}") if d.content is not None else code(d.path),
            "yes" if d.content is not None else "**no**",
            ", ".join(code(c) for c in d.cited_by),
        ]
        for d in sources.documents
    ]
    missing = sum(1 for d in sources.documents if d.content is None)
    summary = (
        f"{len(files)} documents the models cite, copied as they stood at the commit"
        + (f"; **{missing} not committed**" if missing else "")
        + ":\n\n"
        + table(["Document", "Committed", "Cited by"], rows)
    )
    return Section("Cited documents", summary, (), files)


def soa_section(sources: PackSources) -> Section | None:
    """The ISO/IEC 42001 Statement of Applicability (`policyengine soa`): its page, and
    the statement in csv, json, xlsx and html."""
    if sources.soa is None:
        return None
    report = SoaReport(sources.soa)
    files = {
        f"soa/soa.{fmt.value}": b"".join(fmt.formatter().encoded(report))
        for fmt in (OutputFormat.CSV, OutputFormat.JSON, OutputFormat.XLSX, OutputFormat.HTML)
    }
    rows = sources.soa.rows
    links = ", ".join(link(f, f"soa/soa.{f}") for f in ("html", "csv", "json", "xlsx"))
    own = ", ".join(link(f, f"soa.{f}") for f in ("html", "csv", "json", "xlsx"))
    text = (
        "# ISO/IEC 42001 Statement of Applicability\n\n"
        f"As `policyengine soa` gives it, also as {own}.\n\n"
        + OutputFormat.MARKDOWN.formatter().render(report)
    )
    summary = (
        f"{link('The Statement of Applicability', 'soa/index.md')} of ISO/IEC 42001: "
        f"{len(rows)} Annex A controls, each with the register's decision and the checks' "
        f"verdicts with evidence ({links}).\n"
    )
    page = Page("soa/index", "Statement of Applicability", (text,))
    return Section("ISO/IEC 42001 Statement of Applicability", summary, (page,), files)


def _organisation_rows(sources: PackSources) -> list[list[str]]:
    """The organisation controls' results (the register's, once for the repository)."""
    organisation = sources.run.organisation
    rows = []
    for c in organisation.controls if organisation is not None else ():
        failing = sorted({f"{f.check_id} line {f.line}" for f in c.findings})
        rows.append(
            [
                code(c.control_id),
                STATUS_STYLE[c.status].label,
                ", ".join(code(x) for x in c.checks),
                "; ".join(md(x) for x in failing),
                md(c.note),
            ]
        )
    return rows


def _applicable(value: Any, contradicted: str = "") -> str:
    """A register decision's `applicable`; a `no` the models contradict (TM-REG-007) says
    which models show the control applies."""
    if value is True:
        return "yes"
    if value is False:
        return f"no, **contradicted**: {md(contradicted)} show it applies" if contradicted else "no"
    return "**undecided**"


def _until(until: str, why_not: str) -> str:
    """A register document's last day in force, marked when it is not in force on the
    as-of date (`2026-10-15 (**expired**)`, `**not yet approved**`)."""
    if not why_not:
        return until or "-"
    return f"{until} (**{why_not}**)" if until else f"**{why_not}**"


def register_section(sources: PackSources) -> Section | None:
    """The organisation register as committed: its documents (copied as they stood at the
    commit, with approver and expiry), who may accept risk, its decision on every control
    it decides, and the organisation controls' results."""
    reg = sources.register
    if reg is None:
        return None
    page = "register/index"
    copy = posixpath.basename(reg.path)
    files = {f"register/{copy}": reg.committed} if reg.committed is not None else {}
    data = reg.data
    head = ["# Organisation register\n"]
    if reg.committed is None:
        head.append(f"{code(reg.path, in_table=False)} is **not committed** at the commit.\n")
    else:
        head.append(
            f"{link(code(reg.path, in_table=False), copy)} as committed at "
            f"{code(sources.commit, in_table=False)}; organisation "
            f"{md(str(data.get('organisation', '')) or '(not named)')}. Every model inherits it.\n"
        )
    docs = []
    for d in _items(data, "documents"):
        where = str(d.get("path") or "")
        shown = _document_link(page, where, sources) if where else md(str(d.get("url", "")))
        docs.append(
            [
                code(str(d.get("id", ""))),
                md(str(d.get("title", ""))),
                shown,
                md(str(d.get("version", ""))),
                md(str(d.get("owner", ""))),
                md(str(d.get("approver", ""))),
                md(str(d.get("approved", ""))),
                _words(d.get("review_period")) or md(str(d.get("review_period", ""))),
                _until(
                    reg.expires.get(str(d.get("id", "")), ""),
                    reg.not_in_force.get(str(d.get("id", "")), ""),
                ),
            ]
        )
    body = [
        "## Documents of the AI management system\n",
        table(
            ["Id", "Title", "Document", "Version", "Owner", "Approver"]
            + ["Approved", "Review", UNTIL],
            docs,
        )
        if docs
        else "None.\n",
        "## Who may accept risk\n",
        (_words(data.get("risk_acceptors")) or "Not said here (the config's `risk.acceptors`).")
        + "\n",
        "## Decisions\n",
    ]
    soa = sources.soa
    contradicted = (
        {r.control: soa_contradiction(r, soa) for r in soa.rows if r.contradicted_by}
        if soa is not None
        else {}
    )
    decisions = [
        [
            code(str(c.get("control", ""))),
            _applicable(c.get("applicable"), contradicted.get(str(c.get("control", "")), "")),
            md(str(c.get("justification", ""))),
            md(str(c.get("status", "") or "")),
            md(str(c.get("owner", ""))),
            _words(c.get("documents")),
        ]
        for c in _items(data, "controls")
    ]
    body.append(
        table(["Control", "Applicable", "Justification", "Status", "Owner", "Documents"], decisions)
        if decisions
        else "None.\n"
    )
    results = _organisation_rows(sources)
    if results:
        body.extend(
            [
                "## Organisation controls, judged once for the repository\n",
                table(["Control", "Status", "Checks", "Findings against it", "Note"], results),
            ]
        )
    text = "\n".join(head + body)
    summary = (
        f"{link('The organisation register', 'register/index.md')} "
        f"({code(reg.path, in_table=False)} as committed): {len(docs)} documents, "
        f"{len(decisions)} decisions.\n"
    )
    return Section(
        "Organisation register", summary, (Page(page, "Organisation register", (text,)),), files
    )


def oscal_section(sources: PackSources) -> Section:
    """The results as an OSCAL assessment-results document."""
    doc = assessment_results(sources, model_folder=lambda p: model_folder(sources, p))
    data = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    summary = (
        f"{link('oscal/assessment-results.json', 'oscal/assessment-results.json')}: the "
        "results as an OSCAL assessment-results document (an observation per model and "
        "control, a finding per judged control; the organisation controls once each, "
        "with the register as their subject).\n"
    )
    return Section("OSCAL", summary, (), {"oscal/assessment-results.json": data.encode("utf-8")})


SECTIONS: tuple[SectionMaker, ...] = (
    models_section,
    matrix_section,
    frameworks_section,
    soa_section,
    red_team_section,
    reviews_section,
    commitments_section,
    register_section,
    documents_section,
    oscal_section,
)
"""The sections of a pack, in the order the index lists them."""


# --- the index and the pack --------------------------------------------------------------


def _provenance_rows(sources: PackSources) -> list[list[str]]:
    p = sources.run.provenance
    engine = sources.engine
    engine_text = md(engine.get("name", ""))
    if engine.get("package"):
        engine_text += f" ({md(engine['package'])} {md(engine.get('version', ''))})"
    if sources.dirty_models or sources.dirty_documents:
        parts = []
        if sources.dirty_models:
            parts.append(
                "**model files differ from the commit** (`--allow-dirty`): "
                + ", ".join(code(x) for x in sources.dirty_models)
            )
        if sources.dirty_documents:
            parts.append(
                "**cited files differ from the commit** (`--allow-dirty`): "
                + ", ".join(code(x) for x in sources.dirty_documents)
            )
        tree = "; ".join(parts)
    elif p is not None and p.dirty:
        tree = "model files and cited files as committed; other files differ from the commit"
    else:
        tree = "clean"
    rows = [
        ["Tool", f"policyengine {md(p.tool_version if p else '')}"],
        ["As of", sources.run.as_of.isoformat()],
        ["Repository commit", code(sources.commit)],
        ["Work tree", tree],
        ["Policy set", code(f"sha256 {p.policy_digest}") if p and p.policy_digest else "-"],
        ["Engine", engine_text],
    ]
    if p is not None:
        rows.extend([f"Catalog {md(name)}", md(version)] for name, version in p.catalogs)
    return rows


def _index(sources: PackSources, sections: Sequence[Section]) -> Page:
    head = [
        "# Evidence pack\n",
        f"Threat models and their assessment as of **{sources.run.as_of.isoformat()}**, at "
        f"commit {code(sources.commit, in_table=False)}.\n",
    ]
    if sources.dirty_models:
        head.append(
            "> **Made from a work tree whose model files differ from the commit** "
            "(`--allow-dirty`): "
            + ", ".join(code(x, in_table=False) for x in sources.dirty_models)
            + ". The model files in this pack are as committed; the results are of the "
            "working copies.\n"
        )
    if sources.dirty_documents:
        head.append(
            "> **Made from a work tree whose cited files differ from the commit** "
            "(`--allow-dirty`): "
            + ", ".join(code(x, in_table=False) for x in sources.dirty_documents)
            + ". The documents in this pack are as committed (absent when not committed); "
            "the results judged the working copies.\n"
        )
    head.append("## Provenance\n")
    head.append(table(["Fact", "Value"], _provenance_rows(sources)))
    scope = ", ".join(code(s, in_table=False) for s in sources.scope) or "the config's models"
    head.append(f"## Scope\n\nModels under {scope}: {len(sources.run.models)}.\n")
    body = []
    for section in sections:
        body.append(f"## {md(section.title)}\n")
        body.append(section.summary)
    tail = [
        "## Verifying this pack\n",
        f"`{MANIFEST}` lists every other file of the pack with its SHA-256 and size, the "
        "repository commit, the policy set's digest, the tool and engine versions and the "
        f"as-of date; `{SIGNATURE}`, when present, is an Ed25519 signature of its bytes. "
        "Check the folder with:\n",
        "```sh\npolicyengine evidence verify PACK_FOLDER [--key PUBLIC_KEY.pem]\n```\n",
        "It exits 0 only when no file was changed, removed or added and, with `--key`, the "
        "signature is valid.\n",
    ]
    return Page(
        "index",
        f"Evidence pack {sources.run.as_of.isoformat()}",
        ("\n".join(head), *body, "\n".join(tail)),
    )


def build_pack(
    sources: PackSources, sections: Sequence[SectionMaker] = SECTIONS
) -> dict[str, bytes]:
    """Every file of the pack but the manifest and its signature, by pack path (POSIX),
    sorted: `index.md`, `index.html`, and each section's pages (`.md` and `.html`) and
    files. The same sources give the same bytes."""
    made = [s for s in (maker(sources) for maker in sections) if s is not None]
    index = _index(sources, made)
    pages = [index, *(p for s in made for p in s.pages)]
    names = frozenset(p.path for p in pages)
    files: dict[str, bytes] = {PACK_MARKER: _MARKER_TEXT}
    for p in pages:
        files[p.path + ".md"] = render_markdown(p)
        files[p.path + ".html"] = render_html(p, names)
    for s in made:
        for path, data in s.files.items():
            if path in files:
                raise ValueError(f"two sections write {path} (a bug)")
            files[path] = data
    return dict(sorted(files.items()))


__all__ = [
    "MANIFEST",
    "SECTIONS",
    "SIGNATURE",
    "Section",
    "SectionMaker",
    "build_pack",
]
