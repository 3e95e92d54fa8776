"""Loading a policy set: packages, checks from METADATA, and strict errors with file:line."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from policyengine.engine.embedded import EmbeddedEngine
from policyengine.errors import PolicyError
from policyengine.policyset import (
    AGGREGATOR_MODULE,
    PolicySet,
    load_policy_set,
    metadata_table,
    shipped_metadata,
    write_metadata_table,
)
from policyengine.results import Severity

BASIC = Path(__file__).parent / "engine" / "data" / "basic"
REPO = Path(__file__).resolve().parents[1]

CHECK = """package p.q

# METADATA
# title: A check
# custom:
#   id: {id}
#   severity: {severity}
#   judges: [threats]
#   controls: {controls}
deny contains "x" if false
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _check(**kw: str) -> str:
    values = {"id": "TM-X-001", "severity": "high", "controls": '{iso42001: ["6.1.2"]}'}
    return CHECK.format(**{**values, **kw})


def test_basic_set_reads_modules_tests_and_checks() -> None:
    ps = load_policy_set([BASIC])
    assert list(ps.modules) == ["basic/checks/scoring.rego", "basic/lib/result.rego"]
    assert list(ps.tests) == ["basic/checks/scoring_test.rego"]
    assert ps.packages == ("checks.scoring",)
    assert ps.not_applicable_packages == ("checks.scoring",)
    first = ps.checks["TM-TEST-001"]
    assert first.severity is Severity.HIGH
    assert first.line == 5
    assert first.package == "checks.scoring"
    assert first.description.startswith("Scores are only")
    assert first.control_keys() == ("iso42001/6.1.2", "nist-ai-rmf/MAP 5.1")
    assert ps.checks["TM-TEST-002"].controls == {"iso42001": ("6.1.3",)}
    assert len(ps.digest) == 64
    assert load_policy_set([BASIC]).digest == ps.digest


def test_digest_changes_with_a_module(tmp_path: Path) -> None:
    _write(tmp_path, "a.rego", _check())
    before = load_policy_set([tmp_path]).digest
    _write(tmp_path, "a.rego", _check() + "\n# changed\n")
    assert load_policy_set([tmp_path]).digest != before


def test_aggregator_lists_every_package_set() -> None:
    text = load_policy_set([BASIC]).aggregator(batch=True)
    assert "package policyengine.main" in text
    assert "deny := [data.checks.scoring.deny]" in text
    assert "batch := [r | some x in input.batch" in text
    assert "batch" not in load_policy_set([BASIC]).aggregator()


def test_each_package_gets_a_program_of_the_modules_it_reaches(tmp_path: Path) -> None:
    _write(tmp_path, "lib.rego", "package lib.x\n\nok := true\n")
    _write(tmp_path, "other.rego", "package lib.y\n\nno := false\n")
    _write(
        tmp_path,
        "a.rego",
        "package team.a\n\nimport data.lib.x\n\n# data.lib.y in a comment\n"
        'note := "data.lib.y in a string"\n\nnot_applicable contains "A" if x.ok\n',
    )
    _write(
        tmp_path, "b.rego", 'package team.b\n\nnot_applicable contains "B" if data.team.a.note\n'
    )
    programs = {p.package: p for p in load_policy_set([tmp_path]).programs()}
    assert sorted(programs) == ["lib.y", "team.a", "team.b"]
    prefix = tmp_path.name
    assert list(programs["team.a"].modules) == [
        f"{prefix}/a.rego",
        f"{prefix}/lib.rego",
        AGGREGATOR_MODULE,
    ]
    assert list(programs["team.b"].modules) == [
        f"{prefix}/a.rego",
        f"{prefix}/b.rego",
        f"{prefix}/lib.rego",
        AGGREGATOR_MODULE,
    ]
    # lib.y is reached by no check: compiled on its own, so that an error in it is seen.
    assert list(programs["lib.y"].modules) == [f"{prefix}/other.rego", AGGREGATOR_MODULE]


def test_packages_reaching_one_module_that_reads_input_share_a_program(tmp_path: Path) -> None:
    # lib.facts computes a rule from the input: one program computes it once for both
    # readers. lib.fn has functions only: its readers keep programs of their own.
    _write(tmp_path, "facts.rego", "package lib.facts\n\nnames := [t.id | some t in input.items]\n")
    _write(tmp_path, "fn.rego", "package lib.fn\n\ntwice(x) := 2 * x\n")
    for name, lib, cond in (
        ("a", "facts", 'names[0] == "x"'),
        ("b", "facts", "names[1]"),
        ("c", "fn", "twice(2) == 4"),
        ("d", "fn", "twice(2) == 5"),
    ):
        _write(
            tmp_path,
            f"{name}.rego",
            f"package team.{name}\n\nimport data.lib.{lib}\n\n"
            f'not_applicable contains "{name.upper()}" if {lib}.{cond}\n',
        )
    programs = {p.package: p for p in load_policy_set([tmp_path]).programs()}
    assert sorted(programs) == ["team.a, team.b", "team.c", "team.d"]
    prefix = tmp_path.name
    assert list(programs["team.a, team.b"].modules) == [
        f"{prefix}/a.rego",
        f"{prefix}/b.rego",
        f"{prefix}/facts.rego",
        AGGREGATOR_MODULE,
    ]
    aggregator = programs["team.a, team.b"].modules[AGGREGATOR_MODULE]
    both = "not_applicable := [data.team.a.not_applicable, data.team.b.not_applicable]"
    assert both in aggregator
    with EmbeddedEngine(workers=1) as engine:
        [one, two] = engine.evaluate(
            load_policy_set([tmp_path]), [{"items": [{"id": "x"}]}, {"items": [{"id": "y"}] * 2}]
        )
    assert one.not_applicable == frozenset({"A", "C"})
    assert two.not_applicable == frozenset({"B", "C"})


def test_a_dynamic_data_reference_gets_every_module() -> None:
    # load_policy_set refuses data[x] (the capability policy); a set built by hand may hold it.
    modules = {
        "p/lib.rego": "package lib.x\n\nok := true\n",
        "p/a.rego": 'package team.a\n\nnot_applicable contains "A" if data[input.p].x.ok\n',
    }
    ps = PolicySet(modules, {}, ("team.a",), "", not_applicable_packages=("team.a",))
    [program] = ps.programs()
    assert len(program.modules) == 3


def test_a_dynamic_data_reference_is_refused_when_loaded(tmp_path: Path) -> None:
    _write(tmp_path, "a.rego", 'package team.a\n\nnot_applicable contains "A" if data[input.p]\n')
    with pytest.raises(PolicyError, match=r"a\.rego:3:32: reads data\[\.\.\.\]"):
        load_policy_set([tmp_path])


def test_same_folder_name_twice_gets_unique_prefixes(tmp_path: Path) -> None:
    _write(tmp_path / "one" / "policies", "a.rego", "package a\n")
    _write(tmp_path / "two" / "policies", "b.rego", "package b\n")
    ps = load_policy_set([tmp_path / "one" / "policies", tmp_path / "two" / "policies"])
    assert list(ps.modules) == ["policies/a.rego", "policies~2/b.rego"]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (_check(severity="urgent"), 3, "custom.severity must be"),
        (_check(controls='["6.1.2"]'), 3, "custom.controls must be"),
        (_check(controls="{iso42001: []}"), 3, "non-empty list"),
        (_check(id="'bad id'"), 3, "custom.id must be"),
        (_check(controls='{iso42001: ["6.1.2"]}\n#   hint: [a]'), 3, "custom.hint must be text"),
        (
            "package p\n\n# METADATA\n# title: x\n# custom:\n#   id: [unclosed\n",
            6,
            "not valid YAML",
        ),
        ("package p\n\n# METADATA\n# custom:\n#   id: TM-X-009\n", 3, "has no `title`"),
        ("package p\n# METADATA\n# custom: 3\n", 2, "must be a mapping"),
        ("deny contains 1 if true\n", 1, "expected a `package`"),
    ],
    ids=[
        "severity",
        "controls-list",
        "controls-empty",
        "id",
        "hint",
        "yaml",
        "title",
        "custom",
        "pkg",
    ],
)
def test_bad_metadata_names_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = _write(tmp_path, "bad.rego", text)
    with pytest.raises(PolicyError) as info:
        load_policy_set([tmp_path])
    assert f"{path}:{line}:" in str(info.value)
    assert words in str(info.value)


def test_guard_of_some_controls_and_decides_are_read(tmp_path: Path) -> None:
    controls = '{iso42001: ["A.3.2", "8.3"], nist-ai-rmf: ["MEASURE 2.7"]}'
    extra = '\n#   guard: {iso42001: ["8.3"]}\n#   decides: {nist-ai-rmf: ["MEASURE 2.7"]}'
    _write(tmp_path, "c.rego", _check(controls=controls + extra))
    meta = load_policy_set([tmp_path]).checks["TM-X-001"]
    assert (meta.guard, meta.guards, meta.decides) == (
        False,
        ("iso42001/8.3",),
        ("nist-ai-rmf/MEASURE 2.7",),
    )
    assert [k for k in meta.control_keys() if meta.evidences(k)] == [
        "iso42001/A.3.2",
        "nist-ai-rmf/MEASURE 2.7",
    ]


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ('guard: {iso42001: ["A.3.2"]}', "custom.guard names iso42001/A.3.2, not among its"),
        ('decides: {nist-ai-rmf: ["MAP 1.1"]}', "custom.decides names nist-ai-rmf/MAP 1.1, not"),
        ("decides: [MAP 1.1]", "custom.decides must be a mapping"),
        ("guard: yes please", "custom.guard must be true, false or a mapping"),
    ],
    ids=["guard-stray", "decides-stray", "decides-list", "guard-text"],
)
def test_guard_and_decides_name_only_the_checks_controls(
    tmp_path: Path, extra: str, words: str
) -> None:
    path = _write(tmp_path, "c.rego", _check(controls='{iso42001: ["6.1.2"]}\n#   ' + extra))
    with pytest.raises(PolicyError) as info:
        load_policy_set([tmp_path])
    assert f"{path}:3:" in str(info.value)
    assert words in str(info.value)


def test_duplicate_id_across_folders_names_both(tmp_path: Path) -> None:
    first = _write(tmp_path / "a", "x.rego", _check())
    second = _write(tmp_path / "b", "y.rego", _check().replace("package p.q", "package r"))
    with pytest.raises(PolicyError) as info:
        load_policy_set([tmp_path / "a", tmp_path / "b"])
    assert f"{second}:3: check id TM-X-001 is already declared at {first}:3" in str(info.value)


def test_description_only_metadata_is_not_a_check(tmp_path: Path) -> None:
    _write(tmp_path, "lib.rego", "package lib\n\n# METADATA\n# description: helper\nf(x) := x\n")
    assert load_policy_set([tmp_path]).checks == {}


def test_missing_folder_and_reserved_package(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="does not exist"):
        load_policy_set([tmp_path / "nope"])
    _write(tmp_path, "m.rego", "package policyengine.main\n")
    with pytest.raises(PolicyError, match="reserved"):
        load_policy_set([tmp_path])


def test_real_policies_load(repo_root: Path) -> None:
    ps = load_policy_set([repo_root / "policies"])
    assert ps.checks, "the bundled policies declare checks"
    assert all(c.controls for c in ps.checks.values())


def test_testdata_is_for_tests_only() -> None:
    """Shared test data never reaches an engine or a bundle, but the tests still get it."""
    from policyengine.bundled import policies_dir

    ps = load_policy_set([policies_dir()])
    assert not any(name.endswith("/testdata.rego") for name in ps.modules)
    assert list(ps.test_support) == ["policies/lib/testdata.rego"]


_TEMPLATED = """package p.q

import data.lib.result

# METADATA
# title: A check
# custom:
#   id: TM-X-001
#   severity: high
#   judges: [threats]
#   controls: {{iso42001: ["6.1.2"]}}
#   message: {message}
deny contains result.finding("TM-X-001", ["threats", 0], {params}) if false
"""


def test_message_template_is_read(tmp_path: Path) -> None:
    # the package it imports is in the set (the capability policy refuses data elsewhere)
    _write(tmp_path, "lib/result.rego", "package lib.result\n")
    _write(tmp_path, "p/q.rego", _TEMPLATED.format(message='"threat {threat} ({risk})"',
           params='{"threat": ["threats", 0, "id"], "risk": 3}'))  # fmt: skip
    meta = load_policy_set([tmp_path]).checks["TM-X-001"]
    assert meta.message is not None
    model = {"threats": [{"id": 'T "1"\n'}]}
    assert meta.message.render({"threat": ["threats", 0, "id"], "risk": 3}, model) == (
        'threat T "1"\n (3)'
    )


@pytest.mark.parametrize(
    ("message", "params", "words"),
    [
        ('"threat {threat} has no {field}"', '{"threat": ["threats", 0, "id"]}', '"field":'),
        ('"threat {threat"', '{"threat": 1}', "stray '{'"),
        ('"a {Threat}"', '{"Threat": 1}', "stray '{'"),
        ("{one: a, two: b}", '{"message": "one"}', '"two"'),
        ("[a]", "{}", "must be text, or a mapping"),
    ],
    ids=["placeholder-never-written", "stray-brace", "upper-case-name", "sentence-never-named",
         "not-text"],
)  # fmt: skip
def test_template_that_rules_cannot_fill_fails_the_load(
    tmp_path: Path, message: str, params: str, words: str
) -> None:
    path = _write(tmp_path, "p/q.rego", _TEMPLATED.format(message=message, params=params))
    with pytest.raises(PolicyError, match=re.escape(words)) as info:
        load_policy_set([tmp_path])
    assert f"{path}:5:" in str(info.value)


def test_a_file_reached_twice_loads_once() -> None:
    """A folder and one inside it (or the same folder twice) give each file one module."""
    policies = REPO / "policies"
    once = load_policy_set([policies])
    twice = load_policy_set([policies, policies / "lib", policies])
    assert twice.modules == once.modules and twice.tests == once.tests


def _fields(ps: PolicySet) -> dict[str, object]:
    """What a set holds, its checks by what they say (`Messages` compare by identity)."""
    out = {f: getattr(ps, f) for f in PolicySet.__dataclass_fields__ if f != "checks"}
    out["checks"] = {
        k: (m.info(), m.package, m.file, m.line, m.judges, m.guard, m.guards, m.decides, m.absent)
        for k, m in ps.checks.items()
    }
    return out


def test_shipped_metadata_table_is_the_bundled_blocks_parsed() -> None:
    """Fails when a policy's METADATA changed and `python scripts/build_wasm.py` was not
    run (a stale table is still correct, only slower: its blocks are parsed again)."""
    from policyengine.bundled import policies_dir

    parsed = load_policy_set([policies_dir()], metadata={})
    table = metadata_table(parsed.modules.values())
    assert shipped_metadata() == table, "stale: run python scripts/build_wasm.py"
    assert len(table) >= len(parsed.checks)
    assert _fields(load_policy_set([policies_dir()])) == _fields(parsed)


def test_a_block_in_the_table_is_taken_from_it_and_others_are_parsed(tmp_path: Path) -> None:
    text = _check()
    _write(tmp_path, "p/q.rego", text)
    block = "\n".join(
        line[2:] for line in text.splitlines()[3:9]
    )  # the block's text: `# ` taken off
    assert block.startswith("title: A check") and block.endswith('{iso42001: ["6.1.2"]}')
    parsed = load_policy_set([tmp_path], metadata={}).checks["TM-X-001"]
    assert parsed.title == "A check"
    table = metadata_table([text])
    assert list(table) == [hashlib.sha256(block.encode()).hexdigest()]
    (value,) = table.values()
    known = {k: {**value, "title": "From the table"} for k in table}
    assert load_policy_set([tmp_path], metadata=known).checks["TM-X-001"].title == "From the table"
    assert known[next(iter(known))]["title"] == "From the table"  # the caller's is untouched
    other = {hashlib.sha256(b"title: another block").hexdigest(): {"title": "Unused"}}
    assert load_policy_set([tmp_path], metadata=other).checks["TM-X-001"].title == "A check"


def test_a_block_json_cannot_hold_exactly_is_left_out_of_the_table() -> None:
    dated = "package p\n\n# METADATA\n# title: Dated\n# custom: {since: 2026-01-02}\n"
    keyed = "package p\n\n# METADATA\n# title: Keyed\n# custom: {1: one}\n"
    broken = "package p\n\n# METADATA\n# title: [unclosed\n"
    plain = "package p\n\n# METADATA\n# title: Plain\n"
    assert list(metadata_table([dated, keyed, broken, plain]).values()) == [{"title": "Plain"}]


def test_write_and_read_the_table(tmp_path: Path) -> None:
    table = metadata_table([_check(), _check(id="TM-X-002")])
    path = tmp_path / "table.json"
    write_metadata_table(table, path)
    assert shipped_metadata(path) == table
    assert list(shipped_metadata(path)) == sorted(table)
    path.write_text('{"format": 0, "blocks": {}}', encoding="utf-8")
    assert shipped_metadata(path) == {}
    assert shipped_metadata(tmp_path / "missing.json") == {}


def test_a_key_written_with_blanks_before_its_colon_fills_a_placeholder(tmp_path: Path) -> None:
    _write(tmp_path, "lib/result.rego", "package lib.result\n")
    _write(tmp_path, "p/q.rego", _TEMPLATED.format(message='"threat {threat} ({risk})"',
           params='{"threat" : ["threats", 0, "id"], "risk"\n\t: 3}'))  # fmt: skip
    assert load_policy_set([tmp_path]).checks["TM-X-001"].message is not None
