"""`custom.judges` selectors: parsing, counting and locating over a model."""

from __future__ import annotations

import pytest

from policyengine.judged import judged_count, parse_judges, parse_selector

MODEL = {
    "system": {"intended_purpose": "Answer order questions."},
    "assets": [
        {"id": "d1", "type": "dataset"},
        {"id": "d2", "type": "dataset", "ingestion": {"access_controlled": False}},
        {"id": "kb", "type": "retrieval_corpus", "ingestion_paths": [
            {"id": "a", "reviewed_before_publish": True},
            {"id": "b", "reviewed_before_publish": False},
        ]},
        {"id": "m", "type": "base_model", "memory": True},
        "not a mapping",
    ],
    "red_team": [{"id": "RT-1", "report": "r.md"}, {"id": "RT-2", "report": ""}],
    "compliance": {},
}  # fmt: skip


@pytest.mark.parametrize(
    ("selector", "count"),
    [
        ("assets", 5),
        ("assets[type=dataset]", 2),
        ("assets[type=dataset|base_model]", 3),
        ("assets.ingestion_paths", 2),
        ("assets.ingestion_paths[reviewed_before_publish=false]", 1),
        ("assets[memory=true]", 1),
        ("system", 1),
        ("red_team.report", 1),
        ("compliance", 0),
        ("compliance.waivers", 0),
        ("threats", 0),
    ],
)
def test_selector_counts(selector: str, count: int) -> None:
    assert parse_selector(selector).count(MODEL) == count
    # the parts a selector locates hold exactly the elements it counts
    parts = parse_selector(selector).parts(MODEL)
    assert sum(items or 1 for _, items in parts) == count


@pytest.mark.parametrize(
    ("selector", "parts"),
    [
        ("assets", [(("assets",), 5)]),  # a whole list: one part with its items
        ("assets[type=dataset]", [(("assets", 0), 0), (("assets", 1), 0)]),
        ("assets.ingestion_paths", [(("assets", 2, "ingestion_paths"), 2)]),
        (
            "assets.ingestion_paths[reviewed_before_publish=false]",
            [(("assets", 2, "ingestion_paths", 1), 0)],
        ),
        ("system", [(("system",), 0)]),
        ("red_team.report", [(("red_team", 0, "report"), 0)]),  # an empty report is not judged
        ("compliance", []),
        ("threats", []),
    ],
)
def test_selector_parts_locate_what_it_judges(selector: str, parts: list[object]) -> None:
    assert parse_selector(selector).parts(MODEL) == parts


def test_judged_count_sums_selectors() -> None:
    assert judged_count(parse_judges(["assets[type=dataset]", "red_team"]), MODEL) == 4
    assert judged_count(parse_judges("system"), {"system": "text"}) == 1


@pytest.mark.parametrize(
    "value", ["", "Assets", "assets[type]", "assets[type=]", "assets..x", [], 3, [3], None]
)
def test_malformed_judges_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match="selector|custom.judges"):
        parse_judges(value)
