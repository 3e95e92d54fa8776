"""The ATLAS applicability mapping and the one function that decides what a model must consider."""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from policyengine.applicability import (
    ApplicabilityMapping,
    SystemKind,
    applicable_techniques,
    discloses_information,
    load_mapping,
    system_kinds,
)
from policyengine.atlas import AtlasCatalog, Technique, load_catalog

REPO = Path(__file__).resolve().parent.parent
CSV_PATH = REPO / "policies" / "catalog" / "atlas-applicability.csv"

LLM_ONLY = ("AML.T0051", "AML.T0054", "AML.T0056", "AML.T0057", "AML.T0069", "AML.T0077")
AGENT = ("AML.T0053", "AML.T0086", "AML.T0101", "AML.T0080.000", "AML.T0050")


def _build_script() -> Any:
    spec = importlib.util.spec_from_file_location(
        "build_atlas_applicability", REPO / "scripts" / "build_atlas_applicability.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_atlas_applicability", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def catalog() -> AtlasCatalog:
    return load_catalog(None)


@pytest.fixture(scope="module")
def mapping() -> ApplicabilityMapping:
    return load_mapping(None)


def _classifier() -> dict[str, Any]:
    return {
        "system": {"ai_tasks": ["classification"]},
        "assets": [
            {"id": "xgb", "type": "fine_tuned_model", "supplier": "first_party"},
            {
                "id": "grpc",
                "type": "inference_api",
                "exposure": "internal",
                "authentication": "mtls",
            },
        ],
        "surfaces": [
            {
                "id": "scoring",
                "layer": "input_output",
                "assets": ["grpc", "xgb"],
                "interfaces": [{"id": "grpc", "access": "internal"}],
            }
        ],
    }


def _agentic_llm() -> dict[str, Any]:
    return {
        "system": {"ai_tasks": ["generation", "tool_use"]},
        "assets": [
            {"id": "llm", "type": "base_model", "supplier": "third_party"},
            {
                "id": "shell",
                "type": "agent_tool",
                "actions": ["run_command"],
                "permissions": "write",
                "memory": True,
            },
        ],
        "surfaces": [
            {"id": "chat", "layer": "input_output", "assets": ["llm"]},
            {"id": "tools", "layer": "agentic", "assets": ["shell"]},
        ],
    }


def test_shipped_mapping_is_the_build_of_the_csv(catalog: AtlasCatalog) -> None:
    script = _build_script()
    expected = script.render(catalog)
    assert (REPO / "policies" / "catalog" / "atlas.json").read_text(encoding="utf-8") == expected


def test_every_catalog_technique_is_mapped(
    catalog: AtlasCatalog, mapping: ApplicabilityMapping
) -> None:
    unmapped = sorted(t.id for t in catalog.active() if t.id not in mapping.techniques)
    assert unmapped == []
    assert mapping.catalog_version == catalog.version


def test_build_fails_on_an_unmapped_technique(tmp_path: Path, catalog: AtlasCatalog) -> None:
    script = _build_script()
    rows = CSV_PATH.read_text(encoding="utf-8").splitlines()
    short = tmp_path / "short.csv"
    short.write_text("\n".join(r for r in rows if not r.startswith("AML.T0105,")) + "\n")
    with pytest.raises(
        script.MappingError, match=r"no row for 1 catalog technique\(s\): AML.T0105"
    ):
        script.build(catalog, short)


def test_build_fails_on_a_wrong_pre_attack_flag(tmp_path: Path, catalog: AtlasCatalog) -> None:
    script = _build_script()
    text = CSV_PATH.read_text(encoding="utf-8")
    with CSV_PATH.open(encoding="utf-8", newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["technique"] == "AML.T0000")
    assert row["pre_attack"] == "yes"
    bad = tmp_path / "bad.csv"
    bad.write_text(
        text.replace(
            "AML.T0000,Search Open Technical Databases,input_output,any,,yes,",
            "AML.T0000,Search Open Technical Databases,input_output,any,,no,",
        )
    )
    with pytest.raises(
        script.MappingError, match="AML.T0000 serves tactics AML.TA0002: pre_attack must be yes"
    ):
        script.build(catalog, bad)


def test_classifier_gets_no_llm_technique(
    catalog: AtlasCatalog, mapping: ApplicabilityMapping
) -> None:
    result = applicable_techniques(_classifier(), catalog, mapping)
    assert result.kinds == frozenset({SystemKind.PREDICTIVE})
    ids = result.ids()
    assert not ids & set(LLM_ONLY)
    assert not ids & set(AGENT)
    assert {"AML.T0015", "AML.T0043", "AML.T0024.002", "AML.T0047"} <= ids
    for item in result.applicable:
        assert not item.name.startswith("LLM"), item.technique


def test_agentic_llm_gets_the_agent_techniques(
    catalog: AtlasCatalog, mapping: ApplicabilityMapping
) -> None:
    result = applicable_techniques(_agentic_llm(), catalog, mapping)
    assert result.kinds == frozenset({SystemKind.GENERATIVE})
    by_id = {a.technique: a for a in result.applicable}
    assert set(AGENT) <= set(by_id)
    assert {"AML.T0051", "AML.T0054", "AML.T0056"} <= set(by_id)
    assert by_id["AML.T0053"].surfaces == ("tools",)
    assert by_id["AML.T0054"].surfaces == ("chat",)
    assert by_id["AML.T0101"].because == "an agent tool with write or admin permissions: shell"
    assert "AML.T0015" not in by_id  # classical evasion: predictive models only
    assert set(result.by_surface()["tools"]) >= {by_id["AML.T0053"], by_id["AML.T0086"]}


def test_no_agentic_surface_no_agent_technique(
    catalog: AtlasCatalog, mapping: ApplicabilityMapping
) -> None:
    model = _agentic_llm()
    model["surfaces"] = [model["surfaces"][0]]
    model["assets"] = [model["assets"][0]]
    ids = applicable_techniques(model, catalog, mapping).ids()
    assert not ids & {"AML.T0053", "AML.T0086", "AML.T0101"}
    assert "AML.T0051.000" in ids


def test_exfiltration_is_information_disclosure(
    catalog: AtlasCatalog, mapping: ApplicabilityMapping
) -> None:
    exfiltration = {t.id for t in catalog.active() if "AML.TA0010" in t.tactics}
    assert {"AML.T0086", "AML.T0024", "AML.T0057", "AML.T0025"} <= exfiltration
    assert all(discloses_information(t) for t in catalog.active() if t.id in exfiltration)
    assert not discloses_information(catalog.techniques["AML.T0051"])
    result = applicable_techniques(_agentic_llm(), catalog, mapping)
    flagged = {a.technique for a in result.applicable if a.information_disclosure}
    assert {"AML.T0086", "AML.T0057", "AML.T0056"} <= flagged
    assert flagged <= exfiltration


def test_a_stated_reason_rules_a_technique_out(
    catalog: AtlasCatalog, mapping: ApplicabilityMapping
) -> None:
    model = _agentic_llm()
    model["compliance"] = {
        "not_applicable": [
            {"technique": "AML.T0054", "reason": "the model only fills a fixed form"},
            {"technique": "AML.T0051", "reason": "   "},
            {"technique": "AML.T0080", "reason": "memory is wiped after every task"},
        ]
    }
    result = applicable_techniques(model, catalog, mapping)
    out = {r.technique: r for r in result.ruled_out}
    assert out["AML.T0054"].reason == "the model only fills a fixed form"
    assert out["AML.T0054"].entry == 0
    assert {"AML.T0080", "AML.T0080.000", "AML.T0080.001"} <= set(out)  # a parent takes its subs
    ids = result.ids()
    assert "AML.T0054" not in ids and "AML.T0080.000" not in ids
    assert "AML.T0051" in ids  # a blank reason rules nothing out


def test_unmapped_technique_applies_until_mapped(
    catalog: AtlasCatalog, mapping: ApplicabilityMapping
) -> None:
    later = Technique(
        id="AML.T0199",
        name="Technique From A Later Release",
        parent=None,
        tactics=("AML.TA0011",),
        maturity="feasible",
        first_release="6.0.0",
    )
    newer = AtlasCatalog(
        version="6.0.0",
        tactics=catalog.tactics,
        techniques=MappingProxyType({**catalog.techniques, later.id: later}),
    )
    result = applicable_techniques(_classifier(), newer, mapping)
    item = next(a for a in result.applicable if a.technique == "AML.T0199")
    assert item.mapped is False
    assert item.surfaces == ()
    assert "until it is mapped" in item.reason


def test_pre_attack_steps_are_asked_only_under_a_condition(
    catalog: AtlasCatalog, mapping: ApplicabilityMapping
) -> None:
    model = _classifier()
    assert "AML.T0019" not in applicable_techniques(model, catalog, mapping).ids()
    model["assets"].append(
        {"id": "labels", "type": "dataset", "ingestion": {"access_controlled": False}}
    )
    ids = applicable_techniques(model, catalog, mapping).ids()
    assert "AML.T0019" in ids
    assert not ids & {"AML.T0000", "AML.T0002", "AML.T0065"}


def test_conventional_techniques_are_listed_not_asked(
    catalog: AtlasCatalog, mapping: ApplicabilityMapping
) -> None:
    model = _classifier()
    model["assets"].append({"id": "libs", "type": "ml_library"})
    model["surfaces"].append({"id": "platform", "layer": "runtime", "assets": ["libs"]})
    result = applicable_techniques(model, catalog, mapping)
    assert "AML.T0025" in {a.technique for a in result.conventional}
    assert "AML.T0025" not in result.ids()
    assert "AML.T0010.001" in result.ids()


@pytest.mark.parametrize(
    ("tasks", "kinds"),
    [
        (["classification"], {SystemKind.PREDICTIVE}),
        (["generation", "retrieval"], {SystemKind.GENERATIVE}),
        (["tool_use"], {SystemKind.GENERATIVE}),
        (["fraud_scoring", "summarization"], {SystemKind.GENERATIVE, SystemKind.PREDICTIVE}),
        ([], {SystemKind.GENERATIVE, SystemKind.PREDICTIVE}),
        (["retrieval"], {SystemKind.GENERATIVE, SystemKind.PREDICTIVE}),
    ],
    ids=["classifier", "rag", "agent", "both", "none", "unknown-word"],
)
def test_system_kinds(tasks: list[str], kinds: set[SystemKind]) -> None:
    assert system_kinds({"system": {"ai_tasks": tasks}}) == frozenset(kinds)


def test_a_steered_agents_next_steps_are_asked_under_tool_invocation(
    catalog: AtlasCatalog, mapping: ApplicabilityMapping
) -> None:
    result = applicable_techniques(_agentic_llm(), catalog, mapping)
    by_id = {a.technique: a for a in result.applicable}
    for tid in ("AML.T0083", "AML.T0084", "AML.T0098", "AML.T0102", "AML.T0050", "AML.T0105"):
        assert by_id[tid].asked_as == "AML.T0053", tid
    assert by_id["AML.T0051.001"].asked_as == "AML.T0051"  # a sub-technique: its family
    assert by_id["AML.T0080.000"].asked_as == "AML.T0080"  # memory: asked on its own
    assert by_id["AML.T0080.001"].asked_as == "AML.T0051"  # the parent's grouping
    assert by_id["AML.T0086"].asked_as == "AML.T0086"
    families = result.families()
    assert "AML.T0083" not in families and "AML.T0053" in families
    assert len(families) < len({a.family for a in result.applicable})


def test_build_fails_on_a_chain_of_asked_under(tmp_path: Path, catalog: AtlasCatalog) -> None:
    script = _build_script()
    with CSV_PATH.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        columns = list(reader.fieldnames or [])
    for row in rows:
        if row["technique"] == "AML.T0053":  # T0083 is asked under T0053: no chains
            row["asked_under"] = "AML.T0051"
            row["why_under"] = "a steered agent was injected first"
    bad = tmp_path / "chain.csv"
    with bad.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(
        script.MappingError, match="asked under AML.T0053, itself asked under AML.T0051"
    ):
        script.build(catalog, bad)


def test_build_fails_on_asked_under_without_a_reason(tmp_path: Path, catalog: AtlasCatalog) -> None:
    script = _build_script()
    text = CSV_PATH.read_text(encoding="utf-8")
    line = next(r for r in text.splitlines() if r.startswith("AML.T0083,"))
    assert line.endswith(",AML.T0053," + line.split(",AML.T0053,", 1)[1])
    cut = line.rsplit(",", 1)[0] + ","
    bad = tmp_path / "why.csv"
    bad.write_text(text.replace(line, cut))
    with pytest.raises(script.MappingError, match="AML.T0083 is asked under AML.T0053: say why"):
        script.build(catalog, bad)


def test_an_answer_is_kept_by_what_the_model_says_and_only_that(
    catalog: AtlasCatalog, mapping: ApplicabilityMapping
) -> None:
    model = _agentic_llm()
    first = applicable_techniques(model, catalog, mapping)
    # The same sections (another model's, say) give the very same answer, kept...
    other = {**_agentic_llm(), "threats": [{"id": "T-1"}], "metadata": {"id": "x"}}
    assert applicable_techniques(other, catalog, mapping) is first
    # ...and any change to what is read gives the answer of the changed model.
    model["assets"][1]["actions"] = ["read_ticket"]
    assert "AML.T0050" not in applicable_techniques(model, catalog, mapping).ids()
    model["compliance"] = {"not_applicable": [{"technique": "AML.T0054", "reason": "a form"}]}
    ruled = applicable_techniques(model, catalog, mapping)
    assert [r.technique for r in ruled.ruled_out] == ["AML.T0054"]
    model["assets"][1]["actions"] = ["run_command"]
    model.pop("compliance")
    assert applicable_techniques(model, catalog, mapping) is first


def test_a_full_store_forgets_its_oldest_answer_only(
    catalog: AtlasCatalog, mapping: ApplicabilityMapping
) -> None:
    """However many answers were kept before, an answer kept one call ago is still kept:
    the store drops its oldest answer when full, not all of them (over 200 rounds the store
    fills up at every position, whatever the tests before left in it)."""
    for n in range(200):
        model = _agentic_llm()
        model["assets"][1]["actions"] = [f"action_{n}"]
        kept = applicable_techniques(model, catalog, mapping)
        for k in range(1 + n % 2):  # one or two more answers: the store fills at any step
            other = _agentic_llm()
            other["assets"][1]["actions"] = [f"other_{n}_{k}"]
            applicable_techniques(other, catalog, mapping)
        assert applicable_techniques(model, catalog, mapping) is kept, n
