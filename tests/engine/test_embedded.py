"""The embedded engine (real regopy): results, order, and failures turned into our errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from policyengine.engine import EngineOutput, make_engine
from policyengine.engine.embedded import EmbeddedEngine
from policyengine.errors import EngineError, PolicyError, UsageError
from policyengine.policyset import load_policy_set

BASIC = Path(__file__).parent / "data" / "basic"

MODEL = {
    "model": {"threats": [{"id": "T-1"}, {"id": "T-2", "assumptions": ["a"]}]},
    "facts": {"threats": {"T-2": {"risk": 16}}},
}
EXPECTED = EngineOutput(
    deny=(
        {"rule_id": "TM-TEST-001", "msg": "threat T-1 has no assumption",
         "path": ["threats", 0, "assumptions"]},
        {"rule_id": "TM-TEST-002", "msg": "threat T-2 has a high risk and no owner",
         "path": ["threats", 1], "control": "iso42001/6.1.3"},
    ),
    not_applicable=frozenset(),
)  # fmt: skip


def test_one_output_per_input_in_order() -> None:
    ps = load_policy_set([BASIC])
    with EmbeddedEngine() as engine:
        out = engine.evaluate(ps, [MODEL, {"model": {}, "facts": {}}, MODEL])
    assert out == [EXPECTED, EngineOutput((), frozenset({"TM-TEST-001"})), EXPECTED]


def test_make_engine_names() -> None:
    assert isinstance(make_engine("embedded"), EmbeddedEngine)
    with pytest.raises(UsageError, match="--opa-url"):
        make_engine("opa")
    with pytest.raises(UsageError, match="unknown engine"):
        make_engine("wasm")


_CHECK = (
    "# METADATA\n# title: t\n# custom:\n#   id: TM-TEST-900\n#   severity: low\n"
    '#   controls: {iso42001: ["6.1.2"]}\n'
)
"""A check METADATA block (6 lines): the policy-set loader refuses a deny without one."""


def _single(tmp_path: Path, body: str) -> EmbeddedEngine:
    (tmp_path / "p.rego").write_text(f"package p\n\n{_CHECK}{body}\n", encoding="utf-8")
    return EmbeddedEngine()


def test_compile_error_names_file_line_and_column(tmp_path: Path) -> None:
    engine = _single(tmp_path, "deny contains x if {\n  x := \n}")
    with pytest.raises(PolicyError) as info:
        engine.evaluate(load_policy_set([tmp_path]), [{"model": {}}])
    assert f"{tmp_path / 'p.rego'}:10:5: Invalid assignment operator" in str(info.value)


@pytest.mark.parametrize(
    ("call", "words"),
    [
        ('http.send({"method": "get", "url": "http://127.0.0.1:9"})', "HTTP builtins"),
        ('net.lookup_ip_addr("example.com")', "Networking builtins"),
        ("1 / input.zero", "divide by zero"),
    ],
    ids=["http.send", "net.lookup_ip_addr", "divide-by-zero"],
)
def test_builtin_failure_is_engine_error(tmp_path: Path, call: str, words: str) -> None:
    engine = _single(tmp_path, f"deny contains x if {{\n  x := {call}\n}}")
    with pytest.raises(EngineError, match=words):
        engine.evaluate(load_policy_set([tmp_path]), [{"model": {}, "zero": 0}])


def test_conflicting_rule_is_engine_error(tmp_path: Path) -> None:
    engine = _single(tmp_path, "c := 1 if true\n\nc := 2 if true\n\ndeny contains c if true")
    with pytest.raises(EngineError, match="multiple outputs"):
        engine.evaluate(load_policy_set([tmp_path]), [{}])


def test_deny_that_is_not_a_set_is_engine_error(tmp_path: Path) -> None:
    engine = _single(tmp_path, 'deny := ["a"]')
    with pytest.raises(EngineError):
        engine.evaluate(load_policy_set([tmp_path]), [{}])


def test_malformed_deny_object_is_engine_error(tmp_path: Path) -> None:
    engine = _single(tmp_path, 'deny contains {"id": "x"} if true')
    with pytest.raises(EngineError, match="malformed result"):
        engine.evaluate(load_policy_set([tmp_path]), [{}])


def test_input_must_be_pure_json() -> None:
    ps = load_policy_set([BASIC])
    with pytest.raises(EngineError, match=r"input\.model\.day is a date"):
        EmbeddedEngine().evaluate(ps, [{"model": {"day": date(2026, 1, 1)}}])
    with pytest.raises(EngineError, match="nan"):
        EmbeddedEngine().evaluate(ps, [{"model": {"x": float("nan")}}])


def test_compile_output_stays_off_stdout(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    engine = _single(tmp_path, "deny contains x if {\n  x := \n}")
    with pytest.raises(PolicyError):
        engine.evaluate(load_policy_set([tmp_path]), [{}])
    assert capfd.readouterr().out == ""


def test_real_policies_evaluate(repo_root: Path) -> None:
    ps = load_policy_set([repo_root / "policies"])
    out = EmbeddedEngine().evaluate(ps, [{"model": {}, "facts": {}}])
    assert len(out) == 1
    assert {d["rule_id"] for d in out[0].deny} <= set(ps.checks)
