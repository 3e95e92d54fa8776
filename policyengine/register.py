"""The organisation register: load it, judge the organisation's controls from it once per
repository, and write a starter register.

One YAML file per repository (`governance/register.yaml` unless the config's `register:`
says otherwise), validated against `schemas/register.schema.json`, holds:

- the documents of the AI management system (id, path in the repository or URL, version,
  owner, approver, approval date, review period): a document not approved again within
  its review period has expired, a finding against every control it implements;
- the roles that may accept risk (`risk_acceptors`), which replace the config's
  `risk.acceptors` when present;
- a decision for each control a threat model cannot show (catalog `judged_by:
  organisation`): applicable yes or no, a justification either way, the implementation
  status, an owner and the implementing documents. Decisions on other ISO/IEC 42001
  Annex A controls are allowed; they feed the Statement of Applicability only.

Every model of the repository inherits the register: `judge_register` gives one
`OrganisationReport` for the repository, never one per model. Public and pure apart from
`load_register`, which reads the file (and asks whether document paths exist), so other
stages (the Statement of Applicability, evidence packs) can call both.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from .catalog import Control, ControlCatalog, control_order
from .errors import InvalidDocument
from .loader import Document, load_document, parse_document, to_pointer
from .results import (
    CheckInfo,
    CheckOutcome,
    ControlResult,
    ControlStatus,
    Diagnostic,
    Finding,
    Level,
    ModelReport,
    OrganisationReport,
    Severity,
)
from .review import cadence_label, due_date
from .schema import REGISTER_SCHEMA_FILE, validate_schema
from .substance import hollow

DEFAULT_PATH = "governance/register.yaml"
"""Where the register is when the config's `register:` does not say."""

IMPLEMENTATION = ("implemented", "partial", "planned", "not_implemented")
"""The implementation statuses a decision can state, from done to not started."""


@dataclass(frozen=True)
class RegisterDocument:
    """One document of the AI management system."""

    id: str
    """How decisions cite it."""
    title: str
    """Its title."""
    path: str
    """The file, relative to the repository root ("" when it lives at a URL)."""
    url: str
    """Where it lives outside the repository ("" when it has a path)."""
    version: str
    """Its version, as its owner numbers it."""
    owner: str
    """Who maintains it."""
    approver: str
    """Who approved this version."""
    approved: date
    """When this version was approved."""
    review_period: str | Mapping[str, Any]
    """`monthly` .. `annual`, or `{days: N}`."""
    line: int = 0
    """1-based line of the entry in the register."""
    column: int = 0
    """1-based column of the entry."""
    pointer: str = ""
    """JSON pointer of the entry (`/documents/3`)."""

    @property
    def where(self) -> str:
        """The path, else the URL."""
        return self.path or self.url

    def expires(self) -> date | None:
        """The last day it is in force: its approval plus its review period (month-end
        clamped, `review.due_date`), the day its review is due; it has expired from the day
        after, as a review, an attestation or a waiver does. None past 9999."""
        try:
            return due_date(self.approved, self.review_period)
        except ValueError:
            return None


@dataclass(frozen=True)
class Decision:
    """The organisation's decision on one control."""

    control: str
    """`framework/ID`."""
    applicable: bool | None
    """Whether the control applies; None: not decided yet."""
    justification: str
    """Why it applies or not ("" when not given)."""
    status: str | None
    """One of `IMPLEMENTATION`; None: not decided yet."""
    owner: str
    """Who is accountable ("" when not given)."""
    documents: tuple[str, ...]
    """Ids of the implementing documents, as written."""
    line: int = 0
    """1-based line of the entry in the register."""
    column: int = 0
    """1-based column of the entry."""
    pointer: str = ""
    """JSON pointer of the entry (`/controls/7`)."""

    @property
    def decided(self) -> bool:
        """Applicability decided, and for an applicable control its status too."""
        return self.applicable is False or (self.applicable is True and self.status is not None)


@dataclass(frozen=True)
class Register:
    """A loaded, schema-valid register."""

    path: str
    """The file, relative to the repository root (POSIX)."""
    organisation: str = ""
    """The organisation's name, "" when not given."""
    documents: tuple[RegisterDocument, ...] = ()
    """The documents, in file order."""
    risk_acceptors: tuple[str, ...] | None = None
    """Who may accept risk; None when the register does not say (the config's apply)."""
    decisions: tuple[Decision, ...] = ()
    """The decisions, in file order."""

    def decision(self, key: str) -> Decision | None:
        """The decision on control `key` (`framework/ID`), or None."""
        for d in self.decisions:
            if d.control == key:
                return d
        return None

    def document(self, doc_id: str) -> RegisterDocument | None:
        """The document with id `doc_id`, or None."""
        for d in self.documents:
            if d.id == doc_id:
                return d
        return None


@dataclass(frozen=True)
class LoadedRegister:
    """What `load_register` found: the register, or why there is none usable."""

    path: str
    """The register's path relative to the root (POSIX), whether or not it exists."""
    found: bool
    """False when there is no file there."""
    register: Register | None = None
    """The register; None when missing or when it has errors."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """Located problems of the file (file, line, column); an error leaves `register` None."""


def load_register(
    root: Path, path: str = DEFAULT_PATH, *, catalog: ControlCatalog | None = None
) -> LoadedRegister:
    """Read the register at `root/path`.

    A missing file is `found=False` (every organisation control then lacks a decision).
    A file that does not parse or does not match the register schema, a duplicate document
    id or decision, a decision on a control that is not in `catalog` (when given), a
    decision citing an unknown document, or a document path that is absolute, leaves the
    repository or does not exist: error diagnostics located at the entry, and no register.
    Never raises for a problem of the file.
    """
    file = root / path
    shown = Path(path).as_posix()
    if not file.is_file():
        return LoadedRegister(path=shown, found=False)
    try:
        doc = load_document(file, root)
    except InvalidDocument as exc:
        return LoadedRegister(path=shown, found=True, diagnostics=(exc.diagnostic,))
    problems = validate_schema(doc, REGISTER_SCHEMA_FILE)
    if problems:
        return LoadedRegister(path=doc.path, found=True, diagnostics=tuple(problems))
    register = _register(doc)
    problems = _references(register, doc, root, catalog)
    if problems:
        return LoadedRegister(path=doc.path, found=True, diagnostics=tuple(problems))
    return LoadedRegister(path=doc.path, found=True, register=register)


def parse_register(text: str, path: str) -> Register | None:
    """The register in `text` (the file at `path`, relative to the root), or None when it
    does not parse or does not match the register schema. Its references (documents on
    disk, catalog controls) are not checked: for a register read out of git, such as a pull
    request's base, to compare decisions with."""
    try:
        doc = parse_document(text.encode("utf-8"), path)
    except InvalidDocument:
        return None
    if validate_schema(doc, REGISTER_SCHEMA_FILE):
        return None
    return _register(doc)


def _register(doc: Document) -> Register:
    data: Mapping[str, Any] = doc.data
    documents = []
    for i, d in enumerate(data.get("documents") or []):
        line, column = doc.locate(("documents", i))
        documents.append(
            RegisterDocument(
                id=d["id"],
                title=d["title"],
                path=d.get("path", ""),
                url=d.get("url", ""),
                version=d["version"],
                owner=d["owner"],
                approver=d["approver"],
                approved=date.fromisoformat(d["approved"]),
                review_period=d["review_period"],
                line=line,
                column=column,
                pointer=f"/documents/{i}",
            )
        )
    decisions = []
    for i, c in enumerate(data.get("controls") or []):
        line, column = doc.locate(("controls", i))
        decisions.append(
            Decision(
                control=c["control"],
                applicable=c.get("applicable"),
                justification=c.get("justification") or "",
                status=c.get("status"),
                owner=c.get("owner") or "",
                documents=tuple(c.get("documents") or ()),
                line=line,
                column=column,
                pointer=f"/controls/{i}",
            )
        )
    acceptors = data.get("risk_acceptors")
    return Register(
        path=doc.path,
        organisation=data.get("organisation") or "",
        documents=tuple(documents),
        risk_acceptors=tuple(acceptors) if acceptors is not None else None,
        decisions=tuple(decisions),
    )


def _references(
    register: Register, doc: Document, root: Path, catalog: ControlCatalog | None
) -> list[Diagnostic]:
    problems: list[Diagnostic] = []

    def error(parts: tuple[str | int, ...], message: str) -> None:
        line, column = doc.locate(parts)
        problems.append(
            Diagnostic(doc.path, line, column, message, to_pointer(parts), Level.ERROR, "register")
        )

    seen: set[str] = set()
    resolved_root = root.resolve()
    for i, d in enumerate(register.documents):
        if d.id in seen:
            error(("documents", i, "id"), f"document {d.id} is listed twice")
        seen.add(d.id)
        if d.path and not _inside(resolved_root, d.path):
            error(
                ("documents", i, "path"),
                f"document {d.id}: {d.path} is not a file inside the repository",
            )
    decided: set[str] = set()
    known = catalog.ids() if catalog is not None else None
    for i, c in enumerate(register.decisions):
        if c.control in decided:
            error(("controls", i, "control"), f"control {c.control} is decided twice")
        decided.add(c.control)
        if known is not None and c.control not in known:
            error(("controls", i, "control"), f"control {c.control} is not in the catalog")
        for j, ref in enumerate(c.documents):
            if ref not in seen:
                error(
                    ("controls", i, "documents", j),
                    f"control {c.control} cites document {ref}, which the register does not list",
                )
    problems.sort(key=lambda p: (p.line, p.column, p.message))
    return problems


def _inside(root: Path, rel: str) -> bool:
    if Path(rel).is_absolute():
        return False
    target = (root / rel).resolve()
    return target.is_relative_to(root) and target.is_file()


# --- judging ----------------------------------------------------------------------------

REGISTER_CHECKS: tuple[CheckInfo, ...] = (
    CheckInfo(
        id="TM-REG-001",
        title="Every organisation control has a decision in the register",
        severity=Severity.MEDIUM.value,
        controls=(),
        source="organisation register",
        description=(
            "Each control a threat model cannot show (catalog judged_by: organisation) has "
            "an entry in the register's controls that says whether it applies and, when it "
            "does, its implementation status. Judged once for the repository."
        ),
        rationale="The organisation, not each model, decides these controls.",
        hint=(
            "Add the control to the register's controls with applicable, justification, "
            "status, owner and documents (`policyengine init-register` lists them all)."
        ),
        rule_out="Decide it not applicable in the register, with a justification.",
        messages=(("", "control {0} has no decision in the register"),),
    ),
    CheckInfo(
        id="TM-REG-002",
        title="Every register decision is justified",
        severity=Severity.MEDIUM.value,
        controls=(),
        source="organisation register",
        description=(
            "A decision states why the control applies or why it does not; empty or "
            "placeholder text (TBD, n/a, x) justifies nothing."
        ),
        rationale="The Statement of Applicability needs a justification for every control.",
        hint="Write one or two sentences saying why the control applies or does not.",
        rule_out="None: a justification is required either way.",
        messages=(("", "the decision on {0} has {1}"),),
    ),
    CheckInfo(
        id="TM-REG-003",
        title="Documents implementing organisation controls are within their review period",
        severity=Severity.MEDIUM.value,
        controls=(),
        source="organisation register",
        description=(
            "A register document approved longer ago than its own review period has expired "
            "(it is in force on the day its review is due, and lapses the day after); one "
            "whose approval is dated after the as-of date is not approved yet on that date. "
            "Either way every control it implements is then not met."
        ),
        rationale="A policy nobody reviewed within its cycle may no longer be what happens.",
        hint="Review the document, then record its new version and approval date.",
        rule_out="None: review the document or stop citing it.",
        messages=(
            (
                "expired",
                "document {0} has expired: in force until {1} (approved {2}, reviewed {3})",
            ),
            (
                "not_yet",
                "document {0} is not approved yet on {1}: its approval is dated {2}",
            ),
        ),
    ),
    CheckInfo(
        id="TM-REG-004",
        title="Applicable organisation controls are implemented",
        severity=Severity.MEDIUM.value,
        controls=(),
        source="organisation register",
        description="An applicable control whose status is partial, planned or not_implemented.",
        rationale="A decided gap is still a gap.",
        hint="Implement the control, then set its status to implemented.",
        rule_out="Decide it not applicable in the register, with a justification.",
        messages=(("", "control {0} is {1}, not implemented"),),
    ),
    CheckInfo(
        id="TM-REG-005",
        title="Implemented organisation controls name their documents",
        severity=Severity.MEDIUM.value,
        controls=(),
        source="organisation register",
        description="An applicable, implemented control cites at least one register document.",
        rationale="An auditor reads the document that implements a control.",
        hint="List the implementing document's id under the decision's documents.",
        rule_out="None.",
        messages=(("", "control {0} is implemented but cites no document"),),
    ),
    CheckInfo(
        id="TM-REG-006",
        title="Documents implementing organisation controls are filed, not placeholders",
        severity=Severity.MEDIUM.value,
        controls=(),
        source="organisation register",
        description=(
            "A register document in the repository that is empty or mostly placeholder text "
            "(TODO, TBD, lorem ipsum), judged as cited evidence files are; every control it "
            "implements is then not met."
        ),
        rationale="A policy that says TODO implements nothing, however often it is approved.",
        hint="Write the document, commit it at its path, then record its version and approval.",
        rule_out="None: write the document or stop citing it.",
        messages=(("", "document {0} ({1}) is empty or placeholder text"),),
    ),
    CheckInfo(
        id="TM-REG-007",
        title="A control decided not applicable is not shown to apply by the models",
        severity=Severity.MEDIUM.value,
        controls=(),
        source="organisation register",
        description=(
            "A register decision that an ISO/IEC 42001 Annex A control judged per model "
            "(by checks or system evidence) does not apply, while some model's result for "
            "it is satisfied, partial, not_satisfied, attested or waived: the checks judged "
            "it applicable there. Not applicable and not assessed results show nothing. "
            "Judged once for the repository, naming the models."
        ),
        rationale=(
            "The Statement of Applicability would state not applicable for a control the "
            "threat models show applies, hiding its gaps from the auditor who reads it."
        ),
        hint=(
            "Decide the control applicable, with its implementation status and documents; "
            "or, where a model is truly out of its scope, say so in that model's "
            "compliance.not_applicable with a reason."
        ),
        rule_out="Rule the control out in each model it does not apply to, with a reason.",
        messages=(
            ("", "control {0} is decided not applicable, but the models show it applies: {1}"),
        ),
    ),
    CheckInfo(
        id="TM-REG-008",
        title="Organisation controls and their documents name who answers for them",
        severity=Severity.MEDIUM.value,
        controls=(),
        source="organisation register",
        description=(
            "An applicable decision's owner, and a cited document's owner and approver, are "
            "named, not placeholder text (x, n/a, TBD, your-team); a control owned by "
            "placeholder text, or implemented by a document no one maintains or approved, "
            "is not met."
        ),
        rationale=(
            "A control owned by x has no one to answer for it, and a policy approved by TBD "
            "has not been approved."
        ),
        hint="Name the team, role or person accountable for the control, or who maintains "
        "and who approved the document.",
        rule_out="None: name them, or decide the control not applicable with a justification.",
        messages=(("", "{0} names placeholder text as its {1}: '{2}'"),),
    ),
)
"""The checks the register is judged by, without their controls (`register_checks`)."""

UNOWNED = "TM-REG-008"
"""The register check of a placeholder owner or approver."""

CONTRADICTED = "TM-REG-007"
"""The register check of a not-applicable decision the models contradict: it judges the
Annex A controls the models judge, not the organisation controls."""

SHOWS_APPLICABLE = frozenset(
    {
        ControlStatus.SATISFIED,
        ControlStatus.PARTIAL,
        ControlStatus.NOT_SATISFIED,
        ControlStatus.ATTESTED,
        ControlStatus.WAIVED,
    }
)
"""A model's results for a control that show the control applies to it (not
`not_applicable`, and not `not_assessed`: nothing was judged)."""


def shown_applicable(models: Sequence[ModelReport]) -> dict[str, tuple[ModelReport, ...]]:
    """Control key -> the models (in the given order) whose result for it shows it
    applies (`SHOWS_APPLICABLE`)."""
    out: dict[str, list[ModelReport]] = {}
    for m in models:
        for c in m.controls:
            if c.status in SHOWS_APPLICABLE:
                out.setdefault(c.control_id, []).append(m)
    return {key: tuple(found) for key, found in out.items()}


def register_checks(catalog: ControlCatalog) -> tuple[CheckInfo, ...]:
    """`REGISTER_CHECKS`, each listing the controls it judges: the organisation controls of
    `catalog` (`judged_by: organisation`), sorted; for `CONTRADICTED` the other ISO/IEC
    42001 Annex A controls (judged per model). `policyengine checks` lists these."""
    controls = tuple(sorted((c.key for c in catalog.judged("organisation")), key=control_order))
    annex = tuple(
        sorted(
            (
                c.key
                for c in catalog.for_framework("iso42001")
                if c.id.startswith("A.") and not c.organisational
            ),
            key=control_order,
        )
    )
    return tuple(
        replace(c, controls=annex if c.id == CONTRADICTED else controls) for c in REGISTER_CHECKS
    )


_BY_ID = {c.id: c for c in REGISTER_CHECKS}


def _finding(
    check_id: str,
    arguments: Sequence[str],
    controls: Sequence[str],
    at: Decision | RegisterDocument | None,
    message: str = "",
) -> Finding:
    """The finding of `check_id` rendered from its template named `message` (its first
    when "")."""
    info = _BY_ID[check_id]
    name, template = next((m for m in info.messages if m[0] == message), info.messages[0])
    return Finding(
        check_id=check_id,
        severity=Severity(info.severity),
        message=template.format(*arguments),
        pointer=at.pointer if at is not None else "",
        line=at.line if at is not None else 0,
        column=at.column if at is not None else 0,
        controls=tuple(controls),
        key="|".join((check_id, *controls, *arguments[:1])),
        hint=info.hint,
        template=name,
        arguments=tuple(arguments),
    )


_UNMET = {
    "partial": ControlStatus.PARTIAL,
    "planned": ControlStatus.NOT_SATISFIED,
    "not_implemented": ControlStatus.NOT_SATISFIED,
}


def judge_register(
    loaded: LoadedRegister,
    catalog: ControlCatalog,
    frameworks: Sequence[str],
    as_of: date,
    filed: Callable[[str], bool] = lambda _path: True,
    models: Sequence[ModelReport] = (),
) -> OrganisationReport:
    """The repository's organisation controls (catalog `judged_by: organisation`) of
    `frameworks`, each judged from its decision in `loaded.register` on `as_of`.

    Status: `not_applicable` (justified as not applicable, the justification as the note);
    `attested` (applicable, implemented, justified, every cited document within its
    review period); `partial` (implemented in part); `not_satisfied` otherwise (no
    decision, an empty or placeholder justification, planned or not implemented, no
    document, an expired document or one approved after `as_of`, a document in the
    repository that `filed(path)` says is empty or placeholder text:
    `pipeline.evidence_filed`, the judgement of cited evidence files). A document is in
    force from its approval through the day its review is due (`RegisterDocument.expires`).
    Each problem is one finding for the repository (TM-REG-001 .. -006), located in the
    register. A register with errors judges as a missing one. Pure but for what `filed`
    reads.

    `models` are the reports of the run (the valid ones judged): a decision that an Annex A
    control they judge does not apply, while one of them shows it applies
    (`shown_applicable`), is a TM-REG-007 finding at the decision, naming those models; it
    changes no result (the models' own results stand).
    """
    register = loaded.register
    wanted = [c for c in catalog.judged("organisation") if c.framework in frameworks]
    findings: dict[str, list[Finding]] = {c.id: [] for c in REGISTER_CHECKS}
    results = []
    expired = _expired(register, as_of) if register is not None else {}
    pending = _not_approved_yet(register, as_of) if register is not None else ()
    unfiled = {d for d in register.documents if d.path and not filed(d.path)} if register else set()
    unowned = _unowned(register) if register is not None else {}
    failing = (*expired, *pending, *unfiled, *unowned)
    for control in wanted:
        decision = register.decision(control.key) if register is not None else None
        result, found = _judge(control, decision, register, failing, loaded.path)
        results.append(result)
        for f in found:
            findings[f.check_id].append(f)
    for doc, ends in expired.items():
        implements = tuple(
            c.key
            for c in wanted
            if register is not None
            and (d := register.decision(c.key)) is not None
            and doc.id in d.documents
        )
        if implements:
            args = (
                doc.id,
                ends.isoformat(),
                doc.approved.isoformat(),
                cadence_label(doc.review_period),
            )
            findings["TM-REG-003"].append(_finding("TM-REG-003", args, implements, doc, "expired"))
    for doc in pending:
        implements = _implemented_by(doc, wanted, register)
        if implements:
            dates = (doc.id, as_of.isoformat(), doc.approved.isoformat())
            findings["TM-REG-003"].append(_finding("TM-REG-003", dates, implements, doc, "not_yet"))
    for doc in sorted(unfiled, key=lambda d: (d.line, d.id)):
        implements = _implemented_by(doc, wanted, register)
        if implements:
            findings["TM-REG-006"].append(
                _finding("TM-REG-006", (doc.id, doc.path), implements, doc)
            )
    for doc, hollow_fields in unowned.items():
        implements = _implemented_by(doc, wanted, register)
        for field, text in hollow_fields if implements else ():
            said = (f"document {doc.id}", field, text)
            findings[UNOWNED].append(_finding(UNOWNED, said, implements, doc))
    applies = shown_applicable(models)
    for decision in register.decisions if register is not None else ():
        judged_per_model = catalog.get(decision.control)
        shown = applies.get(decision.control, ())
        if decision.applicable is not False or not shown or judged_per_model is None:
            continue
        if judged_per_model.organisational:
            continue
        names = ", ".join(f"{m.model_id or m.path} ({_status(m, decision.control)})" for m in shown)
        findings[CONTRADICTED].append(
            _finding(CONTRADICTED, (decision.control, names), (decision.control,), decision)
        )
    judged = len(register.decisions) if register is not None else 0
    outcomes = tuple(
        CheckOutcome(
            check_id=info.id,
            title=info.title,
            severity=Severity(info.severity),
            applicable=True,
            findings=tuple(sorted(findings[info.id], key=lambda f: (f.line, f.column))),
            judged=judged,
        )
        for info in REGISTER_CHECKS
    )
    return OrganisationReport(
        path=loaded.path,
        found=loaded.found,
        diagnostics=loaded.diagnostics,
        checks=outcomes,
        controls=tuple(results),
    )


def _status(model: ModelReport, key: str) -> str:
    return next(c.status.value for c in model.controls if c.control_id == key)


def _expired(register: Register, as_of: date) -> dict[RegisterDocument, date]:
    """Each document out of date on `as_of` (approved longer ago than its review period),
    with the last day it was in force."""
    out = {}
    for doc in register.documents:
        ends = doc.expires()
        if ends is not None and ends < as_of:
            out[doc] = ends
    return out


def _unowned(register: Register) -> dict[RegisterDocument, tuple[tuple[str, str], ...]]:
    """Each document whose owner or approver is empty or placeholder text, with those
    fields and their text: no one maintains it, or no one approved it."""
    out = {}
    for doc in register.documents:
        hollow_fields = tuple(
            (field, text)
            for field, text in (("owner", doc.owner), ("approver", doc.approver))
            if not text.strip() or hollow(text, sentence=False) is not None
        )
        if hollow_fields:
            out[doc] = hollow_fields
    return out


def _not_approved_yet(register: Register, as_of: date) -> tuple[RegisterDocument, ...]:
    """The documents whose approval is dated after `as_of`: on that date nobody has approved
    them yet, so they are within no review period (as a review or an attestation dated after
    the as-of date counts for nothing)."""
    return tuple(doc for doc in register.documents if doc.approved > as_of)


def _implemented_by(
    doc: RegisterDocument, wanted: Sequence[Control], register: Register | None
) -> tuple[str, ...]:
    """The keys of the controls in `wanted` whose decision cites `doc`."""
    return tuple(
        c.key
        for c in wanted
        if register is not None
        and (d := register.decision(c.key)) is not None
        and doc.id in d.documents
    )


def _judge(
    control: Control,
    decision: Decision | None,
    register: Register | None,
    failing: Collection[RegisterDocument],
    path: str,
) -> tuple[ControlResult, list[Finding]]:
    key = control.key
    if decision is None or not decision.decided:
        f = _finding("TM-REG-001", (key,), (key,), decision)
        return _result(control, ControlStatus.NOT_SATISFIED, [f], decision, path, ()), [f]
    found: list[Finding] = []
    kind = hollow(decision.justification, sentence=True) if decision.justification else "nothing"
    if kind is not None:
        what = "no justification" if kind == "nothing" else f"a justification that is {kind}"
        found.append(_finding("TM-REG-002", (key, what), (key,), decision))
    docs = tuple(
        d for ref in decision.documents if register and (d := register.document(ref)) is not None
    )
    if decision.applicable is False:
        status = ControlStatus.NOT_APPLICABLE if not found else ControlStatus.NOT_SATISFIED
        return _result(control, status, found, decision, path, docs), found
    if decision.owner and hollow(decision.owner, sentence=False) is not None:
        args = (f"the decision on {key}", "owner", decision.owner)
        found.append(_finding(UNOWNED, args, (key,), decision))
    status = ControlStatus.ATTESTED
    if decision.status in _UNMET:
        assert decision.status is not None
        found.append(_finding("TM-REG-004", (key, decision.status), (key,), decision))
        status = _UNMET[decision.status]
    elif not docs:
        found.append(_finding("TM-REG-005", (key,), (key,), decision))
        status = ControlStatus.NOT_SATISFIED
    if any(d in failing for d in docs):  # expired, placeholder text or no one's
        status = ControlStatus.NOT_SATISFIED
    if found and status is ControlStatus.ATTESTED:
        status = ControlStatus.NOT_SATISFIED
    return _result(control, status, found, decision, path, docs), found


def _result(
    control: Control,
    status: ControlStatus,
    findings: Sequence[Finding],
    decision: Decision | None,
    path: str,
    docs: Sequence[RegisterDocument],
) -> ControlResult:
    evidence = (f"{path}#{decision.pointer}",) if decision is not None else ()
    note = decision.justification if decision is not None else ""
    return ControlResult(
        control_id=control.key,
        framework=control.framework,
        status=status,
        checks=tuple(c.id for c in REGISTER_CHECKS if c.id != CONTRADICTED),
        findings=tuple(findings),
        evidence=(*evidence, *(d.where for d in docs)),
        note=note,
    )


# --- starter ----------------------------------------------------------------------------


def starter_controls(catalog: ControlCatalog) -> tuple[Control, ...]:
    """The controls a starter register lists: every organisation control, then every
    other ISO/IEC 42001 Annex A control (for the Statement of Applicability), each in
    catalog order."""
    org = catalog.judged("organisation")
    annex = tuple(
        c
        for c in catalog.for_framework("iso42001")
        if c.id.startswith("A.") and c.judged_by != "organisation"
    )
    return (*org, *annex)


def starter_register(catalog: ControlCatalog, organisation: str = "") -> str:
    """The text of a starter register: valid against the register schema, no document,
    and every `starter_controls` control with its decision left empty (applicable and
    status null, no justification), so that each is a TM-REG-001 finding until decided.
    Deterministic."""
    lines = [
        "# yaml-language-server: $schema=https://policyengine.dev/schemas/register/v1.json",
        "# The organisation register (policyengine init-register). Every threat model of this",
        "# repository inherits it. Decide each control: applicable (true/false), a",
        "# justification either way, status (implemented, partial, planned, not_implemented),",
        "# owner and the ids of the documents below that implement it.",
        "apiVersion: policyengine/v1",
        "kind: OrganisationRegister",
        f"organisation: {_quoted(organisation or 'Your organisation')}",
        "# Who may accept a risk at or above the treatment threshold; when present, this",
        "# list replaces risk.acceptors of .policyengine.yaml.",
        "# risk_acceptors: [head of risk]",
        "documents: []",
        "# - id: DOC-AI-POLICY",
        "#   title: AI policy",
        "#   path: docs/governance/ai-policy.md",
        '#   version: "1.0"',
        "#   owner: head of risk",
        "#   approver: AI governance board",
        "#   approved: 2026-01-15",
        "#   review_period: annual",
        "controls:",
    ]
    for control in starter_controls(catalog):
        lines += [
            f"  # {control.title} ({'organisation' if control.organisational else 'Annex A'})",
            f"  - control: {_quoted(control.key)}",
            "    applicable: null",
            '    justification: ""',
            "    status: null",
            '    owner: ""',
            "    documents: []",
        ]
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
