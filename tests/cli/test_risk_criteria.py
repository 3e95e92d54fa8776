"""The organisation's risk criteria, treatment, red-team results and the review ceiling
change verdicts through `check` (issue 11, items 1-4), on the reference example model."""

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
REGISTER = "governance/register.yaml"

Model = dict[str, Any]


def _threat(model: Model, tid: str) -> dict[str, Any]:
    return next(t for t in model["threats"] if t["id"] == tid)


def _control(model: Model, cid: str) -> dict[str, Any]:
    return next(c for c in model["controls"] if c["id"] == cid)


def _check(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: Callable[[Model], None] = lambda _: None,
    config: Callable[[dict[str, Any]], None] = lambda _: None,
    register: Callable[[dict[str, Any]], None] = lambda _: None,
) -> tuple[int, dict[str, Any]]:
    """`check --format json` of the support assistant changed by `change`, in a copy of the
    examples whose config is changed by `config` and organisation register by `register`;
    the report of that model."""
    root = tmp_path / "examples"
    shutil.copytree(EXAMPLES, root)
    model = yaml.safe_load((EXAMPLES / MODEL).read_text(encoding="utf-8"))
    change(model)
    (root / MODEL).write_text(yaml.safe_dump(model, sort_keys=False), encoding="utf-8")
    settings = yaml.safe_load((EXAMPLES / ".policyengine.yaml").read_text(encoding="utf-8"))
    config(settings)
    (root / ".policyengine.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    decisions = yaml.safe_load((EXAMPLES / REGISTER).read_text(encoding="utf-8"))
    register(decisions)
    (root / REGISTER).write_text(yaml.safe_dump(decisions), encoding="utf-8")
    code = main(
        [
            "check",
            str(root / MODEL),
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
    return code, report


def _messages(report: dict[str, Any], check: str) -> list[str]:
    for c in report["checks"]:
        if c["id"] == check:
            return [f["message"] for f in c["findings"]]
    raise AssertionError(f"no check {check}")


def _status(report: dict[str, Any], check: str) -> str:
    return str(next(c["status"] for c in report["checks"] if c["id"] == check))


def _control_status(report: dict[str, Any], key: str) -> str:
    return str(next(c["status"] for c in report["controls"] if c["control"] == key))


def _t003_untreated(model: Model) -> None:
    # T-003 scores 2 x 4 = 8: at the low threshold (8), under the high one (15).
    t = _threat(model, "T-003")
    t["mitigations"], t["status"] = [], "open"


def test_the_reference_model_passes_the_risk_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = _check(tmp_path, capsys)
    assert code == 0
    for check in ("TM-TREAT-001", "TM-TREAT-002", "TM-TREAT-003", "TM-REDTEAM-005"):
        assert _status(report, check) == "pass", check
    assert _status(report, "TM-REDTEAM-006") == "pass"
    assert _status(report, "TM-REVIEW-002") == "pass"


@pytest.mark.parametrize(
    ("tolerance", "code", "treat", "control"),
    [("low", 1, "fail", "partial"), ("high", 0, "pass", "satisfied")],
)
def test_risk_tolerance_changes_the_verdict(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    tolerance: str,
    code: int,
    treat: str,
    control: str,
) -> None:
    def change(model: Model) -> None:
        _t003_untreated(model)
        model["system"]["risk_tolerance"] = tolerance

    got, report = _check(tmp_path, capsys, change)
    assert got == code
    assert _status(report, "TM-TREAT-001") == treat
    if tolerance == "low":
        assert _messages(report, "TM-TREAT-001") == [
            "threat T-003 (risk 8, at or above 8 for risk tolerance low) has no treatment: no "
            "mitigation names a control, and it is neither accepted nor transferred"
        ]
    assert _control_status(report, "nist-ai-rmf/MAP 1.5") == control
    assert _control_status(report, "iso42001/6.1.3") == control


def test_thresholds_come_from_the_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def config(settings: dict[str, Any]) -> None:
        settings["risk"]["thresholds"] = {"low": 9, "medium": 10, "high": 15}

    code, report = _check(tmp_path, capsys, _t003_untreated, config)
    assert _status(report, "TM-TREAT-001") == "pass"
    assert code == 0


def test_acceptance_by_someone_not_authorised_is_a_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(model: Model) -> None:
        _threat(model, "T-005")["acceptance"].update(approved_by="x", expires="2030-12-31")

    code, report = _check(tmp_path, capsys, change)
    assert code == 1
    assert _messages(report, "TM-TREAT-003") == [
        "the acceptance of threat T-005 (risk 15) is approved by x, who is not among the "
        "acceptors of the risk criteria (risk_acceptors in governance/register.yaml)",
        "the acceptance of threat T-005 (risk 15) runs 1551 days, longer than the 365 days "
        "the risk criteria allow",
    ]
    assert _control_status(report, "iso42001/6.1.3") == "partial"


def test_without_acceptors_no_acceptance_at_the_threshold_is_valid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def config(settings: dict[str, Any]) -> None:
        del settings["risk"]["acceptors"]

    def register(decisions: dict[str, Any]) -> None:
        del decisions["risk_acceptors"]

    code, report = _check(tmp_path, capsys, config=config, register=register)
    assert code == 1
    assert [m.split(",")[0] for m in _messages(report, "TM-TREAT-003")] == [
        "the acceptance of threat T-005 (risk 15) is approved by head of support engineering"
    ]
    # the register names no acceptors: the message points at the config's (empty) list
    assert _messages(report, "TM-TREAT-003")[0].endswith("(risk.acceptors in .policyengine.yaml)")


def test_the_registers_acceptors_replace_the_configs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def config(settings: dict[str, Any]) -> None:
        settings["risk"]["acceptors"] = ["head of support engineering"]

    def register(decisions: dict[str, Any]) -> None:
        decisions["risk_acceptors"] = ["head of risk"]

    code, report = _check(tmp_path, capsys, config=config, register=register)
    assert code == 1
    assert [m.split(",")[0] for m in _messages(report, "TM-TREAT-003")] == [
        "the acceptance of threat T-005 (risk 15) is approved by head of support engineering"
    ]
    # the message names the register's list, which decided, not the config's
    assert _messages(report, "TM-TREAT-003")[0].endswith(
        "(risk_acceptors in governance/register.yaml)"
    )
    # Without the register's list, the config's applies: the same approver is authorised.
    code, report = _check(
        tmp_path / "again", capsys, config=config, register=lambda d: d.pop("risk_acceptors")
    )
    assert _messages(report, "TM-TREAT-003") == []


def test_a_planned_control_is_partial_treatment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(model: Model) -> None:
        _threat(model, "T-003")["mitigations"] = ["C-02"]
        _control(model, "C-02").update(status="planned", due="2026-12-15")
        _threat(model, "T-001")["mitigations"] = ["C-01"]
        _threat(model, "T-002")["mitigations"] = ["C-03"]

    code, report = _check(tmp_path, capsys, change)
    assert code == 1
    assert _messages(report, "TM-TREAT-002") == [
        "threat T-003 (risk 8) is treated only by control C-02, which is still planned"
    ]
    assert _status(report, "TM-TREAT-001") == "pass"
    assert _control_status(report, "iso42001/6.1.3") == "partial"


def test_an_open_remediation_keeps_the_threat_scored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(model: Model) -> None:
        _threat(model, "T-001").update(status="mitigated", likelihood=1)

    code, report = _check(tmp_path, capsys, change)
    assert code == 1
    assert _messages(report, "TM-REDTEAM-006") == [
        "threat T-001 has likelihood 1 while the remediation of red-team finding "
        "RT-2026-09/F-3 that confirmed it is in_progress: score it 3 or more, or say why in "
        "validation.rationale",
        "threat T-001 is marked mitigated while the remediation of red-team finding "
        "RT-2026-09/F-3 that confirmed it is in_progress",
    ]


def test_a_rationale_explains_a_low_likelihood_and_resolution_lifts_the_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(model: Model) -> None:
        _threat(model, "T-001")["likelihood"] = 2
        _threat(model, "T-001")["validation"]["rationale"] = (
            "The injected note must survive the nightly index rebuild, which drops"
            " unreviewed notes."
        )

    code, report = _check(tmp_path, capsys, change)
    assert _status(report, "TM-REDTEAM-006") == "pass"
    assert code == 0


def test_a_confirmed_threat_needs_a_remediation_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(model: Model) -> None:
        del model["red_team"][0]["findings"][0]["remediation"]

    code, report = _check(tmp_path, capsys, change)
    assert code == 1
    assert _messages(report, "TM-REDTEAM-005") == [
        "red-team finding RT-2026-09/F-3, which confirms threat T-001, has no remediation "
        "record with a status",
        "red-team finding RT-2026-09/F-3, which confirms threat T-002, has no remediation "
        "record with a status",
    ]


@pytest.mark.parametrize(
    ("ceiling", "finding", "due"),
    [(None, True, "2027-01-02"), ("annual", False, "2027-10-02")],
)
def test_a_cadence_over_the_ceiling_is_due_at_the_ceiling(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    ceiling: str | None,
    finding: bool,
    due: str,
) -> None:
    def change(model: Model) -> None:
        model["review"]["cadence"] = "annual"

    def config(settings: dict[str, Any]) -> None:
        if ceiling is None:
            del settings["review"]["max_cadence"]  # the default: quarterly
        else:
            settings["review"]["max_cadence"] = ceiling

    _, report = _check(tmp_path, capsys, change, config)
    assert report["review"]["due"] == due
    assert _messages(report, "TM-REVIEW-002") == (
        [
            "review.cadence is annual, longer than the ceiling of quarterly: the review falls "
            "due at the ceiling"
        ]
        if finding
        else []
    )
