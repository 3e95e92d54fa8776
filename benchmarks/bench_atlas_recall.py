"""How many of the techniques real attacks used would the tool have asked about?

The ATLAS 5.6.1 release (`tests/data/atlas/ATLAS-5.6.1.yaml`) holds 57 case studies, each
with the techniques the attack used (its `procedure`). For each case study this script:

1. labels the victim system from the case study's `name`, `summary` and `target` only,
   with the keyword table `LABELS` below (never from the procedure, which names the
   techniques);
2. builds the threat model the tool would expect for a system with those labels
   (`expected_model`): ai_tasks, assets and one surface per layer in use, with no threats;
3. computes the techniques asked: by the applicability mapping
   (`policyengine.applicability.applicable_techniques`, the new way) and by the completeness
   table of `policies/atlas/*.rego` before the mapping (`OLD_TABLE`, copied here, the old way);
4. compares them with the techniques the attack used, leaving out those whose every tactic
   is reconnaissance or resource development (the attacker's preparation, never asked).

A technique the attack used counts as asked when the tool asks about it, or about its parent
as a whole (the old table's "the technique or a sub-technique"; a parent that applies only
because one of its sub-techniques does covers no other sub-technique). Asks per model are
counted as technique families (top-level ids), as the issue counts them, and as ids.

    python benchmarks/bench_atlas_recall.py [--cases] [--release FILE]

`--cases` prints one line per case study (labels, asks, the techniques missed).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import yaml  # noqa: E402

from policyengine.applicability import applicable_techniques, load_mapping  # noqa: E402
from policyengine.atlas import AtlasCatalog, load_catalog  # noqa: E402

RELEASE = REPO / "tests" / "data" / "atlas" / "ATLAS-5.6.1.yaml"
PRE_ATTACK_TACTICS = frozenset({"AML.TA0002", "AML.TA0003"})

# --- the labeller ----------------------------------------------------------------------------

LABELS: dict[str, tuple[str, ...]] = {
    # The system generates content: an LLM, a chat or coding assistant.
    "generative": (
        "llm",
        "large language model",
        "language model",
        "gpt",
        "chatgpt",
        "chatbot",
        "chat",
        "copilot",
        "gemini",
        "claude",
        "assistant",
        "generative",
        "genai",
        "prompt",
        "mcp",
        "model context protocol",
        "cursor",
        "openclaw",
        "clawdbot",
    ),
    # The system decides: a classifier, detector, recogniser, verifier.
    "predictive": (
        "classifier",
        "classification",
        "detector",
        "detection",
        "recognition",
        "identification",
        "identity verification",
        "antivirus",
        "antimalware",
        "anti-malware",
        "malware detect",
        "email protection",
        "misclassif",
        "evade",
        "evasion",
        "bypass",
    ),
    # It senses faces, voices or the physical world.
    "physical": (
        "face",
        "facial",
        "camera",
        "image",
        "video",
        "voice",
        "speech",
        "physical",
        "biometric",
    ),
    # It acts through tools (an agent).
    "agentic": (
        "agent",
        "tools",
        "tool invocation",
        "mcp",
        "model context protocol",
        "plugin",
        "computer use",
        "computer-use",
        "skill",
        "code execution",
        "cursor",
        "copilot",
    ),
    # The agent runs code or commands on a host.
    "exec": (
        "code execution",
        "execute",
        "execution",
        "shell",
        "command",
        "rce",
        "computer use",
        "computer-use",
        "terminal",
        "script",
    ),
    # The agent can change or delete things.
    "write": ("destroy", "destruction", "delete", "transaction", "send", "write", "modify"),
    # The agent keeps memory across sessions.
    "memory": ("memory", "memories"),
    # Its tools come from third parties.
    "external_tool": ("mcp", "model context protocol", "plugin", "skill", "extension", "connector"),
    # It reads documents, mail or web pages (retrieval).
    "retrieval": (
        "rag",
        "retrieval",
        "retrieved",
        "search",
        "web page",
        "webpage",
        "website",
        "browse",
        "email",
        "e-mail",
        "document",
        "pdf",
        "knowledge base",
        "ingest",
        "ticket",
    ),
    # It is trained or fine-tuned here, or learns from data.
    "training": (
        "train",
        "dataset",
        "poison",
        "learns from",
        "learning from",
        "fine-tun",
        "finetun",
    ),
    # Outsiders can add to its data.
    "open_data": (
        "web-scale",
        "crowd",
        "submitted",
        "sharing platform",
        "conversation",
        "tweet",
        "users",
    ),
    # It uses an open-weights or third-party model from a hub.
    "external_model": (
        "hugging face",
        "huggingface",
        "open-source",
        "open source",
        "pre-trained",
        "pretrained",
        "model hub",
        "open weights",
        "open-weights",
    ),
    # Its weights are shipped to devices.
    "on_device": ("mobile", "android", "on-device", "edge", "app store", "google play"),
    # Its own software stack is in scope.
    "software": (
        "library",
        "libraries",
        "framework",
        "package",
        "pypi",
        "npm",
        "dependency",
        "dependencies",
        "cluster",
        "notebook",
        "colab",
        "jupyter",
        "ray",
        "pytorch",
        "tensorflow",
        "vs code",
        "extension",
        "desktop application",
    ),
    # It writes code.
    "coding": ("coding", "code generation", "generated code", "software package", "cursor"),
    # It is reachable from the internet.
    "public": ("public", "internet", "online", "website", "web", "app", "service", "api"),
}
"""Label -> keywords; a label is set when one keyword occurs in the name, summary or target
(lowercased, matched at a word start)."""


def labels_of(case: Mapping[str, Any]) -> frozenset[str]:
    """The labels of a case study's victim system, from name, summary and target only."""
    text = " ".join(str(case.get(k) or "") for k in ("name", "summary", "target")).lower()
    return frozenset(
        label
        for label, words in LABELS.items()
        if any(re.search(r"(?<![a-z0-9])" + re.escape(w), text) for w in words)
    )


def expected_model(labels: frozenset[str]) -> dict[str, Any]:
    """The threat model the tool would expect for a system with these labels (no threats)."""
    tasks = []
    generative = bool(labels & {"generative", "agentic"})
    if generative:
        tasks.append("generation")
    if "predictive" in labels:
        tasks.append("classification")
    if "physical" in labels:
        tasks.append("image_recognition" if "predictive" in labels else "image_processing")
    if "agentic" in labels:
        tasks.append("tool_use")
    if "retrieval" in labels and generative:
        tasks.append("retrieval")
    if "coding" in labels and generative:
        tasks.append("code_generation")
    supplier = "open_weights" if "external_model" in labels else "first_party"
    assets: list[dict[str, Any]] = [
        {"id": "model", "type": "base_model", "name": "the model", "supplier": supplier},
        {
            "id": "api",
            "type": "inference_api",
            "name": "the service",
            "exposure": "public" if "public" in labels else "authenticated",
            "authentication": "api_key",
        },
    ]
    access = "public" if "public" in labels else "authenticated"
    surfaces: list[dict[str, Any]] = [
        {
            "id": "io",
            "layer": "input_output",
            "assets": ["api", "model"],
            "interfaces": [{"id": "use", "access": access}],
        }
    ]
    if "retrieval" in labels and generative:
        # Retrieved text matters to a model that reads it as instructions: generative only.
        assets.append(
            {
                "id": "corpus",
                "type": "retrieval_corpus",
                "name": "what it reads",
                "ingestion_paths": [{"id": "outside", "reviewed_before_publish": False}],
            }
        )
        surfaces.append({"id": "retrieval", "layer": "retrieval", "assets": ["corpus"]})
    if "agentic" in labels:
        tool: dict[str, Any] = {
            "id": "tool",
            "type": "agent_tool",
            "name": "its tools",
            "permissions": "write" if labels & {"write", "exec"} else "read",
            "actions": ["run_command"] if "exec" in labels else ["read"],
            "supplier": "third_party" if "external_tool" in labels else "first_party",
        }
        if "memory" in labels:
            tool["memory"] = True
        assets.append(tool)
        surfaces.append({"id": "agentic", "layer": "agentic", "assets": ["tool"]})
    model_assets = []
    if "training" in labels:
        controlled = "open_data" not in labels
        assets.append(
            {
                "id": "data",
                "type": "dataset",
                "name": "training data",
                "ingestion": {"access_controlled": controlled},
            }
        )
        model_assets.append("data")
    if labels & {"training", "external_model", "on_device"}:
        surfaces.append({"id": "model", "layer": "model", "assets": ["model", *model_assets]})
    if "software" in labels:
        assets.append({"id": "libs", "type": "ml_library", "name": "its software"})
        surfaces.append({"id": "runtime", "layer": "runtime", "assets": ["libs"]})
    return {
        "apiVersion": "policyengine/v1",
        "kind": "ThreatModel",
        "system": {"ai_tasks": tasks},
        "assets": assets,
        "surfaces": surfaces,
        "threats": [],
    }


# --- the old table (policies/atlas/*.rego before the mapping) ------------------------------


def _assets(m: Mapping[str, Any], *types: str) -> list[Mapping[str, Any]]:
    return [a for a in m.get("assets", []) if a.get("type") in types]


def _layer(m: Mapping[str, Any], layer: str) -> bool:
    return any(s.get("layer") == layer for s in m.get("surfaces", []))


_MODELS = ("base_model", "fine_tuned_model", "embedding_model")

OLD_TABLE: tuple[tuple[Callable[[Mapping[str, Any]], bool], tuple[str, ...]], ...] = (
    (lambda m: _layer(m, "input_output"), ("AML.T0051", "AML.T0054", "AML.T0056", "AML.T0057")),
    (
        lambda m: any(
            a.get("exposure") == "public" or a.get("authentication") in (None, "", "none")
            for a in _assets(m, "inference_api")
        ),
        ("AML.T0040", "AML.T0024", "AML.T0029", "AML.T0034"),
    ),
    (lambda m: _layer(m, "retrieval"), ("AML.T0051.001", "AML.T0070", "AML.T0071")),
    (
        lambda m: any(
            p.get("reviewed_before_publish") is not True
            for a in m.get("assets", [])
            for p in a.get("ingestion_paths", [])
        ),
        ("AML.T0066",),
    ),
    (lambda m: _layer(m, "agentic"), ("AML.T0053", "AML.T0086")),
    (
        lambda m: any(
            a.get("permissions") in ("write", "read_write", "admin")
            for a in _assets(m, "agent_tool")
        ),
        ("AML.T0101",),
    ),
    (
        lambda m: any(
            a.get("memory") is True
            for a in _assets(m, "agent_tool", "base_model", "fine_tuned_model")
        ),
        ("AML.T0080",),
    ),
    (
        lambda m: bool(_assets(m, "training_pipeline", "fine_tuning_pipeline", "dataset")),
        ("AML.T0020", "AML.T0018"),
    ),
    (
        lambda m: any(
            (a.get("ingestion") or {}).get("access_controlled") is not True
            for a in _assets(m, "dataset")
        ),
        ("AML.T0019",),
    ),
    (
        lambda m: any(
            a.get("supplier") in ("third_party", "open_weights") for a in _assets(m, *_MODELS)
        ),
        ("AML.T0010.003",),
    ),
    (lambda m: _layer(m, "runtime") or bool(_assets(m, "ml_library")), ("AML.T0010.001",)),
    (
        lambda m: any(
            a.get("supplier") == "open_weights" and a.get("loaded_from_files", True) is not False
            for a in _assets(m, *_MODELS)
        ),
        ("AML.T0011.000",),
    ),
)
"""TM-ATLAS-001..012 as `policies/atlas/*.rego` held them: (condition, technique ids)."""


def old_asks(
    model: Mapping[str, Any], catalog: AtlasCatalog
) -> tuple[set[str], set[str], set[str]]:
    """(ids asked, ids covered, families asked) by the old table: a listed id covers its
    sub-techniques."""
    asked = {tid for holds, ids in OLD_TABLE if holds(model) for tid in ids}
    covered = set(asked) | {t.id for t in catalog.active() if t.parent in asked}
    return asked, covered, {_family(t) for t in asked}


def new_asks(
    model: Mapping[str, Any], catalog: AtlasCatalog, mapping: Any
) -> tuple[set[str], set[str], set[str]]:
    """(ids asked, ids covered, families asked) by the mapping: an id applying on its own
    covers its subs; the families are those the findings name (`asked_under` grouping)."""
    result = applicable_techniques(model, catalog, mapping)
    asked = set(result.ids())
    whole = {a.technique for a in result.applicable if not a.because.startswith("its sub")}
    covered = asked | {t.id for t in catalog.active() if t.parent in whole}
    return asked, covered, set(result.families())


# --- the run -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    """One way of asking, on one case study."""

    used: int
    """Techniques the attack used, pre-attack ones left out."""
    hit: int
    """Of those, how many were asked."""
    families: int
    """Technique families asked."""
    ids: int
    """Technique ids asked."""
    missed: tuple[str, ...]
    """The used techniques not asked."""


def _family(tid: str) -> str:
    return ".".join(tid.split(".")[:2])


def score(used: set[str], asked: set[str], covered: set[str], families: set[str]) -> Score:
    """Recall and asks of one way of asking against one attack."""
    return Score(
        used=len(used),
        hit=len(used & covered),
        families=len(families),
        ids=len(asked),
        missed=tuple(sorted(used - covered)),
    )


def used_techniques(case: Mapping[str, Any], catalog: AtlasCatalog) -> set[str]:
    """The techniques of a case study's procedure that are not pre-attack steps."""
    out = set()
    for step in case.get("procedure") or []:
        tech = catalog.lookup(str(step.get("technique")))
        if tech is not None and not set(tech.tactics) <= PRE_ATTACK_TACTICS:
            out.add(tech.id)
    return out


def _summary(name: str, scores: Sequence[Score]) -> str:
    used = sum(s.used for s in scores)
    hit = sum(s.hit for s in scores)
    macro = sum(s.hit / s.used for s in scores if s.used) / sum(1 for s in scores if s.used)
    fam = sum(s.families for s in scores) / len(scores)
    ids = sum(s.ids for s in scores) / len(scores)
    most = max(s.families for s in scores)
    return (
        f"{name:<22} {hit:>4}/{used:<4} {100 * hit / used:>6.1f}%  {100 * macro:>6.1f}%"
        f"  {fam:>8.1f}  {most:>5}  {ids:>6.1f}"
    )


def main(argv: list[str] | None = None) -> int:
    """Print the recall and asks per model of the old table and of the mapping."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", type=Path, default=RELEASE)
    parser.add_argument("--cases", action="store_true", help="one line per case study")
    args = parser.parse_args(argv)
    catalog = load_catalog(None)
    mapping = load_mapping(None)
    release = yaml.safe_load(args.release.read_text(encoding="utf-8"))
    cases = release["case-studies"]
    old_scores, new_scores = [], []
    for case in cases:
        labels = labels_of(case)
        model = expected_model(labels)
        used = used_techniques(case, catalog)
        old = score(used, *old_asks(model, catalog))
        new = score(used, *new_asks(model, catalog, mapping))
        old_scores.append(old)
        new_scores.append(new)
        if args.cases:
            print(
                f"{case['id']} {case['name'][:50]:<50} [{' '.join(sorted(labels))}]\n"
                f"    old {old.hit}/{old.used} asks {old.families}; "
                f"new {new.hit}/{new.used} asks {new.families} ({new.ids} ids); "
                f"missed: {' '.join(new.missed) or '-'}"
            )
    print(
        f"ATLAS {catalog.version}: {len(cases)} case studies, "
        f"mapping of {len(mapping.techniques)} ids"
    )
    print(
        f"{'':<22} {'recall':>9} {'pooled':>7}  {'per case':>7}  {'families':>8}  "
        f"{'max':>5}  {'ids':>6}"
    )
    print(_summary("old table (Rego)", old_scores))
    print(_summary("applicability mapping", new_scores))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
