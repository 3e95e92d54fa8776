"""The organisation register through the CLI (issue 12): `init-register`, `schema
--register`, organisation controls judged once per repository, `attested` apart from
`satisfied`, model attestations held to the catalog's split, grouped text findings."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import committed_examples
from conftest import run_cli as _run

from policyengine.catalog import control_order, load_controls

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
AS_OF = ("--as-of", "2026-11-27")
REGISTER = "governance/register.yaml"
SUPPORT = "models/support-assistant.yaml"


@pytest.fixture
def examples(tmp_path: Path) -> Path:
    root = tmp_path / "examples"
    shutil.copytree(EXAMPLES, root)
    return root


def _json(capsys: pytest.CaptureFixture[str], root: Path, *extra: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code, out, err = _run(capsys, "check", str(root), *AS_OF, "--format", "json", *extra)
    assert code in (0, 1), err
    return code, json.loads(out)


def _edit_model(root: Path, path: str, edit: object) -> None:
    model = yaml.safe_load((root / path).read_text(encoding="utf-8"))
    assert callable(edit)
    edit(model)
    (root / path).write_text(yaml.safe_dump(model, sort_keys=False), encoding="utf-8")


# --- init-register and schema --register --------------------------------------------------


def test_init_register_writes_a_starter_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / ".policyengine.yaml").write_text("fail_on: high\n", encoding="utf-8")
    code, out, err = _run(capsys, "init-register", "--config", str(tmp_path / ".policyengine.yaml"))
    assert (code, out) == (0, "")
    target = tmp_path / REGISTER
    assert f"wrote {target}" in err
    text = target.read_text(encoding="utf-8")
    organisation = load_controls().judged("organisation")
    assert all(f'control: "{c.key}"' in text for c in organisation)
    # never overwrites without --force, and says so
    target.write_text("# mine\n", encoding="utf-8")
    code, _, err = _run(capsys, "init-register", "--config", str(tmp_path / ".policyengine.yaml"))
    assert code == 2 and "already there" in err and "--force" in err
    assert target.read_text(encoding="utf-8") == "# mine\n"
    code, _, _ = _run(
        capsys, "init-register", "--force", "--config", str(tmp_path / ".policyengine.yaml")
    )
    assert code == 0 and target.read_text(encoding="utf-8") == text


def test_init_register_follows_the_config_and_stays_inside(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / ".policyengine.yaml"
    config.write_text("register: org/decisions.yaml\n", encoding="utf-8")
    code, _, _ = _run(capsys, "init-register", "--config", str(config))
    assert code == 0 and (tmp_path / "org" / "decisions.yaml").is_file()
    code, _, err = _run(capsys, "init-register", "--config", str(config), "--path", "../x.yaml")
    assert code == 2 and "inside the repository" in err
    assert not (tmp_path.parent / "x.yaml").exists()


def test_a_starter_register_makes_one_finding_per_undecided_control(
    capsys: pytest.CaptureFixture[str], examples: Path
) -> None:
    code, _, _ = _run(
        capsys, "init-register", "--force", "--config", str(examples / ".policyengine.yaml")
    )
    assert code == 0
    _, doc = _json(capsys, examples)
    organisation = doc["organisation"]
    assert organisation["found"] and organisation["valid"]
    (undecided,) = [c for c in organisation["checks"] if c["id"] == "TM-REG-001"]
    assert len(undecided["findings"]) == len(load_controls().judged("organisation"))


def test_schema_register_prints_the_register_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "schema", "--register")
    schema = json.loads(out)
    assert code == 0
    assert schema["$id"] == "https://policyengine.dev/schemas/register/v1.json"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert out == (REPO / "schemas" / "register.schema.json").read_text(encoding="utf-8")
    code, out, _ = _run(capsys, "schema")
    assert json.loads(out)["$id"].endswith("/threat-model/v1.json")


# --- judged once per repository -------------------------------------------------------------


def test_organisation_controls_are_judged_once_for_the_repository(
    capsys: pytest.CaptureFixture[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = committed_examples(tmp_path_factory)
    _, doc = _json(capsys, root)
    organisation = doc["organisation"]
    assert organisation["register"] == REGISTER
    org_keys = {c.key for c in load_controls().judged("organisation")}
    assert {c["control"] for c in organisation["controls"]} == org_keys
    for model in doc["models"]:  # no model carries an organisation control
        assert not org_keys & {c["control"] for c in model["controls"]}
    findings = [f for c in organisation["checks"] for f in c["findings"]]
    assert [(f["check"], f["controls"]) for f in findings] == [
        ("TM-REG-003", ["nist-ai-rmf/MEASURE 2.12"]),
        ("TM-REG-004", ["iso42001/A.6.2.8"]),
    ]
    # the summary counts each organisation control once, not once per model
    nist = [c for c in organisation["controls"] if c["framework"] == "nist-ai-rmf"]
    own = [c for m in doc["models"] for c in m["controls"] if c["framework"] == "nist-ai-rmf"]
    assert sum(doc["summary"]["controls"]["nist-ai-rmf"].values()) == len(nist) + len(own)
    assert doc["summary"]["findings"]["medium"] >= 2
    code, out, _ = _run(capsys, "check", str(root), *AS_OF)
    assert out.count("TM-REG-003") == 1
    assert out.startswith(
        "governance/register.yaml: organisation register\n"
        "  governance/register.yaml:22:5: medium: TM-REG-003 document DOC-ENVIRONMENT has "
        "expired: in force until 2026-10-15 (approved 2025-10-15, reviewed annual) "
        "[nist-ai-rmf/MEASURE 2.12]\n"
    )


def test_a_broken_register_is_a_located_error_and_fails_the_run(
    capsys: pytest.CaptureFixture[str], examples: Path
) -> None:
    path = examples / REGISTER
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("applicable: true", "applicable: yes please", 1), encoding="utf-8")
    line = text.splitlines().index("    applicable: true") + 1
    code, out, _ = _run(capsys, "check", str(examples), *AS_OF, "--fail-on", "critical")
    assert code == 1
    assert (
        f"  governance/register.yaml:{line}:5: error: controls/0/applicable: "
        "\"yes please\" is not of type 'boolean' or 'null'" in out
    )
    code, out, _ = _run(capsys, "validate", str(examples), *AS_OF)
    assert code == 1 and f"governance/register.yaml:{line}:5: error:" in out


def test_the_register_path_comes_from_the_config(
    capsys: pytest.CaptureFixture[str], examples: Path
) -> None:
    (examples / REGISTER).rename(examples / "decisions.yaml")
    config = examples / ".policyengine.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "register: decisions.yaml\n", "utf-8")
    _, doc = _json(capsys, examples)
    assert doc["organisation"]["register"] == "decisions.yaml" and doc["organisation"]["found"]
    config.write_text(config.read_text(encoding="utf-8") + "x: 1\n", "utf-8")
    code, _, err = _run(capsys, "check", str(examples), *AS_OF)
    assert code == 2 and "`x` is not a known key" in err


def test_the_register_is_not_counted_as_a_skipped_yaml_file(
    capsys: pytest.CaptureFixture[str], examples: Path
) -> None:
    """Walking the repository finds the register, which is validated as the register:
    not one of the other YAML files skipped. Another YAML file still counts."""
    for command in ("validate", "check"):
        _, out, _ = _run(capsys, command, str(examples), *AS_OF)
        assert "skipped" not in out, out
    _, doc = _json(capsys, examples)
    assert doc["summary"]["skipped_files"] == 0
    (examples / "governance" / "notes.yaml").write_text("a: 1\n", encoding="utf-8")
    _, out, _ = _run(capsys, "validate", str(examples), *AS_OF)
    assert "1 other YAML file skipped" in out


# --- attested is not satisfied --------------------------------------------------------------


def test_attested_is_distinct_from_satisfied(
    capsys: pytest.CaptureFixture[str], examples: Path
) -> None:
    _, doc = _json(capsys, examples)
    (support,) = [m for m in doc["models"] if m["id"] == "support-assistant"]
    status = {c["control"]: c["status"] for c in support["controls"]}
    assert status["nist-ai-rmf/MAP 1.1"] == "satisfied"  # verified by a check
    assert status["nist-ai-rmf/MAP 1.4"] == "attested"  # its business case, cited
    assert status["iso42001/A.5.3"] == "attested"  # its impact assessment, cited
    organisation = {c["control"]: c["status"] for c in doc["organisation"]["controls"]}
    assert organisation["iso42001/A.2.2"] == "attested"
    assert "satisfied" not in organisation.values()
    code, out, _ = _run(capsys, "check", str(examples), *AS_OF, "--format", "markdown")
    assert "| satisfied | attested | partial |" in out


def test_system_evidence_must_name_the_model(
    capsys: pytest.CaptureFixture[str], examples: Path
) -> None:
    evidence = examples / "docs" / "design" / "support-assistant-release-plan.md"
    text = evidence.read_text(encoding="utf-8")
    evidence.write_text(text.replace("`support-assistant`", "the assistant"), encoding="utf-8")
    _, doc = _json(capsys, examples, "--allow-unknown-history")  # the copy has no history
    (support,) = [m for m in doc["models"] if m["id"] == "support-assistant"]
    messages = [f["message"] for c in support["checks"] for f in c["findings"]]
    assert messages == [
        "evidence for iso42001/A.6.2.5 cites evidence that does not name this model "
        "(its metadata.id)"
    ]
    status = {c["control"]: c["status"] for c in support["controls"]}
    assert status["iso42001/A.6.2.5"] == "not_satisfied"


# --- what a model may say about controls -------------------------------------------------

_ATTESTED = {"evidence": "docs/governance/ai-policy.md", "by": "board", "date": "2026-10-02"}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            ("attestations", {"control": "iso42001/A.2.2", **_ATTESTED}),
            "names iso42001/A.2.2, an organisation control: decide it once in the organisation "
            "register",
        ),
        (
            ("not_applicable", {"control": "nist-ai-rmf/MAP 1.2", "reason": "We do not do this."}),
            "names nist-ai-rmf/MAP 1.2, an organisation control",
        ),
        (
            ("attestations", {"control": "iso42001/A.7.5", **_ATTESTED}),
            "attests iso42001/A.7.5, which checks judge: an attestation is evidence for a system "
            "control only",
        ),
    ],
    ids=["attestation-of-organisation-control", "scoping-organisation-control", "checks-control"],
)  # fmt: skip
def test_a_model_entry_on_a_control_it_is_not_judged_on_is_an_error(
    capsys: pytest.CaptureFixture[str],
    examples: Path,
    entry: tuple[str, dict],
    message: str,  # type: ignore[type-arg]
) -> None:
    section, item = entry
    _edit_model(examples, SUPPORT, lambda m: m["compliance"].setdefault(section, []).append(item))
    code, out, _ = _run(capsys, "validate", str(examples / SUPPORT), *AS_OF)
    assert code == 1
    (line,) = [line for line in out.splitlines() if message in line]
    assert line.startswith("  models/support-assistant.yaml:") and ": error: " in line


def test_a_placeholder_reason_rules_nothing_out(
    capsys: pytest.CaptureFixture[str], examples: Path
) -> None:
    def drop_and_rule_out(model: dict) -> None:  # type: ignore[type-arg]
        compliance = model["compliance"]
        compliance["attestations"] = [
            a for a in compliance["attestations"] if a["control"] != "nist-ai-rmf/MAP 1.4"
        ]
        compliance["not_applicable"].append({"control": "nist-ai-rmf/MAP 1.4", "reason": "n/a"})

    _edit_model(examples, SUPPORT, drop_and_rule_out)
    for engine in ("embedded", "wasm"):
        _, doc = _json(capsys, examples / SUPPORT, "--engine", engine)
        (support,) = doc["models"]
        found = {(f["check"], f["message"]) for c in support["checks"] for f in c["findings"]}
        assert ("TM-ATTEST-001", "control nist-ai-rmf/MAP 1.4 has no evidence") in found
        status = {c["control"]: c["status"] for c in support["controls"]}
        assert status["nist-ai-rmf/MAP 1.4"] == "not_satisfied", engine


# --- grouped findings -----------------------------------------------------------------------


def test_many_findings_of_one_check_print_as_one_line(
    capsys: pytest.CaptureFixture[str], examples: Path
) -> None:
    code, out, _ = _run(capsys, "check", str(examples / "models" / "coding-agent.yaml"), *AS_OF)
    (line,) = [line for line in out.splitlines() if "TM-ATTEST-001" in line]
    assert line.startswith("  models/coding-agent.yaml:")
    assert ': medium: TM-ATTEST-001 12 x "control ... has no evidence": ' in line
    assert "nist-ai-rmf/MAP 1.4, nist-ai-rmf/MAP 1.6" in line
    _, doc = _json(capsys, examples / "models" / "coding-agent.yaml")
    (check,) = [c for c in doc["models"][0]["checks"] if c["id"] == "TM-ATTEST-001"]
    assert len(check["findings"]) == 12  # every element is still in the JSON
    # --explain prints the fix once under the grouped line
    code, out, _ = _run(
        capsys, "check", str(examples / "models" / "coding-agent.yaml"), *AS_OF, "--explain"
    )
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if "TM-ATTEST-001" in line)
    assert lines[at + 1].startswith("    fix: Add an entry in compliance.attestations")


def test_validate_named_register_is_checked_as_the_register(
    capsys: pytest.CaptureFixture[str], examples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`validate governance/register.yaml` (the file `init-register` writes) said "not a
    threat model"; it is validated as the register, and a wrong period lists the valid
    ones. Another register file named as PATH says what it is."""
    monkeypatch.chdir(examples)
    code, out, err = _run(capsys, "validate", REGISTER, *AS_OF)
    assert (code, err) == (0, "")
    assert "not a threat model" not in out
    path = examples / REGISTER
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("review_period: annual", "review_period: yearly", 1), "utf-8")
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "review_period: annual" in s)
    code, out, _ = _run(capsys, "validate", REGISTER, *AS_OF)
    assert code == 1
    assert (
        f"governance/register.yaml:{line}:" in out
        and "documents/0/review_period: 'yearly' is not valid: must be monthly, quarterly, "
        "semiannual, annual or {days: N}"
        in out
    )
    shutil.copy(path, examples / "copy.yaml")
    code, out, _ = _run(capsys, "validate", "copy.yaml", *AS_OF)
    assert code == 1
    assert "copy.yaml:1:1: error: not a threat model: this is an organisation register" in out


@pytest.mark.parametrize(("owner", "approver"), [("n/a", "TBD"), ("x", "x"), ("TBD", "n/a")])
def test_placeholder_owners_and_approvers_attest_nothing(
    capsys: pytest.CaptureFixture[str], examples: Path, owner: str, approver: str
) -> None:
    """tester-a A5: a policy owned by n/a and approved by TBD, and A.2.2 owned by x, kept
    A.2.2 attested in the Statement of Applicability."""
    path = examples / REGISTER
    text = path.read_text(encoding="utf-8")
    policy = "owner: head of risk, approver: AI governance board, approved: 2026-01-19"
    line = next(x for x in text.splitlines() if "id: DOC-AI-POLICY," in x)
    assert policy in line
    hollow = f"owner: {owner}, approver: {approver}, approved: 2026-01-19"
    text = text.replace(line, line.replace(policy, hollow))
    cited = [
        d["control"]
        for d in yaml.safe_load(text)["controls"]
        if "DOC-AI-POLICY" in d.get("documents", [])
    ]
    assert cited[0] == "iso42001/A.2.2" and len(cited) > 1
    decision = "    status: implemented\n    owner: head of risk\n    documents: [DOC-AI-POLICY]"
    text = text.replace(decision, decision.replace("head of risk", owner), 1)
    path.write_text(text, encoding="utf-8")
    _, doc = _json(capsys, examples, "--allow-unknown-history")
    organisation = doc["organisation"]
    status = {c["control"]: c["status"] for c in organisation["controls"]}
    # none of the organisation controls the policy implements is attested on its basis
    cited = [key for key in cited if key in status]
    for key in cited:
        assert status[key] == "not_satisfied", key
    found = [
        (f["pointer"], f["message"], f["controls"])
        for c in organisation["checks"]
        for f in c["findings"]
        if f["check"] == "TM-REG-008"
    ]
    policy_controls = sorted(cited, key=control_order)
    assert found == [
        ("/documents/0", f"document DOC-AI-POLICY names placeholder text as its owner: '{owner}'",
         policy_controls),
        ("/documents/0",
         f"document DOC-AI-POLICY names placeholder text as its approver: '{approver}'",
         policy_controls),
        ("/controls/0", f"the decision on iso42001/A.2.2 names placeholder text as its owner: "
         f"'{owner}'", ["iso42001/A.2.2"]),
    ]  # fmt: skip
