"""A placeholder is no text (tester-a A1): a dataset's provenance source and quality, a
write tool's blast radius and human approval, and a red-team exercise's tools, test sets
and metrics written as `x`, `n/a`, `-` or `TBD` fail the controls that the check reading
the field serves, as the field's absence does, with a finding that says it is placeholder
text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from policyengine.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
MODEL = "models/support-assistant.yaml"

# The controls of the checks that read each field (TM-ISO-020, -023, -011, TM-REDTEAM-004)
READ_BY = ("iso42001/A.7.5", "iso42001/A.7.4", "iso42001/A.9.2", "nist-ai-rmf/MEASURE 2.1")


def _hollowed(model: dict[str, Any], text: str | None) -> None:
    """The tester's reproduction: each field the four checks read becomes `text` (None:
    the field is left out)."""
    assets = {a["id"]: a for a in model["assets"]}
    fields = [
        (assets["ft-dataset"]["provenance"], "source"),
        (assets["ft-dataset"], "quality"),
        (assets["order-tool"], "human_approval"),
        (assets["order-tool"], "blast_radius"),
        *((model["red_team"][0], k) for k in ("tools", "test_sets", "metrics")),
    ]
    for owner, key in fields:
        if text is None:
            del owner[key]
        else:
            owner[key] = [text] if owner is model["red_team"][0] else text


def _check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str | None, *, change: bool = True
) -> dict[str, Any]:
    root = tmp_path / "examples"
    shutil.copytree(EXAMPLES, root, dirs_exist_ok=True)
    model = yaml.safe_load((EXAMPLES / MODEL).read_text(encoding="utf-8"))
    if change:
        _hollowed(model, text)
    (root / MODEL).write_text(yaml.safe_dump(model, sort_keys=False), encoding="utf-8")
    argv = ["check", str(root / MODEL), "--as-of", "2026-11-27", "--format", "json"]
    code = main([*argv, "--allow-unknown-history"])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    (report,) = json.loads(out)["models"]
    return report


def _status(report: dict[str, Any]) -> dict[str, str]:
    return {c["control"]: c["status"] for c in report["controls"]}


def _messages(report: dict[str, Any]) -> dict[str, str]:
    return {f["pointer"]: f["message"] for c in report["checks"] for f in c["findings"]}


def test_the_reference_model_meets_the_controls_these_fields_serve(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = _status(_check(tmp_path, capsys, None, change=False))
    assert [status[c] for c in READ_BY] == ["satisfied"] * len(READ_BY)


@pytest.mark.parametrize("text", ["x", "n/a", "-", "TBD"])
def test_placeholder_text_fails_what_its_absence_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    report = _check(tmp_path, capsys, text)
    status = _status(report)
    # every control reads as it does when the fields are left out
    assert status == _status(_check(tmp_path, capsys, None))
    assert [status[c] for c in READ_BY] == ["not_satisfied"] * 2 + ["partial", "not_satisfied"]
    messages = _messages(report)
    said = "placeholder text as its"
    assert messages == {
        **{p: m for p, m in messages.items() if p.startswith("/review")},  # TM-REVIEW: untouched
        "/assets/2/provenance/source": (
            f"dataset ft-dataset records {said} provenance source: '{text}'"
        ),
        "/assets/2/quality": (
            f"dataset ft-dataset states {said} data quality requirements: '{text}'"
        ),
        "/assets/7/human_approval": (
            f"agent tool order-tool with write permissions states {said} human_approval: '{text}'"
        ),
        "/assets/7/blast_radius": (
            f"agent tool order-tool with write permissions states {said} blast_radius: '{text}'"
        ),
        **{
            f"/red_team/0/{k}/0": (
                f"red-team exercise RT-2026-09 states placeholder text among its {k}: '{text}'"
            )
            for k in ("tools", "test_sets", "metrics")
        },
    }
