"""`policyengine soa`: the ISO/IEC 42001 Statement of Applicability of the examples in
every format (issue 12, item 4): all 38 Annex A controls with our paraphrased title, the
register's decision (applicability, justification, implementation, owner, documents) and,
per model, the checks' verdicts with evidence located (file, line, JSON pointer). Golden
files hold the provenance digests as placeholders; the xlsx is compared as a text dump."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import git
import openpyxl
import pytest
from conftest import assert_golden, commit_placeholder, committed_examples
from conftest import run_cli as _run
from test_matrix_cli import _dump

from policyengine.catalog import load_controls

AS_OF = "2026-11-27"


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`conftest.committed_examples`."""
    return committed_examples(tmp_path_factory)


@pytest.fixture
def in_examples(examples: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(examples)
    return examples


@pytest.fixture
def update(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def _golden(name: str, text: str, update: bool) -> None:
    from conftest import provenance_placeholders

    places = provenance_placeholders(Path.cwd()) | commit_placeholder(Path.cwd())
    assert_golden(name, text, update, places)


ANNEX = [c for c in load_controls().for_framework("iso42001") if c.id.startswith("A.")]


def test_soa_json(in_examples: Path, capsys: pytest.CaptureFixture[str], update: bool) -> None:
    code, out, _ = _run(capsys, "soa", "--as-of", AS_OF, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["schema_version"] == 3 and doc["register"] == "governance/register.yaml"
    controls = doc["controls"]
    # all 38 Annex A controls, in catalog order, each with a decision and a justification
    assert [c["id"] for c in controls] == [c.id for c in ANNEX] and len(controls) == 38
    assert all(c["decision"] and c["decision"]["justification"] for c in controls)
    assert all(c["title"] for c in controls)
    by_id = {c["id"]: c for c in controls}
    policy = by_id["A.2.2"]
    assert policy["judged_by"] == "organisation" and policy["status"] == "attested"
    assert policy["verdicts"] == []  # judged once for the repository
    assert policy["decision"]["documents"] == [
        "DOC-AI-POLICY AI policy, version 2 (docs/governance/ai-policy.md)"
    ]
    where = policy["decision"]["where"]
    assert (where["file"], where["pointer"]) == ("governance/register.yaml", "/controls/0")
    assert where["line"] > 0
    # per model: the checks' verdicts with evidence located in the model file
    impact = {v["id"]: v for v in by_id["A.5.3"]["verdicts"]}
    assert impact["support-assistant"]["status"] == "attested"
    (cited,) = [
        e for e in impact["support-assistant"]["evidence"] if e["pointer"] and not e["judged_by"]
    ]
    assert cited["file"] == "models/support-assistant.yaml" and cited["line"] > 0
    assert cited["pointer"].startswith("/compliance/attestations/")
    missing = impact["coding-agent"]  # its threats are listed, its assessment is not cited
    assert missing["status"] == "partial" and missing["failed"] == ["TM-ATTEST-002"]
    assert missing["evidence"][0]["what"].startswith("TM-ATTEST-002: control iso42001/A.5.3")
    # a verdict the checks give rests on located parts of the model its passing checks
    # judged, each named with those checks, which ran and did not fail
    verdicts = [v for c in controls for v in c["verdicts"]]
    rested = [v for v in verdicts if v["status"] in ("satisfied", "attested", "partial")]
    assert rested and all(any(e["judged_by"] for e in v["evidence"]) for v in rested)
    for v in rested:
        for e in (e for e in v["evidence"] if e["judged_by"]):
            assert e["file"] == v["model"] and e["line"] > 0 and e["pointer"].startswith("/")
            assert set(e["judged_by"]) <= set(v["checks"]) - set(v["failed"])
            assert e["what"].endswith("judged by " + ", ".join(e["judged_by"]))
    assert not any(e["judged_by"] for v in verdicts if v["status"] not in (
        "satisfied", "attested", "partial") for e in v["evidence"])  # fmt: skip
    # checks that did not run (no code compared) are no basis of the verdict
    resources = {v["id"]: v for v in by_id["A.4.2"]["verdicts"]}["support-assistant"]
    code_checks = ["TM-CODE-001", "TM-CODE-002", "TM-CODE-003", "TM-CODE-004"]
    assert resources["not_run"] == code_checks and resources["checks"] == ["TM-ISO-030"]
    assert resources["status"] == "satisfied"
    # a control the engine rules out for a model carries its reason
    provenance = {v["id"]: v for v in by_id["A.7.5"]["verdicts"]}
    assert provenance["coding-agent"]["status"] == "not_applicable"
    assert provenance["coding-agent"]["note"] == "no dataset in this model"
    assert doc["provenance"]["as_of"] == AS_OF
    _golden("soa-examples.json", out, update)


def test_soa_markdown(in_examples: Path, capsys: pytest.CaptureFixture[str], update: bool) -> None:
    code, out, _ = _run(capsys, "soa", "--as-of", AS_OF)
    assert code == 0
    assert out.startswith("## Statement of Applicability, ISO/IEC 42001 Annex A (2026-11-27)")
    assert "38 controls: 38 applicable, 0 not applicable, 0 undecided" in out
    rows = [line for line in out.splitlines() if line.startswith("| A.")]
    assert len(rows) == 38
    assert "| A.2.2 | Documented AI policy | yes |" in out
    assert "attested (organisation)" in out
    _golden("soa-examples.md", out, update)


def test_soa_csv(in_examples: Path, capsys: pytest.CaptureFixture[str], update: bool) -> None:
    code, out, _ = _run(capsys, "soa", "--as-of", AS_OF, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["control"] for r in rows} == {c.id for c in ANNEX}
    organisation = [r for r in rows if r["judged_by"] == "organisation"]
    assert len(organisation) == 15 and all(r["model_path"] == "" for r in organisation)
    assert len(rows) == 15 + (38 - 15) * 3  # a row per model for the others
    assert all(r["justification"] and r["as_of"] == AS_OF for r in rows)
    _golden("soa-examples.csv", out, update)


def test_soa_xlsx(
    in_examples: Path, capsys: pytest.CaptureFixture[str], update: bool, tmp_path: Path
) -> None:
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    code, out, _ = _run(capsys, "soa", "--as-of", AS_OF, "-f", "xlsx", "-o", str(first))
    assert (code, out) == (0, "")
    _run(capsys, "soa", "--as-of", AS_OF, "-f", "xlsx", "-o", str(second))
    assert first.read_bytes() == second.read_bytes()
    book = openpyxl.load_workbook(first)
    assert book.sheetnames == ["soa", "evidence", "about"]
    sheet = book["soa"]
    assert sheet.max_row == 39 and sheet.freeze_panes == "C2" and sheet.auto_filter.ref
    _golden("soa-examples.xlsx.txt", _dump(first), update)


def test_soa_html(in_examples: Path, capsys: pytest.CaptureFixture[str], update: bool) -> None:
    code, out, _ = _run(capsys, "soa", "--as-of", AS_OF, "--format", "html")
    assert code == 0
    assert out.startswith("<!DOCTYPE html>") and "default-src 'none'" in out
    assert out.count('<tr data-control="iso42001/A.') == 38
    assert "http://" not in out.replace("http-equiv", "") and "https://" not in out
    _golden("soa-examples.html", out, update)


def test_soa_without_a_register_lists_every_control_undecided(
    capsys: pytest.CaptureFixture[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = committed_examples(tmp_path_factory)
    (root / "governance" / "register.yaml").unlink()
    code, out, _ = _run(capsys, "soa", str(root), "--as-of", AS_OF, "--format", "json")
    doc = json.loads(out)
    assert code == 0 and len(doc["controls"]) == 38
    assert all(c["decision"] is None for c in doc["controls"])
    policy = next(c for c in doc["controls"] if c["id"] == "A.2.2")
    assert policy["status"] == "not_satisfied"
    assert policy["evidence"][0]["what"].startswith("TM-REG-001: control iso42001/A.2.2")


A_10_3 = (
    "  - control: iso42001/A.10.3\n    applicable: true\n    justification: Suppliers of models "
    "and AI services go through procurement review against the AI policy.\n"
    "    status: implemented\n    owner: procurement\n    documents: [DOC-AI-POLICY]\n"
)


def test_a_not_applicable_decision_the_models_contradict(
    capsys: pytest.CaptureFixture[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The register decides A.10.3 (suppliers) does not apply, while every example model
    lists suppliers and the checks judge it: a located TM-REG-007 finding naming the models,
    and the SoA marks the contradiction on that row (markdown, html, json)."""
    root = committed_examples(tmp_path_factory)
    register = root / "governance" / "register.yaml"
    text = register.read_text(encoding="utf-8")
    assert A_10_3 in text
    register.write_text(
        text.replace(
            A_10_3,
            "  - control: iso42001/A.10.3\n    applicable: false\n    justification: We build "
            "all AI in house and use no AI suppliers at all.\n    status: null\n"
            "    owner: procurement\n    documents: []\n",
        ),
        encoding="utf-8",
    )
    line = text[: text.index(A_10_3)].count("\n") + 1
    models = (
        "coding-agent (satisfied), partner-classifier (not_satisfied), "
        "support-assistant (satisfied)"
    )
    code, out, _ = _run(capsys, "check", str(root), "--as-of", AS_OF)
    assert (
        f"governance/register.yaml:{line}:5: medium: TM-REG-007 control iso42001/A.10.3 is "
        f"decided not applicable, but the models show it applies: {models}" in out
    )
    code, out, _ = _run(capsys, "check", str(root), "--as-of", AS_OF, "--format", "json")
    checks = json.loads(out)["organisation"]["checks"]
    (finding,) = next(c for c in checks if c["id"] == "TM-REG-007")["findings"]
    assert (finding["line"], finding["column"], finding["severity"]) == (line, 5, "medium")
    code, out, _ = _run(capsys, "soa", str(root), "--as-of", AS_OF, "--format", "json")
    doc = json.loads(out)
    marked = {c["control"]: c["contradicted_by"] for c in doc["controls"] if c["contradicted_by"]}
    assert marked == {
        "iso42001/A.10.3": [
            "models/coding-agent.yaml",
            "models/partner-classifier.yaml",
            "models/support-assistant.yaml",
        ]
    }
    code, out, _ = _run(capsys, "soa", str(root), "--as-of", AS_OF)
    assert "37 applicable, 1 not applicable (1 contradicted by the models), 0 undecided" in out
    (row,) = (r for r in out.splitlines() if r.startswith("| A.10.3 |"))
    names = "coding-agent, partner-classifier, support-assistant"
    assert f"| no **(contradicted: {names} show it applies)** |" in row
    assert (
        f"- **contradiction** (TM-REG-007): decided not applicable, but the verdicts of {names} "
        "show it applies" in out
    )
    code, out, _ = _run(capsys, "soa", str(root), "--as-of", AS_OF, "--format", "html")
    assert f"<td>no, contradicted: {names} show it applies</td>" in out
    # the csv and the workbook an auditor filters name the models on that row alone
    paths = (
        "models/coding-agent.yaml; models/partner-classifier.yaml; models/support-assistant.yaml"
    )
    code, out, _ = _run(capsys, "soa", str(root), "--as-of", AS_OF, "--format", "csv")
    marked = {(r["control"], r["contradicted_by"]) for r in csv.DictReader(io.StringIO(out))}
    assert {m for m in marked if m[1]} == {("A.10.3", paths)}
    book_path = root.parent / "soa.xlsx"
    _run(capsys, "soa", str(root), "--as-of", AS_OF, "-f", "xlsx", "-o", str(book_path))
    sheet = openpyxl.load_workbook(book_path)["soa"]
    head = [c.value for c in sheet[1]]
    column = head.index("contradicted_by")
    by_control = {row[0].value: row[column].value for row in sheet.iter_rows(min_row=2)}
    assert {k: v for k, v in by_control.items() if v} == {"A.10.3": paths}
    # the evidence pack's register page says the decision is contradicted, where it shows it
    git.Repo(root).git.commit("-qam", "A.10.3 not applicable")
    pack = root.parent / "pack"
    _run(capsys, "evidence", str(root), "--as-of", AS_OF, "--out", str(pack))
    page = (pack / "register" / "index.md").read_text(encoding="utf-8")
    (decision,) = (r for r in page.splitlines() if r.startswith("| `iso42001/A.10.3` |"))
    assert f"| no, **contradicted**: {names} show it applies |" in decision


def test_a_missing_register_is_not_cited_as_the_source_of_decisions(
    capsys: pytest.CaptureFixture[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The auditor's A11: with no register file the statement said "decisions from the
    register `governance/register.yaml`", a file that does not exist."""
    root = committed_examples(tmp_path_factory)
    (root / "governance" / "register.yaml").unlink()
    code, out, _ = _run(capsys, "soa", str(root), "--as-of", AS_OF)
    assert "governance/register.yaml" not in out.split("\n\n")[1]
    assert "; no register was read (`policyengine init-register` writes a starter)." in out
    code, out, _ = _run(capsys, "soa", str(root), "--as-of", AS_OF, "--format", "json")
    assert json.loads(out)["register"] == ""


def test_a_models_own_ruling_that_its_checks_contradict_does_not_stand(
    capsys: pytest.CaptureFixture[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The auditor's A4: partner-classifier rules out A.7.5 ("no datasets") and MAP 4.1
    ("all in house") while TM-ISO-020 and TM-SUPPLY-001 fail for them: both read `-` in
    the matrix. They keep the checks' verdict now, the note saying why."""
    root = committed_examples(tmp_path_factory)
    model = root / "models" / "partner-classifier.yaml"
    text = model.read_text(encoding="utf-8")
    assert text.count("  not_applicable:\n") == 1
    model.write_text(
        text.replace(
            "  not_applicable:\n",
            "  not_applicable:\n"
            "    - {control: iso42001/A.7.5, reason: This system does not use any datasets.}\n"
            "    - {control: nist-ai-rmf/MAP 4.1, reason: All components are built in house.}\n",
        ),
        encoding="utf-8",
    )
    code, out, _ = _run(capsys, "check", str(model), "--as-of", AS_OF, "--format", "json")
    (report,) = json.loads(out)["models"]
    by_key = {c["control"]: c for c in report["controls"]}
    for key, check in (("iso42001/A.7.5", "TM-ISO-020"), ("nist-ai-rmf/MAP 4.1", "TM-SUPPLY-001")):
        assert by_key[key]["status"] in ("not_satisfied", "partial"), key
        note = by_key[key]["note"]
        assert note.startswith("ruled not applicable (") and check in note, note
        assert note.endswith(" it applies: the ruling does not stand"), note
    code, out, _ = _run(capsys, "soa", str(root), "--as-of", AS_OF, "--format", "json")
    (row,) = [c for c in json.loads(out)["controls"] if c["id"] == "A.7.5"]
    (verdict,) = [v for v in row["verdicts"] if v["id"] == "partner-classifier"]
    assert verdict["status"] != "not_applicable"
