"""The control-coverage matrix: a check run and the control catalog in, a `Matrix` out.

A pure stage: every control of every framework the run evaluated is a row (catalog order,
its title our own paraphrase), every model a column (path order), and each cell the
control's status for that model with the checks, findings and evidence behind it. A model
that is invalid, or that does not declare the framework, has no cell (None) there. An
organisation control (catalog `judged_by: organisation`) is judged once for the repository
from the register: its row carries that one result (`MatrixRow.organisation`), each model
that declares the framework shows it as inherited, and the framework's totals count it
once, not once per model. A cell whose status the checks give (`satisfied`, `attested`,
`partial`) carries what it rests on: the parts of the model its passing checks judged,
located (`ControlResult.judged_evidence`); checks that did not apply to the model are listed apart
(`not_run`), never as a basis. The totals count cells per status, every `ControlStatus` member
listed in its enum order, so a status added to the enum shows up in every total and every
format without a change here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from .catalog import Control, ControlCatalog
from .results import (
    ControlResult,
    ControlStatus,
    Matrix,
    MatrixCell,
    MatrixFramework,
    MatrixModel,
    MatrixRow,
    ModelReport,
    RunResult,
)


def build_matrix(run: RunResult, catalog: ControlCatalog) -> Matrix:
    """The matrix of `run` over the controls of `catalog`.

    Frameworks are those the run evaluated (`run.frameworks`), in that order; a framework
    the catalog has no control of has no rows. A control result whose control is not in
    the catalog (a team's own control id) is not shown: the matrix is the catalog's.
    """
    models = tuple(_column(m) for m in run.models)
    results = [_results_of(m) for m in run.models]
    paths = [m.path for m in run.models]
    organisation = {c.control_id: c for c in run.organisation.controls} if run.organisation else {}
    frameworks = tuple(
        _framework(fw, catalog, results, paths, organisation)
        for fw in run.frameworks
        if catalog.for_framework(fw)
    )
    return Matrix(
        models=models,
        frameworks=frameworks,
        as_of=run.as_of,
        diagnostics=run.diagnostics,
        provenance=run.provenance,
    )


def _column(model: ModelReport) -> MatrixModel:
    return MatrixModel(
        path=model.path,
        model_id=model.model_id,
        owner=model.owner,
        valid=model.valid,
        risks=model.risks,
    )


def _results_of(model: ModelReport) -> Mapping[str, ControlResult] | None:
    """The model's control results by key; None when it was not judged (invalid)."""
    if not model.valid:
        return None
    return {c.control_id: c for c in model.controls}


def _cell(result: ControlResult, path: str) -> MatrixCell:
    return MatrixCell(
        status=result.status,
        checks=result.checks,
        failed=tuple(sorted({f.check_id for f in result.findings})),
        findings=result.findings,
        evidence=result.evidence,
        note=result.note,
        not_run=result.not_run,
        judged=result.judged_evidence(path),
    )


def _declares(of_model: Mapping[str, ControlResult] | None, framework: str) -> bool:
    """Whether a judged model has results in `framework` (it declares it)."""
    return of_model is not None and any(c.framework == framework for c in of_model.values())


def _row(
    control: Control,
    results: list[Mapping[str, ControlResult] | None],
    paths: list[str],
    organisation: Mapping[str, ControlResult],
) -> MatrixRow:
    if control.organisational:
        found = organisation.get(control.key)
        shared = _cell(found, "") if found is not None else None
        return MatrixRow(
            control=control.key,
            id=control.id,
            title=control.title,
            group=control.group,
            judged_by=control.judged_by,
            cells=tuple(shared if _declares(r, control.framework) else None for r in results),
            organisation=shared,
        )
    cells = []
    for of_model, path in zip(results, paths, strict=True):
        found = of_model.get(control.key) if of_model is not None else None
        cells.append(_cell(found, path) if found is not None else None)
    return MatrixRow(
        control=control.key,
        id=control.id,
        title=control.title,
        group=control.group,
        judged_by=control.judged_by,
        cells=tuple(cells),
    )


def _totals(cells: Iterable[MatrixCell | None]) -> dict[ControlStatus, int]:
    counts = Counter(c.status for c in cells if c is not None)
    return {status: counts.get(status, 0) for status in ControlStatus}


def _once(row: MatrixRow) -> Iterable[MatrixCell | None]:
    """The cells a framework's totals count for `row`: an organisation control's one
    result (when some model inherits it), else every model's cell."""
    if row.judged_by == "organisation":
        return (row.organisation,) if any(c is not None for c in row.cells) else ()
    return row.cells


def _framework(
    framework: str,
    catalog: ControlCatalog,
    results: list[Mapping[str, ControlResult] | None],
    paths: list[str],
    organisation: Mapping[str, ControlResult],
) -> MatrixFramework:
    rows = tuple(_row(c, results, paths, organisation) for c in catalog.for_framework(framework))
    return MatrixFramework(
        framework=framework,
        name=catalog.framework_name(framework),
        rows=rows,
        totals=_totals(cell for row in rows for cell in _once(row)),
        model_totals=tuple(_totals(row.cells[i] for row in rows) for i in range(len(results))),
        unjudged=sum(1 for row in rows for cell in row.cells if cell is None),
    )
