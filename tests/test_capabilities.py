"""The Rego capability policy: each way a policy could reach the environment, the network,
output or another tenant's data is refused with file, line, column and the name; what the
bundled policies and the examples do is allowed; OPA's own capability check agrees on every
built-in case; the allow-list file is in step with scripts/build_capabilities.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from policyengine.capabilities import (
    CAPABILITIES_FILE,
    allowed_builtins,
    check_policies,
    namespaced,
)
from policyengine.errors import PolicyError
from policyengine.policyset import load_policy_set

REPO = Path(__file__).resolve().parent.parent

_LIB = 'package lib.result\n\ndeny(id, msg, path) := {"rule_id": id, "msg": msg, "path": path}\n'


def _evil(body: str, imports: str = "") -> str:
    """A module of package team.evil: line 5 is the first line of `body`."""
    return f"package team.evil\n\nimport data.lib.result\n{imports}\n{body}\n"


# (id, module source, line, the name the message must carry, refused by OPA's own check too)
ATTACKS: list[tuple[str, str, int, str, bool]] = [
    (
        "opa.runtime env",
        _evil('x := sprintf("env %v", [opa.runtime().env])'),
        5,
        "opa.runtime",
        True,
    ),
    (
        "http.send",
        _evil('x := http.send({"method": "get", "url": "http://127.0.0.1:9"})'),
        5,
        "http.send",
        True,
    ),
    (
        "net.lookup_ip_addr",
        _evil('x := net.lookup_ip_addr("x.test")'),
        5,
        "net.lookup_ip_addr",
        True,
    ),
    (
        "http.send by string key",
        _evil('x := http["send"]({"method": "get", "url": "u"})'),
        5,
        "http.send",
        True,
    ),
    ("spaced reference", _evil("x := opa . runtime()"), 5, "opa.runtime", True),
    ("reference across lines", _evil("x := opa\n\t.runtime()"), 5, "opa.runtime", True),
    ("print", _evil('x if print("leak")'), 5, "print", True),
    ("trace", _evil('x if trace("leak")'), 5, "trace", True),
    ("time.now_ns", _evil("x := time.now_ns()"), 5, "time.now_ns", True),
    ("rand.intn", _evil('x := rand.intn("s", 10)'), 5, "rand.intn", True),
    ("uuid.rfc4122", _evil('x := uuid.rfc4122("s")'), 5, "uuid.rfc4122", True),
    (
        "rego.parse_module",
        _evil('x := rego.parse_module("a", "package a")'),
        5,
        "rego.parse_module",
        True,
    ),
    (
        "with replacing an allowed built-in",
        _evil("f(a) := count(a)\n\nx := f([1]) with count as opa.runtime"),
        7,
        "opa.runtime",
        True,
    ),
    (
        "with replacing a function by trace",
        _evil("f(a) := count(a)\n\nx := f([1]) with count as trace"),
        7,
        "trace",
        True,
    ),
    (
        "own function named like a built-in",
        _evil("trace(a) := a\n\nx := trace(1)"),
        5,
        "trace",
        False,  # OPA lets a package's own trace() shadow the built-in
    ),
    (
        "import alias named like a built-in namespace",
        _evil("x := opa.runtime()", imports="import data.lib.result as opa"),
        5,
        "opa.runtime",
        False,
    ),
    (
        "data of another tenant",
        _evil("x := data.other_tenant.secret"),
        5,
        "data.other_tenant.secret",
        False,
    ),
    (
        "data by string key",
        _evil('x := data["other_tenant"].secret'),
        5,
        "data.other_tenant.secret",
        False,
    ),
    ("dynamic data", _evil("x := data[input.p]"), 5, "data[...]", False),
    ("dynamic data under a parent", _evil("x := data.lib[input.p]"), 5, "data.lib[...]", False),
    ("parent of packages", _evil("x := data.lib"), 5, "data.lib,", False),
    ("walk over data", _evil("x := [p | walk(data, [p, _])]"), 5, "reads data,", False),
    ("bare data as an argument", _evil('x := object.get(data, "a", 1)'), 5, "reads data,", False),
    ("some over data", _evil("x if {\n\tsome v in data\n\tv\n}"), 6, "reads data,", False),
    (
        "input replaced by data",
        _evil("f := 1\n\nx := f with input as data"),
        7,
        "reads data,",
        False,
    ),
    (
        "import of another tenant",
        _evil("x := o.secret", imports="import data.other_tenant as o"),
        4,
        "data.other_tenant",
        False,
    ),
    ("import of data", _evil("x := d.other", imports="import data as d"), 4, "reads data,", False),
    (
        "import aliased as data",
        _evil("x := 1", imports="import input.x as data"),
        4,
        "cannot be aliased",
        False,
    ),
    (
        "import of something else",
        _evil("x := 1", imports="import opa.runtime"),
        4,
        "only data, input",
        False,
    ),
    (
        "input called",
        _evil("x := m.f(1)", imports="import input.model as m"),
        5,
        "input is not a function",
        False,
    ),
    ("template string", _evil('x := $"{opa.runtime()}"'), 5, "template strings", True),
    ("package system", "package system.authz\n\nallow := true\n", 1, "package system.authz", False),
]


@pytest.mark.parametrize(
    ("source", "line", "name"), [a[1:4] for a in ATTACKS], ids=[a[0] for a in ATTACKS]
)
def test_attack_is_refused_with_file_line_and_name(source: str, line: int, name: str) -> None:
    with pytest.raises(PolicyError) as info:
        check_policies(
            {"p/lib/result.rego": _LIB, "p/team/evil.rego": source},
            {"p/team/evil.rego": "policies/team/evil.rego"},
        )
    message = str(info.value)
    assert f"policies/team/evil.rego:{line}:" in message
    assert name in message


@pytest.mark.opa
@pytest.mark.parametrize(
    "source", [a[1] for a in ATTACKS if a[4]], ids=[a[0] for a in ATTACKS if a[4]]
)
def test_opa_refuses_the_same_builtins_with_our_capabilities(
    opa_bin: str, tmp_path: Path, source: str
) -> None:
    (tmp_path / "lib.rego").write_text(_LIB, encoding="utf-8")
    (tmp_path / "evil.rego").write_text(source, encoding="utf-8")
    proc = subprocess.run(
        [opa_bin, "check", "--capabilities", str(CAPABILITIES_FILE), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    "body",
    [
        'x := "opa.runtime() http.send data[x]"',  # text in a string
        "x := `opa.runtime()\ndata.other`",  # and in a raw string over two lines
        "# opa.runtime() in a comment\nx := 1",
        'x := "a \\" opa.runtime() \\" b"',  # escaped quotes stay inside the string
        "count(a) := 7\n\nx := count([1])",  # a package may shadow an allowed built-in
        'x := result.deny("A", "m", [])',
        'x := data.lib.result.deny("A", "m", [])',
        'x := data.lib["result"].deny("A", "m", [])',
        "x := data.lib.result[input.k]",  # dynamic inside a package of the set
        "x := data.catalog.iso42001.controls",
        "x := input.model.opa.runtime",  # a field of the input, not a built-in
        "x := [v | walk(input.model, [_, v])]",
        "x := f([1]) with input.model as m if {\n\tm := {}\n}\n\nf(a) := count(a)",
    ],
)
def test_pure_policy_is_allowed(body: str) -> None:
    source = _evil(body, imports="import future.keywords.in\nimport rego.v1")
    check_policies({"p/lib/result.rego": _LIB, "p/team/evil.rego": source})


def test_bundled_policies_tests_and_examples_keep_to_the_policy() -> None:
    ps = load_policy_set([REPO / "policies", REPO / "examples" / "policies"])
    check_policies({**ps.modules, **ps.test_support, **ps.tests}, ps.files)


def test_every_problem_is_listed_in_file_order() -> None:
    source = _evil("x := opa.runtime()\n\ny := http.send({})")
    with pytest.raises(PolicyError) as info:
        check_policies({"p/lib/result.rego": _LIB, "p/team/evil.rego": source})
    lines = str(info.value).splitlines()[1:]
    assert [line.split(": ")[0] for line in lines] == [
        "p/team/evil.rego:5:6",
        "p/team/evil.rego:7:6",
    ]


def test_allow_list_holds_only_pure_builtins_both_engines_know() -> None:
    from regopy import Interpreter

    names = allowed_builtins()
    assert {"count", "object.get", "sprintf", "internal.member_2"} <= names
    for banned in ("opa.runtime", "http.send", "net.lookup_ip_addr", "print", "trace"):
        assert banned not in names
    assert not [n for n in names if n.startswith(("time.", "rand.", "uuid.", "rego.", "io."))]
    regopy = Interpreter()
    operators = {"assign", "eq"}  # regopy's parser handles these itself
    assert [n for n in sorted(names - operators) if not regopy.is_builtin(n)] == []


@pytest.mark.opa
def test_capability_file_is_in_step_with_its_script(opa_bin: str) -> None:
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import build_capabilities
    finally:
        sys.path.pop(0)
    text = build_capabilities.render(build_capabilities.current_capabilities(opa_bin))
    assert text == CAPABILITIES_FILE.read_text(encoding="utf-8"), (
        "run python scripts/build_capabilities.py"
    )
    assert "template_strings" not in json.loads(text)["features"]


def test_namespaced_moves_packages_and_data_under_the_prefix() -> None:
    source = (
        "package team.a\n\nimport data.lib.result\n\n"
        'x := data.lib.result.deny("A", "data.lib", []) # data.y\n'
    )
    moved = namespaced(source, "run1")
    assert moved.source == (
        "package run1.team.a\n\nimport data.run1.lib.result\n\n"
        'x := data.run1.lib.result.deny("A", "data.lib", []) # data.y\n'
    )
    # `deny` is at column 22 of line 5 in the original, 27 once moved
    assert moved.original_column(5, 27) == 22
    assert moved.original_column(1, 14) == 9


def test_a_set_that_passed_is_remembered_and_a_refused_one_never(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLICYENGINE_CACHE_DIR", str(tmp_path / "cache"))
    good = {"p/lib/result.rego": _LIB, "p/team/evil.rego": _evil("x := count([1])")}
    check_policies(good)
    [marker] = (tmp_path / "cache" / "programs").glob("*.capabilities-passed")
    check_policies(good)  # the scan is skipped: the same sources passed before
    bad = {**good, "p/team/evil.rego": _evil("x := opa.runtime()")}
    for _ in range(2):
        with pytest.raises(PolicyError, match="opa.runtime"):
            check_policies(bad)
    assert list((tmp_path / "cache" / "programs").glob("*.capabilities-passed")) == [marker]
    # Without a cache folder every run scans.
    monkeypatch.setenv("POLICYENGINE_CACHE_DIR", "")
    check_policies(good)
    with pytest.raises(PolicyError, match="opa.runtime"):
        check_policies(bad)
