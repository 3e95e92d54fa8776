"""`check --base` and `status`: weakening a model without touching what the gate compared.

An outside tester's attacks (explore report F10, F11, F13): an asset's risk fields
rewritten (its host, its data's provenance, who writes the retrieval source, a tool's
human approval), the system's `ai_tasks` relabelled so that whole families of ATLAS
techniques stop applying, and an expired acceptance replaced by a transfer. Each runs on
the example history (`scripts/make_example_history.py`) with the attacker's edit
committed on top of `main` (the commit before the last, which adds an agent tool
without a review), as a pull request's branch holds it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import git
import pytest
from conftest import commit_all as _commit
from conftest import edit_once as _edit

from policyengine.cli import main

REPO = Path(__file__).resolve().parents[2]
AS_OF = ["--as-of", "2026-11-27"]
SUPPORT = "models/support-assistant.yaml"
PARTNER = "models/partner-classifier.yaml"

sys.path.insert(0, str(REPO / "scripts"))
from make_example_history import build_history  # noqa: E402


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("weakening") / "repo"
    build_history(dest)
    repo = git.Repo(dest)
    repo.git.reset("-q", "--hard", "HEAD~1")  # main: every model reviewed, no PR-* finding
    repo.close()
    return dest


def _check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main(["check", *argv, *AS_OF, "-f", "json"])
    return code, json.loads(capsys.readouterr().out)


def _gate(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every finding the pull request is judged on (the new ones)."""
    return [f for m in doc["pull_request"]["models"] for f in m["findings"]] + doc["pull_request"][
        "findings"
    ]


def _messages(doc: dict[str, Any], check: str) -> list[str]:
    return [f["message"] for f in _gate(doc) if f["check"] == check]


def _status(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    main(["status", *AS_OF, "-f", "json"])
    return dict(json.loads(capsys.readouterr().out))


def test_the_base_has_no_pull_request_finding(capsys: pytest.CaptureFixture[str], pr: Path) -> None:
    """The control: an empty pull request on main passes, so each finding below is the
    attack's."""
    code, doc = _check(capsys, "--base", "HEAD")
    assert _gate(doc) == []
    assert code == 0


# --- F10: an asset's risk fields are review triggers ------------------------------------

_F10 = (
    (
        "region: eu-west}\n    procurement_reviewed: true\n  - id: support-ft",
        "region: unknown}\n    procurement_reviewed: true\n  - id: support-ft",
        "base model base-model: hosting.region changed from eu-west to unknown",
    ),
    (
        "provenance: {source: internal ticketing export, sha256: 3f1d",
        "provenance: {source: tickets plus scraped forum posts, sha256: 3f1d",
        "dataset ft-dataset: provenance.source changed from internal ticketing export to "
        "tickets plus scraped forum posts",
    ),
    (
        "ingestion: {access_controlled: true, writers: [ml-engineering]}",
        "ingestion: {access_controlled: true, writers: [ml-engineering, forum scraper]}",
        "dataset ft-dataset: ingestion.writers changed from [ml-engineering] to "
        "[forum scraper, ml-engineering]",
    ),
    (
        "human_approval: above 500 EUR and for any change of delivery country",
        "human_approval: never; the agent acts on its own",
        "agent tool order-tool: human_approval changed from above 500 EUR and for any "
        "change of delivery country to never; the agent acts on its own",
    ),
    (
        'version: "3-small"',
        'version: "4-large-preview"',
        "embedding model embed-small: version changed from 3-small to 4-large-preview",
    ),
    (
        "writers: [support-content-team], reviewed_before_publish: true}",
        "writers: [anyone with a customer account], reviewed_before_publish: true}",
        "retrieval corpus kb: ingestion_paths[cms-sync].writers changed from "
        "[support-content-team] to [anyone with a customer account]",
    ),
    (
        "writers: [support-content-team], reviewed_before_publish: true}",
        "writers: [support-content-team], reviewed_before_publish: false}",
        "retrieval corpus kb: ingestion_paths[cms-sync].reviewed_before_publish changed "
        "from true to false",
    ),
)


@pytest.mark.parametrize(
    ("old", "new", "described"),
    _F10,
    ids=["host", "provenance", "dataset-writers", "approval", "embedding", "writers", "review"],
)
def test_a_weakened_asset_needs_a_review(
    capsys: pytest.CaptureFixture[str], pr: Path, old: str, new: str, described: str
) -> None:
    """The tester's F10, one field at a time: each change is PR-REVIEW-001 in the pull
    request and `review_required` in `status` once merged, naming the field."""
    _edit(pr / SUPPORT, old, new)
    _commit(pr, "Update an asset")
    code, doc = _check(capsys, "--base", "HEAD~1")
    (message,) = _messages(doc, "PR-REVIEW-001")
    assert described in message
    assert code == 1
    (model,) = [m for m in _status(capsys)["models"] if m["path"] == SUPPORT]
    assert model["status"] == "review_required"
    assert any(described in r["message"] for r in model["reasons"])


def test_a_restyled_or_recased_risk_field_needs_no_review(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """Reformatting never triggers: a flow mapping written as a block, a list reordered,
    a statement recased and repunctuated."""
    _edit(
        pr / SUPPORT,
        "    hosting: {provider: cloud model API, region: eu-west}\n"
        "    procurement_reviewed: true\n  - id: support-ft",
        "    hosting:\n      region: eu-west\n      provider: Cloud model API.\n"
        "    procurement_reviewed: true\n  - id: support-ft",
    )
    _edit(
        pr / SUPPORT,
        "human_approval: above 500 EUR and for any change of delivery country",
        "human_approval: Above 500 EUR, and for any change of delivery country.",
    )
    _edit(
        pr / SUPPORT,
        "ingestion: {access_controlled: true, writers: [ml-engineering]}",
        "ingestion: {writers: [ml-engineering], access_controlled: true}",
    )
    _commit(pr, "Restyle")
    code, doc = _check(capsys, "--base", "HEAD~1")
    assert _gate(doc) == []
    assert code == 0


# --- F13: a transfer is a risk decision, like an acceptance -----------------------------

_ACCEPTED = """\
    status: accepted
    acceptance:
      approved_by: head of risk
      date: 2026-03-31
      expires: 2026-09-30
      rationale: Partners are contractually barred from probing; revisit once scores are bucketed.
"""


def test_an_expired_acceptance_turned_into_a_transfer_is_reported(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """The tester's F13: the base fails TM-TREAT-003 (the acceptance of T-208 expired);
    the pull request calls the threat transferred, which hid it and passed."""
    _edit(
        pr / PARTNER,
        _ACCEPTED,
        "    status: transferred\n    transferred_to: our partners, by contract\n",
    )
    _commit(pr, "T-208 is carried by the partners")
    code, doc = _check(capsys, "--base", "HEAD~1")
    assert sorted(f["check"] for f in _gate(doc)) == ["PR-RISK-003", "TM-TREAT-003"]
    (message,) = _messages(doc, "PR-RISK-003")
    assert "transfers the risk of threat T-208 (risk 12, was accepted) to our partners" in message
    # A transfer above the threshold carries what an acceptance carries: this one has no
    # approver and no expiry, so the model fails as the base did, whatever the gate says.
    assert _messages(doc, "TM-TREAT-003") == [
        "the acceptance of threat T-208 (risk 12) names no approver"
    ]
    assert code == 1


def test_a_transfer_with_its_approval_passes_the_model_checks(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """A transfer approved like an acceptance (by an acceptor, within the longest
    acceptance) and naming who carries the risk: no model check fails, only the gate's
    own findings remain (the transfer, and its approval's later expiry)."""
    _edit(
        pr / PARTNER,
        _ACCEPTED,
        "    status: transferred\n    transferred_to: cyber insurer, policy 77-1\n"
        "    acceptance:\n      approved_by: head of risk\n      date: 2026-11-20\n"
        "      expires: 2027-05-31\n      rationale: Insured up to 2 M EUR.\n",
    )
    _commit(pr, "T-208 is insured")
    code, doc = _check(capsys, "--base", "HEAD~1")
    assert sorted(f["check"] for f in _gate(doc)) == ["PR-RISK-002", "PR-RISK-003"]
    assert code == 1


_INSURED = """\
    status: transferred
    transferred_to: cyber insurer
    acceptance:
      approved_by: head of risk
      date: 2026-11-20
      expires: 2027-05-31
"""


def test_a_transfer_moved_to_someone_else_is_reported_and_a_restyle_is_not(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    _edit(pr / PARTNER, _ACCEPTED, _INSURED)
    _commit(pr, "T-208 is insured")
    _edit(pr / PARTNER, "transferred_to: cyber insurer", "transferred_to: Cyber insurer.")
    _commit(pr, "Style")
    code, doc = _check(capsys, "--base", "HEAD~1")
    assert _gate(doc) == []
    assert code == 0
    _edit(pr / PARTNER, "transferred_to: Cyber insurer.", "transferred_to: the partners")
    _commit(pr, "T-208 is the partners' problem")
    code, doc = _check(capsys, "--base", "HEAD~1")
    (message,) = _messages(doc, "PR-RISK-003")
    assert "moves the risk of threat T-208 from Cyber insurer. to the partners" in message
    assert code == 1


# --- F11: relabelling the system is a scope decision ------------------------------------

_CHAFF = """\
  - id: T-012
    title: Crafted chat inputs evade the model or flood it with chaff
    surface: chat-io
    atlas: [AML.T0015, AML.T0046, AML.T0029]
    stride: [denial_of_service]
    likelihood: 1
    impact: 1
    prerequisites: [query_access]
    assumptions: [Inputs are rate limited per signed-in customer.]
    mitigations: []
    status: open
    validation: {status: untested, note: Below the threshold (risk 1); not measured separately.}
"""


def test_relabelled_ai_tasks_that_drop_techniques_are_reported(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """The tester's F11: `ai_tasks` relabelled so that the LLM and agent techniques stop
    applying (plus a throw-away threat for the predictive ones that now do)."""
    _edit(
        pr / SUPPORT,
        "ai_tasks: [generation, retrieval, tool_use]",
        "ai_tasks: [anomaly_detection]",
    )
    _edit(pr / SUPPORT, "threats:\n", "threats:\n" + _CHAFF)
    _commit(pr, "Describe the system as anomaly detection")
    code, doc = _check(capsys, "--base", "HEAD~1")
    (message,) = _messages(doc, "PR-SCOPE-007")
    assert "system.ai_tasks [generation, retrieval, tool_use] -> [anomaly_detection]" in message
    for technique in ("AML.T0051", "AML.T0053", "AML.T0070", "AML.T0101"):
        assert f"atlas/{technique}" in message
    (finding,) = [f for f in _gate(doc) if f["check"] == "PR-SCOPE-007"]
    assert finding["severity"] == "high"
    assert finding["line"] > 0
    # The model contradicts its new tasks: it still has an agent tool and an agentic surface.
    (contradiction,) = _messages(doc, "TM-CTX-006")
    assert "order-tool (one of 2 agent tools and agentic surfaces)" in contradiction
    assert code == 1


def test_a_surface_moved_off_the_retrieval_layer_is_reported(
    capsys: pytest.CaptureFixture[str], pr: Path
) -> None:
    """The variant: the only retrieval surface moved to the runtime layer."""
    _edit(
        pr / SUPPORT,
        "  - id: kb-retrieval\n    layer: retrieval\n",
        "  - id: kb-retrieval\n    layer: runtime\n",
    )
    _commit(pr, "kb-retrieval is runtime")
    code, doc = _check(capsys, "--base", "HEAD~1")
    (message,) = _messages(doc, "PR-SCOPE-007")
    assert "surface kb-retrieval layer retrieval -> runtime" in message
    assert "atlas/AML.T0070" in message
    assert code == 1


_ACCEPTANCE_T005 = """\
      approved_by: head of support engineering
      date: 2026-10-02
"""


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        (
            _ACCEPTANCE_T005,
            "      approved_by: AI governance board\n      date: 2026-11-20\n",
            "approved_by from head of support engineering to AI governance board; date from "
            "2026-10-02 to 2026-11-20",
        ),
        (
            "      rationale: Tool-side authorization limits exposure to the caller's own "
            "orders.\n",
            "      rationale: Customers rarely try this, so the exposure is acceptable for now.\n",
            "rationale from Tool-side authorization limits exposure to the caller's own orders. "
            "to Customers rarely try this, so the exposure is acceptable for now.",
        ),
    ],
    ids=["approver-and-date", "rationale"],
)
def test_rewriting_an_acceptance_is_a_finding_for_a_reviewer(
    capsys: pytest.CaptureFixture[str], pr: Path, old: str, new: str, said: str
) -> None:
    """X15: the waiver-approver rule (PR-SCOPE-003) carried to acceptances: another
    approver, another date or another reason is a different decision in someone's name."""
    _edit(pr / SUPPORT, old, new)
    _commit(pr, "T-005 accepted by someone else")
    code, doc = _check(capsys, "--base", "HEAD~1")
    assert [(f["check"], f["severity"]) for f in _gate(doc)] == [("PR-RISK-004", "high")]
    (message,) = _messages(doc, "PR-RISK-004")
    assert message == (
        f"the pull request rewrites the acceptance of threat T-005: {said}; an acceptance is "
        "its approver's decision and needs their approval again"
    )
    assert code == 1


def test_an_acceptance_recased_is_no_rewrite(capsys: pytest.CaptureFixture[str], pr: Path) -> None:
    _edit(
        pr / SUPPORT,
        "approved_by: head of support engineering",
        "approved_by: Head of Support Engineering",
    )
    _commit(pr, "T-005's approver, capitalised")
    code, doc = _check(capsys, "--base", "HEAD~1")
    assert _gate(doc) == []
    assert code == 0
