"""The wasm engine (real OPA WebAssembly on real wasmtime): the shipped module, the host,
its caches, and the `auto` engine's choice."""

from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from policyengine.bundled import policies_dir
from policyengine.engine import EngineOutput, make_engine
from policyengine.engine.embedded import EmbeddedEngine
from policyengine.engine.wasm import (
    SHIPPED_MODULE,
    AutoEngine,
    WasmEngine,
    WasmUnavailable,
    build_module,
    module_for,
    shipped_info,
)
from policyengine.errors import EngineError
from policyengine.policyset import load_policy_set

BASIC = Path(__file__).parent / "data" / "basic"

SMALL = {
    "model": {"threats": [{"id": "T-1", "likelihood": 5, "impact": 5}]},
    "facts": {"threats": {"T-1": {"risk": 25}}},
}


def _team(folder: Path, source: str) -> Path:
    (folder / "team").mkdir(parents=True)
    (folder / "team" / "checks.rego").write_text(source, encoding="utf-8")
    return folder / "team"


_CONFLICT = """package team.conflict

import data.lib.result

level := input.model.a
level := input.model.b

# METADATA
# title: A check whose helper has two values when a and b differ
# custom:
#   id: TM-TEAM-900
#   severity: low
#   controls: {iso42001: ["6.1.2"]}
#   judges: [threats]
deny contains result.finding("TM-TEAM-900", [], {}) if level == 1
"""

_PRINTF = """package team.printf

# METADATA
# title: A legacy check that writes its own message
# custom:
#   id: TM-TEAM-901
#   severity: low
#   controls: {iso42001: ["6.1.2"]}
#   judges: [threats]
deny contains {"rule_id": "TM-TEAM-901", "path": [], "msg": msg} if {
	some t in input.model.threats
	msg := sprintf("threat %s", [t.id])
}
"""


@pytest.mark.opa
def test_shipped_module_is_built_from_the_policies_as_they_are(opa_bin: str) -> None:
    """Fails when a policy changed and `python scripts/build_wasm.py` was not run."""
    ps = load_policy_set([policies_dir()])
    info = shipped_info()
    assert info is not None, f"{SHIPPED_MODULE} or its record is missing"
    assert info.policy_digest == ps.digest, "stale: run python scripts/build_wasm.py"
    shipped = SHIPPED_MODULE.read_bytes()
    assert hashlib.sha256(shipped).hexdigest() == info.sha256
    assert build_module(ps, opa_bin) == shipped, "stale: run python scripts/build_wasm.py"


def test_bundled_set_needs_no_opa_and_no_host_builtin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYENGINE_OPA", "/nonexistent/opa")
    ps = load_policy_set([policies_dir()])
    assert module_for(ps) == SHIPPED_MODULE.read_bytes()
    with WasmEngine() as engine:
        host = engine.prepare(ps)
        assert list(host.entrypoints) == ["policyengine/main/result"]
        [out] = engine.evaluate(ps, [SMALL])
    assert out == EmbeddedEngine().evaluate(ps, [SMALL])[0]


def test_memory_stays_flat_over_thousands_of_evaluations() -> None:
    ps = load_policy_set([policies_dir()])
    models = [
        {**SMALL, "model": {"threats": [{"id": f"T-{i}-{k}"} for k in range(4)]}}
        for i in range(1500)
    ]
    with WasmEngine() as engine:
        host = engine.prepare(ps)
        engine.evaluate(ps, models[:5])
        after_five = host.memory_bytes()
        outputs = engine.evaluate(ps, models)
        assert host.memory_bytes() == after_five
    assert len({len(o.deny) for o in outputs}) == 1


@pytest.mark.opa
def test_a_conflict_inside_the_module_is_an_engine_error(tmp_path: Path, opa_bin: str) -> None:
    ps = load_policy_set([policies_dir(), _team(tmp_path, _CONFLICT)])
    with WasmEngine() as engine:
        engine.prepare(ps)
        good = {"model": {"a": 1, "b": 1}, "facts": {}}
        with pytest.raises(EngineError, match="the wasm engine failed: .*conflict"):
            engine.evaluate(ps, [good, {"model": {"a": 1, "b": 2}, "facts": {}}])
        # The instance is made again: the next evaluation is sound.
        [out] = engine.evaluate(ps, [good])
    assert "TM-TEAM-900" in {d["rule_id"] for d in out.deny}


@pytest.mark.opa
def test_a_policy_needing_a_host_builtin_is_refused_with_its_name(
    tmp_path: Path, opa_bin: str, caplog: pytest.LogCaptureFixture
) -> None:
    ps = load_policy_set([policies_dir(), _team(tmp_path, _PRINTF)])
    with pytest.raises(WasmUnavailable, match="built-in sprintf"):
        WasmEngine().prepare(ps)
    with caplog.at_level(logging.WARNING), AutoEngine() as auto:
        first = auto.evaluate(ps, [SMALL])
        second = auto.evaluate(ps, [SMALL])
    assert first == second == EmbeddedEngine().evaluate(ps, [SMALL])
    said = [r.getMessage() for r in caplog.records if "embedded engine" in r.getMessage()]
    assert len(said) == 1 and "sprintf" in said[0]


def test_team_policies_without_opa_fall_back_to_regopy_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("POLICYENGINE_OPA", str(tmp_path / "no-opa-here"))
    monkeypatch.setenv("POLICYENGINE_CACHE_DIR", str(tmp_path / "cache"))
    ps = load_policy_set([BASIC])
    with pytest.raises(WasmUnavailable, match="compiled with `opa`, which was not found"):
        WasmEngine().evaluate(ps, [SMALL])
    with caplog.at_level(logging.WARNING), make_engine("auto") as auto:
        outputs = [auto.evaluate(ps, [SMALL]) for _ in range(3)]
        assert auto.runs_in_process(ps) == "embedded"
    assert outputs[0] == EmbeddedEngine().evaluate(ps, [SMALL])
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1 and "evaluating on the embedded engine (regopy)" in said[0]


@pytest.mark.opa
def test_team_policies_are_compiled_once_and_cached_outside_work_trees(
    tmp_path: Path, opa_bin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("POLICYENGINE_CACHE_DIR", str(cache))
    monkeypatch.setenv("POLICYENGINE_OPA", opa_bin)
    ps = load_policy_set([policies_dir(), Path(__file__).parents[2] / "examples" / "policies"])
    with WasmEngine() as engine:
        assert engine.runs_in_process(ps) == "wasm"
        engine.evaluate(ps, [SMALL])
    kept = sorted(p.suffix for p in (cache / "programs").iterdir())
    assert kept.count(".wasm") == 1 and kept.count(".cwasm") == 1, kept
    # Without opa the kept module serves; a module whose checksum does not match is not
    # used (nor is anything under a git work tree: the cache folder rule).
    monkeypatch.setenv("POLICYENGINE_OPA", str(tmp_path / "no-opa-here"))
    [wasm] = (cache / "programs").glob("*.wasm")
    assert module_for(ps) == wasm.read_bytes()
    wasm.write_bytes(wasm.read_bytes() + b"\0")
    with pytest.raises(WasmUnavailable):
        module_for(ps)
    inside = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(inside)], check=True)
    monkeypatch.setenv("POLICYENGINE_CACHE_DIR", str(inside / "cache"))
    monkeypatch.setenv("POLICYENGINE_OPA", opa_bin)
    module_for(ps)
    assert not (inside / "cache").exists()


def test_a_corrupt_compiled_module_is_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("POLICYENGINE_CACHE_DIR", str(cache))
    ps = load_policy_set([policies_dir()])
    expected = WasmEngine().evaluate(ps, [SMALL])
    [cwasm] = (cache / "programs").glob("*.cwasm")
    sums = cwasm.with_name(cwasm.name + ".sha256")
    bad = b"\x7fELF not a module"
    cwasm.write_bytes(bad)
    sums.write_text(hashlib.sha256(bad).hexdigest() + "\n")
    assert WasmEngine().evaluate(ps, [SMALL]) == expected
    assert cwasm.read_bytes() != bad


def test_input_that_is_not_json_is_an_engine_error() -> None:
    ps = load_policy_set([policies_dir()])
    with pytest.raises(EngineError, match=r"input.model.x is nan"):
        WasmEngine().evaluate(ps, [{"model": {"x": float("nan")}, "facts": {}}])


def test_wasmtime_is_imported_only_to_evaluate(repo_root: Path) -> None:
    code = (
        "import sys\n"
        "from policyengine.cli import main\n"
        "rc = main(['validate', 'examples', '--as-of', '2026-11-27', '--workers', '1'])\n"
        "print(rc, 'wasmtime' in sys.modules, 'regopy' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=repo_root, capture_output=True, text=True, check=True
    )
    assert out.stdout.split()[-2:] == ["False", "False"], out.stdout


def test_engine_output_is_the_aggregate_shape() -> None:
    ps = load_policy_set([policies_dir()])
    [out] = WasmEngine().evaluate(ps, [{"model": {}, "facts": {}}])
    assert isinstance(out, EngineOutput) and out.not_applicable
    json.dumps(list(out.deny))
