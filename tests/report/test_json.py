"""The JSON report is written one model at a time with the bytes of one `json.dumps`."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from policyengine.report.json import (
    SCHEMA_VERSION,
    JsonFormatter,
    _delta,
    _diagnostic,
    _model,
    organisation_json,
    provenance_json,
    summarize,
)
from policyengine.results import (
    CheckOutcome,
    ControlResult,
    ControlStatus,
    Diagnostic,
    Finding,
    ModelDelta,
    ModelReport,
    Provenance,
    PullRequestDelta,
    RunResult,
    Severity,
)

# Text that would break a naive splice: a raw newline, quotes, the placeholder itself and
# what the models key looks like once encoded.
AWKWARD = 'line one\nline two "quoted" \x00models\x00 \n  "models": [] é'


def _whole(run: RunResult) -> str:
    """The report as one json.dumps of the whole document: what the bytes must be."""
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": "policyengine",
        "as_of": run.as_of.isoformat(),
        "frameworks": list(run.frameworks),
        "errors": [_diagnostic(d) | {"file": d.file} for d in run.diagnostics],
        "models": [_model(m) for m in run.models],
        "summary": summarize(run),
        "provenance": provenance_json(run.provenance),
        "organisation": organisation_json(run.organisation),
    }
    if run.delta is not None:
        doc["pull_request"] = _delta(run.delta)
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _model_report(i: int) -> ModelReport:
    finding = Finding(
        "TM-X-001", Severity.HIGH, f"{AWKWARD} {i}", f"/threats/{i}", 3 + i, 5, ("iso42001/6.1.2",)
    )
    return ModelReport(
        path=f"models/m{i}.yaml",
        model_id=f"m{i}",
        owner=AWKWARD,
        diagnostics=(Diagnostic(f"models/m{i}.yaml", 2, 1, AWKWARD),) if i % 2 else (),
        checks=(CheckOutcome("TM-X-001", AWKWARD, Severity.HIGH, True, (finding,)),),
        controls=(
            ControlResult("iso42001/6.1.2", "iso42001", ControlStatus.NOT_SATISFIED, (), ()),
        ),
    )


RUN = RunResult(
    models=tuple(_model_report(i) for i in range(3)),
    as_of=date(2026, 11, 27),
    frameworks=("iso42001",),
    diagnostics=(Diagnostic("nope", 0, 0, AWKWARD),),
)
DELTA = PullRequestDelta("main", "working tree", (ModelDelta("models/m0.yaml", "m0", AWKWARD),))


PROVENANCE = Provenance(
    "0.1.0", date(2026, 11, 27), "ab" * 20, True, "cd" * 32, (("atlas-catalog", AWKWARD),)
)


@pytest.mark.parametrize(
    "run",
    [
        RUN,
        replace(RUN, models=()),
        replace(RUN, models=RUN.models[:1]),
        replace(RUN, delta=DELTA, provenance=PROVENANCE),
        replace(RUN, models=(), delta=DELTA),
    ],
    ids=["three-models", "no-model", "one-model", "pull-request", "pull-request-no-model"],
)
def test_pieces_make_the_bytes_of_one_dumps(run: RunResult) -> None:
    formatter = JsonFormatter()
    pieces = list(formatter.pieces(run))
    assert "".join(pieces) == _whole(run) == formatter.render(run)
    assert json.loads(formatter.render(run))["models"] == [_model(m) for m in run.models]
    # One piece per model besides the frame: no piece holds the whole model list.
    assert len(pieces) >= len(run.models) + 2
