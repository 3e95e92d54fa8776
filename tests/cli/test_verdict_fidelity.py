"""Issue 11, items 5 and 6 through `check`: the hollow model fails on every hollow field,
on both engines; a file with only apiVersion, kind and metadata is invalid; a check with
nothing to judge is no evidence."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import git
import pytest

from policyengine.cli import main
from policyengine.pipeline import evidence_filed

DATA = Path(__file__).resolve().parents[1] / "data"
AS_OF = ["--as-of", "2026-11-27"]


@pytest.fixture(scope="module")
def hollow_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/data/hollow in a repository of its own with one commit (the change rule reads it)."""
    dest = tmp_path_factory.mktemp("hollow") / "repo"
    shutil.copytree(DATA / "hollow", dest)
    repo = git.Repo.init(dest)
    repo.git.add("--all")
    who = git.Actor("Hollow", "hollow@example.com")
    repo.index.commit("hollow", author=who, committer=who)
    repo.close()
    return dest


def _check(capsys: pytest.CaptureFixture[str], root: Path, *extra: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(["check", str(root), *AS_OF, "--format", "json", *extra])
    return code, json.loads(capsys.readouterr().out)


HOLLOW_FIELDS = {
    ("TM-TEXT-001", "/metadata/name"),
    ("TM-TEXT-001", "/metadata/owner"),
    ("TM-TEXT-001", "/system/description"),
    ("TM-TEXT-001", "/system/intended_purpose"),
    ("TM-TEXT-001", "/system/deployment_context"),
    ("TM-TEXT-001", "/system/users/0"),
    ("TM-TEXT-001", "/system/human_oversight"),
    ("TM-TEXT-002", "/threats/0/title"),
    ("TM-TEXT-002", "/threats/0/assumptions/0"),
    ("TM-TEXT-003", "/threats/0/acceptance/approved_by"),
    ("TM-TEXT-003", "/threats/0/acceptance/rationale"),
    ("TM-TEXT-004", "/controls/0/title"),
    ("TM-TEXT-004", "/controls/0/owner"),
    ("TM-TEXT-005", "/red_team/0/performed_by"),
    ("TM-TEXT-005", "/red_team/0/findings/0/title"),
    ("TM-ISO-061", "/controls/0/evidence/0"),
    ("TM-TEXT-006", "/system/ai_tasks/0"),
    ("TM-TEXT-006", "/system/out_of_scope_uses/0"),
    ("TM-TEXT-007", "/surfaces/0/interfaces/0/who"),
    ("TM-TEXT-008", "/assets/0/name"),
    ("TM-TEXT-008", "/assets/1/name"),
    ("TM-TEXT-008", "/assets/1/version"),
    ("TM-TEXT-008", "/assets/1/components/0/name"),
    ("TM-TEXT-008", "/assets/1/components/0/version"),
}

# The only controls the hollow model may read as met, and why it truly shows each: the
# ATLAS view asks whether a threat on a surface where the technique applies names it (the
# method's completeness table, controls.md), nothing more. Threat t is on the
# input_output surface s and names AML.T0051, T0054, T0056 and T0057 (catalog ids, not
# free text) with a likelihood and an impact (5 x 5): the techniques were put to the threat
# model and scored. What the threat says of them (title and assumption "x") is judged by
# TM-TEXT-002 under MAP 5.1, MEASURE 1.1 and ISO 6.1.2, and none of those is satisfied;
# the techniques the system exposes that no threat names (AML.T0040, T0024, T0029, T0011)
# are not satisfied either.
# Every NIST AI RMF and ISO/IEC 42001 control rests on some text, record or file that is
# hollow here, so none may read satisfied or attested.
ARGUED = {"atlas/AML.T0051", "atlas/AML.T0054", "atlas/AML.T0056", "atlas/AML.T0057"}


def _met(doc: dict) -> set[str]:  # type: ignore[type-arg]
    """The hollow model's controls that read satisfied or attested."""
    controls = doc["models"][0]["controls"]
    return {c["control"] for c in controls if c["status"] in ("satisfied", "attested")}


HOLLOW_DECISIONS = {
    # 5x5 accepted by x until 2030 under risk_tolerance low: not an acceptor, too long
    ("TM-TREAT-003", "/threats/0/acceptance/approved_by"),
    ("TM-TREAT-003", "/threats/0/acceptance/expires"),
    # the confirmed exploit's remediation has no due date
    ("TM-ISO-050", "/red_team/0/findings/0/remediation/due"),
    # an annual cadence, longer than the quarterly ceiling
    ("TM-REVIEW-002", "/review/cadence"),
    # the exercise names no tools, test sets or metrics; the interface tells users nothing
    ("TM-REDTEAM-004", "/red_team/0/tools"),
    ("TM-ISO-004", "/surfaces/0/interfaces/0/user_information"),
}


def _findings(doc: dict) -> set[tuple[str, str]]:  # type: ignore[type-arg]
    return {(f["check"], f["pointer"]) for c in doc["models"][0]["checks"] for f in c["findings"]}


def test_the_hollow_model_fails_naming_each_hollow_field(
    capsys: pytest.CaptureFixture[str], hollow_repo: Path
) -> None:
    code, doc = _check(capsys, hollow_repo)
    assert code == 1
    found = _findings(doc)
    assert HOLLOW_FIELDS <= found
    assert HOLLOW_DECISIONS <= found
    # every one of the 18 attestations of system evidence cites the 1-byte file and names
    # attester x
    attest = {p for c, p in found if c in ("TM-ATTEST-001", "TM-ATTEST-002")}
    assert len(attest) == 18
    assert len({p for c, p in found if c == "TM-TEXT-004" and "/attestations/" in p}) == 18
    messages = [f["message"] for c in doc["models"][0]["checks"] for f in c["findings"]]
    assert "system.intended_purpose of model x is placeholder text: 'x'" in messages
    assert "an assumption of threat t is placeholder text: 'x'" in messages
    controls = {c["control"]: c["status"] for c in doc["models"][0]["controls"]}
    assert controls["nist-ai-rmf/MAP 1.1"] == "partial"  # stated, but in placeholders
    assert controls["iso42001/6.1.3"] != "satisfied"
    # MEASURE 1.2 rested on a validation by an exercise performed by "x" whose finding is
    # titled "x" (TM-TEXT-005); A.4.4, A.4.5 and A.6.2.3 on assets and an ML library named,
    # versioned and pinned "x" (TM-TEXT-008).
    assert controls["nist-ai-rmf/MEASURE 1.2"] == "partial"
    for key in ("iso42001/A.4.4", "iso42001/A.4.5", "iso42001/A.6.2.3"):
        assert controls[key] == "partial", key
    assert _met(doc) == ARGUED


def test_the_hollow_model_meets_nothing_under_the_examples_register(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The examples' register decides the organisation's controls once for the repository:
    # they read attested there, never in the hollow model's own controls.
    root = tmp_path / "repo"
    shutil.copytree(DATA / "hollow", root)
    examples = DATA.parents[1] / "examples"
    shutil.copytree(examples / "governance", root / "governance")
    shutil.copytree(examples / "docs", root / "docs")
    code, doc = _check(capsys, root, "--allow-unknown-history")
    assert code == 1
    assert doc["organisation"]["found"] is True
    assert any(c["status"] == "attested" for c in doc["organisation"]["controls"])
    assert _met(doc) == ARGUED


@pytest.mark.opa
def test_the_hollow_model_reads_the_same_on_opa(
    capsys: pytest.CaptureFixture[str], hollow_repo: Path, opa_server: str
) -> None:
    embedded = _check(capsys, hollow_repo)
    opa = _check(capsys, hollow_repo, "--engine", "opa", "--opa-url", opa_server)
    assert opa == embedded


def test_a_file_with_only_metadata_is_invalid(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(DATA / "bad" / "metadata_only.yaml"), *AS_OF])
    out = capsys.readouterr().out
    assert code == 1
    for section in ("assets", "surfaces", "threats"):
        assert f"metadata_only.yaml:1:1: error: missing required field '{section}'" in out
    assert "satisfied" not in out


def test_a_check_with_nothing_to_judge_is_no_evidence(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A model with no dataset: the dataset controls say why they do not apply; a model that
    # states nothing about the ML stack leaves nothing satisfied by an idle check.
    shutil.copytree(DATA / "hollow", tmp_path / "repo")
    code, doc = _check(capsys, tmp_path / "repo", "--allow-unknown-history")
    assert code == 1
    controls = {c["control"]: c for c in doc["models"][0]["controls"]}
    assert controls["iso42001/A.7.5"]["status"] == "not_applicable"
    assert controls["iso42001/A.7.5"]["note"] == "no dataset in this model"
    assert controls["iso42001/A.7.2"]["note"] == "no dataset in this model"
    assert all(c["note"] for c in controls.values() if c["status"] == "not_applicable")
    idle = [c for c in controls.values() if c["status"] == "satisfied"]
    checks = {c["id"]: c for c in doc["models"][0]["checks"]}
    for control in idle:  # a check that applies (its findings may name other controls)
        assert any(checks[cid]["status"] != "not_applicable" for cid in control["checks"])


def test_evidence_must_be_a_file_with_content(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "real.md").write_text("# Scoping\nThe tool sees one customer.\n")
    (tmp_path / "docs" / "empty.md").write_text("")
    (tmp_path / "docs" / "x.md").write_text("x\n")
    (tmp_path / "docs" / "spaces.md").write_text(" \n\t\n" * 40)
    filed = evidence_filed(tmp_path)
    assert filed("docs/real.md")
    assert not filed("docs/empty.md")
    assert not filed("docs/x.md")
    assert not filed("docs/spaces.md")
    assert not filed("docs/missing.md")
    assert not filed("docs")
    assert not filed("../outside.md")


def test_placeholder_evidence_is_not_filed(tmp_path: Path) -> None:
    (tmp_path / "todo.md").write_text("TODO: write this document. TBD TBD TBD.\n")
    (tmp_path / "lorem.md").write_text("lorem ipsum dolor sit amet, report to follow\n")
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.7\nTODO TODO TODO TODO TODO\n")
    filed = evidence_filed(tmp_path)
    assert not filed("todo.md")
    assert not filed("lorem.md")
    assert filed("scan.pdf")  # binary: no text to judge


def _controls_of(doc: dict, model_id: str) -> dict[str, str]:  # type: ignore[type-arg]
    model = next(m for m in doc["models"] if m["id"] == model_id)
    return {c["control"]: c["status"] for c in model["controls"]}


def test_a_hollow_field_fails_only_the_controls_it_serves(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # TM-TEXT-006 guards MAP 2.1 (the AI tasks), MAP 2.2 and 3.3 (the out-of-scope uses): a
    # placeholder AI task fails MAP 2.1 only, a placeholder use MAP 2.2 and 3.3 only.
    root = tmp_path / "examples"
    shutil.copytree(DATA.parents[1] / "examples", root)
    model = root / "models" / "partner-classifier.yaml"
    text = model.read_text(encoding="utf-8")
    _, before = _check(capsys, root, "--allow-unknown-history")
    model.write_text(text.replace("ai_tasks: [classification]", "ai_tasks: [x]"), "utf-8")
    _, task = _check(capsys, root, "--allow-unknown-history")
    model.write_text(
        text.replace("out_of_scope_uses: [credit decisions,", "out_of_scope_uses: [TBD,"), "utf-8"
    )
    _, use = _check(capsys, root, "--allow-unknown-history")
    old = _controls_of(before, "partner-classifier")
    assert {old[k] for k in ("nist-ai-rmf/MAP 2.1", "nist-ai-rmf/MAP 2.2")} == {"satisfied"}
    after_task, after_use = (
        _controls_of(task, "partner-classifier"),
        _controls_of(use, "partner-classifier"),
    )
    assert after_task["nist-ai-rmf/MAP 2.1"] == "partial"
    assert after_task["nist-ai-rmf/MAP 2.2"] == old["nist-ai-rmf/MAP 2.2"]
    assert after_task["nist-ai-rmf/MAP 3.3"] == old["nist-ai-rmf/MAP 3.3"]
    assert after_use["nist-ai-rmf/MAP 2.1"] == old["nist-ai-rmf/MAP 2.1"]
    assert after_use["nist-ai-rmf/MAP 2.2"] == "partial"
    assert after_use["nist-ai-rmf/MAP 3.3"] == "partial"


NARROWING_CHECK = """package team.narrowed

import data.lib.result

# METADATA
# title: A check whose finding names a control it does not declare
# custom:
#   id: TM-TEAM-900
#   severity: low
#   judges: ["threats"]
#   message: "threat {threat} is wrong"
#   controls: {nist-ai-rmf: ["MAP 2.1"]}
deny contains result.each("TM-TEAM-900", [result.item_controls(["threats", 0], _params, _stray)])

_params := {"threat": ["threats", 0, "id"]}

_stray := ["nist-ai-rmf/MAP 9.9"]
"""


def test_a_finding_may_narrow_only_to_controls_its_check_declares(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    shutil.copytree(DATA / "hollow", tmp_path / "repo")
    (tmp_path / "team").mkdir()
    (tmp_path / "team" / "narrowed.rego").write_text(NARROWING_CHECK, encoding="utf-8")
    code = main(
        ["check", str(tmp_path / "repo"), *AS_OF, "--allow-unknown-history",
         "--policy", str(tmp_path / "team")]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "check TM-TEAM-900" in err
    assert "names nist-ai-rmf/MAP 9.9, not among its custom.controls" in err
    assert "Traceback" not in err
