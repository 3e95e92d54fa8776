"""Decisions judged on their dates through `check` (tester-a A3, A10): a risk acceptance
dated after the as-of date treats nothing yet, and a waiver whose expiry lies further ahead
than the risk criteria allow waives nothing."""

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
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: Callable[[Model], None],
    config: str = "",
) -> dict[str, Any]:
    """The `check --format json` report of the support assistant changed by `change`."""
    root = tmp_path / "examples"
    shutil.copytree(EXAMPLES, root)
    model = yaml.safe_load((EXAMPLES / MODEL).read_text(encoding="utf-8"))
    change(model)
    (root / MODEL).write_text(yaml.safe_dump(model, sort_keys=False), encoding="utf-8")
    if config:
        cfg = root / ".policyengine.yaml"
        text = cfg.read_text(encoding="utf-8")
        assert text.count("\nrisk:\n") == 1
        cfg.write_text(text.replace("\nrisk:\n", f"\nrisk:\n{config}\n"), "utf-8")
    args = [str(root / MODEL), "--as-of", "2026-11-27", "--format", "json"]
    code = main(["check", *args, "--allow-unknown-history"])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    (report,) = json.loads(out)["models"]
    return report


def _findings(report: dict[str, Any], check: str) -> list[tuple[str, str]]:
    (found,) = [c["findings"] for c in report["checks"] if c["id"] == check]
    return [(f["pointer"], f["message"]) for f in found]


def _status(report: dict[str, Any], key: str) -> str:
    (status,) = [c["status"] for c in report["controls"] if c["control"] == key]
    return str(status)


def _acceptance(model: Model) -> dict[str, Any]:
    (threat,) = [t for t in model["threats"] if t["id"] == "T-005"]
    return dict(threat["acceptance"])


def _date_acceptance(day: str) -> Callable[[Model], None]:
    def change(model: Model) -> None:
        (threat,) = [t for t in model["threats"] if t["id"] == "T-005"]
        threat["acceptance"]["date"] = day

    return change


def test_an_acceptance_dated_after_the_as_of_date_is_no_treatment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """T-005 (risk 15, accepted until 2027-01-31) accepted on 2027-01-15: on 2026-11-27 nobody
    has accepted it yet, so 6.1.3 and MAP 1.5 are not satisfied on its strength."""
    report = _check(tmp_path, capsys, _date_acceptance("2027-01-15"))
    assert _findings(report, "TM-TREAT-003") == [
        (
            "/threats/4/acceptance/date",
            "the acceptance of threat T-005 (risk 15) is dated 2027-01-15, after the as-of "
            "date: it is not granted yet",
        )
    ]
    for key in ("iso42001/6.1.3", "nist-ai-rmf/MAP 1.5"):
        assert _status(report, key) not in ("satisfied", "attested")


def test_an_acceptance_dated_on_the_as_of_date_is_granted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _check(tmp_path, capsys, _date_acceptance("2026-11-27"))
    assert _findings(report, "TM-TREAT-003") == []
    assert _status(report, "iso42001/6.1.3") == "satisfied"


def _waiver_until(day: str) -> Callable[[Model], None]:
    def change(model: Model) -> None:
        (waiver,) = model["compliance"]["waivers"]
        waiver["expires"] = day

    return change


def test_a_century_long_waiver_waives_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The MEASURE 2.11 waiver set to expire in 2126: a finding against MEASURE 2.11, which
    is then judged by its checks, not waived."""
    report = _check(tmp_path, capsys, _waiver_until("2126-03-31"))
    assert _findings(report, "TM-WAIVER-003") == [
        (
            "/compliance/waivers/0/expires",
            "the waiver of nist-ai-rmf/MEASURE 2.11 runs until 2126-03-31, 36283 days after "
            "the as-of date, longer than the 365 days the risk criteria allow",
        )
    ]
    assert _status(report, "nist-ai-rmf/MEASURE 2.11") not in ("waived", "satisfied")


@pytest.mark.parametrize(
    ("expires", "waived"),
    [("2027-11-27", True), ("2027-11-28", False)],
    ids=["365-days-ahead", "366-days-ahead"],
)
def test_a_waiver_may_run_up_to_the_risk_criteria_bound(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], expires: str, waived: bool
) -> None:
    report = _check(tmp_path, capsys, _waiver_until(expires))
    assert (_findings(report, "TM-WAIVER-003") == []) is waived
    assert (_status(report, "nist-ai-rmf/MEASURE 2.11") == "waived") is waived


def test_the_waiver_bound_is_the_configs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`risk.max_waiver_days` sets the bound: the example's waiver (until 2027-03-31, 124
    days ahead) is too long under 90."""
    report = _check(tmp_path, capsys, lambda _: None, config="  max_waiver_days: 90")
    (found,) = _findings(report, "TM-WAIVER-003")
    assert found[1].endswith(
        "124 days after the as-of date, longer than the 90 days the risk criteria allow"
    )
    assert _status(report, "nist-ai-rmf/MEASURE 2.11") != "waived"
