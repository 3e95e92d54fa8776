"""PR-POLICY-001 compares every setting the config schema defines."""

from __future__ import annotations

from pathlib import Path

import pytest

from policyengine.config import load_config, setting_keys, settings
from policyengine.pr import _config_differences

CHANGED = {
    "models": "models: [other/*.yaml]",
    "frameworks": "frameworks: [atlas]",
    "fail_on": "fail_on: critical",
    "review.cadence": "review: {cadence: monthly}",
    "review.max_cadence": "review: {max_cadence: annual}",
    "review.remind_before": "review: {remind_before: 1}",
    "risk.thresholds.low": "risk: {thresholds: {low: 9}}",
    "risk.thresholds.medium": "risk: {thresholds: {medium: 11}}",
    "risk.thresholds.high": "risk: {thresholds: {high: 25}}",
    "risk.max_acceptance_days": "risk: {max_acceptance_days: 3650}",
    "risk.max_waiver_days": "risk: {max_waiver_days: 3650}",
    "risk.acceptors": "risk: {acceptors: [anyone]}",
    "engine.name": "engine: {name: opa}",
    "engine.opa_url": "engine: {opa_url: 'http://localhost:8181'}",
    "engine.opa_use_loaded": "engine: {opa_use_loaded: true}",
    "engine.budget.seconds": "engine: {budget: {seconds: 120}}",
    "engine.budget.memory_mb": "engine: {budget: {memory_mb: 4096}}",
    "policies": "policies: [team]",
    "code": "code: [src]",
    "owners": "owners: {team: [a@example.com]}",
    "evidence_dir": "evidence_dir: packs",
    "atlas_catalog": "atlas_catalog: catalog.json",
    "register": "register: register.yaml",
}
"""For each setting, a config that changes it (and nothing else) from the defaults."""


def test_every_setting_of_the_schema_has_a_changed_example() -> None:
    """A key added to the config schema fails here until PR-POLICY-001 is shown to see it."""
    assert sorted(CHANGED) == sorted(setting_keys())


@pytest.mark.parametrize("key", sorted(CHANGED))
def test_a_change_to_any_setting_is_a_difference(tmp_path: Path, key: str) -> None:
    default = load_config(tmp_path, Path("base.yaml"), text="")
    changed = load_config(tmp_path, Path("head.yaml"), text=CHANGED[key] + "\n")
    assert set(settings(default)) == set(setting_keys())
    differences = _config_differences(default, changed)
    assert [d.split(":")[0] for d in differences] == [key]
    assert _config_differences(changed, changed) == []
