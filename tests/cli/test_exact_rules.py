"""Verdicts that must not claim more than the model shows (auditor findings A2, A6, A12):
a check that decides a control alone (`custom.decides`), a check that only guards a control
(`custom.guard` as a mapping), and an exercise its own system's team marked independent
(TM-REDTEAM-010)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from policyengine.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
MODEL = "models/support-assistant.yaml"

Model = dict[str, Any]


def _report(root: Path, path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code = main(
        [
            "check",
            str(path),
            "--as-of",
            "2026-11-27",
            "--format",
            "json",
            "--allow-unknown-history",
        ]
    )
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    (report,) = json.loads(out)["models"]
    return report  # type: ignore[no-any-return]


def _check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: Callable[[Model], None]
) -> dict[str, Any]:
    """The JSON report of the support assistant changed by `change`, in a copy of the
    examples."""
    root = tmp_path / "examples"
    shutil.copytree(EXAMPLES, root)
    model = yaml.safe_load((EXAMPLES / MODEL).read_text(encoding="utf-8"))
    change(model)
    (root / MODEL).write_text(yaml.safe_dump(model, sort_keys=False), encoding="utf-8")
    return _report(root, root / MODEL, capsys)


def _control(report: dict[str, Any], key: str) -> dict[str, Any]:
    (control,) = [c for c in report["controls"] if c["control"] == key]
    return control  # type: ignore[no-any-return]


def _failing(control: dict[str, Any]) -> list[str]:
    return sorted({f["check"] for f in control["findings"]})


# --- A2: MEASURE 2.7 with no red-team exercise within 365 days -------------------------


@pytest.mark.parametrize("date", ["2025-06-01", "2027-03-01"], ids=["old", "future"])
def test_no_exercise_within_365_days_is_not_partial_on_the_old_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], date: str
) -> None:
    # RT-2026-09 is the only exercise; its filed report (TM-EVID-002) and the threats it
    # validated (TM-REDTEAM-007, -008) still pass, yet nothing of the security evaluation
    # is current: controls.md "None within 365 days: not satisfied".
    def change(model: Model) -> None:
        model["red_team"][0]["date"] = date

    report = _check(tmp_path, capsys, change)
    measure = _control(report, "nist-ai-rmf/MEASURE 2.7")
    assert measure["status"] == "not_satisfied"
    assert "TM-REDTEAM-002" in _failing(measure)
    assert "TM-EVID-002" in measure["checks"]  # it ran and passed: no basis of a partial
    # TM-REDTEAM-002 decides MEASURE 2.7 alone; its other controls keep the usual rule.
    assert _control(report, "iso42001/9.1")["status"] == "partial"


def test_a_recent_exercise_covering_some_layers_is_partial(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(model: Model) -> None:
        model["red_team"][0]["scope"]["surfaces"] = ["chat-io"]

    measure = _control(_check(tmp_path, capsys, change), "nist-ai-rmf/MEASURE 2.7")
    assert measure["status"] == "partial"
    assert "TM-REDTEAM-003" in _failing(measure)
    assert "TM-REDTEAM-002" not in _failing(measure)


# --- A6: ISO 8.3 on the system owner's name alone ---------------------------------------

NO_TREATMENT = """\
apiVersion: policyengine/v1
kind: ThreatModel
metadata: {id: fraud-scorer, name: Fraud scorer, owner: risk-ml, version: 1.0.0}
system:
  description: Gradient-boosted model that scores card payments for fraud in the payment service.
  intended_purpose: Score each card payment for fraud risk before authorisation.
  deployment_context: Internal payment service, called server to server in the EU region.
  users: [payment service]
  ai_tasks: [classification]
  out_of_scope_uses: [credit decisions]
  human_oversight: Analysts review every payment scored above 0.9 before it is declined.
  frameworks: [nist-ai-rmf, iso42001]
assets:
  - {id: scorer, type: base_model, name: fraud gbm, version: "7", supplier: first_party}
surfaces:
  - {id: serving, layer: runtime, assets: [scorer]}
threats:
  - id: T-1
    title: Attacker probes the scorer to learn which payments pass
    surface: serving
    atlas: [AML.T0010.001]
    likelihood: 2
    impact: 2
    assumptions: [Only the payment service can call the scorer over mTLS.]
    mitigations: []
    status: open
    validation: {status: untested, note: Below the threshold (risk 4); not measured this year.}
controls: []
red_team: []
review: {cadence: quarterly, last_reviewed: 2026-11-20, atlas_version: 5.6.1}
"""


def test_an_owner_name_alone_shows_no_risk_treatment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "models" / "fraud-scorer.yaml"
    path.parent.mkdir()
    path.write_text(NO_TREATMENT, encoding="utf-8")
    report = _report(tmp_path, path, capsys)
    treatment = _control(report, "iso42001/8.3")
    assert treatment["status"] == "not_assessed"
    assert treatment["checks"] == ["TM-ISO-062"]
    assert treatment["note"] == (
        "nothing in the model to judge: TM-ISO-062 only guards it, no evidence on its own"
    )
    # The same pass still shows who is accountable for the system (A.3.2).
    assert _control(report, "iso42001/A.3.2")["status"] == "satisfied"


def test_a_missing_owner_still_fails_risk_treatment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(model: Model) -> None:
        del model["controls"][0]["owner"]

    treatment = _control(_check(tmp_path, capsys, change), "iso42001/8.3")
    assert treatment["status"] == "partial"
    assert _failing(treatment) == ["TM-ISO-062"]


# --- A12: an exercise its own system's team performed, marked independent ------------------


@pytest.mark.parametrize(
    "performer",
    ["ai-platform-team", "AI Platform Team", "ai_platform", "  AI-platform   team "],
    ids=["as-owner", "case-spaces", "underscore-no-team", "runs-of-spaces"],
)
def test_an_exercise_by_the_owner_team_is_not_independent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], performer: str
) -> None:
    # support-assistant is owned by ai-platform-team; RT-2026-09 says independent: true.
    def change(model: Model) -> None:
        model["red_team"][0]["performed_by"] = performer

    report = _check(tmp_path, capsys, change)
    checks = {c["id"]: c for c in report["checks"]}
    assert [(f["pointer"], f["message"]) for f in checks["TM-REDTEAM-010"]["findings"]] == [
        (
            "/red_team/0/performed_by",
            f"red-team exercise RT-2026-09 is marked independent but was performed by "
            f"{performer}, the team that owns the model",
        )
    ]
    assert [f["message"] for f in checks["TM-REDTEAM-001"]["findings"]] == [
        "no red-team exercise is independent: every one marked independent was performed "
        "by the team that owns the model"
    ]
    # Its filed report (TM-EVID-002) is no basis of a partial: no independent exercise.
    assert _control(report, "nist-ai-rmf/MEASURE 1.3")["status"] == "not_satisfied"
    assert _control(report, "iso42001/A.6.2.4")["status"] == "partial"


def test_another_team_s_exercise_stays_independent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(model: Model) -> None:
        model["red_team"][0]["performed_by"] = "ai platform security"

    report = _check(tmp_path, capsys, change)
    checks = {c["id"]: c for c in report["checks"]}
    assert checks["TM-REDTEAM-010"]["status"] == "pass"
    assert _control(report, "nist-ai-rmf/MEASURE 1.3")["status"] == "satisfied"
