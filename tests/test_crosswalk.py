"""The NIST-ISO crosswalk file: the published pairs, ids known, and the labelled list of pairs
the checks' METADATA evidences together, in step with its sources."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

from policyengine.catalog import crosswalk, load_controls, load_crosswalk

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO / "policies" / "catalog" / "reference"
sys.path.insert(0, str(REPO / "scripts"))

from build_crosswalk import TARGET, published_rows, render  # noqa: E402


def _ids(name: str) -> set[str]:
    with (REFERENCE / name).open(encoding="utf-8", newline="") as fh:
        return {row["id"] for row in csv.DictReader(fh)}


NIST_IDS = _ids("nist_ai_rmf.csv")
ISO_IDS = _ids("iso42001.csv")


def _unknown(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(n, i) for n, i in pairs if n not in NIST_IDS or i not in ISO_IDS]


def test_crosswalk_file_is_in_step_with_its_sources() -> None:
    assert TARGET.read_text(encoding="utf-8") == render(), (
        "run `python scripts/build_crosswalk.py` and review the diff"
    )


def test_published_crosswalk_is_the_280_pairs_with_known_ids() -> None:
    walk = load_crosswalk()
    assert len(walk.pairs) == len(set(walk.pairs)) == 280
    assert _unknown(walk.pairs) == []


@pytest.mark.parametrize("pair", [("MAP 9.9", "6.1.2"), ("MAP 5.1", "A.99.1")], ids=["nist", "iso"])
def test_an_unknown_id_in_a_pair_is_caught(pair: tuple[str, str]) -> None:
    assert _unknown([("MAP 5.1", "6.1.2"), pair]) == [pair]


def test_every_derived_pair_and_catalog_control_has_a_known_id() -> None:
    derived = json.loads(render())["evidenced_by_same_checks"]["pairs"]
    assert _unknown((p["nist-ai-rmf"], p["iso42001"]) for p in derived) == []
    controls = load_controls()
    assert {c.id for c in controls.for_framework("nist-ai-rmf")} <= NIST_IDS
    assert {c.id for c in controls.for_framework("iso42001")} <= ISO_IDS


def test_every_map_and_measure_subcategory_has_a_published_counterpart() -> None:
    walk = load_crosswalk()
    lonely = [
        c.key for c in load_controls().for_framework("nist-ai-rmf") if not walk.counterparts(c.key)
    ]
    assert lonely == []


def test_counterparts_both_ways() -> None:
    walk = load_crosswalk()
    assert "iso42001/6.1.2" in walk.counterparts("nist-ai-rmf/MAP 5.1")
    assert "nist-ai-rmf/MAP 5.1" in walk.counterparts("iso42001/6.1.2")
    assert "nist-ai-rmf/MEASURE 3.1" in walk.counterparts("iso42001/8.2")
    assert walk.counterparts("atlas/AML.T0051") == ()


def test_uncertain_rows_are_marked() -> None:
    doc = json.loads(render())["published"]
    uncertain = {(p["nist-ai-rmf"], p["iso42001"]) for p in doc["pairs"] if p["uncertain"]}
    assert uncertain == {("MAP 1.4", "A.2.2"), ("GOVERN 3.2", "A.3.2")}
    assert len(published_rows()) == 280


def test_derived_pairs_come_from_checks_that_evidence_both() -> None:
    doc = crosswalk(
        {
            "TM-A-001": {"nist-ai-rmf": ["MAP 5.1"], "iso42001": ["6.1.2", "A.5.2"]},
            "TM-B-001": {"nist-ai-rmf": ["MAP 5.1"], "iso42001": ["6.1.2"]},
            "TM-C-001": {"nist-ai-rmf": ["MAP 10.1"]},
            "TM-D-001": {"iso42001": ["A.10.2"], "atlas": ["AML.T0051"]},
        },
        [{"nist_id": "MAP 5.1", "iso_id": "6.1.2", "source_page": "9"}],
    )
    assert doc["evidenced_by_same_checks"]["pairs"] == [
        {
            "nist-ai-rmf": "MAP 5.1",
            "iso42001": "6.1.2",
            "checks": ["TM-A-001", "TM-B-001"],
            "published": True,
        },
        {"nist-ai-rmf": "MAP 5.1", "iso42001": "A.5.2", "checks": ["TM-A-001"], "published": False},
    ]


def test_bundled_crosswalk_has_the_rules_that_must_hold() -> None:
    doc = json.loads(render())
    published = {(p["nist-ai-rmf"], p["iso42001"]) for p in doc["published"]["pairs"]}
    assert ("MAP 5.1", "6.1.2") in published
    assert ("MEASURE 3.1", "8.2") in published
    derived = {(p["nist-ai-rmf"], p["iso42001"]) for p in doc["evidenced_by_same_checks"]["pairs"]}
    assert ("MAP 4.1", "A.10.2") in derived
