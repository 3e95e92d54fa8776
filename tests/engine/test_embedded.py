"""The embedded engine (real regopy): results, order, and failures turned into our errors."""

from __future__ import annotations

import hashlib
import shutil
from datetime import date
from pathlib import Path

import pytest

from policyengine.cache import programs_folder
from policyengine.engine import EngineOutput, make_engine
from policyengine.engine.embedded import EmbeddedEngine, _program_key, cache_dir
from policyengine.engine.wasm import AutoEngine, WasmEngine
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


def test_answers_of_every_program_are_merged(tmp_path: Path) -> None:
    # Two packages, so two programs on the embedded engine.
    (tmp_path / "a.rego").write_text(
        f'package one.a\n\n{_CHECK}deny contains {{"rule_id": "TM-TEST-900", '
        '"msg": "a", "path": []} if true\n',
        encoding="utf-8",
    )
    (tmp_path / "b.rego").write_text(
        'package two.b\n\nnot_applicable contains "TM-TEST-900" if input.skip\n', encoding="utf-8"
    )
    ps = load_policy_set([tmp_path])
    assert [p.package for p in ps.programs()] == ["one.a", "two.b"]
    [out, skipped] = EmbeddedEngine(workers=1).evaluate(ps, [{}, {"skip": True}])
    assert out.deny == ({"rule_id": "TM-TEST-900", "msg": "a", "path": []},)
    assert out.not_applicable == frozenset()
    assert skipped.not_applicable == frozenset({"TM-TEST-900"})


def test_compiled_programs_are_cached_and_a_bad_cache_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("POLICYENGINE_CACHE_DIR", str(cache))
    ps = load_policy_set([BASIC])
    inputs = [MODEL, {"model": {}, "facts": {}}]
    first = EmbeddedEngine(workers=1).evaluate(ps, inputs)
    bundles = sorted((cache / "programs").glob("*.rbb"))
    assert len(bundles) == len(ps.programs())
    assert all((b.with_suffix(".sha256")).is_file() for b in bundles)
    assert not list((cache / "programs").glob(".*")), "no temporary file is left behind"
    stamps = [b.stat().st_mtime_ns for b in bundles]
    assert EmbeddedEngine(workers=1).evaluate(ps, inputs) == first
    assert [b.stat().st_mtime_ns for b in bundles] == stamps, "loaded, not compiled again"
    # A truncated bundle no longer matches its sha256: compiled again, same answers.
    bundles[0].write_bytes(bundles[0].read_bytes()[:100])
    assert EmbeddedEngine(workers=1).evaluate(ps, inputs) == first
    assert hashlib.sha256(bundles[0].read_bytes()).hexdigest() == (
        bundles[0].with_suffix(".sha256").read_text().strip()
    )


def test_no_cache_when_the_folder_is_empty_or_unwritable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ps = load_policy_set([BASIC])
    monkeypatch.setenv("POLICYENGINE_CACHE_DIR", "")
    assert cache_dir() is None
    assert EmbeddedEngine(workers=1).evaluate(ps, [MODEL]) == [EXPECTED]
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("POLICYENGINE_CACHE_DIR", str(blocker / "cache"))
    assert EmbeddedEngine(workers=1).evaluate(ps, [MODEL]) == [EXPECTED]


def test_make_engine_names() -> None:
    assert isinstance(make_engine("embedded"), EmbeddedEngine)
    with pytest.raises(UsageError, match="--opa-url"):
        make_engine("opa")
    assert isinstance(make_engine("wasm"), WasmEngine)
    assert isinstance(make_engine("auto"), AutoEngine)
    with pytest.raises(UsageError, match="unknown engine 'wasmer': use auto, wasm, embedded"):
        make_engine("wasmer")


_CHECK = (
    "# METADATA\n# title: t\n# custom:\n#   id: TM-TEST-900\n#   severity: low\n"
    "#   judges: [threats]\n"
    '#   controls: {iso42001: ["6.1.2"]}\n'
)
"""A check METADATA block (7 lines): the policy-set loader refuses a deny without one."""


def _single(tmp_path: Path, body: str) -> EmbeddedEngine:
    (tmp_path / "p.rego").write_text(f"package p\n\n{_CHECK}{body}\n", encoding="utf-8")
    return EmbeddedEngine()


def test_compile_error_names_file_line_and_column(tmp_path: Path) -> None:
    engine = _single(tmp_path, "deny contains x if {\n  x := \n}")
    with pytest.raises(PolicyError) as info:
        engine.evaluate(load_policy_set([tmp_path]), [{"model": {}}])
    assert f"{tmp_path / 'p.rego'}:11:5: Invalid assignment operator" in str(info.value)


def test_builtin_failure_is_engine_error(tmp_path: Path) -> None:
    engine = _single(tmp_path, "deny contains x if {\n  x := 1 / input.zero\n}")
    with pytest.raises(EngineError, match="divide by zero"):
        engine.evaluate(load_policy_set([tmp_path]), [{"model": {}, "zero": 0}])


@pytest.mark.parametrize(
    "call",
    ['http.send({"method": "get", "url": "http://127.0.0.1:9"})', 'net.lookup_ip_addr("x.test")'],
    ids=["http.send", "net.lookup_ip_addr"],
)
def test_network_builtin_is_refused_before_the_engine(tmp_path: Path, call: str) -> None:
    # regopy lacks both; the capability policy refuses them before any engine runs.
    _single(tmp_path, f"deny contains x if {{\n  x := {call}\n}}")
    with pytest.raises(PolicyError) as info:
        load_policy_set([tmp_path])
    assert f"{tmp_path / 'p.rego'}:11:8: calls {call.split('(')[0]}" in str(info.value)


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


def test_batch_of_findings_is_expanded_and_deduplicated(tmp_path: Path) -> None:
    body = (
        'deny contains {"rule_id": "TM-TEST-900", "each": [\n'
        '  {"msg": "b", "path": ["threats", 1]},\n'
        '  {"msg": "a", "path": ["threats", 0], "control": "iso42001/6.1.2"},\n'
        '  {"msg": "b", "path": ["threats", 1]},\n'
        "]} if true\n\n"
        'deny contains {"rule_id": "TM-TEST-900", "msg": "b", "path": ["threats", 1]} if true'
    )
    engine = _single(tmp_path, body)
    [out] = engine.evaluate(load_policy_set([tmp_path]), [{}])
    assert out.deny == (
        {"rule_id": "TM-TEST-900", "msg": "a", "path": ["threats", 0], "control": "iso42001/6.1.2"},
        {"rule_id": "TM-TEST-900", "msg": "b", "path": ["threats", 1]},
    )


@pytest.mark.parametrize(
    "element",
    [
        '{"rule_id": "TM-TEST-900", "each": [{"msg": "a"}]}',
        '{"rule_id": "TM-TEST-900", "each": [{"msg": "a", "path": [], "rule_id": "X"}]}',
        '{"rule_id": "TM-TEST-900", "each": "a"}',
        '{"each": [{"msg": "a", "path": []}]}',
    ],
    ids=["item-without-path", "item-with-rule-id", "each-not-array", "no-rule-id"],
)
def test_malformed_batch_is_engine_error(tmp_path: Path, element: str) -> None:
    engine = _single(tmp_path, f"deny contains {element} if true")
    with pytest.raises(EngineError, match="lib.result.each"):
        engine.evaluate(load_policy_set([tmp_path]), [{}])


@pytest.mark.parametrize(
    ("model", "words"),
    [
        ({"day": date(2026, 1, 1)}, r"input\.model\.day is a date"),
        ({"x": [1.0, float("nan")]}, r"input\.model\.x\[1\] is nan"),
        ({"x-cost": 2**64}, r"input\.model\.x-cost is 18446744073709551616, beyond the 64-bit"),
        ({"title": "a\0b"}, r"input\.model\.title holds a NUL character"),
        ({1: "a"}, r"input\.model has the key 1"),
    ],
    ids=["date", "nan", "big-int", "nul", "int-key"],
)
def test_input_regopy_cannot_read_is_a_located_error(
    model: dict[object, object], words: str
) -> None:
    # regopy's own input conversion truncates the last two silently (2**64 reads as 0).
    ps = load_policy_set([BASIC])
    with pytest.raises(EngineError, match=words):
        EmbeddedEngine().evaluate(ps, [{"model": model}])


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


@pytest.mark.parametrize(
    "text",
    ['a"b', "a\\b", "a\nb", 'docs/x.md"}]}]], "deny":[[]], "x":[[{"each":[{"msg":"b'],
    ids=["quote", "backslash", "newline", "injection"],
)
def test_legacy_message_with_model_text_is_an_error_never_a_changed_result(
    tmp_path: Path, text: str
) -> None:
    """A team check without custom.message that puts model text in `msg`: text that regopy
    cannot carry fails the run (OPA's answer is refused alike), plain text passes."""
    engine = _single(
        tmp_path, 'deny contains {"rule_id": "TM-TEST-900", "msg": input.model.s, "path": []}'
    )
    ps = load_policy_set([tmp_path])
    with pytest.raises(EngineError, match="no quote, backslash or control character"):
        engine.evaluate(ps, [{"model": {"s": text}}])
    [out] = engine.evaluate(ps, [{"model": {"s": "plain text"}}])
    assert out.deny == ({"rule_id": "TM-TEST-900", "msg": "plain text", "path": []},)
    with pytest.raises(EngineError, match="no quote, backslash or control character"):
        EngineOutput.from_json(
            {"deny": [[{"rule_id": "TM-TEST-900", "msg": text, "path": []}]], "not_applicable": []}
        )


def _tampered(tmp_path: Path) -> Path:
    """BASIC with TM-TEST-001 never denying: the program a forger would plant."""
    folder = tmp_path / "tampered"
    shutil.copytree(BASIC, folder)
    rego = folder / "checks" / "scoring.rego"
    rego.write_text(
        rego.read_text().replace(
            "_lacks_assumption(t) if count(", "_lacks_assumption(t) if 0 > count("
        ),
        encoding="utf-8",
    )
    return folder


@pytest.mark.parametrize("inside", [True, False], ids=["in-a-work-tree", "outside"])
def test_a_compiled_program_planted_in_a_work_tree_is_never_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inside: bool
) -> None:
    # A forged program: the tampered set's compiled bundle, saved under the real set's key
    # with a matching checksum, as a pull request could commit it when the workflow points
    # POLICYENGINE_CACHE_DIR into the checkout.
    real, forged = load_policy_set([BASIC]), load_policy_set([_tampered(tmp_path)])
    made = tmp_path / "made"
    monkeypatch.setenv("POLICYENGINE_CACHE_DIR", str(made))
    assert EmbeddedEngine(workers=1).evaluate(forged, [MODEL]) != [EXPECTED]
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    cache = (repo if inside else tmp_path / "runner") / ".cache" / "policyengine"
    programs = cache / "programs"
    programs.mkdir(parents=True, mode=0o700)
    for old, new in zip(forged.programs(), real.programs(), strict=True):
        bad = made / "programs" / f"{_program_key(old)}.rbb"
        shutil.copy(bad, programs / f"{_program_key(new)}.rbb")
        (programs / f"{_program_key(new)}.sha256").write_text(
            hashlib.sha256(bad.read_bytes()).hexdigest() + "\n"
        )
    monkeypatch.setenv("POLICYENGINE_CACHE_DIR", str(cache))
    answer = EmbeddedEngine(workers=1).evaluate(real, [MODEL])
    # Outside any work tree the runner's own cache is trusted (a forger there already owns
    # the runner); inside one, it is never read and the real policies answer.
    assert (answer == [EXPECTED]) is inside
    assert (programs_folder(cache) is None) is inside
