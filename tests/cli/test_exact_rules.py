"""Verdicts that must not claim more than the model shows (auditor findings A2, A6, A12):
a check that decides a control alone (`custom.decides`)."""

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
