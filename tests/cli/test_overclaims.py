"""Over-claims re-judged through `check` (issue 11, item 10): each strengthened check fails
its controls on the reference example model once the model stops showing them."""

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


def _check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: Callable[[Model], None]
) -> tuple[int, dict[str, Any]]:
    """`check --format json` of the support assistant changed by `change`; its report."""
    root = tmp_path / "examples"
    shutil.copytree(EXAMPLES, root)
    model = yaml.safe_load((EXAMPLES / MODEL).read_text(encoding="utf-8"))
    change(model)
    (root / MODEL).write_text(yaml.safe_dump(model, sort_keys=False), encoding="utf-8")
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


def _findings(report: dict[str, Any], check: str) -> list[tuple[str, str]]:
    (found,) = [c["findings"] for c in report["checks"] if c["id"] == check]
    return [(f["pointer"], f["message"]) for f in found]


def _controls(report: dict[str, Any], *keys: str) -> list[str]:
    status = {c["control"]: c["status"] for c in report["controls"]}
    return [status[k] for k in keys]


def _threat(model: Model, tid: str) -> dict[str, Any]:
    return next(t for t in model["threats"] if t["id"] == tid)


JUDGED = (
    "nist-ai-rmf/MEASURE 1.1",
    "nist-ai-rmf/MEASURE 2.1",
    "nist-ai-rmf/MEASURE 2.4",
    "iso42001/9.1",
    "iso42001/A.6.2.4",
    "iso42001/A.6.2.6",
    "iso42001/A.6.2.7",
    "iso42001/A.8.2",
)


def test_the_reference_model_shows_every_re_judged_control(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = _check(tmp_path, capsys, lambda _: None)
    assert code == 0
    assert _controls(report, *JUDGED) == ["satisfied"] * len(JUDGED)
    checks = {c["id"]: c["status"] for c in report["checks"]}
    for check in ("TM-THREAT-004", "TM-CTRL-002", "TM-REDTEAM-004", "TM-ISO-050", "TM-TEXT-007"):
        assert checks[check] == "pass", check


def test_a_detective_control_off_the_running_system_is_no_monitoring(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # C-05 (SBOM diff) was the detective control on the runtime surface; C-09 watches model
    # upgrades on the model-supply surface only.
    def change(model: Model) -> None:
        _threat(model, "T-004")["mitigations"] = []

    _, report = _check(tmp_path, capsys, change)
    assert _findings(report, "TM-CTRL-002") == [
        (
            "/controls",
            "no implemented or verified detective control with evidence mitigates a threat "
            "on a runtime or input_output surface",
        )
    ]
    assert _controls(report, "nist-ai-rmf/MEASURE 2.4", "iso42001/A.6.2.6") == [
        "not_satisfied",
        "not_satisfied",
    ]


def test_an_exercise_without_tools_test_sets_and_metrics_does_not_show_measure_2_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(model: Model) -> None:
        del model["red_team"][0]["tools"]
        model["red_team"][0]["metrics"] = []

    _, report = _check(tmp_path, capsys, change)
    assert _findings(report, "TM-REDTEAM-004") == [
        ("/red_team/0/tools", "red-team exercise RT-2026-09 does not state its tools"),
        ("/red_team/0/metrics", "red-team exercise RT-2026-09 does not state its metrics"),
    ]
    assert _controls(report, "nist-ai-rmf/MEASURE 2.1") == ["not_satisfied"]


def test_an_unmeasured_threat_must_say_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(model: Model) -> None:
        _threat(model, "T-010")["validation"] = {"status": "untested"}
        _threat(model, "T-011")["validation"]["note"] = "n/a"

    _, report = _check(tmp_path, capsys, change)
    assert _findings(report, "TM-THREAT-004") == [
        (
            "/threats/9/validation",
            "threat T-010 is untested and its validation.note does not say why it is not measured",
        )
    ]
    assert _findings(report, "TM-TEXT-002") == [
        (
            "/threats/10/validation/note",
            "the validation note of threat T-011 is placeholder text: 'n/a'",
        )
    ]
    assert _controls(report, "nist-ai-rmf/MEASURE 1.1") == ["partial"]  # scores stand


def test_an_interface_must_say_what_its_users_are_told(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(model: Model) -> None:
        model["surfaces"][0]["interfaces"][0]["user_information"] = "TBD"

    _, report = _check(tmp_path, capsys, change)
    assert _findings(report, "TM-TEXT-007") == [
        (
            "/surfaces/0/interfaces/0/user_information",
            "the user_information of an interface of surface chat-io is placeholder text: 'TBD'",
        )
    ]
    assert _controls(report, "iso42001/A.6.2.7", "iso42001/A.8.2") == ["partial", "partial"]

    def remove(model: Model) -> None:
        del model["surfaces"][0]["interfaces"][0]["user_information"]

    _, report = _check(tmp_path / "again", capsys, remove)
    assert _findings(report, "TM-ISO-004") == [
        (
            "/surfaces/0/interfaces/0/user_information",
            "interface web-chat of surface chat-io does not state user_information",
        )
    ]
    assert _controls(report, "iso42001/A.6.2.7", "iso42001/A.8.2") == [
        "not_satisfied",
        "not_satisfied",
    ]


def test_a_confirmed_exploit_past_its_fix_date_fails_9_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(model: Model) -> None:
        model["red_team"][0]["findings"][0]["remediation"]["due"] = "2026-11-01"

    code, report = _check(tmp_path, capsys, change)
    assert code == 0  # a medium finding under fail_on: high
    assert _findings(report, "TM-ISO-050") == [
        (
            "/red_team/0/findings/0/remediation/due",
            "red-team finding RT-2026-09/F-3 was due for remediation on 2026-11-01 and is "
            "still in_progress",
        )
    ]
    assert _controls(report, "iso42001/9.1") == ["partial"]  # its other checks pass

    def undated(model: Model) -> None:
        del model["red_team"][0]["findings"][0]["remediation"]["due"]

    _, report = _check(tmp_path / "again", capsys, undated)
    assert [p for p, _ in _findings(report, "TM-ISO-050")] == [
        "/red_team/0/findings/0/remediation/due"
    ]


def test_a_red_team_that_is_not_independent_does_not_show_a_6_2_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(model: Model) -> None:
        model["red_team"][0]["independent"] = False

    _, report = _check(tmp_path, capsys, change)
    assert _findings(report, "TM-REDTEAM-001") == [
        ("/red_team", "no red-team exercise is marked independent")
    ]
    assert _controls(report, "iso42001/A.6.2.4") == ["partial"]  # its other checks pass
