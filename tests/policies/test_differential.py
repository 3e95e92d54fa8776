"""Both engines agree: every Rego test of `policies/` and every example model give the
same results on regopy (`policyengine test`, EmbeddedEngine) and on a real OPA."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import running_opa

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
    """The design example and every example model, with the facts `check` would build."""
    from datetime import date

    from policyengine.atlas import load_catalog
    from policyengine.evaluate import build_facts, policy_input
    from policyengine.loader import load_document
    from policyengine.results import ReviewStatus

    design = shared_dir / "design" / "threat-model.example.yaml"
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
                evidence_exists=lambda rel, root=root: (root / rel).is_file(),
            )
            inputs.append(_to_json(policy_input(data, facts)))
    return inputs


def test_example_models_agree(opa_bin: str, repo_root: Path, shared_dir: Path) -> None:
    ps = load_policy_set([repo_root / "policies", repo_root / "examples" / "policies"])
    inputs = _inputs(repo_root, shared_dir)
    embedded = EmbeddedEngine(workers=1).evaluate(ps, inputs)
    # NOTE: a server of its own: on the session server, after other tests loaded other
    # policy sets, OPA has answered a policy PUT only after the 30 s client timeout.
    with running_opa(opa_bin) as url:
        opa = OpaEngine(url).evaluate(ps, inputs)
    assert any(out.deny for out in embedded), "the inputs exercise at least one check"
    for i, (ours, theirs) in enumerate(zip(embedded, opa, strict=True)):
        assert ours == theirs, f"input {i} differs"
