"""The organisation register: loading with located errors, judging once per repository,
and the starter register (policyengine.register)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policyengine.catalog import control_order, load_controls
from policyengine.pipeline import evidence_filed, evidence_naming, names_whole
from policyengine.register import (
    DEFAULT_PATH,
    REGISTER_CHECKS,
    judge_register,
    load_register,
    register_checks,
    starter_controls,
    starter_register,
)
from policyengine.results import ControlResult, ControlStatus, ModelReport

AS_OF = date(2026, 11, 27)
FRAMEWORKS = ("nist-ai-rmf", "iso42001")
CATALOG = load_controls()
ORGANISATION = [c.key for c in CATALOG.judged("organisation")]

HEAD = """apiVersion: policyengine/v1
kind: OrganisationRegister
documents:
  - id: DOC-POLICY
    title: AI policy
    path: docs/policy.md
    version: "1"
    owner: head of risk
    approver: board
    approved: 2026-06-01
    review_period: annual
controls:
"""


def _decision(control: str, **fields: str) -> str:
    values = {
        "applicable": "true",
        "justification": "We build AI systems, so the policy sets the rules for all of them.",
        "status": "implemented",
        "owner": "head of risk",
        "documents": "[DOC-POLICY]",
    } | fields
    return f"  - control: {control}\n" + "".join(f"    {k}: {v}\n" for k, v in values.items())


def _repo(tmp_path: Path, body: str, head: str = HEAD) -> Path:
    (tmp_path / "docs").mkdir(exist_ok=True)
    (tmp_path / "docs" / "policy.md").write_text("# AI policy\n\nThe rules.\n", encoding="utf-8")
    (tmp_path / "governance").mkdir(exist_ok=True)
    (tmp_path / DEFAULT_PATH).write_text(head + body, encoding="utf-8")
    return tmp_path


def _all_decided(**override: dict[str, str]) -> str:
    return "".join(_decision(key, **override.get(key, {})) for key in ORGANISATION)


def _judged(root: Path) -> dict[str, tuple[ControlStatus, tuple[str, ...]]]:
    report = judge_register(load_register(root, catalog=CATALOG), CATALOG, FRAMEWORKS, AS_OF)
    return {
        c.control_id: (c.status, tuple(f.check_id for f in c.findings)) for c in report.controls
    }


def test_a_missing_register_leaves_every_organisation_control_undecided(tmp_path: Path) -> None:
    loaded = load_register(tmp_path, catalog=CATALOG)
    assert (loaded.found, loaded.register, loaded.diagnostics) == (False, None, ())
    report = judge_register(loaded, CATALOG, FRAMEWORKS, AS_OF)
    assert [c.control_id for c in report.controls] == ORGANISATION
    assert {c.status for c in report.controls} == {ControlStatus.NOT_SATISFIED}
    (undecided,) = [c for c in report.checks if c.check_id == "TM-REG-001"]
    # one finding per missing entry, for the repository
    assert [f.controls for f in undecided.findings] == [(key,) for key in ORGANISATION]
    assert (
        undecided.findings[0].message
        == f"control {ORGANISATION[0]} has no decision in the register"
    )


def test_a_framework_not_evaluated_is_not_judged(tmp_path: Path) -> None:
    report = judge_register(load_register(tmp_path), CATALOG, ("iso42001",), AS_OF)
    assert {c.framework for c in report.controls} == {"iso42001"}


def test_decided_controls_are_attested_not_satisfied(tmp_path: Path) -> None:
    judged = _judged(_repo(tmp_path, _all_decided()))
    assert set(judged.values()) == {(ControlStatus.ATTESTED, ())}


@pytest.mark.parametrize(
    ("fields", "status", "checks"),
    [
        ({"justification": "TBD"}, ControlStatus.NOT_SATISFIED, ("TM-REG-002",)),
        ({"justification": '""'}, ControlStatus.NOT_SATISFIED, ("TM-REG-002",)),
        (
            {"applicable": "false", "justification": "n/a", "status": "null"},
            ControlStatus.NOT_SATISFIED,
            ("TM-REG-002",),
        ),
        (
            {"applicable": "false", "justification": "We run no AI system that does this at all."},
            ControlStatus.NOT_APPLICABLE,
            (),
        ),
        ({"status": "partial"}, ControlStatus.PARTIAL, ("TM-REG-004",)),
        ({"status": "planned"}, ControlStatus.NOT_SATISFIED, ("TM-REG-004",)),
        ({"documents": "[]"}, ControlStatus.NOT_SATISFIED, ("TM-REG-005",)),
        ({"status": "null"}, ControlStatus.NOT_SATISFIED, ("TM-REG-001",)),
        ({"applicable": "null"}, ControlStatus.NOT_SATISFIED, ("TM-REG-001",)),
    ],
    ids=[
        "placeholder-justification",
        "empty-justification",
        "not-applicable-placeholder",
        "not-applicable-justified",
        "partial",
        "planned",
        "no-document",
        "no-status",
        "undecided",
    ],
)
def test_each_decision_problem_is_one_finding(
    tmp_path: Path, fields: dict[str, str], status: ControlStatus, checks: tuple[str, ...]
) -> None:
    key = ORGANISATION[0]
    judged = _judged(_repo(tmp_path, _all_decided(**{key: fields})))
    assert judged[key] == (status, checks)
    assert all(v == (ControlStatus.ATTESTED, ()) for k, v in judged.items() if k != key)


def test_an_expired_document_fails_the_controls_it_implements(tmp_path: Path) -> None:
    root = _repo(
        tmp_path, _all_decided(), HEAD.replace("approved: 2026-06-01", "approved: 2025-11-01")
    )
    report = judge_register(load_register(root, catalog=CATALOG), CATALOG, FRAMEWORKS, AS_OF)
    (expired,) = [c for c in report.checks if c.check_id == "TM-REG-003"]
    (finding,) = expired.findings
    assert finding.message == (
        "document DOC-POLICY has expired: in force until 2026-11-01 "
        "(approved 2025-11-01, reviewed annual)"
    )
    assert finding.controls == tuple(ORGANISATION)
    assert (finding.line, finding.column, finding.pointer) == (4, 5, "/documents/0")
    assert {c.status for c in report.controls} == {ControlStatus.NOT_SATISFIED}


@pytest.mark.parametrize(
    ("as_of", "attested"),
    [
        (date(2026, 10, 31), True),  # the day before its review is due
        (date(2026, 11, 1), True),  # the due day: approved exactly a year ago, not longer
        (date(2026, 11, 2), False),  # the day after: approved longer ago than a year
    ],
    ids=["day-before", "due-day", "day-after"],
)
def test_a_document_is_in_force_through_the_day_its_review_is_due(
    tmp_path: Path, as_of: date, attested: bool
) -> None:
    """As a review, an attestation or a waiver is: valid on its due day, lapsed the day
    after (controls.md: "After `due`: `overdue`")."""
    root = _repo(
        tmp_path, _all_decided(), HEAD.replace("approved: 2026-06-01", "approved: 2025-11-01")
    )
    report = judge_register(load_register(root, catalog=CATALOG), CATALOG, FRAMEWORKS, as_of)
    (expired,) = [c for c in report.checks if c.check_id == "TM-REG-003"]
    assert (len(expired.findings) == 0) is attested
    want = ControlStatus.ATTESTED if attested else ControlStatus.NOT_SATISFIED
    assert {c.status for c in report.controls} == {want}


def test_a_document_approved_after_the_as_of_date_is_not_approved_yet(tmp_path: Path) -> None:
    """On the as-of date nobody has approved it yet: it is within no review period, and the
    controls it implements are not attested on its strength (tester-a A3)."""
    root = _repo(
        tmp_path, _all_decided(), HEAD.replace("approved: 2026-06-01", "approved: 2027-06-15")
    )
    report = judge_register(load_register(root, catalog=CATALOG), CATALOG, FRAMEWORKS, AS_OF)
    (pending,) = [c for c in report.checks if c.check_id == "TM-REG-003"]
    (finding,) = pending.findings
    assert finding.message == (
        "document DOC-POLICY is not approved yet on 2026-11-27: its approval is dated 2027-06-15"
    )
    assert finding.controls == tuple(ORGANISATION)
    assert (finding.line, finding.column, finding.pointer) == (4, 5, "/documents/0")
    assert {c.status for c in report.controls} == {ControlStatus.NOT_SATISFIED}
    # approved on the as-of date itself, it is in force that day
    report = judge_register(
        load_register(root, catalog=CATALOG), CATALOG, FRAMEWORKS, date(2027, 6, 15)
    )
    assert {c.status for c in report.controls} == {ControlStatus.ATTESTED}


@pytest.mark.parametrize(
    ("text", "filed"),
    [
        ("# AI policy\n\nTODO: write this.\n\nTBD\n", False),
        ("# AI policy\n\nLorem ipsum dolor sit amet, consectetur adipiscing elit.\n", False),
        ("x\n", False),
        ("# AI policy\n\nEvery AI system has an owner who approves its threat model.\n", True),
    ],
    ids=["todo", "lorem", "empty", "written"],
)
def test_a_placeholder_document_fails_the_controls_it_implements(
    tmp_path: Path, text: str, filed: bool
) -> None:
    root = _repo(tmp_path, _all_decided())
    (root / "docs" / "policy.md").write_text(text, encoding="utf-8")
    loaded = load_register(root, catalog=CATALOG)
    report = judge_register(loaded, CATALOG, FRAMEWORKS, AS_OF, evidence_filed(root))
    (placeholder,) = [c for c in report.checks if c.check_id == "TM-REG-006"]
    if filed:
        assert placeholder.findings == ()
        assert {c.status for c in report.controls} == {ControlStatus.ATTESTED}
        return
    (finding,) = placeholder.findings
    assert finding.message == "document DOC-POLICY (docs/policy.md) is empty or placeholder text"
    assert finding.controls == tuple(ORGANISATION)
    assert (finding.line, finding.pointer) == (4, "/documents/0")
    assert {c.status for c in report.controls} == {ControlStatus.NOT_SATISFIED}
    # without the judgement of files (the default), the same register is attested
    report = judge_register(loaded, CATALOG, FRAMEWORKS, AS_OF)
    assert {c.status for c in report.controls} == {ControlStatus.ATTESTED}


def test_the_result_points_at_the_decision_and_its_documents(tmp_path: Path) -> None:
    report = judge_register(
        load_register(_repo(tmp_path, _all_decided()), catalog=CATALOG), CATALOG, FRAMEWORKS, AS_OF
    )
    first = report.controls[0]
    assert first.evidence == ("governance/register.yaml#/controls/0", "docs/policy.md")
    assert first.note.startswith("We build AI systems")
    assert [c.check_id for c in report.checks] == [c.id for c in REGISTER_CHECKS]


@pytest.mark.parametrize(
    ("body", "where", "message"),
    [
        (
            _decision("iso42001/A.2.2", applicable="maybe"),
            (14, 5),
            "controls/0/applicable: \"maybe\" is not of type 'boolean' or 'null'",
        ),
        (
            _decision("iso42001/A.2.2", documents="[DOC-NOPE]"),
            (18, 17),
            "control iso42001/A.2.2 cites document DOC-NOPE, which the register does not list",
        ),
        (
            _decision("iso42001/A.99"),
            (13, 5),
            "control iso42001/A.99 is not in the catalog",
        ),
        (
            _decision("iso42001/A.2.2") + _decision("iso42001/A.2.2"),
            (19, 5),
            "control iso42001/A.2.2 is decided twice",
        ),
    ],
    ids=["schema", "unknown-document", "unknown-control", "twice"],
)
def test_register_errors_are_located(
    tmp_path: Path, body: str, where: tuple[int, int], message: str
) -> None:
    loaded = load_register(_repo(tmp_path, body), catalog=CATALOG)
    assert loaded.register is None and loaded.found
    (d,) = loaded.diagnostics
    assert (d.file, (d.line, d.column), d.message) == ("governance/register.yaml", where, message)
    assert d.render().startswith(f"governance/register.yaml:{where[0]}:{where[1]}: error: ")


def test_a_document_path_must_exist_inside_the_repository(tmp_path: Path) -> None:
    head = HEAD.replace("path: docs/policy.md", "path: ../outside.md")
    loaded = load_register(_repo(tmp_path, _all_decided(), head), catalog=CATALOG)
    (d,) = loaded.diagnostics
    assert (d.line, d.column) == (6, 5)
    assert d.message == "document DOC-POLICY: ../outside.md is not a file inside the repository"
    missing = HEAD.replace("path: docs/policy.md", "path: docs/gone.md")
    (d,) = load_register(_repo(tmp_path, _all_decided(), missing)).diagnostics
    assert "docs/gone.md is not a file inside the repository" in d.message


def test_a_register_that_is_not_yaml_is_one_located_error(tmp_path: Path) -> None:
    loaded = load_register(_repo(tmp_path, "  - control: [unclosed\n"))
    (d,) = loaded.diagnostics
    assert d.file == "governance/register.yaml" and d.line >= 12 and d.code == "yaml"


def test_a_url_document_needs_no_file(tmp_path: Path) -> None:
    head = HEAD.replace("path: docs/policy.md", "url: https://intranet.example.com/ai-policy")
    loaded = load_register(_repo(tmp_path, _all_decided(), head), catalog=CATALOG)
    assert loaded.diagnostics == ()
    assert loaded.register is not None and loaded.register.documents[0].where.startswith("https:")


def test_the_starter_register_is_valid_and_lists_every_control_undecided(tmp_path: Path) -> None:
    text = starter_register(CATALOG)
    (tmp_path / "governance").mkdir()
    (tmp_path / DEFAULT_PATH).write_text(text, encoding="utf-8")
    loaded = load_register(tmp_path, catalog=CATALOG)
    assert loaded.diagnostics == () and loaded.register is not None
    listed = [d.control for d in loaded.register.decisions]
    assert listed == [c.key for c in starter_controls(CATALOG)]
    annex = [c.key for c in CATALOG.for_framework("iso42001") if c.id.startswith("A.")]
    assert set(ORGANISATION) <= set(listed) and set(annex) <= set(listed)
    assert len(annex) == 38
    assert not any(d.decided for d in loaded.register.decisions)
    assert loaded.register.risk_acceptors is None  # the config's acceptors still apply
    report = judge_register(loaded, CATALOG, FRAMEWORKS, AS_OF)
    (undecided,) = [c for c in report.checks if c.check_id == "TM-REG-001"]
    assert len(undecided.findings) == len(ORGANISATION)
    assert starter_register(CATALOG) == text  # deterministic


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Threat model: `support-assistant`.", True),
        ("Covers support-assistant and nothing else", True),
        ("Covers support-assistant.", True),
        ("Covers support-assistant-v2 only", False),
        ("Covers old-support-assistant only", False),
        ("Covers support-assistant.v2 only", False),
        ("no mention at all", False),
    ],
)
def test_system_evidence_names_the_model_as_a_whole_word(
    tmp_path: Path, text: str, named: bool
) -> None:
    (tmp_path / "e.md").write_text(text, encoding="utf-8")
    names = evidence_naming(tmp_path)
    assert names("e.md", "support-assistant") is named
    assert names("../e.md", "support-assistant") is False
    assert names("missing.md", "support-assistant") is False


_ID = st.sampled_from(["support-assistant", "m", "a.b", "x:1", "id_9"])
_AROUND = st.text(alphabet="ab9_-.: \n\u00e9", max_size=4)


@given(st.lists(st.tuples(_AROUND, st.booleans()), max_size=5), _ID)
def test_a_whole_word_is_found_as_its_pattern_finds_it(
    pieces: list[tuple[str, bool]], model_id: str
) -> None:
    """The search `names_whole` makes is the one its pattern states (lookarounds)."""
    text = "".join(around + (model_id if put else "") for around, put in pieces)
    pattern = rf"(?<![A-Za-z0-9_.:-]){re.escape(model_id)}(?![A-Za-z0-9_-]|[.:][A-Za-z0-9])"
    assert names_whole(text, model_id) is (re.search(pattern, text) is not None)


def test_the_register_checks_list_the_organisation_controls() -> None:
    """`policyengine checks` shows what each TM-REG-* check judges: the catalog's
    organisation controls, in the catalogs' order (A.2.2 before A.10.4)."""
    catalog = load_controls()
    organisation = sorted((c.key for c in catalog.judged("organisation")), key=control_order)
    checks = register_checks(catalog)
    assert [c.id for c in checks] == [c.id for c in REGISTER_CHECKS]
    judging = [c for c in checks if c.id != "TM-REG-007"]
    assert organisation and all(c.controls == tuple(organisation) for c in judging)
    assert "iso42001/A.2.2" in organisation and "nist-ai-rmf/MAP 1.2" in organisation
    # TM-REG-007 judges the decisions on the Annex A controls the models judge
    (contradicted,) = (c for c in checks if c.id == "TM-REG-007")
    annex = [c.key for c in catalog.for_framework("iso42001") if c.id.startswith("A.")]
    assert list(contradicted.controls) == [k for k in annex if k not in organisation]
    assert "iso42001/A.10.3" in contradicted.controls


def _model(path: str, model_id: str, **statuses: ControlStatus) -> ModelReport:
    """A judged model's report with the given statuses (`A_10_3=...`: iso42001/A.10.3)."""
    controls = tuple(
        ControlResult(
            control_id="iso42001/" + key.replace("_", "."),
            framework="iso42001",
            status=status,
            checks=("TM-SUPPLY-001",),
            findings=(),
        )
        for key, status in statuses.items()
    )
    return ModelReport(path=path, model_id=model_id, owner="ml", diagnostics=(), controls=controls)


def test_a_not_applicable_decision_the_models_contradict_is_a_finding(tmp_path: Path) -> None:
    """A decision that an Annex A control judged per model does not apply, while a model's
    result shows it applies (any status but not_applicable and not_assessed), is one
    TM-REG-007 finding at the decision, naming those models; the results stand."""
    no = {"applicable": "false", "status": "null", "documents": "[]"}
    body = _all_decided(**{"iso42001/A.6.2.8": no}) + "".join(
        _decision(key, **no)
        for key in ("iso42001/A.10.3", "iso42001/A.7.2", "iso42001/A.7.3", "iso42001/A.7.4")
    )
    body += _decision("iso42001/A.10.2")  # applicable: true, shown applicable: no finding
    root = _repo(tmp_path, body)
    na, unassessed = ControlStatus.NOT_APPLICABLE, ControlStatus.NOT_ASSESSED
    models = (
        _model("m/a.yaml", "alpha", A_10_3=ControlStatus.SATISFIED, A_7_2=na, A_10_2=na),
        _model("m/b.yaml", "", A_10_3=ControlStatus.NOT_SATISFIED, A_7_2=unassessed),
        _model("m/c.yaml", "gamma", A_10_3=na, A_7_3=ControlStatus.WAIVED),
        _model("m/d.yaml", "delta", A_7_4=ControlStatus.PARTIAL, A_10_2=ControlStatus.SATISFIED),
    )
    loaded = load_register(root, catalog=CATALOG)
    before = judge_register(loaded, CATALOG, FRAMEWORKS, AS_OF)
    report = judge_register(loaded, CATALOG, FRAMEWORKS, AS_OF, models=models)
    (outcome,) = (c for c in report.checks if c.check_id == "TM-REG-007")
    assert outcome.severity.value == "medium"
    found = {f.arguments[0]: f for f in outcome.findings}
    assert sorted(found) == ["iso42001/A.10.3", "iso42001/A.7.3", "iso42001/A.7.4"]
    f = found["iso42001/A.10.3"]
    assert f.message == (
        "control iso42001/A.10.3 is decided not applicable, but the models show it applies: "
        "alpha (satisfied), m/b.yaml (not_satisfied)"
    )
    text = (root / DEFAULT_PATH).read_text().splitlines()
    assert text[f.line - 1].strip() == "- control: iso42001/A.10.3" and f.column == 5
    assert f.pointer.startswith("/controls/") and f.controls == ("iso42001/A.10.3",)
    assert found["iso42001/A.7.3"].arguments[1] == "gamma (waived)"
    assert found["iso42001/A.7.4"].arguments[1] == "delta (partial)"
    # an organisation control decided not applicable is the register's to decide: no finding
    assert "iso42001/A.6.2.8" not in found
    # the finding changes no result, and no model means no finding
    assert report.controls == before.controls
    assert not next(c for c in before.checks if c.check_id == "TM-REG-007").findings
    assert all("TM-REG-007" not in c.checks for c in report.controls)
