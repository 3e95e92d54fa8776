"""Code facts: which of the AI assets found in the code a threat model declares.

`check --code SRC` (or `code:` in the config) compares each threat model with what
`discover` finds in the code. This module decides, for one model, which findings are in
its scope and which of its assets each one matches; the drift checks
(`policies/compliance/code_drift.rego`, TM-CODE-*) decide what is a finding. Pure: the
code is read once a run by `pipeline.scan_code`.

Scope. A model whose `metadata.x-code-paths` lists paths (relative to the repository
root, folders or files) is compared with the code under them; a model without it with
all the code the run read. When every model sets it, code under none of them is judged by
no model's drift check: `uncovered_code` makes each AI asset there a run-level error.

Matching. A finding in the code matches an asset of a type that can declare it (an agent
tool an `agent_tool`, a model a `base_model` or `fine_tuned_model`, a vector store a
`vector_store` or a `retrieval_corpus` whose `store` names it, ...) when its name is the
asset's `name` (case, spaces and `_` aside), its `version`, or `name-version`, or when
it is listed in the asset's `x-code-refs`. An asset of another type declares nothing,
whatever its `x-code-refs` say: an agent tool listed on an `ml_library` is still
undeclared (its threats, approval and blast radius were never judged as a tool's). A
model client (an `OpenAI()`) matches an asset whose name, `hosting.provider` or
`x-provider` names the provider, and counts as declared when a model it serves is; it is
no use of a specific model, though: a model or embedding model asset that names only its
provider is not used by the client (`uses`), so a model the code no longer names is stale
(TM-CODE-002) while the client stays. An ML library matches an `ml_library` asset that
lists it in `components` (or is named after it). An MCP server connection is named by its
command line less its flags (`npx @scope/server-x /srv/data`); an asset named by the server
it runs alone (`@scope/server-x`) declares it too.

Version drift. A model name that is not declared as such, but is of the same family as a
declared model (the same name once a trailing date, dotted version or `:tag` is cut:
`gpt-4o-2024-08-06` and `gpt-4o`), drifts from that asset when the asset pins a version
(its `version`, or a name with a version in it); an asset that pins none accepts every
version of its family. A library whose pinned or locked version differs from the
version a component declares drifts from it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

from .discovery import normalise_distribution
from .results import CodeFinding, CodeKind, CodeScan, Diagnostic, Level, ModelReport
from .sources import is_manifest

_CATEGORY = {
    CodeKind.AGENT_TOOL: "agent_tool",
    CodeKind.MCP_CLIENT: "mcp_client",
    CodeKind.MCP_SERVER: "mcp_server",
    CodeKind.MODEL: "model",
    CodeKind.EMBEDDING_MODEL: "embedding_model",
    CodeKind.VECTOR_STORE: "vector_store",
    CodeKind.TRAINING: "training",
    CodeKind.MODEL_CLIENT: "model_client",
    CodeKind.LIBRARY: "library",
}
"""The kinds of finding compared with a model (an agent framework is no asset: its
library is), by the category the drift checks read."""

WHAT = {
    "agent_tool": "agent tool",
    "mcp_client": "MCP server connection",
    "mcp_server": "MCP server",
    "model": "model",
    "embedding_model": "embedding model",
    "vector_store": "vector store",
    "training": "training entry point",
    "model_client": "model client",
    "library": "ML library",
}
"""How a message names each category."""

_DECLARED_BY = {
    "agent_tool": frozenset({"agent_tool"}),
    "mcp_client": frozenset({"agent_tool", "third_party_service", "serving_infrastructure"}),
    "mcp_server": frozenset({"agent_tool", "serving_infrastructure", "inference_api"}),
    "model": frozenset({"base_model", "fine_tuned_model"}),
    "embedding_model": frozenset({"embedding_model", "base_model"}),
    "vector_store": frozenset({"vector_store", "retrieval_corpus"}),
    "training": frozenset({"training_pipeline", "fine_tuning_pipeline"}),
    "model_client": frozenset(
        {
            "third_party_service",
            "serving_infrastructure",
            "inference_api",
            "base_model",
            "fine_tuned_model",
            "embedding_model",
        }
    ),
    "library": frozenset({"ml_library"}),
}
"""The asset types that can declare each category of finding."""

_MODEL_TYPES = frozenset({"base_model", "fine_tuned_model", "embedding_model"})
"""The asset types a model client declares by naming its provider, without using them."""

_VERSION_SUFFIX = re.compile(
    r"(?:[-@]\d{4}-?\d{2}-?\d{2}|[-@]v?\d+(?:\.\d+)+|-latest|-preview|:[^:/]*)$"
)
"""A trailing date (`-2024-08-06`, `-20240620`), dotted version (`-v1.2`), alias
(`-latest`) or tag (`:8b`): what a model's family name leaves out."""

NO_CODE: Mapping[str, Any] = {"scanned": False, "scope": "", "manifests": 0, "items": []}
"""`facts.code` of a run that reads no code: the drift checks do not apply."""


def finding_category(kind: CodeKind) -> str | None:
    """The category the drift checks read for a kind of finding in the code; None for a
    kind that is no asset (an agent framework)."""
    return _CATEGORY.get(kind)


def _norm(text: object) -> str:
    """A name as compared: lower case, white space and `_` as `-`."""
    return re.sub(r"[\s_]+", "-", str(text).strip()).lower() if isinstance(text, str) else ""


def _family(name: str) -> str:
    """`name` (normalised) without its trailing dates, versions, aliases and tags."""
    while True:
        cut = _VERSION_SUFFIX.sub("", name)
        if cut == name or not cut:
            return name
        name = cut


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[^a-z0-9]+", text.lower()) if t]


def _names(text: object, within: str) -> bool:
    """Whether the words of `within` appear, in order and together, in `text`."""
    if not isinstance(text, str):
        return False
    words, wanted = _tokens(text), _tokens(within)
    return bool(wanted) and any(
        words[i : i + len(wanted)] == wanted for i in range(len(words) - len(wanted) + 1)
    )


def code_scope(model: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The `metadata.x-code-paths` of a model (POSIX, without a trailing `/`), or None
    when it has none (the model covers all the code read)."""
    metadata = model.get("metadata")
    paths = metadata.get("x-code-paths") if isinstance(metadata, Mapping) else None
    if not isinstance(paths, list):
        return None
    return tuple(
        PurePosixPath(p).as_posix().rstrip("/") or "." for p in paths if isinstance(p, str) and p
    )


def _in_scope(file: str, scope: Sequence[str] | None) -> bool:
    if scope is None:
        return True
    return any(s in (".", "") or file == s or file.startswith(s + "/") for s in scope)


def covers(model: Mapping[str, Any], file: str) -> bool:
    """Whether the code file `file` (relative to the repository root) is in the model's
    scope: under its `metadata.x-code-paths`, or anywhere when it has none."""
    return _in_scope(file, code_scope(model))


UNCOVERED = "code-scope"
"""The code of `uncovered_code`'s errors."""


def uncovered_code(scan: CodeScan, models: Sequence[ModelReport]) -> tuple[Diagnostic, ...]:
    """An error (`UNCOVERED`) at each AI asset in the code (not an ML library: TM-CODE-004
    is low) that no model's drift check reads: every model sets `metadata.x-code-paths`
    (`ModelReport.code_scope`) and none lists the file, so TM-CODE-001 cannot report it.
    None when a model is invalid (the run fails on it, and its scope was not judged) or
    reads all the code."""
    if not models or any(not m.valid or m.code_scope is None for m in models):
        return ()
    scopes = [m.code_scope for m in models]
    out = []
    for f in scan.findings:
        category = finding_category(f.kind)
        if category in (None, "library") or any(_in_scope(f.file, s) for s in scopes):
            continue
        out.append(
            Diagnostic(
                file=f.file,
                line=f.line,
                column=0,
                message=(
                    f"{WHAT[category]} `{f.name}` is in no threat model's "
                    "metadata.x-code-paths, so no model's drift check judges it (possible "
                    f"shadow AI; the code reads: {f.evidence}); declare it in the model whose "
                    "x-code-paths should cover this file"
                ),
                level=Level.ERROR,
                code=UNCOVERED,
            )
        )
    return tuple(out)


def code_refs(refs: object) -> set[str]:
    """The names an `x-code-refs` value lists, as compared with the code."""
    return {_norm(r) for r in refs if isinstance(r, str)} if isinstance(refs, list) else set()


def _refs(asset: Mapping[str, Any]) -> set[str]:
    return code_refs(asset.get("x-code-refs"))


def _launched(name: str) -> list[str]:
    """The words of an MCP stdio command line (`npx @scope/server-x /srv/data`) that name
    the server it runs on their own (normalised): neither the command nor a path."""
    return [
        _norm(w) for w in name.split()[1:] if not w.startswith(("/", ".", "~")) and "://" not in w
    ]


def _matches_name(category: str, name: str, asset: Mapping[str, Any]) -> bool:
    """Whether the finding `name` (normalised) is declared by `asset` by name."""
    declared, version = _norm(asset.get("name")), _norm(asset.get("version"))
    if category == "library":
        components = asset.get("components")
        if isinstance(components, list) and components:
            return any(
                isinstance(c, Mapping) and normalise_distribution(_norm(c.get("name"))) == name
                for c in components
            )
        return normalise_distribution(declared) == name
    if category == "vector_store" and _norm(asset.get("store")) == name:
        return True
    if category == "model_client":
        hosting = asset.get("hosting")
        provider = hosting.get("provider") if isinstance(hosting, Mapping) else None
        offered = asset.get("x-provider")
        texts = [
            asset.get("name"),
            provider,
            *(offered if isinstance(offered, list) else [offered]),
        ]
        return any(_names(t, name) for t in texts)
    return name in {declared, version, f"{declared}-{version}" if version else declared}


def _model_relation(name: str, i: int, asset: Mapping[str, Any]) -> list[Any] | bool:
    """How the model `name` (normalised), not declared by `asset` as such, relates to it:
    the path of the version the asset pins that it differs from (drift); True when the
    asset pins no version of the same family (it accepts every one); False when it is
    of another family."""
    declared, version = _norm(asset.get("name")), _norm(asset.get("version"))
    family = _family(name)
    if not family or family not in {_family(declared), _family(version) if version else ""}:
        return False
    if version:
        return ["assets", i, "version"]
    if _family(declared) != declared:
        return ["assets", i, "name"]
    return True


def _library_drift(name: str, version: str, i: int, asset: Mapping[str, Any]) -> list[Any] | None:
    """The path of the version of the component (or asset) `name` that differs from
    `version`; None when no declaration of it pins another one."""
    components = asset.get("components")
    if isinstance(components, list) and components:
        for j, c in enumerate(components):
            if not isinstance(c, Mapping):
                continue
            if normalise_distribution(_norm(c.get("name"))) != name:
                continue
            declared = c.get("version")
            if isinstance(declared, str) and declared and declared.lstrip("v=") != version:
                return ["assets", i, "components", j, "version"]
        return None
    declared = asset.get("version")
    if isinstance(declared, str) and declared and declared.lstrip("v=") != version:
        return ["assets", i, "version"]
    return None


def _item(
    category: str,
    found: Sequence[CodeFinding],
    assets: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """One code asset (all its places), with the assets that declare it and those it
    drifts from."""
    first = found[0]
    name = first.name
    key = normalise_distribution(name) if category == "library" else _norm(name)
    version = first.version if category == "library" else ""
    # An MCP server connection is declared by its command line, or by the server it runs
    # alone (`@scope/server-x`, not `npx` or `/srv/data`): another package is undeclared.
    keys = [key, *_launched(name)] if category == "mcp_client" else [key]
    matches: list[int] = []
    uses: list[int] = []
    drift: list[dict[str, Any]] = []
    for i, asset in enumerate(assets):
        if asset.get("type") not in _DECLARED_BY[category]:
            continue  # x-code-refs included: a library cannot declare an agent tool
        if any(k in _refs(asset) for k in keys):
            matches.append(i)
            uses.append(i)
        elif any(_matches_name(category, k, asset) for k in keys):
            path = _library_drift(key, version, i, asset) if version else None
            if path is None:
                matches.append(i)
                if category != "model_client" or asset.get("type") not in _MODEL_TYPES:
                    uses.append(i)  # a client of OpenAI uses no particular OpenAI model
            else:
                drift.append({"asset": i, "path": path})
        elif category in ("model", "embedding_model"):
            relation = _model_relation(key, i, asset)
            if relation is True:
                matches.append(i)
            elif isinstance(relation, list):
                drift.append({"asset": i, "path": relation})
    if matches:
        drift = []
    shown = f"{name} {version}" if version else name
    return {
        "id": f"{category}:{name}" + (f"@{version}" if version else ""),
        "kind": category,
        "what": WHAT[category],
        "name": name,
        "version": version,
        "shown": shown,
        "provider": first.provider,
        "at": f"{first.file}:{first.line}",
        "evidence": first.evidence,
        "places": len({(f.file, f.line) for f in found}),
        "matches": matches,
        "uses": uses,
        "drift": drift,
    }


def code_facts(model: Mapping[str, Any], scan: CodeScan | None) -> dict[str, Any]:
    """`facts.code` of one model (policies/README.md): `scanned`, `scope` (the paths
    compared, as text), `manifests` (dependency manifests in scope) and `items`, one per
    AI asset in the code in the model's scope (category, name and library version), at
    its first place: `id`, `kind`, `what`, `name`, `version`, `shown`, `provider`, `at`
    (`file:line`), `evidence` (the source line), `places`, `matches` (indices of the
    assets that declare it), `uses` (those of them it counts as using: all but the
    models a model client declares by naming their provider) and `drift` (`{asset,
    path}` of each declared version it differs from). `NO_CODE` without a scan."""
    if scan is None:
        return dict(NO_CODE)
    scope = code_scope(model)
    raw = model.get("assets")
    assets = [a if isinstance(a, Mapping) else {} for a in raw] if isinstance(raw, list) else []
    groups: dict[tuple[str, str, str], list[CodeFinding]] = {}
    for f in scan.findings:
        category = _CATEGORY.get(f.kind)
        if category is None or not _in_scope(f.file, scope):
            continue
        key = normalise_distribution(f.name) if category == "library" else _norm(f.name)
        version = f.version if category == "library" else ""
        groups.setdefault((category, key, version), []).append(f)
    items = [
        _item(category, sorted(found, key=lambda f: (f.file, f.line)), assets)
        for (category, _, _), found in sorted(groups.items())
    ]
    served = {
        it["provider"]
        for it in items
        if it["kind"] in ("model", "embedding_model") and (it["matches"] or it["drift"])
    }
    for it in items:
        if it["kind"] == "model_client" and not it["matches"] and it["name"] in served:
            it["matches"] = [
                i
                for other in items
                if other["provider"] == it["name"] and other["kind"] != "model_client"
                for i in other["matches"] or [d["asset"] for d in other["drift"]]
            ][:1]
    manifests = sum(
        1 for f in scan.files if _in_scope(f, scope) and is_manifest(PurePosixPath(f).name)
    )
    return {
        "scanned": True,
        "scope": ", ".join(scope if scope is not None else scan.paths) or ".",
        "manifests": manifests,
        "items": items,
    }
