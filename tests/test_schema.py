"""Tests of the threat-model JSON Schema and of schema validation messages."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from policyengine.cli import main
from policyengine.loader import load_document, parse_document
from policyengine.schema import describe, schema_text, validate_schema

DATA = Path(__file__).resolve().parent / "data"
SCHEMA: dict[str, Any] = json.loads(schema_text())


def _render(name: str) -> list[str]:
    return [d.render() for d in validate_schema(load_document(DATA / "bad" / f"{name}.yaml", DATA))]


# --- the schema itself ----------------------------------------------------------------


def test_schema_is_valid_draft_2020_12_with_an_id() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$id"] == "https://policyengine.dev/schemas/threat-model/v1.json"


def _objects(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if "properties" in node:
            yield where, node
        for key, value in node.items():
            yield from _objects(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _objects(value, f"{where}/{index}")


def test_every_property_has_a_description() -> None:
    missing = [
        f"{where}/{name}"
        for where, obj in _objects(SCHEMA)
        for name, prop in obj["properties"].items()
        if not prop.get("description")
    ]
    assert missing == []


def test_every_object_is_closed_but_accepts_x_keys() -> None:
    loose = [
        where
        for where, obj in _objects(SCHEMA)
        if obj.get("additionalProperties") is not False or "^x-" not in obj["patternProperties"]
    ]
    assert loose == []


def _comment_vocabularies(example: str) -> list[tuple[str, list[str]]]:
    """(field, values) for each `field: value  # a | b | c` comment of the example."""
    found: list[tuple[str, list[str]]] = []
    field = ""
    for line in example.splitlines():
        m = re.match(r"\s*(?:- )?(?:\{)?(\w+):[^#]*#\s*(.*)$", line)
        cont = re.match(r"\s*#\s*\|\s*(.*)$", line)
        if m and "|" in m.group(2):
            field = m.group(1)
            found.append((field, []))
            text = m.group(2)
        elif cont and found:
            text = cont.group(1)
        else:
            continue
        values = [v.strip().split()[0] for v in text.split("|") if v.strip()]
        found[-1][1].extend(v for v in values if re.fullmatch(r"[a-z_]+", v))
    return found


def _enums(node: Any) -> Iterator[list[str]]:
    if isinstance(node, dict):
        if isinstance(node.get("enum"), list):
            yield node["enum"]
        for value in node.values():
            yield from _enums(value)
    elif isinstance(node, list):
        for value in node:
            yield from _enums(value)


def test_every_vocabulary_in_the_example_comments_is_an_enum(design_example: Path) -> None:
    example = design_example.read_text()
    vocabularies = _comment_vocabularies(example)
    assert len(vocabularies) >= 10
    enums = [set(e) for e in _enums(SCHEMA)]
    for field, values in vocabularies:
        assert any(set(values) <= e for e in enums), f"{field}: {values} is not a schema enum"


def test_example_is_valid_unchanged(design_example: Path) -> None:
    doc = load_document(design_example, design_example.parent.parent)
    assert validate_schema(doc) == []


def test_minimal_good_model_is_valid() -> None:
    assert validate_schema(load_document(DATA / "good" / "minimal.yaml", DATA)) == []


def test_a_block_scalar_id_with_its_final_newline_is_not_an_id() -> None:
    # `$` ends the text in a JSON Schema pattern; Python's `re` alone would let it match
    # before a final newline, which every `|` block scalar has.
    text = (DATA / "good" / "minimal.yaml").read_text(encoding="utf-8")
    assert "\n  id: minimal\n" in text
    block = text.replace("\n  id: minimal\n", "\n  id: |\n    minimal\n", 1)
    found = [d.render() for d in validate_schema(parse_document(block.encode(), "m.yaml"))]
    assert len(found) == 1
    assert "'minimal\\n' is not a valid id" in found[0]


def test_schema_command_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == SCHEMA
    assert err == ""


# --- golden messages ------------------------------------------------------------------

GOLDEN = {
    "unknown_field": [
        "bad/unknown_field.yaml:40:5: error: unknown field 'likelyhood' in threat T-1 "
        "(fields starting with x- are free)"
    ],
    "wrong_type": [
        "bad/wrong_type.yaml:23:5: error: assets/2/version: 3 is not of type 'string' "
        "(quote the value in YAML)",
        "bad/wrong_type.yaml:38:5: error: threats/0/title: a list is not of type 'string'",
        "bad/wrong_type.yaml:42:5: error: threats/0/impact: 7 is greater than the maximum of 5",
    ],
    "bad_date": [
        "bad/bad_date.yaml:53:5: error: red_team/0/date: '2026-02-30' is not a valid date "
        "(YYYY-MM-DD that exists)"
    ],
    "waiver_without_expires": [
        "bad/waiver_without_expires.yaml:65:7: error: missing required field 'expires' in "
        "the waiver at compliance/waivers/0"
    ],
    "bad_enum": [
        "bad/bad_enum.yaml:33:5: error: surfaces/0/layer: 'prompt' is not one of "
        "['input_output', 'retrieval', 'agentic', 'model', 'runtime']",
        "bad/bad_enum.yaml:48:5: error: controls/0/kind: 'preventative' is not one of "
        "['preventive', 'detective', 'corrective']",
        "bad/bad_enum.yaml:59:3: error: review/cadence: must be monthly, quarterly, semiannual, "
        "annual or {days: N}",
    ],
}


@pytest.mark.parametrize("name", sorted(GOLDEN), ids=sorted(GOLDEN))
def test_schema_errors_are_located_and_readable(name: str) -> None:
    assert _render(name) == GOLDEN[name]


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        (
            "compliance:\n  waivers:\n    - {control: nist-ai-rmf/MAP 1.1, expires: 2027-01-01}\n",
            "x.yaml:3:7: error: missing required field 'reason' in the waiver at "
            "compliance/waivers/0",
        ),
        (
            "compliance:\n  not_applicable:\n    - {reason: not used}\n",
            "x.yaml:3:7: error: compliance/not_applicable/0: needs exactly one of 'control' or "
            "'technique'",
        ),
        (
            "compliance:\n  not_applicable:\n    - {control: iso42001/A.7.6}\n",
            "x.yaml:3:7: error: missing required field 'reason' in the not_applicable entry at "
            "compliance/not_applicable/0",
        ),
        (
            "compliance:\n  attestations:\n    - {control: MAP 1.1, evidence: a.md, by: me, "
            "date: 2026-01-01}\n",
            "x.yaml:3:8: error: compliance/attestations/0/control: 'MAP 1.1' is not a control "
            "id written FRAMEWORK/ID (e.g. nist-ai-rmf/MAP 5.1, iso42001/A.7.5)",
        ),
        (
            "threats:\n  - {id: T-1, title: t, atlas: [T0051]}\n",
            "x.yaml:2:33: error: threats/0/atlas/0: 'T0051' is not an ATLAS technique id "
            "(AML.Tnnnn or AML.Tnnnn.nnn)",
        ),
        (
            "threats:\n  - {id: T-1, title: t, likelihood: 0}\n",
            "x.yaml:2:25: error: threats/0/likelihood: 0 is less than the minimum of 1",
        ),
        (
            "review: {last_reviewed: 2026-13-01}\n",
            "x.yaml:1:10: error: review/last_reviewed: '2026-13-01' is not a valid date "
            "(YYYY-MM-DD that exists)",
        ),
        (
            "assets:\n  - {id: a, type: model, name: n}\n",
            "x.yaml:2:13: error: assets/0/type: 'model' is not one of ['base_model', "
            "'fine_tuned_model', 'dataset', 'training_pipeline', 'fine_tuning_pipeline', "
            "'inference_api', 'retrieval_corpus', 'vector_store', 'embedding_model', "
            "'agent_tool', 'ml_library', 'serving_infrastructure', 'third_party_service']",
        ),
    ],
    ids=[
        "waiver-no-reason",
        "na-neither",
        "na-no-reason",
        "control-id",
        "atlas-id",
        "score-low",
        "month-13",
        "asset-type",
    ],
)
def test_schema_message_table(yaml_text: str, expected: str) -> None:
    head = "apiVersion: policyengine/v1\nkind: ThreatModel\nmetadata: {id: m, name: M, owner: o}\n"
    doc = parse_document((head + yaml_text + _REQUIRED_SECTIONS(yaml_text)).encode(), "x.yaml")
    rendered = [d.render() for d in validate_schema(doc)]
    line = int(expected.split(":")[1]) + 3
    assert rendered == [expected.replace(expected.split(":")[1], str(line), 1)]


def _REQUIRED_SECTIONS(text: str) -> str:  # noqa: N802 - reads as a constant at the call
    """One minimal entry for each required section `text` does not write itself (after it,
    so that the lines of `text` do not move)."""
    entries = {
        "assets": "assets: [{id: a, type: dataset, name: a}]\n",
        "surfaces": "surfaces: [{id: s, layer: model, assets: [a]}]\n",
        "threats": "threats: [{id: T-0, title: t}]\n",
    }
    return "".join(v for k, v in entries.items() if not text.startswith(k + ":"))


def test_missing_top_level_fields_are_located_at_the_start() -> None:
    doc = parse_document(b"kind: ThreatModel\n", "x.yaml")
    assert [d.render() for d in validate_schema(doc)] == [
        "x.yaml:1:1: error: missing required field 'apiVersion' in the top level",
        "x.yaml:1:1: error: missing required field 'assets' in the top level",
        "x.yaml:1:1: error: missing required field 'metadata' in the top level",
        "x.yaml:1:1: error: missing required field 'surfaces' in the top level",
        "x.yaml:1:1: error: missing required field 'threats' in the top level",
    ]


@pytest.mark.parametrize("section", ["assets", "surfaces", "threats"])
def test_an_empty_required_section_is_an_error(section: str) -> None:
    text = (
        "apiVersion: policyengine/v1\nkind: ThreatModel\nmetadata: {id: m, name: M, owner: o}\n"
        f"{section}: []\n" + _REQUIRED_SECTIONS(section + ":")
    )
    doc = parse_document(text.encode(), "x.yaml")
    assert [d.render() for d in validate_schema(doc)] == [
        f"x.yaml:4:1: error: {section} is empty: a threat model with no {section[:-1]} "
        "assesses nothing"
    ]


def test_x_keys_are_free_everywhere() -> None:
    doc = load_document(DATA / "good" / "minimal.yaml", DATA)
    data = doc.data
    data["x-top"] = 1
    data["threats"][0]["x-jira"] = {"any": ["thing"]}
    data["review"]["x-note"] = None
    assert validate_schema(doc) == []


def test_describe_names_objects_by_id() -> None:
    doc = load_document(DATA / "good" / "minimal.yaml", DATA)
    assert describe(doc.data, ("threats", 0, "validation")) == "threat T-1 (validation)"
    assert describe(doc.data, ("red_team", 0, "findings", 0, "threats", 0)) == (
        "finding RT-1/F-1 (threats/0)"
    )
    assert describe(doc.data, ("red_team", 0, "findings", 0), object_only=True) == (
        "finding RT-1/F-1"
    )
    assert describe(doc.data, ("review", "cadence")) == "review/cadence"


# --- the accelerator ------------------------------------------------------------------

_ODD_VALUES: list[Any] = [
    None, True, 0, -1, 5, 6, 1.5, 1.0, 2**70, "", "x", "2026-02-30", "2026-2-3", "20261127",
    "2026-W48-5", "2026-11-27", "2026-11-27T10:00:00", "a\nb", "id\n", [], {}, ["x"],
    {"days": 30}, {"days": 0}, {"days": 1.5}, "AML.T0051.001", "mitigated", "LLM01",
    float("nan"), float("inf"),
]  # fmt: skip


def _mutants(count: int, seed: int) -> Iterator[Any]:
    """Copies of the example models with one to three nodes replaced, removed or added."""
    import copy
    import random

    rnd = random.Random(seed)
    bases = [
        load_document(p, p.parent).data
        for p in sorted((DATA.parent.parent / "examples" / "models").glob("*.yaml"))
    ]

    def paths(node: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
        if at:
            yield at
        items = (
            node.items()
            if isinstance(node, dict)
            else enumerate(node)
            if isinstance(node, list)
            else ()
        )
        for key, value in items:
            yield from paths(value, (*at, key))

    for _ in range(count):
        model = copy.deepcopy(rnd.choice(bases))
        for _ in range(rnd.randint(1, 3)):
            path = rnd.choice(list(paths(model)))
            parent = model
            for part in path[:-1]:
                parent = parent[part]
            how = rnd.random()
            if how < 0.6:
                parent[path[-1]] = copy.deepcopy(rnd.choice(_ODD_VALUES))
            elif how < 0.8:
                del parent[path[-1]]
            elif isinstance(parent, dict):
                parent[rnd.choice(["x-note", "extra", "X-a"])] = rnd.choice(_ODD_VALUES)
        yield model


def test_the_accelerator_never_passes_what_jsonschema_rejects(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # validate_schema trusts jsonschema-rs when it says valid: over 400 broken copies of
    # the examples, the diagnostics must be those of jsonschema alone.
    from policyengine import schema
    from policyengine.loader import Document

    quick = schema.quickly_valid
    example = load_document(DATA.parent.parent / "examples/models/coding-agent.yaml", DATA)
    assert quick(example.data)
    assert not quick({"apiVersion": "policyengine/v1"})
    docs = [Document("m.yaml", data, {}) for data in _mutants(400, seed=11)]
    fast = [validate_schema(d) for d in docs]
    monkeypatch.setattr(schema, "quickly_valid", lambda data, name=schema.SCHEMA_FILE: False)
    slow = [validate_schema(d) for d in docs]
    assert fast == slow
    passed = [d for d, found in zip(docs, slow, strict=True) if not found]
    assert 0 < len(passed) < len(docs) // 2, "the mutants must include valid and invalid models"
    # And it is not stricter either: every model jsonschema passes, it passes.
    assert all(quick(d.data) for d in passed)
