"""Both engines agree: every Rego test of `policies/` and every example model give the
same results on regopy (`policyengine test`, EmbeddedEngine) and on a real OPA."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from policyengine.engine.embedded import EmbeddedEngine
from policyengine.engine.opa import OpaEngine
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


def _to_json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _inputs(repo_root: Path, shared_dir: Path) -> list[dict[str, Any]]:
    models = [shared_dir / "design" / "threat-model.example.yaml"]
    examples = repo_root / "examples"
    if examples.is_dir():
        models += sorted(
            p
            for p in examples.rglob("*.yaml")
            if "kind: ThreatModel" in p.read_text(encoding="utf-8", errors="replace")
        )
    facts = {
        "as_of_day": 20600,
        "review": {"status": "current", "cadence_days": 92},
        "threats": {},
        "waivers": [],
        "attestations": [],
        "red_team": {},
        "evidence": {},
        "atlas": {"techniques": {}, "version": "5.6.1"},
    }
    inputs = []
    for path in models:
        model = _to_json(yaml.safe_load(path.read_text(encoding="utf-8")))
        compliance = model.get("compliance", {}) if isinstance(model, dict) else {}
        n_att = len(compliance.get("attestations", []) or [])
        n_waiver = len(compliance.get("waivers", []) or [])
        model_facts = {
            **facts,
            "attestations": [{"age_days": 10, "within_cadence": True, "evidence_exists": True}]
            * n_att,
            "waivers": [{"expired": False, "days_left": 30}] * n_waiver,
        }
        inputs.append({"model": model, "facts": model_facts})
    inputs.append({"model": {}, "facts": facts})
    return inputs


def test_example_models_agree(opa_server: str, repo_root: Path, shared_dir: Path) -> None:
    ps = load_policy_set([repo_root / "policies"])
    inputs = _inputs(repo_root, shared_dir)
    embedded = EmbeddedEngine().evaluate(ps, inputs)
    opa = OpaEngine(opa_server).evaluate(ps, inputs)
    assert any(out.deny for out in embedded), "the inputs exercise at least one check"
    for i, (ours, theirs) in enumerate(zip(embedded, opa, strict=True)):
        assert ours == theirs, f"input {i} differs"
