"""Which ATLAS techniques a threat model must consider, on which surface, and why.

This is the one place that decides it. The decision reads three things:

- the ATLAS catalog in use (`atlas.AtlasCatalog`);
- the applicability mapping shipped in `policies/catalog/atlas.json` under
  `applicability` (built by `scripts/build_atlas_applicability.py` from the reviewed
  `policies/catalog/atlas-applicability.csv`): for each technique and sub-technique, the
  surface layers it lands on, the kinds of system it applies to, the conditions of the
  model that put it in scope, whether it is a pre-attack step, and a one-line reason;
- what the model says it is: `system.ai_tasks` (the system kinds), its surfaces' layers,
  its assets, and `compliance.not_applicable` entries that rule a technique out.

A mapped technique applies when

1. the model does not rule it (or its parent) out with a stated reason;
2. it is not a pre-attack step, or it names a condition (the model's own design hands the
   attacker the step, e.g. a dataset outsiders can write to);
3. one of its kinds is `any` or a kind of the system (see `system_kinds`);
4. it names conditions and one holds; or it names none and the model has a surface on
   one of its layers.

Techniques with no AI element (`conventional` in the mapping) that apply are listed apart
(`Applicability.conventional`): the organisation's security threat model covers them, and
they are never asked here.

A parent technique also applies wherever one of its sub-techniques applies (and is then
asked with that sub-technique's family). Each technique is asked as a family
(`Applicable.asked_as`): the mapping's `asked_under` groups a chain's later steps and a
technique's variants under the step a model can defend. A technique
in the catalog but not in the mapping (imported later, not yet reviewed) applies to the
model as a whole until it is mapped. Retired techniques never apply.

Everything here is pure: no file is read except by `load_mapping`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from . import bundled
from .atlas import AtlasCatalog, Technique
from .errors import CatalogError

__all__ = [
    "CONDITIONS",
    "EXFILTRATION_TACTIC",
    "Applicable",
    "Applicability",
    "ApplicabilityMapping",
    "Condition",
    "Layer",
    "RuledOut",
    "SystemKind",
    "TechniqueScope",
    "applicable_techniques",
    "asked_as",
    "discloses_information",
    "load_mapping",
    "mapping_from_json",
    "system_kinds",
]

EXFILTRATION_TACTIC = "AML.TA0010"
"""The ATLAS Exfiltration tactic: its techniques count as information disclosure."""


class Layer(StrEnum):
    """A surface layer of the method (the schema's `surfaces[].layer`)."""

    INPUT_OUTPUT = "input_output"
    RETRIEVAL = "retrieval"
    AGENTIC = "agentic"
    MODEL = "model"
    RUNTIME = "runtime"


class SystemKind(StrEnum):
    """The kind of AI system a technique applies to."""

    GENERATIVE = "generative"
    """A system that generates content (an LLM, a chat or coding assistant, an agent)."""
    PREDICTIVE = "predictive"
    """A system that decides: classifies, detects, scores, recognises, ranks."""
    ANY = "any"
    """Any AI system."""


# --- system kinds ------------------------------------------------------------------------

_GENERATIVE_WORDS = frozenset(
    {
        "generation",
        "generative",
        "generate",
        "chat",
        "chatbot",
        "conversation",
        "conversational",
        "assistant",
        "summarization",
        "summarisation",
        "completion",
        "translation",
        "llm",
        "qa",
        "answering",
        "tool",
        "tools",
        "agent",
        "agentic",
        "planning",
        "coding",
    }
)
"""Words in `system.ai_tasks` that make a system generative (agents are LLM-driven)."""

_PREDICTIVE_WORDS = frozenset(
    {
        "classification",
        "classifier",
        "detection",
        "detector",
        "regression",
        "scoring",
        "ranking",
        "recommendation",
        "forecasting",
        "recognition",
        "identification",
        "verification",
        "segmentation",
        "clustering",
        "prediction",
        "anomaly",
    }
)
"""Words in `system.ai_tasks` that make a system predictive."""

_PHYSICAL_WORDS = frozenset(
    {
        "face",
        "facial",
        "biometric",
        "biometrics",
        "vision",
        "image",
        "camera",
        "video",
        "speech",
        "audio",
        "voice",
        "lidar",
        "physical",
    }
)
"""Words in `system.ai_tasks` that say the system senses faces, voices or the physical world."""

_WORD_RE = re.compile(r"[a-z0-9]+")


def _task_words(model: Mapping[str, Any]) -> set[str]:
    system = model.get("system")
    tasks = system.get("ai_tasks") if isinstance(system, Mapping) else None
    words: set[str] = set()
    for task in tasks if isinstance(tasks, list) else []:
        if isinstance(task, str):
            words.update(_WORD_RE.findall(task.lower()))
    return words


def system_kinds(model: Mapping[str, Any]) -> frozenset[SystemKind]:
    """The kinds of the system, from the words of `system.ai_tasks`.

    `generation`, `chat`, `summarization`, `tool_use`, `planning`... make it generative;
    `classification`, `detection`, `scoring`, `recognition`... make it predictive; a
    system can be both. With no `ai_tasks`, or none of these words, the kind is unknown
    and both count (a technique is not dropped on a guess).
    """
    words = _task_words(model)
    kinds = set()
    if words & _GENERATIVE_WORDS:
        kinds.add(SystemKind.GENERATIVE)
    if words & _PREDICTIVE_WORDS:
        kinds.add(SystemKind.PREDICTIVE)
    if not kinds:
        kinds = {SystemKind.GENERATIVE, SystemKind.PREDICTIVE}
    return frozenset(kinds)


# --- conditions ----------------------------------------------------------------------------


def _items(model: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = model.get(key)
    return [x for x in value if isinstance(x, Mapping)] if isinstance(value, list) else []


def _assets(model: Mapping[str, Any], *types: str) -> list[Mapping[str, Any]]:
    return [a for a in _items(model, "assets") if a.get("type") in types]


def _ids(assets: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    return tuple(str(a.get("id", "?")) for a in assets)


_MODEL_TYPES = ("base_model", "fine_tuned_model", "embedding_model")
_EXTERNAL = ("third_party", "open_weights")
_WRITE_PERMISSIONS = frozenset({"write", "read_write", "admin"})
_EXEC_WORDS = frozenset(
    {"exec", "execute", "shell", "command", "commands", "terminal", "bash", "script", "code"}
)


def _open_api(asset: Mapping[str, Any]) -> bool:
    return asset.get("exposure") == "public" or asset.get("authentication") in (None, "", "none")


def _inference_api(model: Mapping[str, Any]) -> tuple[str, ...]:
    return _ids(_assets(model, "inference_api"))


def _open_inference_api(model: Mapping[str, Any]) -> tuple[str, ...]:
    return _ids(a for a in _assets(model, "inference_api") if _open_api(a))


def _interfaces(model: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    return [
        (str(s.get("id", "?")), i)
        for s in _items(model, "surfaces")
        for i in _items(s, "interfaces")
    ]


def _public_interface(model: Mapping[str, Any]) -> tuple[str, ...]:
    apis = [a for a in _assets(model, "inference_api") if a.get("exposure") == "public"]
    surfaces = [sid for sid, i in _interfaces(model) if i.get("access") == "public"]
    return (*_ids(apis), *dict.fromkeys(surfaces))


def _authenticated_access(model: Mapping[str, Any]) -> tuple[str, ...]:
    apis = [
        a
        for a in _assets(model, "inference_api")
        if a.get("authentication") not in (None, "", "none") or a.get("exposure") == "authenticated"
    ]
    surfaces = [sid for sid, i in _interfaces(model) if i.get("access") == "authenticated"]
    return (*_ids(apis), *dict.fromkeys(surfaces))


def _training_data(model: Mapping[str, Any]) -> tuple[str, ...]:
    return _ids(_assets(model, "dataset", "training_pipeline", "fine_tuning_pipeline"))


def _open_dataset(model: Mapping[str, Any]) -> tuple[str, ...]:
    def controlled(asset: Mapping[str, Any]) -> bool:
        ingestion = asset.get("ingestion")
        return isinstance(ingestion, Mapping) and ingestion.get("access_controlled") is True

    return _ids(a for a in _assets(model, "dataset") if not controlled(a))


def _unreviewed_ingestion(model: Mapping[str, Any]) -> tuple[str, ...]:
    # An ingestion path that does not say reviewed_before_publish: true is unreviewed.
    return _ids(
        corpus
        for corpus in _assets(model, "retrieval_corpus")
        if any(
            p.get("reviewed_before_publish") is not True for p in _items(corpus, "ingestion_paths")
        )
    )


def _on_layer(model: Mapping[str, Any], layer: str) -> set[str]:
    return {
        str(a)
        for s in _items(model, "surfaces")
        if s.get("layer") == layer
        for a in _listed(s.get("assets"))
    }


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _model_weights(model: Mapping[str, Any]) -> tuple[str, ...]:
    # Weights are an attack surface when the model lists them on its model layer.
    on_model = _on_layer(model, "model")
    return _ids(
        a
        for a in _assets(model, *_MODEL_TYPES)
        if a.get("supplier") != "third_party" and str(a.get("id")) in on_model
    )


def _external_model(model: Mapping[str, Any]) -> tuple[str, ...]:
    return _ids(a for a in _assets(model, *_MODEL_TYPES) if a.get("supplier") in _EXTERNAL)


def _open_weights_files(model: Mapping[str, Any]) -> tuple[str, ...]:
    return _ids(
        a
        for a in _assets(model, *_MODEL_TYPES)
        if a.get("supplier") == "open_weights" and a.get("loaded_from_files", True) is not False
    )


def _software_stack(model: Mapping[str, Any]) -> tuple[str, ...]:
    runtime = [
        str(s.get("id", "?")) for s in _items(model, "surfaces") if s.get("layer") == "runtime"
    ]
    return (*_ids(_assets(model, "ml_library", "serving_infrastructure")), *runtime)


def _external_tool(model: Mapping[str, Any]) -> tuple[str, ...]:
    return _ids(a for a in _assets(model, "agent_tool") if a.get("supplier") in _EXTERNAL)


def _permissions(asset: Mapping[str, Any]) -> set[str]:
    value = asset.get("permissions")
    values = value if isinstance(value, list) else [value]
    return {v for v in values if isinstance(v, str)}


def _agent_write(model: Mapping[str, Any]) -> tuple[str, ...]:
    return _ids(a for a in _assets(model, "agent_tool") if _permissions(a) & _WRITE_PERMISSIONS)


def _runs_code(asset: Mapping[str, Any]) -> bool:
    if "admin" in _permissions(asset):
        return True
    actions = asset.get("actions")
    words: set[str] = set()
    for action in actions if isinstance(actions, list) else []:
        if isinstance(action, str):
            words.update(_WORD_RE.findall(action.lower()))
    return bool(words & _EXEC_WORDS)


def _agent_exec(model: Mapping[str, Any]) -> tuple[str, ...]:
    return _ids(a for a in _assets(model, "agent_tool") if _runs_code(a))


def _agent_memory(model: Mapping[str, Any]) -> tuple[str, ...]:
    return _ids(
        a for a in _assets(model, "agent_tool", *_MODEL_TYPES[:2]) if a.get("memory") is True
    )


def _physical_input(model: Mapping[str, Any]) -> tuple[str, ...]:
    return ("system.ai_tasks",) if _task_words(model) & _PHYSICAL_WORDS else ()


_CODE_WORDS = frozenset({"code", "coding", "programming", "software"})


def _code_generation(model: Mapping[str, Any]) -> tuple[str, ...]:
    words = _task_words(model)
    return ("system.ai_tasks",) if words & _CODE_WORDS and words & _GENERATIVE_WORDS else ()


@dataclass(frozen=True)
class Condition:
    """A fact about a model that puts techniques in scope."""

    name: str
    """Its name in the mapping's `conditions` column, e.g. `open_dataset`."""
    description: str
    """What must hold, in a few words (used in reasons)."""
    holds: Callable[[Mapping[str, Any]], tuple[str, ...]]
    """The ids of the assets or surfaces that make it hold; empty when it does not."""


CONDITIONS: Mapping[str, Condition] = MappingProxyType(
    {
        c.name: c
        for c in (
            Condition("inference_api", "an inference API", _inference_api),
            Condition(
                "open_inference_api",
                "an inference API with exposure public or no authentication",
                _open_inference_api,
            ),
            Condition(
                "public_interface",
                "an inference API with exposure public or a public interface",
                _public_interface,
            ),
            Condition(
                "authenticated_access",
                "an authenticated inference API or interface",
                _authenticated_access,
            ),
            Condition(
                "training_data", "a dataset or a training or fine-tuning pipeline", _training_data
            ),
            Condition(
                "open_dataset",
                "a dataset whose ingestion is not access-controlled",
                _open_dataset,
            ),
            Condition(
                "unreviewed_ingestion",
                "a retrieval ingestion path without reviewed_before_publish: true",
                _unreviewed_ingestion,
            ),
            Condition(
                "model_weights",
                "model weights we hold (a model asset on a model surface, not a third party's)",
                _model_weights,
            ),
            Condition("external_model", "a third-party or open-weights model", _external_model),
            Condition(
                "open_weights_files",
                "an open-weights model loaded from files",
                _open_weights_files,
            ),
            Condition(
                "software_stack",
                "an ML library or serving infrastructure asset, or a runtime surface",
                _software_stack,
            ),
            Condition("external_tool", "an agent tool supplied by a third party", _external_tool),
            Condition("agent_write", "an agent tool with write or admin permissions", _agent_write),
            Condition(
                "agent_exec",
                "an agent tool that runs code or commands (actions or admin permissions)",
                _agent_exec,
            ),
            Condition(
                "agent_memory", "an agent or model with memory across sessions", _agent_memory
            ),
            Condition(
                "code_generation",
                "ai_tasks that generate code (code, coding, programming)",
                _code_generation,
            ),
            Condition(
                "physical_input",
                "ai_tasks that sense faces, voices, images or the physical world",
                _physical_input,
            ),
        )
    }
)
"""Every condition the mapping may name, by name."""


# --- the mapping ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TechniqueScope:
    """One row of the applicability mapping: where a technique lands and why."""

    id: str
    """The technique or sub-technique id."""
    layers: tuple[Layer, ...]
    """The surface layers it lands on."""
    kinds: tuple[SystemKind, ...]
    """The system kinds it applies to (`any` for every system)."""
    conditions: tuple[str, ...]
    """Names in `CONDITIONS`; when not empty, one must hold (and a surface on `layers` is
    not needed)."""
    pre_attack: bool
    """True for reconnaissance and resource development steps (the attacker's own
    preparation): not asked unless a condition puts them in scope."""
    conventional: bool
    """True for a technique with no AI element (ATLAS's copies of ATT&CK techniques: valid
    accounts, reverse shells, OS credential dumping...): in scope, listed, but left to the
    organisation's conventional security threat model, never asked."""
    reason: str
    """Why it applies, in one line of our own words."""
    asked_under: str = ""
    """The top-level technique whose threat covers this one (a later step of a chain, or
    a variant, answered by that technique's defences); empty: its parent's, else its own
    family."""
    why_under: str = ""
    """Why `asked_under` covers it, in one line (empty without `asked_under`)."""


@dataclass(frozen=True)
class ApplicabilityMapping:
    """The reviewed mapping: a scope for each technique of the catalog it was built for."""

    catalog_version: str
    """The ATLAS catalog version the mapping was checked against."""
    techniques: Mapping[str, TechniqueScope]
    """The scope of each technique, by id."""


def mapping_from_json(data: Any, source: str) -> ApplicabilityMapping:
    """The mapping from the `applicability` object of `atlas.json` (already parsed).

    Raises CatalogError naming `source` and the entry when the shape is wrong, a layer,
    kind or condition is unknown, or a reason is empty.
    """
    if not isinstance(data, Mapping) or not isinstance(data.get("techniques"), Mapping):
        raise CatalogError(f"{source}: `applicability` needs a `techniques` object")
    version = data.get("catalog_version")
    if not isinstance(version, str):
        raise CatalogError(f"{source}: `applicability.catalog_version` must be a string")
    scopes = {}
    for tid, raw in data["techniques"].items():
        where = f"{source}: applicability.techniques.{tid}"
        if not isinstance(raw, Mapping):
            raise CatalogError(f"{where} is not an object")
        try:
            layers = tuple(Layer(x) for x in raw.get("layers", ()))
            kinds = tuple(SystemKind(x) for x in raw.get("kinds", ()))
        except ValueError as exc:
            raise CatalogError(f"{where}: {exc}") from None
        conditions = tuple(str(x) for x in raw.get("conditions", ()))
        unknown = [c for c in conditions if c not in CONDITIONS]
        reason = raw.get("reason")
        if unknown:
            raise CatalogError(f"{where}: unknown condition {unknown[0]!r}")
        if not layers or not kinds:
            raise CatalogError(f"{where}: needs at least one layer and one kind")
        if not isinstance(reason, str) or not reason.strip():
            raise CatalogError(f"{where}: needs a reason")
        scopes[str(tid)] = TechniqueScope(
            id=str(tid),
            layers=layers,
            kinds=kinds,
            conditions=conditions,
            pre_attack=raw.get("pre_attack") is True,
            conventional=raw.get("conventional") is True,
            reason=reason,
            asked_under=str(raw.get("asked_under") or ""),
            why_under=str(raw.get("why_under") or ""),
        )
    return ApplicabilityMapping(
        catalog_version=version, techniques=MappingProxyType(dict(sorted(scopes.items())))
    )


def load_mapping(path: Path | None = None) -> ApplicabilityMapping:
    """Read the mapping from an `atlas.json` control catalog (None: the shipped one).

    Raises CatalogError when the file is unreadable or has no valid `applicability`.
    """
    target = bundled.catalog_dir() / "atlas.json" if path is None else path
    try:
        document = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogError(f"{target}: cannot read the ATLAS applicability mapping: {exc}") from exc
    if not isinstance(document, Mapping) or "applicability" not in document:
        raise CatalogError(
            f"{target}: no `applicability` mapping (run scripts/build_atlas_applicability.py)"
        )
    return mapping_from_json(document["applicability"], str(target))


# --- the decision ----------------------------------------------------------------------------


def discloses_information(technique: Technique) -> bool:
    """True when the technique serves the Exfiltration tactic: information disclosure."""
    return EXFILTRATION_TACTIC in technique.tactics


@dataclass(frozen=True)
class Applicable:
    """A technique the model must consider."""

    technique: str
    """The technique id."""
    name: str
    """Its name (a sub-technique's prefixed with its parent's)."""
    surfaces: tuple[str, ...]
    """Ids of the model's surfaces it lands on, in model order; empty: the model as a whole."""
    reason: str
    """Why it applies (the mapping's reason, or that it is not mapped yet)."""
    because: str
    """What in the model put it in scope: a layer, a condition with the ids that meet it,
    a sub-technique that applies, or `not mapped`."""
    mapped: bool
    """False for a catalog technique the mapping does not cover yet."""
    information_disclosure: bool
    """True when it serves the Exfiltration tactic."""
    asked_as: str = ""
    """The family the model is asked about for it: the mapping's `asked_under` (or its
    parent's), else its own family. A threat naming that family, or any technique of it,
    covers this technique."""

    @property
    def family(self) -> str:
        """The top-level technique id (`AML.T0051` for `AML.T0051.001`)."""
        return ".".join(self.technique.split(".")[:2])


@dataclass(frozen=True)
class RuledOut:
    """A technique that would apply but the model rules out."""

    technique: str
    """The technique id."""
    reason: str
    """The model's stated reason (`compliance.not_applicable[].reason`)."""
    entry: int
    """Index of the entry in `compliance.not_applicable`."""


@dataclass(frozen=True)
class Applicability:
    """What a model must consider, and what it ruled out."""

    kinds: frozenset[SystemKind]
    """The system kinds read from `system.ai_tasks`."""
    applicable: tuple[Applicable, ...]
    """The techniques that apply, sorted by id."""
    ruled_out: tuple[RuledOut, ...]
    """Techniques that would apply but are ruled out with a reason, sorted by id."""
    conventional: tuple[Applicable, ...] = ()
    """Techniques in scope that have no AI element (the mapping's `conventional`): listed
    for the organisation's security threat model, not asked here. Sorted by id."""

    def ids(self) -> frozenset[str]:
        """The ids of the applicable techniques."""
        return frozenset(a.technique for a in self.applicable)

    def families(self) -> tuple[str, ...]:
        """The families the model is asked about (`Applicable.asked_as`), sorted."""
        return tuple(sorted({a.asked_as for a in self.applicable}))

    def by_surface(self) -> dict[str, tuple[Applicable, ...]]:
        """Applicable techniques per surface id; `""` holds those on no surface."""
        out: dict[str, list[Applicable]] = {}
        for item in self.applicable:
            for surface in item.surfaces or ("",):
                out.setdefault(surface, []).append(item)
        return {k: tuple(v) for k, v in out.items()}


def asked_as(tid: str, mapping: ApplicabilityMapping) -> str:
    """The family a model is asked about for technique `tid`: its row's `asked_under`, else
    its parent's row's, else its own family (`AML.T0051` for `AML.T0051.001`)."""
    family = ".".join(tid.split(".")[:2])
    for key in (tid, family):
        scope = mapping.techniques.get(key)
        if scope is not None and scope.asked_under:
            return scope.asked_under
    return family


def _rulings(model: Mapping[str, Any]) -> dict[str, tuple[str, int]]:
    compliance = model.get("compliance")
    entries = compliance.get("not_applicable") if isinstance(compliance, Mapping) else None
    out: dict[str, tuple[str, int]] = {}
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, Mapping):
            continue
        tid, reason = entry.get("technique"), entry.get("reason")
        if isinstance(tid, str) and isinstance(reason, str) and reason.strip():
            out.setdefault(tid, (reason.strip(), i))
    return out


def _full_name(catalog: AtlasCatalog, tech: Technique) -> str:
    parent = catalog.lookup(tech.parent) if tech.parent else None
    return f"{parent.name}: {tech.name}" if parent is not None else tech.name


def _surfaces_on(surfaces: Sequence[Mapping[str, Any]], layers: Iterable[Layer]) -> tuple[str, ...]:
    wanted = {layer.value for layer in layers}
    return tuple(str(s.get("id", "?")) for s in surfaces if s.get("layer") in wanted)


def _own_scope(
    scope: TechniqueScope,
    model: Mapping[str, Any],
    kinds: frozenset[SystemKind],
    surfaces: Sequence[Mapping[str, Any]],
    held: dict[str, tuple[str, ...]],
) -> tuple[tuple[str, ...], str] | None:
    """(surfaces, because) when the technique's own row applies, else None. `held` keeps
    what each condition found in `model`, since many rows share a condition."""
    if scope.pre_attack and not scope.conditions:
        return None
    if SystemKind.ANY not in scope.kinds and not kinds.intersection(scope.kinds):
        return None
    on = _surfaces_on(surfaces, scope.layers)
    if scope.conditions:
        for name in scope.conditions:
            met = held.get(name)
            if met is None:
                met = held[name] = CONDITIONS[name].holds(model)
            if met:
                return on, f"{CONDITIONS[name].description}: {', '.join(met)}"
        return None
    if not on:
        return None
    named = set(on)
    layers = sorted({str(s.get("layer")) for s in surfaces if str(s.get("id", "?")) in named})
    return on, f"a surface on layer {', '.join(layers)}"


_READS = ("system", "assets", "surfaces")
"""The sections of a model `applicable_techniques` reads, with `compliance.not_applicable`."""
_KEPT = 64
"""Answers `applicable_techniques` keeps (a run's models often share their assets)."""
_answers: dict[tuple[int, int, str], tuple[object, object, Applicability]] = {}


def _signature(model: Mapping[str, Any]) -> str | None:
    """The JSON text of what `applicable_techniques` reads of `model`, in the order
    written (so equal texts are equal inputs); None when it is not JSON."""
    compliance = model.get("compliance")
    ruled = compliance.get("not_applicable") if isinstance(compliance, Mapping) else None
    try:
        return json.dumps([*(model.get(k) for k in _READS), ruled], allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return None


def applicable_techniques(
    model: Mapping[str, Any], catalog: AtlasCatalog, mapping: ApplicabilityMapping
) -> Applicability:
    """The techniques `model` must consider, per surface, with the reason; pure.

    `model` is a parsed threat model (a mapping as loaded from YAML). See the module
    docstring for the rules. A `compliance.not_applicable` entry with a `technique` and a
    non-blank `reason` rules out that technique and, for a parent, its sub-techniques.
    The answer is kept by what the model says of its system, assets, surfaces and
    rulings: the facts and the review rule ask it of every model (~3 ms each time).
    """
    signature = _signature(model)
    key = (id(catalog), id(mapping), signature or "")
    kept = _answers.get(key) if signature is not None else None
    if kept is not None and kept[0] is catalog and kept[1] is mapping:
        return kept[2]
    answer = _applicable(model, catalog, mapping)
    if signature is not None:
        if len(_answers) >= _KEPT:
            # The oldest answer goes (dicts keep insertion order): clearing them all made
            # an answer just kept vanish when it happened to be the 64th.
            del _answers[next(iter(_answers))]
        _answers[key] = (catalog, mapping, answer)
    return answer


def _applicable(
    model: Mapping[str, Any], catalog: AtlasCatalog, mapping: ApplicabilityMapping
) -> Applicability:
    """`applicable_techniques`, worked out."""
    kinds = system_kinds(model)
    surfaces = _items(model, "surfaces")
    rulings = _rulings(model)
    held: dict[str, tuple[str, ...]] = {}
    found: dict[str, tuple[tuple[str, ...], str, bool]] = {}
    for tech in catalog.active():
        scope = mapping.techniques.get(tech.id)
        if scope is None:
            found[tech.id] = ((), "not mapped", False)
            continue
        own = _own_scope(scope, model, kinds, surfaces, held)
        if own is not None:
            found[tech.id] = (*own, True)
    ruled_out = []
    for tid in sorted(found):
        known = catalog.lookup(tid)
        parent_id = known.parent if known is not None else None
        ruling = rulings.get(tid) or (rulings.get(parent_id) if parent_id else None)
        if ruling is not None:
            ruled_out.append(RuledOut(technique=tid, reason=ruling[0], entry=ruling[1]))
            del found[tid]
    # A parent applies wherever one of its sub-techniques does.
    subs_of: dict[str, list[str]] = {}
    for tid in sorted(found):
        known = catalog.lookup(tid)
        parent_id = known.parent if known is not None else None
        if parent_id and parent_id not in found and parent_id not in rulings:
            if catalog.lookup(parent_id) is not None:
                subs_of.setdefault(parent_id, []).append(tid)
    via_sub: dict[str, str] = {}
    for parent, subs in subs_of.items():
        on_ids = {s for t in subs for s in found[t][0]}
        on = tuple(str(s.get("id", "?")) for s in surfaces if str(s.get("id", "?")) in on_ids)
        found[parent] = (on, f"its sub-technique {subs[0]} applies", True)
        via_sub[parent] = subs[0]
    applicable: list[Applicable] = []
    conventional: list[Applicable] = []
    for tid in sorted(found):
        known = catalog.lookup(tid)
        if known is None:
            continue
        on, because, mapped = found[tid]
        scope = mapping.techniques.get(tid)
        reason = (
            scope.reason
            if scope is not None
            else "imported after the mapping was reviewed: applies until it is mapped in "
            "policies/catalog/atlas-applicability.csv"
        )
        target = conventional if scope is not None and scope.conventional else applicable
        target.append(
            Applicable(
                technique=tid,
                name=_full_name(catalog, known),
                surfaces=on,
                reason=reason,
                because=because,
                mapped=mapped,
                information_disclosure=discloses_information(known),
                # A parent that applies only through a sub-technique is asked with it.
                asked_as=asked_as(via_sub.get(tid, tid), mapping),
            )
        )
    return Applicability(
        kinds=kinds,
        applicable=tuple(applicable),
        ruled_out=tuple(ruled_out),
        conventional=tuple(conventional),
    )
