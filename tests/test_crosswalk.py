"""The NIST-ISO crosswalk file is exactly what the checks' METADATA implies."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from policyengine.catalog import crosswalk

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

from build_crosswalk import TARGET, render  # noqa: E402


def test_crosswalk_file_is_in_step_with_metadata() -> None:
    assert TARGET.read_text(encoding="utf-8") == render(), (
        "run `python scripts/build_crosswalk.py` and review the diff"
    )


def test_pairs_come_from_checks_that_evidence_both() -> None:
    doc = crosswalk(
        {
            "TM-A-001": {"nist-ai-rmf": ["MAP 5.1"], "iso42001": ["6.1.2", "A.5.2"]},
            "TM-B-001": {"nist-ai-rmf": ["MAP 5.1"], "iso42001": ["6.1.2"]},
            "TM-C-001": {"nist-ai-rmf": ["MAP 10.1"]},
            "TM-D-001": {"iso42001": ["A.10.2"], "atlas": ["AML.T0051"]},
        }
    )
    assert doc["pairs"] == [
        {"nist-ai-rmf": "MAP 5.1", "iso42001": "6.1.2", "checks": ["TM-A-001", "TM-B-001"]},
        {"nist-ai-rmf": "MAP 5.1", "iso42001": "A.5.2", "checks": ["TM-A-001"]},
    ]


def test_bundled_crosswalk_has_the_rules_that_must_hold() -> None:
    pairs = {(p["nist-ai-rmf"], p["iso42001"]) for p in json.loads(render())["pairs"]}
    assert ("MAP 5.1", "6.1.2") in pairs
    assert ("MAP 4.1", "A.10.2") in pairs
    assert ("MEASURE 3.1", "8.2") in pairs
