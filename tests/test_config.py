"""Tests of `.policyengine.yaml`: defaults, normalization, located errors, find_root."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policyengine.config import (
    Config,
    ReviewDefaults,
    RiskCriteria,
    RiskThresholds,
    find_root,
    load_config,
)
from policyengine.errors import ConfigError
from policyengine.results import Severity


def _write(root: Path, text: str) -> Path:
    path = root / ".policyengine.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    assert load_config(tmp_path) == Config(
        root=root,
        path=None,
        models=(),
        frameworks=("nist-ai-rmf", "iso42001", "atlas"),
        fail_on=Severity.LOW,
        review=ReviewDefaults(cadence="quarterly", remind_before=14, max_cadence="quarterly"),
        risk=RiskCriteria(
            thresholds=RiskThresholds(low=8, medium=10, high=15),
            max_acceptance_days=365,
            max_waiver_days=365,
            acceptors=(),
        ),
        engine="auto",
        opa_url=None,
        opa_use_loaded=False,
        policies=(),
        evidence_dir=root / "evidence",
        atlas_catalog=".policyengine/atlas-catalog.json",
    )


@pytest.mark.parametrize("text", ["", "# only a comment\n", "{}\n"], ids=["empty", "comment", "{}"])
def test_an_empty_file_gives_the_defaults(tmp_path: Path, text: str) -> None:
    path = _write(tmp_path, text)
    config = load_config(tmp_path)
    assert config.path == path
    assert config.fail_on is Severity.LOW
    assert config.review == ReviewDefaults("quarterly", 14)


def test_a_full_config_is_normalized(tmp_path: Path) -> None:
    (tmp_path / "rules" / "extra").mkdir(parents=True)
    _write(
        tmp_path,
        """\
models: ["models/**/*.yaml", "other.yaml"]
frameworks: [atlas, nist-ai-rmf, atlas]
fail_on: high
review:
  cadence: {days: 45}
  remind_before: 7
engine:
  name: opa
  opa_url: http://127.0.0.1:8181
  opa_use_loaded: true
policies: [rules/extra, ./rules/../rules/extra]
evidence_dir: out/evidence
atlas_catalog: ./catalogs/../atlas.json
""",
    )
    root = tmp_path.resolve()
    config = load_config(tmp_path)
    assert config.models == ("models/**/*.yaml", "other.yaml")
    assert config.frameworks == ("nist-ai-rmf", "atlas")  # framework order, no duplicates
    assert config.fail_on is Severity.HIGH
    assert config.review == ReviewDefaults(cadence=45, remind_before=7)
    assert (config.engine, config.opa_url, config.opa_use_loaded) == (
        "opa",
        "http://127.0.0.1:8181",
        True,
    )
    assert config.policies == (root / "rules" / "extra", root / "rules" / "extra")
    assert config.evidence_dir == root / "out" / "evidence"
    assert config.atlas_catalog == "atlas.json"


def test_partial_sections_keep_their_other_defaults(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "review:\n  cadence: annual\n  max_cadence: annual\nengine:\n  opa_use_loaded: true\n",
    )
    config = load_config(tmp_path)
    assert config.review == ReviewDefaults("annual", 14, max_cadence="annual")
    assert config.risk == RiskCriteria()
    assert (config.engine, config.opa_url, config.opa_use_loaded) == ("auto", None, True)


def test_explicit_path(tmp_path: Path) -> None:
    other = tmp_path / "conf" / "pe.yaml"
    other.parent.mkdir()
    other.write_text("fail_on: critical\n", encoding="utf-8")
    config = load_config(tmp_path, other)
    assert (config.path, config.fail_on) == (other, Severity.CRITICAL)


def test_explicit_path_missing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path, tmp_path / "nope.yaml")
    assert str(info.value) == f"config file not found: {tmp_path / 'nope.yaml'}"


# Each case: the file's text and the exact message after "<file>:".
ERRORS = [
    ("bogus: 1\n", "1:1: `bogus` is not a known key"),
    ("review:\n  every: 3\n", "2:3: `review.every` is not a known key"),
    (
        "fail_on: severe\n",
        "1:1: `fail_on` must be one of critical, high, medium, low (got 'severe')",
    ),
    ("fail_on: 3\n", "1:1: `fail_on` must be a string (got 3)"),
    ("models: a.yaml\n", "1:1: `models` must be a list (got 'a.yaml')"),
    ("models: [a.yaml, 3]\n", "1:18: `models[1]` must be a string (got 3)"),
    (
        "frameworks:\n  - atlas\n  - nist\n",
        "3:5: `frameworks[1]` must be one of nist-ai-rmf, iso42001, atlas (got 'nist')",
    ),
    ("frameworks: []\n", "1:1: `frameworks` must not be empty"),
    (
        "review:\n  cadence: weekly\n",
        "2:3: `review.cadence` must be one of monthly, quarterly, semiannual, annual "
        "or a mapping {days: N} with N from 1 to 3660",
    ),
    (
        "review:\n  cadence: {days: 0}\n",
        "2:3: `review.cadence` must be one of monthly, quarterly, semiannual, annual "
        "or a mapping {days: N} with N from 1 to 3660",
    ),
    ("review:\n  remind_before: -1\n", "2:3: `review.remind_before` must be at least 0 (got -1)"),
    ("review: quarterly\n", "1:1: `review` must be a mapping (got 'quarterly')"),
    (
        "engine:\n  name: wasmer\n",
        "2:3: `engine.name` must be one of auto, wasm, embedded, opa (got 'wasmer')",
    ),
    (
        "engine: {opa_url: 'ftp://x'}\n",
        "1:10: `engine.opa_url` must be an http:// or https:// URL (got 'ftp://x')",
    ),
    (
        "engine:\n  opa_use_loaded: 'yes'\n",
        "2:3: `engine.opa_use_loaded` must be true or false (got 'yes')",
    ),
    ("evidence_dir: ''\n", "1:1: `evidence_dir` must not be empty"),
    ("fail_on: high\nfail_on: low\n", "2:1: duplicate key 'fail_on' (first defined at line 1)"),
]


@pytest.mark.parametrize(
    ("text", "message"),
    ERRORS,
    ids=[
        "unknown-key",
        "unknown-nested-key",
        "bad-value",
        "wrong-type",
        "not-a-list",
        "bad-item-type",
        "bad-item",
        "no-frameworks",
        "bad-cadence",
        "zero-days",
        "negative-remind",
        "section-not-mapping",
        "bad-engine",
        "bad-url",
        "bad-bool",
        "empty-path",
        "duplicate-key",
    ],
)
def test_errors_name_file_key_and_position(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value) == f"{path}:{message}"


def test_every_error_is_reported_in_file_order(tmp_path: Path) -> None:
    path = _write(tmp_path, "zeta: 1\nfail_on: x\nalpha: 2\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value) == (
        f"{path}:1:1: `zeta` is not a known key\n"
        f"{path}:2:1: `fail_on` must be one of critical, high, medium, low (got 'x')\n"
        f"{path}:3:1: `alpha` is not a known key"
    )


@pytest.mark.parametrize(
    ("text", "key", "position", "value"),
    [
        ("policies: [ok, ../outside]\n", "policies[1]", "1:16", "../outside"),
        ("evidence_dir: /tmp\n", "evidence_dir", "1:1", "/tmp"),
        ("atlas_catalog: ../cat.json\n", "atlas_catalog", "1:1", "../cat.json"),
    ],
    ids=["policy", "evidence-absolute", "catalog"],
)
def test_paths_must_stay_inside_the_root(
    tmp_path: Path, text: str, key: str, position: str, value: str
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    path = _write(root, text)
    with pytest.raises(ConfigError) as info:
        load_config(root)
    assert str(info.value) == (
        f"{path}:{position}: `{key}` is outside the repository root {root.resolve()} "
        f"(got {value!r})"
    )


def test_evidence_dir_must_stay_out_of_git(tmp_path: Path) -> None:
    """A config (a pull request's, say) cannot point evidence packs into `.git`, where a
    `--force` run would replace hooks or config."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    path = _write(root, "evidence_dir: .git/hooks\n")
    with pytest.raises(ConfigError) as info:
        load_config(root)
    assert str(info.value) == (
        f"{path}:1:1: `evidence_dir` is inside git's own folder (got '.git/hooks')"
    )


def test_invalid_yaml_names_the_position(tmp_path: Path) -> None:
    path = _write(tmp_path, "models: [a\nfail_on: low\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value).startswith(f"{path}:2:8: YAML syntax error: ")


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path = _write(tmp_path, "- models\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value) == f"{path}:1:1: the config must be a mapping of keys (got list)"


def test_unsafe_yaml_tags_are_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, "fail_on: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value).startswith(
        f"{path}:1:10: unsupported tag !!python/object/apply:os.system: "
    )


# --- YAML 1.2, read once, with the models' limits -----------------------------------------


def test_yaml_1_1_only_scalars_read_the_yaml_1_2_way(tmp_path: Path) -> None:
    """`on`, `yes`, `no`, `off` are strings, `0777` is decimal, a date stays text: as in a
    model. YAML 1.1 would read booleans, 511 and a date object."""
    _write(
        tmp_path,
        "models: [on, off, yes, no]\nreview: {remind_before: 0777}\nevidence_dir: 2024-01-01\n",
    )
    config = load_config(tmp_path)
    assert config.models == ("on", "off", "yes", "no")
    assert config.review.remind_before == 777
    assert config.evidence_dir == tmp_path.resolve() / "2024-01-01"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "review:\n  remind_before: 1_000\n",
            "2:3: `review.remind_before` must be an integer (got '1_000')",
        ),
        (
            "engine:\n  opa_use_loaded: yes\n",
            "2:3: `engine.opa_use_loaded` must be true or false (got 'yes')",
        ),
        # YAML 1.1 reads the key `on` as True, so its error could not name the key.
        ("fail_on: low\non: 1\n", "2:1: `on` is not a known key"),
    ],
    ids=["underscore-int", "yes-not-bool", "on-key"],
)
def test_yaml_1_1_only_values_are_errors_of_the_yaml_1_2_reading(
    tmp_path: Path, text: str, message: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value) == f"{path}:{message}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
            + "".join(
                f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]\n"
                for p, c in zip("abcd", "bcde", strict=True)
            )
            + f"f: [{', '.join(['*e'] * 10)}]\n",
            "5:36: aliases expand to more than 100000 nodes",
        ),
        (
            f"x: &x '{'x' * 1024 * 1024}'\nmodels: [" + ", ".join(["*x"] * 20) + "]\n",
            "2:50: aliases expand to more than 10 MB of text",
        ),
        ("models: " + "[" * 101 + "]" * 101 + "\n", "1:108: nesting is deeper than 100 levels"),
        ("models: " + "[" * 5000 + "]" * 5000 + "\n", "1:1008: nesting is deeper than 100 levels"),
        ("fail_on: low\n---\nfail_on: high\n", "2:1: the file holds more than one YAML document"),
    ],
    ids=["alias-bomb", "alias-bytes", "too-deep", "5000-deep", "two-documents"],
)
def test_the_models_limits_apply_to_the_config(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value).startswith(f"{path}:{message}")


def test_a_config_over_10_mb_is_refused_unread(tmp_path: Path) -> None:
    path = _write(tmp_path, "# padding\n" * 1_100_000)  # 11 MB
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value).startswith(f"{path}:1:1: the file is 10.5 MB; the limit is 10 MB")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_the_config_is_read_once(tmp_path: Path) -> None:
    """The config is a named pipe written once: a second read of the file would block on
    opening it again, until the test lets it go."""
    fifo = tmp_path / "pe.yaml"
    os.mkfifo(fifo)

    def write_once() -> None:
        with fifo.open("wb") as fh:  # blocks until the reader opens the pipe
            fh.write(b"fail_on: critical\nreview: {remind_before: 3}\n")

    loaded: list[Config] = []
    writer = threading.Thread(target=write_once, daemon=True)
    reader = threading.Thread(target=lambda: loaded.append(load_config(tmp_path, fifo)))
    writer.start()
    reader.start()
    reader.join(timeout=30)
    read_again = reader.is_alive()
    if read_again:
        with fifo.open("wb"):  # let the second read go: it sees an empty file
            pass
        reader.join()
    writer.join()
    assert not read_again
    [config] = loaded
    assert (config.fail_on, config.review.remind_before) == (Severity.CRITICAL, 3)


# --- find_root --------------------------------------------------------------------------


def test_find_root_prefers_the_config_file(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    assert find_root(sub) == tmp_path.resolve()
    _write(tmp_path / "a", "")
    assert find_root(sub) == (tmp_path / "a").resolve()
    model = sub / "m.yaml"
    model.write_text("", encoding="utf-8")
    assert find_root(model) == (tmp_path / "a").resolve()


def test_find_root_falls_back_to_start(tmp_path: Path) -> None:
    start = tmp_path / "x"
    start.mkdir()
    marked = [
        d
        for d in [start.resolve(), *start.resolve().parents]
        if (d / ".git").exists() or (d / ".policyengine.yaml").exists()
    ]
    assert marked == [], f"test precondition: no root markers above {start}"
    assert find_root(start) == start.resolve()


def test_risk_criteria_are_read_and_thresholds_follow_the_tolerance(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "risk:\n  thresholds: {low: 6, high: 20}\n  max_acceptance_days: 90\n"
        "  max_waiver_days: 120\n"
        "  acceptors: [CISO, Head  of Risk]\nreview:\n  max_cadence: {days: 60}\n"
        "  cadence: monthly\n",
    )
    config = load_config(tmp_path)
    assert config.risk.thresholds == RiskThresholds(low=6, medium=10, high=20)
    assert [config.risk.thresholds.of(t) for t in ("low", "medium", "high", None)] == [
        6,
        10,
        20,
        6,  # undeclared: the strictest
    ]
    assert config.risk.max_acceptance_days == 90
    assert config.risk.max_waiver_days == 120
    assert config.risk.authorizes("head of  risk") and config.risk.authorizes(" ciso ")
    assert not config.risk.authorizes("CISO deputy") and not config.risk.authorizes(None)
    assert (config.review.cadence, config.review.max_cadence) == ("monthly", 60)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "risk:\n  thresholds: {low: 12, medium: 10}\n",
            "2:3: `risk.thresholds` must not decrease from low to medium to high",
        ),
        ("risk:\n  thresholds: {high: 26}\n", "2:16: `risk.thresholds.high` must be at most 25"),
        ("risk:\n  max_acceptance_days: 0\n", "2:3: `risk.max_acceptance_days` must be at least 1"),
        ("risk:\n  max_waiver_days: 0\n", "2:3: `risk.max_waiver_days` must be at least 1"),
        ("risk:\n  acceptors: ['  ']\n", "2:15: `risk.acceptors[0]` must not be blank"),
        ("risk:\n  approvers: [CISO]\n", "2:3: `risk.approvers` is not a known key"),
        (
            "review:\n  cadence: semiannual\n",
            "2:3: `review.cadence` is longer than review.max_cadence (quarterly)",
        ),
        (
            "review:\n  max_cadence: weekly\n",
            "2:3: `review.max_cadence` must be one of monthly, quarterly, semiannual, annual",
        ),
    ],
)
def test_risk_and_ceiling_errors_are_located(tmp_path: Path, text: str, message: str) -> None:
    _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert message in str(info.value)


def test_owners_map_an_owner_to_addresses_and_handles(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "owners:\n  ai-platform-team: [ana@example.com, '@acme/ai-platform']\n"
        "  search-team:\n    - s.lee+ai@mail.example.org\n",
    )
    assert load_config(tmp_path).owners == {
        "ai-platform-team": ("ana@example.com", "@acme/ai-platform"),
        "search-team": ("s.lee+ai@mail.example.org",),
    }
    assert load_config(tmp_path / "nowhere").owners == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "owners:\n  team: [ok@example.com, 'Ana <ana@example.com>']\n",
            "2:26: `owners.team[1]` must be an e-mail address (name@example.com) or a GitHub "
            "handle (@user, @org/team) (got 'Ana <ana@example.com>')",
        ),
        (
            "owners:\n  team: ['ana@localhost']\n",
            "2:10: `owners.team[0]` must be an e-mail address (name@example.com) or a GitHub "
            "handle (@user, @org/team) (got 'ana@localhost')",
        ),
        ("owners:\n  team: ana@example.com\n", "2:3: `owners.team` must be a list (got "
         "'ana@example.com')"),
        ("owners:\n  team: []\n", "2:3: `owners.team` must not be empty"),
        ("owners: [a]\n", "1:1: `owners` must be a mapping (got ['a'])"),
    ],
    ids=["display-name", "no-domain", "not-a-list", "empty", "not-a-mapping"],
)  # fmt: skip
def test_owner_contacts_are_checked_and_located(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value) == f"{path}:{message}"


# --- the quick check: Cerberus's answer without Cerberus ---------------------------------

_PLAIN = [
    {},
    {"models": ["models/**/*.yaml"], "frameworks": ["atlas", "iso42001"], "fail_on": "high"},
    {"review": {"cadence": {"days": 30}, "max_cadence": "annual", "remind_before": 0}},
    {"risk": {"thresholds": {"medium": 12}, "acceptors": ["head of risk"]}},
    {"engine": {"name": "opa", "opa_url": "http://127.0.0.1:8181", "opa_use_loaded": True}},
    {"engine": {"opa_url": None}},
    {"engine": {"opa_url": "http://x\n"}},  # Cerberus's `$` takes a final newline too
    {"owners": {"ai-team": ["a@example.com", "@acme/ai"]}, "code": ["src"], "policies": ["p"]},
    {"evidence_dir": "ev", "atlas_catalog": "atlas.json", "register": "gov/register.yaml"},
]

_ODD = [
    {"review": {"remind_before": True}},  # a bool Cerberus takes as an integer
    {"fail_on": None},  # a null Cerberus replaces with the default
    {"review": None},
    {"models": ("a.yaml",)},
    {"owners": {"x": []}},
    {"review": {"cadence": {"days": 30, "weeks": 1}}},
    {"review": {"cadence": {"days": True}}},
    {"risk": {"acceptors": ["  "]}},
    {"frameworks": []},
    {"bogus": 1},
    {1: "a"},
]


def _cerberus(data: dict[object, object]) -> dict[str, object] | None:
    from cerberus import Validator

    from policyengine.config import _SCHEMA

    validator = Validator(_SCHEMA)
    return validator.document if validator.validate(dict(data)) else None


def _quickly(data: dict[object, object]) -> dict[str, object] | None:
    from policyengine.config import _SCHEMA, _quick, _Unsure

    try:
        return _quick(data, _SCHEMA)
    except _Unsure:
        return None


@pytest.mark.parametrize("data", _PLAIN, ids=range(len(_PLAIN)))
def test_a_plain_config_is_normalised_as_cerberus_does_without_it(
    data: dict[object, object],
) -> None:
    expected = _cerberus(copy.deepcopy(data))
    assert expected is not None
    assert _quickly(copy.deepcopy(data)) == expected


@pytest.mark.parametrize("data", _ODD, ids=range(len(_ODD)))
def test_anything_else_is_left_to_cerberus(data: dict[object, object]) -> None:
    assert _quickly(copy.deepcopy(data)) is None


def _mostly(good: list[object], bad: list[object]) -> st.SearchStrategy[object]:
    """One of `good`, now and then one of `bad`."""
    return st.one_of(st.sampled_from(good), st.sampled_from(good), st.sampled_from(bad))


def _section(**fields: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.one_of(
        st.fixed_dictionaries({}, optional=fields),
        st.fixed_dictionaries({}, optional=fields),
        st.sampled_from([None, "quarterly", [], {"every": 1}]),
    )


_TEXTS = st.lists(_mostly(["a.yaml", "m/**/*.yaml", "src"], ["", 3, None]), max_size=3)
_CADENCE = _mostly(
    ["monthly", "annual", {"days": 30}, {"days": 3660}],
    [{"days": 0}, {"days": True}, {"days": 1, "weeks": 1}, {}, "weekly", 7, None],
)
_THRESHOLD_VALUE = _mostly([1, 8, 12, 25], [0, 26, True, 9.5, None])
_CONFIGS = st.fixed_dictionaries(
    {},
    optional={
        "models": _TEXTS,
        "frameworks": st.lists(
            _mostly(["atlas", "iso42001", "nist-ai-rmf"], ["nist", None, 1]), max_size=3
        ),
        "fail_on": _mostly(["low", "high", "critical"], ["severe", 3, None]),
        "review": _section(
            cadence=_CADENCE,
            max_cadence=_CADENCE,
            remind_before=_mostly([0, 14, 90], [-1, True, 1.5, None]),
        ),
        "risk": _section(
            thresholds=_section(
                low=_THRESHOLD_VALUE, medium=_THRESHOLD_VALUE, high=_THRESHOLD_VALUE
            ),
            max_acceptance_days=_mostly([1, 365], [0, False, None]),
            acceptors=st.lists(_mostly(["head of risk", " board "], ["  ", "", 3]), max_size=2),
        ),
        "engine": _section(
            name=_mostly(["auto", "wasm", "opa"], ["wasmer", None]),
            opa_url=_mostly([None, "http://h:1", "https://x/y", "http://x\n"], ["ftp://x", ""]),
            opa_use_loaded=_mostly([True, False], ["yes", 1, None]),
        ),
        "policies": _TEXTS,
        "code": _TEXTS,
        "owners": st.dictionaries(
            _mostly(["ai-team", "risk"], ["", 1]),
            st.lists(_mostly(["a@example.com", "@acme/ai"], ["", 3]), max_size=2),
            max_size=2,
        ),
        "evidence_dir": _mostly(["evidence", "x/y"], ["", None, 1]),
        "atlas_catalog": _mostly(["a.json"], ["", None]),
        "register": _mostly(["gov/r.yaml"], ["", 2]),
        "bogus": st.just(1),
    },
)


@settings(max_examples=300, deadline=None)
@given(_CONFIGS)
def test_the_quick_check_never_disagrees_with_cerberus(data: dict[object, object]) -> None:
    """Whatever the quick check accepts, Cerberus accepts and normalises the same way;
    what Cerberus rejects, the quick check never accepts."""
    quick = _quickly(copy.deepcopy(data))
    if quick is not None:
        assert quick == _cerberus(copy.deepcopy(data))


def test_a_plain_config_loads_without_importing_cerberus(tmp_path: Path) -> None:
    """A subprocess, so that no other test's import of Cerberus counts."""
    _write(tmp_path, "models: [m/*.yaml]\nreview: {cadence: {days: 40}}\nfail_on: high\n")
    code = (
        "import sys; from pathlib import Path; from policyengine.config import load_config; "
        f"c = load_config(Path({str(tmp_path)!r})); "
        "print(c.fail_on.value, c.review.cadence, 'cerberus' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["high", "40", "False"]
