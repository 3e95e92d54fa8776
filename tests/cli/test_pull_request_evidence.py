"""`check --base` on a pull request that rewrites what claims rest on, not the claims: a
register document changed under its approved version (PR-POLICY-005), a model's evidence,
red-team report or attestation file changed or deleted (PR-EVID-001), and `--changed-only`
selecting every model that cites such a file.

A real history: the examples committed on `main`, then a pull request branch `pr`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import git
import pytest
from conftest import edit_once as _edit

from policyengine.cli import main

REPO = Path(__file__).resolve().parents[2]
AS_OF = ["--as-of", "2026-11-27"]
SUPPORT = "models/support-assistant.yaml"
REGISTER = "governance/register.yaml"
POLICY = "docs/governance/ai-policy.md"
WHO = git.Actor("Reviewer", "reviewer@example.com")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The examples committed on `main`, checked out on a new branch `pr`."""
    root = tmp_path / "repo"
    shutil.copytree(REPO / "examples", root)
    r = git.Repo.init(root, initial_branch="main")
    r.git.add("--all")
    r.index.commit("examples", author=WHO, committer=WHO)
    r.git.checkout("-q", "-b", "pr")
    r.close()
    monkeypatch.chdir(root)
    return root


def _on_the_base(root: Path) -> None:
    """Make what the branch `pr` holds the base: `main` moved to it."""
    r = git.Repo(root)
    r.git.branch("-f", "main", "pr")
    r.close()


def _commit(root: Path, message: str) -> None:
    r = git.Repo(root)
    r.git.add("--all")
    r.index.commit(message, author=WHO, committer=WHO)
    r.close()


def _check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main(["check", "--base", "main", "--head", "pr", *argv, *AS_OF, "-f", "json"])
    return code, json.loads(capsys.readouterr().out)


def _repo_findings(doc: dict[str, Any], check: str) -> list[tuple[str, str, str]]:
    """(file, severity, message) of the pull request's repository findings of `check`."""
    return sorted(
        (f["file"], f["severity"], f["message"])
        for f in doc["pull_request"]["findings"]
        if f["check"] == check
    )


def _model_findings(doc: dict[str, Any], check: str) -> list[tuple[str, str, str]]:
    """(model path, severity, message) of the models' pull-request findings of `check`."""
    return sorted(
        (m["path"], f["severity"], f["message"])
        for m in doc["pull_request"]["models"]
        for f in m["findings"]
        if f["check"] == check
    )


_WITHDRAWN = (
    "# AI policy\n\nThis policy was withdrawn by the board. Teams may use any AI system as "
    "they see fit.\nNo approval is needed for new AI systems or for new suppliers of models.\n"
)


# --- a register document rewritten under its approved version ------------------------------


def test_a_register_document_rewritten_under_its_approval_fails(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """The tester's X3 repro: only docs/governance/ai-policy.md changes; the register still
    says version 2, approved 2026-01-19, and every control citing it reads attested."""
    (repo / POLICY).write_text(_WITHDRAWN, encoding="utf-8")
    _commit(repo, "Update the AI policy")
    for argv in ((), ("--changed-only",)):
        code, doc = _check(capsys, *argv)
        assert code == 1, argv
        assert _repo_findings(doc, "PR-POLICY-005") == [
            (
                POLICY,
                "high",
                f"the pull request changes {POLICY}, the register's document DOC-AI-POLICY "
                "(version 2, approved 2026-01-19 by AI governance board), and the register "
                "still records that approval; iso42001/A.2.2, iso42001/A.2.3, iso42001/A.2.4, "
                "iso42001/A.9.2, iso42001/A.9.4, iso42001/A.10.3 rest on it: a new text needs "
                "a new version and approval",
            )
        ]


def test_a_register_document_deleted_or_given_a_new_version(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """Deleting the file is the same finding; a new version and approval date in the
    register is the register's change instead (PR-POLICY-004, for the policy owners)."""
    (repo / POLICY).unlink()
    _commit(repo, "Drop the AI policy")
    code, doc = _check(capsys)
    assert [m[:2] for m in _repo_findings(doc, "PR-POLICY-005")] == [(POLICY, "high")]
    assert "the pull request deletes docs/governance/ai-policy.md" in str(doc)
    (repo / POLICY).write_text(_WITHDRAWN, encoding="utf-8")
    _edit(
        repo / REGISTER,
        'version: "2", owner: head of risk, approver: AI governance board, approved: 2026-01-19',
        'version: "3", owner: head of risk, approver: AI governance board, approved: 2026-11-26',
    )
    _commit(repo, "AI policy version 3")
    code, doc = _check(capsys)
    assert _repo_findings(doc, "PR-POLICY-005") == []
    assert [f[:2] for f in _repo_findings(doc, "PR-POLICY-004")] == [(REGISTER, "high")]


# --- a model's evidence rewritten ----------------------------------------------------------------


def test_evidence_deleted_is_found_with_changed_only_too(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """The tester's X6 repro: `git rm` of C-03's evidence and RT-2026-09's report. With
    --changed-only no model was evaluated (exit 0); the model citing them is changed too."""
    r = git.Repo(repo)
    r.git.rm("-q", "docs/controls/order-tool-scoping.md", "evidence/red-team/RT-2026-09.md")
    r.index.commit("Tidy evidence", author=WHO, committer=WHO)
    r.close()
    for argv in (("--changed-only",), ()):
        code, doc = _check(capsys, *argv)
        assert code == 1, argv
        assert SUPPORT in [m["path"] for m in doc["models"]]
        assert _model_findings(doc, "PR-EVID-001") == [
            (
                SUPPORT,
                "high",
                "the pull request deletes docs/controls/order-tool-scoping.md, the evidence of "
                "control C-03 (verified): what they rest on is rewritten in the pull request "
                "they are judged by",
            ),
            (
                SUPPORT,
                "high",
                "the pull request deletes evidence/red-team/RT-2026-09.md, the evidence of "
                "control C-03 (verified), control C-06 (verified), red-team exercise "
                "RT-2026-09: what they rest on is rewritten in the pull request they are "
                "judged by",
            ),
        ]
        assert "TM-ISO-061" in {
            f["check"] for m in doc["pull_request"]["models"] for f in m["findings"]
        }


def test_an_attestation_file_rewritten_is_found_and_selected(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """An impact assessment rewritten in place: the attestations citing it are named, and
    --changed-only evaluates the model (its own file unchanged)."""
    path = repo / "docs/governance/impact-assessment-support-assistant.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nNo impact found.\n", encoding="utf-8")
    _commit(repo, "Amend the impact assessment")
    code, doc = _check(capsys, "--changed-only")
    assert code == 1
    assert [m["path"] for m in doc["models"]] == [SUPPORT]
    ((where, severity, message),) = _model_findings(doc, "PR-EVID-001")
    assert (where, severity) == (SUPPORT, "high")
    assert message.startswith(
        "the pull request changes docs/governance/impact-assessment-support-assistant.md, "
        "the evidence of the attestation of iso42001/6.1.4, the attestation of iso42001/8.4,"
    )


_GATE = "docs/controls/model-upgrade-gate.md"
_IMPACT = "docs/governance/impact-assessment-support-assistant.md"
_SKIPPED = "# Upgrade gate\nsupport-assistant: The gate is optional and usually skipped.\n"


@pytest.mark.parametrize(
    "spelling",
    ["./docs/controls/", "docs/design/../controls/", "docs//controls/"],
    ids=["dot", "dotdot", "double-slash"],
)
def test_evidence_respelled_and_rewritten_is_found(
    capsys: pytest.CaptureFixture[str], repo: Path, spelling: str
) -> None:
    """The tester's B4 repro: the files C-09 and five attestations rest on are rewritten,
    and the model cites them with another spelling of the same path. The model still
    cites the very same file: PR-EVID-001 compares the path it names, in a full run and
    with --changed-only."""
    (repo / _GATE).write_text(_SKIPPED, encoding="utf-8")
    (repo / _IMPACT).write_text("# Impact assessment\nNo impact assessment was done.\n")
    _edit(repo / SUPPORT, f"evidence: [{_GATE}]", f"evidence: [{spelling}model-upgrade-gate.md]")
    text = (repo / SUPPORT).read_text(encoding="utf-8")
    (repo / SUPPORT).write_text(text.replace(f"evidence: {_IMPACT}", f"evidence: ./{_IMPACT}"))
    _commit(repo, "evidence")
    for argv in ((), ("--changed-only",)):
        code, doc = _check(capsys, *argv)
        assert code == 1, argv
        found = _model_findings(doc, "PR-EVID-001")
        assert len(found) == 2, argv
        assert found[0][2].startswith(
            f"the pull request changes {_GATE}, the evidence of control C-09 (implemented)"
        )
        assert found[1][2].startswith(
            f"the pull request changes {_IMPACT}, the evidence of the attestation of "
            "iso42001/6.1.4, the attestation of iso42001/8.4,"
        )


def test_a_respelled_citation_of_an_unchanged_file_is_no_finding(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """Spelling a citation another way rewrites nothing: the file is the base's."""
    _edit(repo / SUPPORT, f"evidence: [{_GATE}]", f"evidence: [./{_GATE}]")
    _commit(repo, "spelling")
    code, doc = _check(capsys)
    assert _model_findings(doc, "PR-EVID-001") == []


def test_a_file_the_base_cites_as_dot_slash_is_still_its_evidence(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """The tester's B4 variant: the base itself cites `./docs/...` (a natural spelling)
    and the pull request only rewrites the file. It was no finding, and --changed-only
    evaluated no model; the model is selected and the rewrite found."""
    _edit(repo / SUPPORT, f"evidence: [{_GATE}]", f"evidence: [./{_GATE}]")
    _commit(repo, "base cites ./")
    _on_the_base(repo)
    (repo / _GATE).write_text(_SKIPPED, encoding="utf-8")
    _commit(repo, "doc")
    for argv in ((), ("--changed-only",)):
        code, doc = _check(capsys, *argv)
        assert code == 1, argv
        assert SUPPORT in [m["path"] for m in doc["models"]]
        assert _model_findings(doc, "PR-EVID-001") == [
            (
                SUPPORT,
                "high",
                f"the pull request changes {_GATE}, the evidence of control C-09 (implemented): "
                "what they rest on is rewritten in the pull request they are judged by",
            )
        ], argv


def test_a_register_document_cited_as_dot_slash_is_still_its_document(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """A register that names its document `./docs/...`: rewriting the file under the same
    approval is PR-POLICY-005, at the file's path as git names it, with --changed-only too."""
    _edit(repo / REGISTER, f"path: {POLICY}", f"path: ./{POLICY}")
    _commit(repo, "register cites ./")
    _on_the_base(repo)
    (repo / POLICY).write_text(_WITHDRAWN, encoding="utf-8")
    _commit(repo, "Update the AI policy")
    for argv in ((), ("--changed-only",)):
        code, doc = _check(capsys, *argv)
        assert code == 1, argv
        assert [f[:2] for f in _repo_findings(doc, "PR-POLICY-005")] == [(POLICY, "high")]
        assert f"the pull request changes {POLICY}, the register's document" in str(doc)


def test_new_evidence_beside_the_old_is_no_finding(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """Adding a file and citing it is new evidence, not a rewrite."""
    (repo / "docs/controls/order-tool-scoping-2.md").write_text(
        "# Order tool scoping, retest\n\nThe tool still refuses foreign order ids.\n",
        encoding="utf-8",
    )
    _edit(
        repo / SUPPORT,
        "evidence: [docs/controls/order-tool-scoping.md, evidence/red-team/RT-2026-09.md]",
        "evidence: [docs/controls/order-tool-scoping.md, evidence/red-team/RT-2026-09.md, "
        "docs/controls/order-tool-scoping-2.md]",
    )
    _commit(repo, "Retest of the order tool")
    code, doc = _check(capsys, "--changed-only")
    assert _model_findings(doc, "PR-EVID-001") == []
    assert _repo_findings(doc, "PR-POLICY-005") == []


def test_a_changed_model_cited_as_evidence_selects_no_other_model(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """A threat model is no evidence of another (it is reported as such on both sides):
    a pull request that changes a model another one cites selects that model alone with
    --changed-only, and reads no other model to find out."""
    agent = "models/coding-agent.yaml"
    _edit(
        repo / agent,
        "evidence: [docs/controls/agent-pr-review.md]",
        f"evidence: [docs/controls/agent-pr-review.md, {SUPPORT}]",
    )
    _commit(repo, "Cite the support assistant's model")
    _on_the_base(repo)  # the citation is on the base too
    _edit(
        repo / SUPPORT,
        "intended_purpose: Answer customer questions about their own orders;",
        "intended_purpose: Answer customer questions about their own orders and returns;",
    )
    _commit(repo, "Returns too")
    code, doc = _check(capsys, "--changed-only")
    assert [m["path"] for m in doc["models"]] == [SUPPORT]
    assert _model_findings(doc, "PR-EVID-001") == []
    code, doc = _check(capsys)  # the whole run: the citation is no new finding
    assert agent not in {f[0] for f in _model_findings(doc, "PR-EVID-001")}


def test_a_model_whose_evidence_alone_changed_is_affected_not_changed(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """The model's own file is the same on both sides: the reports say it is `affected`
    (a file it cites changed), not `changed`, in JSON, text and Markdown; a model whose
    own text changed is still `changed`."""
    r = git.Repo(repo)
    r.git.rm("-q", "docs/controls/order-tool-scoping.md")
    r.index.commit("Tidy evidence", author=WHO, committer=WHO)
    r.close()
    code, doc = _check(capsys, "--changed-only")
    assert code == 1
    ((model,),) = [[m for m in doc["pull_request"]["models"] if m["path"] == SUPPORT]]
    assert model["change"] == "affected"
    assert {"control": "iso42001/8.3", "base": "satisfied", "head": "partial"} in (
        model["control_changes"]
    )
    base = ["check", "--base", "main", "--head", "pr", "--changed-only", *AS_OF]
    main(base)
    text = capsys.readouterr().out
    assert f"  {SUPPORT}: affected (the file is unchanged; a file it cites changed)\n" in text
    assert f"{SUPPORT}: changed" not in text
    main([*base, "-f", "markdown"])
    assert (
        f"- `{SUPPORT}`: affected (the file is unchanged; a file it cites changed)"
        in capsys.readouterr().out
    )
    _edit(
        repo / SUPPORT,
        "intended_purpose: Answer customer questions about their own orders;",
        "intended_purpose: Answer customer questions about their own orders and returns;",
    )
    _commit(repo, "Returns too")
    _, doc = _check(capsys, "--changed-only")
    assert [m["change"] for m in doc["pull_request"]["models"] if m["path"] == SUPPORT] == [
        "changed"
    ]


# --- evidence swapped for the pull request's own ------------------------------------------------


_IA_NEW = "docs/new/ia.md"
_GATE_NEW = "docs/new/gate.md"


def _swap_evidence(root: Path, *, delete: bool = True) -> None:
    """The tester's B3 repro: C-09 and the board's five attestations repointed to files the
    pull request writes, the originals deleted (or kept)."""
    (root / "docs/new").mkdir()
    (root / _IA_NEW).write_text(
        "# support-assistant\nThreat model: `support-assistant`. Impact assessment done. "
        "Approved.\nAll good for support-assistant; see the board minutes.\n",
        encoding="utf-8",
    )
    (root / _GATE_NEW).write_text(
        "# Upgrade gate\nThe gate runs on every upgrade of support-assistant; evaluation "
        "results are stored.\n",
        encoding="utf-8",
    )
    text = (root / SUPPORT).read_text(encoding="utf-8")
    text = text.replace(f"evidence: {_IMPACT}", f"evidence: {_IA_NEW}")
    (root / SUPPORT).write_text(text, encoding="utf-8")
    _edit(root / SUPPORT, f"evidence: [{_GATE}]", f"evidence: [{_GATE_NEW}]")
    if delete:
        (root / _GATE).unlink()
        (root / _IMPACT).unlink()
    _commit(root, "refresh evidence")


def test_evidence_swapped_for_the_pull_requests_own_is_found(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """The tester's B3 repro: no PR-ATTEST-001 (same attester and date) and no PR-EVID-001
    (the old files are no longer cited) passed it. The swap is a rewrite of the evidence,
    named old -> new, in a full run and with --changed-only."""
    _swap_evidence(repo)
    for argv in ((), ("--changed-only",)):
        code, doc = _check(capsys, *argv)
        assert code == 1, argv
        assert _model_findings(doc, "PR-EVID-001") == [
            (
                SUPPORT,
                "high",
                f"control C-09 (implemented) now rests on {_GATE_NEW}, written by the pull "
                f"request, instead of {_GATE} (deleted by the pull request): evidence "
                f"[{_GATE}] -> [{_GATE_NEW}]; what it rests on is rewritten in the pull "
                "request it is judged by",
            ),
            (
                SUPPORT,
                "high",
                "the attestations of iso42001/6.1.4, iso42001/8.4, iso42001/A.5.3, "
                "iso42001/A.5.4, iso42001/A.5.5 by AI governance board now rest on "
                f"{_IA_NEW}, written by the pull request, instead of {_IMPACT} (deleted by "
                "the pull request): what AI governance board vouched for is replaced in the "
                "pull request it is judged by",
            ),
        ], argv


def test_evidence_swapped_with_the_old_file_kept_is_found(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """The old files left in place change nothing: the claims rest on the new ones."""
    _swap_evidence(repo, delete=False)
    code, doc = _check(capsys)
    assert code == 1
    messages = [m[2] for m in _model_findings(doc, "PR-EVID-001")]
    assert [m.split(":")[0] for m in messages] == [
        f"control C-09 (implemented) now rests on {_GATE_NEW}, written by the pull request, "
        f"instead of {_GATE}",
        "the attestations of iso42001/6.1.4, iso42001/8.4, iso42001/A.5.3, iso42001/A.5.4, "
        f"iso42001/A.5.5 by AI governance board now rest on {_IA_NEW}, written by the pull "
        f"request, instead of {_IMPACT}",
    ]


def test_evidence_moved_and_edited_is_a_swap_moved_alone_is_none(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """A file moved (git mv) and cited at its new path is the same document: no finding.
    Moved and edited in the same pull request, it is the pull request's text."""
    r = git.Repo(repo)
    r.git.mv(_GATE, _GATE_NEW.replace("new/", "controls/renamed-"))
    r.close()
    moved = _GATE_NEW.replace("new/", "controls/renamed-")
    _edit(repo / SUPPORT, f"evidence: [{_GATE}]", f"evidence: [{moved}]")
    _commit(repo, "rename the gate's page")
    code, doc = _check(capsys)
    assert _model_findings(doc, "PR-EVID-001") == []
    (repo / moved).write_text(_SKIPPED, encoding="utf-8")
    _commit(repo, "and rewrite it")
    code, doc = _check(capsys)
    assert code == 1
    assert [m[2].split(":")[0] for m in _model_findings(doc, "PR-EVID-001")] == [
        f"control C-09 (implemented) now rests on {moved}, written by the pull request, "
        f"instead of {_GATE} (deleted by the pull request)"
    ]


def test_evidence_swapped_for_a_file_of_the_base_or_on_a_planned_control_is_none(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    """Citing a file the base already had, unchanged, is no text of the pull request's;
    a planned control claims nothing on its evidence."""
    _edit(repo / SUPPORT, f"evidence: [{_GATE}]", "evidence: [docs/controls/event-logging.md]")
    _commit(repo, "cite the logging page")
    code, doc = _check(capsys)
    assert _model_findings(doc, "PR-EVID-001") == []
    _edit(repo / SUPPORT, "evidence: [docs/controls/event-logging.md]", f"evidence: [{_GATE}]")
    text = (repo / SUPPORT).read_text(encoding="utf-8")
    i = text.index("  - id: C-09\n")
    j = text.index("    status: implemented\n", i)
    text = text[:j] + "    status: planned\n" + text[j + len("    status: implemented\n") :]
    (repo / SUPPORT).write_text(text, encoding="utf-8")
    _commit(repo, "C-09 is planned")
    _on_the_base(repo)
    (repo / "docs/new").mkdir()
    (repo / _GATE_NEW).write_text(_SKIPPED, encoding="utf-8")
    _edit(repo / SUPPORT, f"evidence: [{_GATE}]", f"evidence: [{_GATE_NEW}]")
    _commit(repo, "the planned gate's page")
    code, doc = _check(capsys)
    assert _model_findings(doc, "PR-EVID-001") == []
