"""The ISO/IEC 42001 Statement of Applicability: a check run, the control catalog and the
organisation register in, a `Soa` out.

A pure stage (like `matrix`): every Annex A control of the catalog is a row, in catalog
order, with our paraphrased title, the register's decision (applicability, justification,
implementation status, owner, implementing documents) and the verdicts behind it: for an
organisation control the register's one result for the repository, for any other control
each model's result with the checks mapped to it and the evidence located (file, line,
JSON pointer), among them the parts of the model the passing checks judged; checks that
did not apply to the model are listed apart, never as a basis. A control the engine rules
not applicable to a model carries the reason. A control the register decides does not
apply while some model's verdict shows it applies (`register.shown_applicable`, the
TM-REG-007 finding) names those models (`SoaRow.contradicted_by`).

`build_soa` is the public entry point; other stages (evidence packs) call it with the run
of `pipeline.run_check`, `catalog.load_controls()` and `register.load_register(...)`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from .catalog import Control, ControlCatalog
from .register import Register, shown_applicable
from .results import (
    ControlResult,
    EvidencePointer,
    Finding,
    MatrixModel,
    ModelReport,
    RunResult,
    Soa,
    SoaDecision,
    SoaRow,
    SoaVerdict,
)

ANNEX = "iso42001"
"""The framework whose Annex A controls the statement lists."""

Locate = Callable[[str, str], int]
"""The 1-based line of a JSON pointer in a repository file (0 when unknown)."""


def _nowhere(_file: str, _pointer: str) -> int:
    return 0


def annex_a(catalog: ControlCatalog) -> tuple[Control, ...]:
    """The ISO/IEC 42001 Annex A controls of the catalog (ids `A.*`), in catalog order."""
    return tuple(c for c in catalog.for_framework(ANNEX) if c.id.startswith("A."))


def build_soa(
    run: RunResult,
    catalog: ControlCatalog,
    register: Register | None,
    locate: Locate | None = None,
) -> Soa:
    """The Statement of Applicability of `run` (a `check` run) over the Annex A controls of
    `catalog`, with the decisions of `register` (None: no usable register, every decision
    empty). `locate(file, pointer)` gives the line of a JSON pointer in a repository file
    (a model or the register); without it lines are 0. Pure: the same arguments give the
    same statement."""
    where = locate or _nowhere
    models = tuple(
        MatrixModel(path=m.path, model_id=m.model_id, owner=m.owner, valid=m.valid)
        for m in run.models
    )
    organisation = {c.control_id: c for c in run.organisation.controls} if run.organisation else {}
    org = run.organisation
    org_path = org.path if org is not None else ""
    read = org_path if org is not None and org.found else ""  # a missing file: none read
    applies = {
        key: tuple(m.path for m in found) for key, found in shown_applicable(run.models).items()
    }
    rows = tuple(
        _row(control, register, organisation, org_path, run.models, where, applies)
        for control in annex_a(catalog)
    )
    return Soa(
        rows=rows,
        models=models,
        as_of=run.as_of,
        register=register.path if register is not None else read,
        organisation=register.organisation if register is not None else "",
        provenance=run.provenance,
        diagnostics=(
            *run.diagnostics,
            *(run.organisation.diagnostics if run.organisation is not None else ()),
        ),
    )


def _decision(control: Control, register: Register | None, where: Locate) -> SoaDecision | None:
    if register is None:
        return None
    decision = register.decision(control.key)
    if decision is None:
        return None
    documents = []
    for ref in decision.documents:
        doc = register.document(ref)
        if doc is not None:
            documents.append(f"{doc.id} {doc.title}, version {doc.version} ({doc.where})")
    return SoaDecision(
        applicable=decision.applicable,
        justification=decision.justification,
        implementation=decision.status,
        owner=decision.owner,
        documents=tuple(documents),
        where=EvidencePointer(
            register.path,
            decision.line or where(register.path, decision.pointer),
            decision.pointer,
            "decision",
        ),
    )


def _located(path: str, f: Finding) -> EvidencePointer:
    return EvidencePointer(path, f.line, f.pointer, f"{f.check_id}: {f.message}")


def _evidence(path: str, result: ControlResult, where: Locate) -> tuple[EvidencePointer, ...]:
    """The findings against the control, then each piece of evidence it cites: a JSON
    pointer into the model (`/compliance/attestations/3`), a pointer into another file
    (`governance/register.yaml#/controls/0`) or a cited file; then the parts of the model
    the passing checks judged (`ControlResult.judged_evidence`)."""
    out = [_located(path, f) for f in result.findings]
    for item in result.evidence:
        if item.startswith("/"):
            out.append(EvidencePointer(path, where(path, item), item))
        elif "#/" in item:
            file, _, pointer = item.partition("#")
            out.append(EvidencePointer(file, where(file, pointer), pointer))
        else:
            out.append(EvidencePointer(item, 0, "", "cited document"))
    out.extend(result.judged_evidence(path))
    return tuple(out)


def _verdict(model: ModelReport, key: str, where: Locate) -> SoaVerdict:
    result = next((c for c in model.controls if c.control_id == key), None)
    if result is None:
        return SoaVerdict(model.path, model.model_id, None)
    return SoaVerdict(
        model_path=model.path,
        model_id=model.model_id,
        status=result.status,
        checks=result.checks,
        failed=tuple(sorted({f.check_id for f in result.findings})),
        evidence=_evidence(model.path, result, where),
        note=result.note,
        not_run=result.not_run,
    )


def _row(
    control: Control,
    register: Register | None,
    organisation: Mapping[str, ControlResult],
    org_path: str,
    models: Sequence[ModelReport],
    where: Locate,
    applies: Mapping[str, tuple[str, ...]],
) -> SoaRow:
    decision = _decision(control, register, where)
    if control.organisational:
        result = organisation.get(control.key)
        return SoaRow(
            control=control.key,
            id=control.id,
            title=control.title,
            judged_by=control.judged_by,
            decision=decision,
            status=result.status if result is not None else None,
            evidence=_evidence(org_path, result, where) if result is not None else (),
        )
    return SoaRow(
        control=control.key,
        id=control.id,
        title=control.title,
        judged_by=control.judged_by,
        decision=decision,
        verdicts=tuple(_verdict(m, control.key, where) for m in models),
        contradicted_by=(
            applies.get(control.key, ())
            if decision is not None and decision.applicable is False
            else ()
        ),
    )
