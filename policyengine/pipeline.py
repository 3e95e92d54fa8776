"""The orchestrator: wires the stages together for `validate` and `check`. No rules here.

load -> validate -> facts (atlas, review) -> evaluate (engine) -> control status -> RunResult.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from . import bundled
from .atlas import AtlasCatalog, catalog_for_repo
from .catalog import ControlCatalog, load_controls
from .config import Config
from .controls import derive_controls, scoping_of
from .engine import Engine, make_engine
from .evaluate import build_facts, collect_outcomes, policy_input
from .gitfacts import collect_change_facts
from .loader import Document
from .policyset import CheckMeta, PolicySet, load_policy_set
from .results import ModelReport, ReviewVerdict, RunResult
from .review import Cadence, due_date, parse_day, review_model
from .validate import Validation, validate_paths

FRAMEWORKS = ("nist-ai-rmf", "iso42001", "atlas")
"""Every framework the engine knows, in report order."""


@dataclass(frozen=True)
class EngineChoice:
    """Which Rego engine evaluates, and how to reach it."""

    name: str = "embedded"
    """`embedded` (regopy, in process) or `opa` (an OPA server)."""
    opa_url: str | None = None
    """The OPA server's URL, for `opa`."""
    token: str | None = None
    """Bearer token for the OPA server."""
    use_loaded: bool = False
    """Query the policies the OPA server already holds instead of loading ours."""


@dataclass(frozen=True)
class RunOptions:
    """Everything a `check` run needs beyond the paths."""

    config: Config
    """The repository config (root, globs, defaults)."""
    as_of: date
    """The date the rules use."""
    frameworks: tuple[str, ...] = FRAMEWORKS
    """Frameworks to evaluate (a model's `system.frameworks` narrows NIST and ISO further)."""
    engine: EngineChoice = field(default_factory=EngineChoice)
    """The engine to use."""
    extra_policy_dirs: tuple[Path, ...] = ()
    """`--policy` folders, in addition to the bundled policies and the config's."""


def _catalogs(config: Config) -> tuple[AtlasCatalog, ControlCatalog]:
    return catalog_for_repo(config.root, config.atlas_catalog), load_controls()


def _validated(
    paths: Sequence[Path], config: Config, atlas: AtlasCatalog, controls: ControlCatalog
) -> Validation:
    # The config's `models` globs say where models live when no PATH is given; a PATH
    # given on the command line replaces them.
    return validate_paths(
        paths,
        root=config.root,
        globs=() if paths else config.models,
        control_ids=controls.ids(),
        atlas=atlas,
    )


def run_validate(paths: Sequence[Path], config: Config, as_of: date) -> RunResult:
    """Schema and reference checks only: one report per file, diagnostics and nothing else."""
    atlas, controls = _catalogs(config)
    validated = _validated(paths, config, atlas, controls)
    models = tuple(f.to_report() for f in validated.files)
    return RunResult(
        models=models,
        as_of=as_of,
        skipped=validated.skipped,
        diagnostics=validated.diagnostics,
    )


def policy_dirs(config: Config, extra: Sequence[Path]) -> list[Path]:
    """The bundled policies, then the config's `policies:`, then `--policy` folders."""
    dirs = [bundled.policies_dir(), *config.policies, *extra]
    seen: list[Path] = []
    for d in dirs:
        if d.resolve() not in [s.resolve() for s in seen]:
            seen.append(d)
    return seen


def _model_frameworks(model: Mapping[str, Any], wanted: Sequence[str]) -> tuple[str, ...]:
    declared = (model.get("system") or {}).get("frameworks")
    if not declared:
        return tuple(wanted)
    return tuple(fw for fw in wanted if fw == "atlas" or fw in declared)


def _in_scope(frameworks: Sequence[str]) -> Callable[[CheckMeta], bool]:
    def check(meta: CheckMeta) -> bool:
        return not meta.controls or any(fw in frameworks for fw in meta.controls)

    return check


def _evidence_exists(root: Path) -> Callable[[str], bool]:
    """Whether a repository-relative path names a file inside `root`, asked once per path
    in a run (models cite the same evidence files again and again)."""
    resolved_root = root.resolve()
    known: dict[str, bool] = {}

    def exists(rel: str) -> bool:
        if rel not in known:
            if not rel or Path(rel).is_absolute():
                known[rel] = False
            else:
                target = (resolved_root / rel).resolve()
                known[rel] = target.is_relative_to(resolved_root) and target.is_file()
        return known[rel]

    return exists


def _cadence_days(model: Mapping[str, Any], default: Cadence, as_of: date) -> int:
    """Days in the model's review window: from its last review (or the as-of date) to due."""
    review = model.get("review") or {}
    start = parse_day(review.get("last_reviewed")) or as_of
    return (due_date(start, review.get("cadence") or default) - start).days


def review_verdicts(
    documents: Sequence[Document], config: Config, as_of: date, atlas: AtlasCatalog
) -> dict[str, ReviewVerdict]:
    """The review verdict of each valid model, with git change facts from one history pass."""
    changes = collect_change_facts(
        config.root, [d.path for d in documents], {d.path: d.data for d in documents}
    )
    return {
        d.path: review_model(
            d.data,
            as_of=as_of,
            cadence_default=config.review.cadence,
            remind_before=config.review.remind_before,
            atlas=atlas,
            changes=changes.get(d.path),
        )
        for d in documents
    }


def run_check(
    paths: Sequence[Path],
    options: RunOptions,
    engine: Engine | None = None,
) -> RunResult:
    """Validate, then evaluate every valid model; invalid models are reported, not evaluated.

    The review verdict of each model feeds ISO 8.2 and MEASURE 3.1. Raises `PolicyError`
    for broken policies, `EngineError` when the engine fails (never a partial result) and
    `GitError` when git itself fails.
    """
    config = options.config
    atlas, controls = _catalogs(config)
    validated = _validated(paths, config, atlas, controls)
    policy_set = load_policy_set(policy_dirs(config, options.extra_policy_dirs))
    exists = _evidence_exists(config.root)

    valid = [(f, f.document) for f in validated.files if f.document is not None and f.valid]
    verdicts = review_verdicts([doc for _, doc in valid], config, options.as_of, atlas)
    inputs = []
    for f, doc in valid:
        facts = build_facts(
            doc.data,
            as_of=options.as_of,
            review_status=verdicts[f.path].status,
            cadence_days=_cadence_days(doc.data, config.review.cadence, options.as_of),
            atlas=atlas,
            evidence_exists=exists,
        )
        inputs.append(policy_input(doc.data, facts))
    outputs = _evaluate(policy_set, inputs, options.engine, engine)
    answers = {
        f.path: (doc, out, inp) for (f, doc), out, inp in zip(valid, outputs, inputs, strict=True)
    }

    reports = []
    for f in validated.files:
        if f.path not in answers:
            reports.append(f.to_report())
            continue
        doc, out, inp = answers[f.path]
        frameworks = _model_frameworks(doc.data, options.frameworks)
        outcomes = collect_outcomes(
            out.deny, out.not_applicable, policy_set.checks, doc, _in_scope(frameworks)
        )
        catalog = [(fw, c.key) for fw in frameworks for c in controls.controls if c.framework == fw]
        scoping = scoping_of(doc.data, [w["expired"] for w in inp["facts"]["waivers"]])
        check_controls = {cid: meta.control_keys() for cid, meta in policy_set.checks.items()}
        reports.append(
            ModelReport(
                path=f.path,
                model_id=f.model_id,
                owner=f.owner,
                diagnostics=f.diagnostics,
                checks=outcomes,
                controls=derive_controls(outcomes, check_controls, catalog, scoping),
                review=verdicts[f.path],
            )
        )
    return RunResult(
        models=tuple(reports),
        as_of=options.as_of,
        skipped=validated.skipped,
        frameworks=tuple(options.frameworks),
        diagnostics=validated.diagnostics,
    )


def _evaluate(
    policy_set: PolicySet,
    inputs: list[dict[str, Any]],
    choice: EngineChoice,
    engine: Engine | None,
) -> list[Any]:
    if not inputs:
        return []
    if engine is not None:
        return engine.evaluate(policy_set, inputs)
    own = make_engine(
        choice.name, opa_url=choice.opa_url, token=choice.token, use_loaded=choice.use_loaded
    )
    try:
        return own.evaluate(policy_set, inputs)
    finally:
        own.close()
