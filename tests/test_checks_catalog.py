"""Every bundled check is declared once, tested, emitted only where declared, and mapped to
catalog controls; every catalog control is judged by some check (never `not_assessed`)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from policyengine.applicability import asked_as, load_mapping
from policyengine.bundled import catalog_dir, policies_dir
from policyengine.catalog import ControlCatalog, load_controls
from policyengine.errors import PolicyError
from policyengine.policyset import EXPLAINED, PolicySet, load_policy_set
from policyengine.pr import PR_CHECKS

_ID = re.compile(r"TM-[A-Z]+-\d{3}")
_ID_LITERAL = re.compile(r'"(TM-[A-Za-z0-9_.-]+)"')
_PACKAGE = re.compile(r"^package\s+([\w.]+)", re.MULTILINE)
_TEST_RULE = re.compile(r"^test_\w+")
_DENY_CONTROL = re.compile(r'result\.finding_control\(\s*"(TM-[^"]+)".*,\s*"([^"]+)"\)\s*$')
_LEGACY = re.compile(r"\b(sprintf|result\.(deny|deny_control|at|at_control))\(")


@pytest.fixture(scope="module")
def policy_set() -> PolicySet:
    return load_policy_set([policies_dir()])


@pytest.fixture(scope="module")
def catalog() -> ControlCatalog:
    return load_controls()


def _sources(*, tests: bool) -> dict[Path, str]:
    return {
        p: p.read_text(encoding="utf-8")
        for p in sorted(policies_dir().rglob("*.rego"))
        if p.name.endswith("_test.rego") == tests
    }


def _test_bodies(source: str) -> list[str]:
    """The text of each `test_*` rule: from its head to the next top-level line."""
    bodies: list[str] = []
    current: list[str] | None = None
    for line in source.splitlines():
        if _TEST_RULE.match(line):
            if current is not None:
                bodies.append("\n".join(current))
            current = [line]
        elif current is not None and line and not line[0].isspace() and line != "}":
            bodies.append("\n".join(current))
            current = None
        elif current is not None:
            current.append(line)
    if current is not None:
        bodies.append("\n".join(current))
    return bodies


def test_bundled_set_declares_checks(policy_set: PolicySet) -> None:
    assert len(policy_set.checks) >= 40
    assert "TM-SCORE-001" in policy_set.checks


def test_check_ids_are_well_formed(policy_set: PolicySet) -> None:
    assert sorted(i for i in policy_set.checks if not _ID.fullmatch(i)) == []


def test_every_metadata_id_is_one_check(policy_set: PolicySet) -> None:
    """As many `custom.id`s in the sources as checks loaded: nothing merged or dropped."""
    declared = [
        m.group(1)
        for source in _sources(tests=False).values()
        for m in re.finditer(r"^#\s+id:\s*(\S+)\s*$", source, re.MULTILINE)
    ]
    assert sorted(declared) == sorted(policy_set.checks)


def test_loader_rejects_a_duplicate_id(tmp_path: Path) -> None:
    team = tmp_path / "team"
    team.mkdir()
    scoring = policies_dir() / "nist_ai_rmf" / "map5_scoring.rego"
    shutil.copy(scoring, team / "copy.rego")
    with pytest.raises(PolicyError, match=r"check id TM-SCORE-001 is already declared at"):
        load_policy_set([policies_dir(), team])


def test_every_declared_id_is_exercised_by_a_test(policy_set: PolicySet) -> None:
    bodies = [b for source in _sources(tests=True).values() for b in _test_bodies(source)]
    untested = sorted(i for i in policy_set.checks if not any(f'"{i}"' in b for b in bodies))
    assert untested == []


def test_test_bodies_are_found() -> None:
    source = 'package p\n\ntest_a if {\n\tx == "TM-A-001"\n}\n\n_h := 1\n\ntest_b if true\n'
    assert _test_bodies(source) == ['test_a if {\n\tx == "TM-A-001"\n}\n', "test_b if true"]


def test_every_emitted_id_is_declared_in_its_package(policy_set: PolicySet) -> None:
    """Every `"TM-..."` literal of a policy (deny, deny_control, not_applicable, lists) is a
    check declared by the same package."""
    wrong = []
    for path, source in _sources(tests=False).items():
        package = _PACKAGE.search(source)
        assert package, path
        for number, line in enumerate(source.splitlines(), start=1):
            if line.lstrip().startswith("#"):
                continue
            for check_id in _ID_LITERAL.findall(line):
                meta = policy_set.checks.get(check_id)
                if meta is None or meta.package != package.group(1):
                    wrong.append(f"{path.relative_to(policies_dir())}:{number}: {check_id}")
    assert wrong == []


def test_not_applicable_and_deny_are_read_from_the_sources() -> None:
    """The literal scan above sees the three ways a policy emits an id."""
    text = "\n".join(_sources(tests=False).values())
    assert re.search(r'result\.finding\("TM-', text)
    assert re.search(r'result\.each\("TM-', text)
    assert re.search(r'not_applicable contains "TM-', text)


def test_scoped_findings_name_a_control_of_their_check(policy_set: PolicySet) -> None:
    """A literal control in `result.finding_control(id, ..., "fw/ID")` is one of id's controls."""
    wrong = []
    for path, source in _sources(tests=False).items():
        for number, line in enumerate(source.splitlines(), start=1):
            m = _DENY_CONTROL.search(line)
            if m is None:
                continue
            check_id, control = m.groups()
            if control not in policy_set.checks[check_id].control_keys():
                wrong.append(f"{path.name}:{number}: {check_id} -> {control}")
    assert wrong == []


_ATLAS_LAYER_CHECKS = {
    "TM-ATLAS-001": "input_output",
    "TM-ATLAS-003": "retrieval",
    "TM-ATLAS-005": "agentic",
    "TM-ATLAS-008": "model",
    "TM-ATLAS-011": "runtime",
}


def test_atlas_checks_name_the_families_asked_on_their_layer(
    policy_set: PolicySet, catalog: ControlCatalog
) -> None:
    """The ATLAS checks count a finding against `atlas/<family asked>`: each check's METADATA
    lists exactly the catalog's ATLAS controls the applicability mapping can ask on its
    layer, so a family that passes there shows as satisfied and none is left unjudged."""
    mapping = load_mapping()
    atlas_controls = {k for k in catalog.ids() if k.startswith("atlas/")}
    asked: dict[str, set[str]] = {}
    for tid, scope in mapping.techniques.items():
        if scope.conventional or (scope.pre_attack and not scope.conditions):
            continue
        for layer in scope.layers:
            asked.setdefault(layer.value, set()).add(f"atlas/{asked_as(tid, mapping)}")
    covered: set[str] = set()
    for check_id, layer in _ATLAS_LAYER_CHECKS.items():
        listed = {k for k in policy_set.checks[check_id].control_keys() if k.startswith("atlas/")}
        assert listed == asked[layer] & atlas_controls, check_id
        covered |= listed
    assert covered == atlas_controls


def test_metadata_names_only_catalog_controls(
    policy_set: PolicySet, catalog: ControlCatalog
) -> None:
    unknown = sorted(
        f"{meta.id}: {key}"
        for meta in policy_set.checks.values()
        for key in meta.control_keys()
        if key not in catalog.ids()
    )
    assert unknown == []


def test_every_catalog_control_is_mapped_by_a_check(
    policy_set: PolicySet, catalog: ControlCatalog
) -> None:
    """So the bundled set never reports a control as `not_assessed`: every control a model
    is judged on is mapped by a check; the organisation's controls are judged by the
    register (`policyengine.register`), never by a check."""
    mapped = {key for meta in policy_set.checks.values() for key in meta.control_keys()}
    organisation = {c.key for c in catalog.judged("organisation")}
    assert sorted(catalog.ids() - organisation - mapped) == []
    assert sorted(organisation & mapped) == []


def test_catalog_covers_the_three_frameworks(catalog: ControlCatalog) -> None:
    assert sorted(p.stem for p in catalog_dir().glob("*.json")) == [
        "atlas",
        "crosswalk",
        "iso42001",
        "nist_ai_rmf",
    ]
    assert {c.framework for c in catalog.controls} == {"atlas", "iso42001", "nist-ai-rmf"}
    assert catalog.get("atlas/AML.T0051") is not None


def test_bundled_checks_render_their_messages_from_templates(policy_set: PolicySet) -> None:
    """Every bundled check declares custom.message, and no policy writes text of its own
    (sprintf, or the legacy msg shapes kept for team checks): engine output carries none."""
    assert [c.id for c in policy_set.checks.values() if c.message is None] == []
    legacy = [
        f"{path.relative_to(policies_dir())}:{number}: {line.strip()}"
        for path, source in _sources(tests=False).items()
        if path.name != "result.rego"
        for number, line in enumerate(source.splitlines(), start=1)
        if not line.lstrip().startswith("#") and _LEGACY.search(line)
    ]
    assert legacy == []


def test_every_check_says_why_how_to_fix_it_and_how_to_rule_it_out() -> None:
    """Every bundled check, the examples' team check and every pull-request check carries
    custom.rationale, custom.hint and custom.rule_out (`policyengine explain` shows them;
    findings carry the hint)."""
    examples = policies_dir().parent / "examples" / "policies"
    checks = load_policy_set([policies_dir(), examples]).checks.values()
    lacking = [f"{c.id}: custom.{k}" for c in checks for k in EXPLAINED if not getattr(c, k)]
    lacking += [f"{c.id}: {k}" for c in PR_CHECKS.values() for k in EXPLAINED if not getattr(c, k)]
    assert lacking == []
    texts = [getattr(c, k) for c in checks for k in EXPLAINED]
    assert all(len(t) <= 300 for t in texts), "keep them brief"
