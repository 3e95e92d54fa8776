"""The engines agree: every Rego test of `policies/` and every example model give the
same results on regopy (`policyengine test`, EmbeddedEngine), on OPA WebAssembly
(WasmEngine, and the tests compiled into a module of their own) and on a real OPA."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import running_opa

from policyengine.engine.embedded import EmbeddedEngine
from policyengine.engine.opa import OpaEngine
from policyengine.engine.wasm import WasmEngine, WasmHost, build_module
from policyengine.policyset import load_policy_set
from policyengine.policytest import Outcome, run_policy_tests

pytestmark = pytest.mark.opa


def _opa_results(opa_bin: str, policies: Path) -> dict[tuple[str, str], bool]:
    files = sorted(str(p) for p in policies.rglob("*.rego"))
    proc = subprocess.run(
        [opa_bin, "test", "--format", "json", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode in (0, 2), proc.stderr  # 2: some test failed
    rows = json.loads(proc.stdout)
    return {
        (row["package"].removeprefix("data."), row["name"]): not (
            row.get("fail") or row.get("error")
        )
        for row in rows
        if not row.get("skip")
    }


def test_every_rego_test_agrees(opa_bin: str, repo_root: Path) -> None:
    policies = repo_root / "policies"
    ours = {
        (r.package, r.name): r.outcome is Outcome.PASS
        for r in run_policy_tests([policies])
        if r.name
    }
    theirs = _opa_results(opa_bin, policies)
    assert ours, "no Rego tests found under policies/"
    disagree = sorted(
        f"{pkg}.{name}: regopy {'pass' if ours.get((pkg, name)) else 'fail'}, "
        f"opa {'pass' if theirs.get((pkg, name)) else 'fail'}"
        for pkg, name in set(ours) | set(theirs)
        if ours.get((pkg, name)) != theirs.get((pkg, name))
    )
    assert not disagree, "\n".join(disagree)
    # The same tests compiled into WebAssembly, one entry point each: a test passes when
    # its rule is true (WebAssembly has no strict built-in errors: an error is undefined).
    ps = load_policy_set([policies])
    entrypoints = {f"{pkg.replace('.', '/')}/{name}": (pkg, name) for pkg, name in theirs}
    module = build_module(
        ps, opa_bin, extra={**ps.tests, **ps.test_support}, entrypoints=sorted(entrypoints)
    )
    host = WasmHost(module, entrypoint=sorted(entrypoints)[0], builtins=_TEST_BUILTINS)
    on_wasm = {
        entrypoints[path]: host.evaluate(b"{}", number) == [{"result": True}]
        for path, number in host.entrypoints.items()
    }
    disagree = sorted(
        f"{pkg}.{name}: wasm {'pass' if on_wasm.get((pkg, name)) else 'fail'}, "
        f"opa {'pass' if theirs[(pkg, name)] else 'fail'}"
        for pkg, name in theirs
        if on_wasm.get((pkg, name)) != theirs[(pkg, name)]
    )
    assert not disagree, "\n".join(disagree)


# The built-ins the Rego tests' fixtures call, which OPA's WebAssembly leaves to the host
# (the policies themselves need none): only the forms the fixtures use.
def _sprintf(fmt: str, args: list[Any]) -> str:
    return fmt % tuple(args)


def _indexof_n(text: str, sub: str) -> list[int]:
    return [i for i in range(len(text)) if text.startswith(sub, i)]


def _json_patch(value: Any, ops: list[dict[str, Any]]) -> Any:
    import copy

    doc = copy.deepcopy(value)
    for op in ops:
        *parents, last = op["path"]
        target = doc
        for key in parents:
            target = target[int(key) if isinstance(target, list) else key]
        key = int(last) if isinstance(target, list) and last != "-" else last
        if op["op"] == "remove":
            del target[key]
        elif op["op"] == "add" and isinstance(target, list):
            target.insert(len(target) if key == "-" else key, op["value"])
        elif op["op"] in ("add", "replace"):
            target[key] = op["value"]
        else:
            raise ValueError(f"json.patch op {op['op']} is not in the fixtures")
    return doc


_TEST_BUILTINS = {"sprintf": _sprintf, "indexof_n": _indexof_n, "json.patch": _json_patch}


def _to_json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _inputs(repo_root: Path, design_example: Path) -> list[dict[str, Any]]:
    """The design example and every example model, with the facts `check` would build."""
    from datetime import date

    from policyengine.applicability import load_mapping
    from policyengine.atlas import load_catalog
    from policyengine.evaluate import build_facts, policy_input
    from policyengine.loader import load_document
    from policyengine.pipeline import sbom_reading
    from policyengine.results import ReviewStatus

    design = design_example
    examples = repo_root / "examples"
    models = [(design, design.parent)] + [
        (p, examples) for p in sorted((examples / "models").glob("*.yaml"))
    ]
    atlas = load_catalog()
    inputs = []
    for path, root in models:
        data = load_document(path, root).data
        for status in (ReviewStatus.CURRENT, ReviewStatus.REVIEW_REQUIRED):
            facts = build_facts(
                data,
                as_of=date(2026, 11, 27),
                review_status=status,
                cadence_days=92,
                atlas=atlas,
                mapping=load_mapping(),
                evidence_exists=lambda rel, root=root: (root / rel).is_file(),
                sbom_read=sbom_reading(root),
            )
            inputs.append(_to_json(policy_input(data, facts)))
    return inputs


def test_example_models_agree(opa_bin: str, repo_root: Path, design_example: Path) -> None:
    ps = load_policy_set([repo_root / "policies", repo_root / "examples" / "policies"])
    inputs = _inputs(repo_root, design_example)
    embedded = EmbeddedEngine(workers=1).evaluate(ps, inputs)
    assert WasmEngine().evaluate(ps, inputs) == embedded
    # NOTE: a server of its own: on the session server, after other tests loaded other
    # policy sets, OPA has answered a policy PUT only after the 30 s client timeout.
    with running_opa(opa_bin) as url:
        opa = OpaEngine(url).evaluate(ps, inputs)
    assert any(out.deny for out in embedded), "the inputs exercise at least one check"
    for i, (ours, theirs) in enumerate(zip(embedded, opa, strict=True)):
        assert ours == theirs, f"input {i} differs"


# Seeded mutations of the example models: each drops or changes what a check reads, so
# that the comparison covers failing paths too (the Rego tests cover each check alone; the
# packs are written around regopy's costs and traps, where the engines are easy to split).
_THREAT_FIELDS = (
    "atlas",
    "assumptions",
    "validation",
    "mitigations",
    "likelihood",
    "impact",
    "stride",
    "surface",
)
_SECTIONS = ("surfaces", "controls", "red_team", "assets")


def _mutant(model: dict[str, Any], rng: Any) -> dict[str, Any]:
    import copy

    m = copy.deepcopy(model)
    threats = m.get("threats", [])
    for t in threats:
        if rng.random() < 0.4:
            t.pop(rng.choice(_THREAT_FIELDS), None)
        if rng.random() < 0.3:
            t["status"] = rng.choice(["open", "mitigating", "mitigated", "accepted", "transferred"])
        if rng.random() < 0.2:
            t["validation"] = {"status": rng.choice(["untested", "confirmed", "not_reproduced"])}
    system = m.get("system", {})
    for _ in range(2):
        if system and rng.random() < 0.4:
            system.pop(rng.choice(sorted(system)))
    for c in m.get("controls", []):
        if rng.random() < 0.3:
            c["status"] = rng.choice(["planned", "implemented", "verified"])
    if rng.random() < 0.3:
        section = rng.choice(_SECTIONS)
        items = m.get(section, [])
        if items:
            del items[rng.randrange(len(items))]
    compliance = m.get("compliance", {})
    for key in ("attestations", "not_applicable", "waivers"):
        entries = compliance.get(key, [])
        if entries and rng.random() < 0.4:
            del entries[rng.randrange(len(entries)) :]
    return m


def test_mutated_example_models_agree(opa_bin: str, repo_root: Path, design_example: Path) -> None:
    import random
    from datetime import date

    from policyengine.applicability import load_mapping
    from policyengine.atlas import load_catalog
    from policyengine.evaluate import build_facts, policy_input
    from policyengine.loader import load_document
    from policyengine.results import ReviewStatus
    from policyengine.sbom import read_sbom

    ps = load_policy_set([repo_root / "policies"])
    atlas = load_catalog()
    design = design_example
    bases = [load_document(design, design.parent).data] + [
        load_document(p, repo_root / "examples").data
        for p in sorted((repo_root / "examples" / "models").glob("*.yaml"))
    ]
    rng = random.Random(20261127)
    # What an SBOM may say: the example's, one that lists nothing, one that is not an SBOM,
    # one that lists other components (names with a slash and non-ASCII text too).
    sboms = [
        read_sbom((repo_root / "examples/sbom/serving.cdx.json").read_bytes()),
        read_sbom(b'{"bomFormat": "CycloneDX", "components": []}'),
        read_sbom(b'{"note": "generated later"}'),
        read_sbom(
            '{"spdxVersion": "SPDX-2.3", "packages": [{"name": "@scope/pkg", "versionInfo": "1"},'
            ' {"name": "Numpy", "versionInfo": "2.1.3"}, {"name": "törch"}]}'.encode()
        ),
    ]
    inputs = []
    for k in range(60):
        model = _mutant(bases[k % len(bases)], rng)
        facts = build_facts(
            model,
            as_of=date(2026, 11, 27),
            review_status=rng.choice(list(ReviewStatus)),
            cadence_days=92,
            atlas=atlas,
            mapping=load_mapping(),
            evidence_exists=lambda rel: rng.random() < 0.8,
            sbom_read=lambda rel: rng.choice(sboms),
        )
        inputs.append(_to_json(policy_input(model, facts)))
    embedded = EmbeddedEngine(workers=1).evaluate(ps, inputs)
    on_wasm = WasmEngine().evaluate(ps, inputs)
    for i, (ours, wasm) in enumerate(zip(embedded, on_wasm, strict=True)):
        assert ours == wasm, f"mutant {i}: regopy and wasm differ"
    with running_opa(opa_bin) as url:
        opa = OpaEngine(url).evaluate(ps, inputs)
    fired = {d["rule_id"] for out in embedded for d in out.deny}
    assert len(fired) >= 34, f"the mutants exercise only {sorted(fired)}"
    assert "TM-EVID-003" in fired, "the mutants read SBOMs"
    for i, (ours, theirs) in enumerate(zip(embedded, opa, strict=True)):
        only_ours = [d for d in ours.deny if d not in theirs.deny]
        only_opa = [d for d in theirs.deny if d not in ours.deny]
        assert ours == theirs, f"mutant {i}: regopy only {only_ours}, OPA only {only_opa}"
