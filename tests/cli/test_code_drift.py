"""`check --code`: drift between the code and its threat model (issue 16, item 2).

A sample agent project (`tests/data/discovery/langchain_agent`) in a real git repository
made here: `discover` drafts its threat model, which validates but for its empty threats;
with threats and a review written and committed, `check --code` finds no drift, and a
pull request that adds an `@tool` without touching the threat model fails, naming the
file, the line and the tool.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from io import StringIO
from pathlib import Path
from typing import Any

import git
import pytest
from conftest import run_cli as _run

from policyengine.cli import main

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "tests" / "data" / "discovery" / "langchain_agent"
AS_OF = ["--as-of", "2026-11-20"]
MODEL = "models/support-agent.yaml"
CONFIG = 'models: ["models/**/*.yaml"]\ncode: [agent, requirements.txt]\n'

THREATS = """threats:
  - id: T-1
    title: Prompt injection makes the agent cancel other customers' orders
    surface: agentic
    atlas: [AML.T0051]
    likelihood: 3
    impact: 3
    assumptions: [the tools check nothing about who asks]
    status: open
review:
  cadence: quarterly
  last_reviewed: 2026-11-01
"""

NEW_TOOL = '''

@tool
def delete_account(user_id: str) -> str:
    """Delete a customer's account."""
    return user_id
'''


def _commit(root: Path, message: str) -> None:
    repo = git.Repo(root)
    repo.git.add("-A")
    repo.git.commit("-q", "-m", message)


@pytest.fixture(scope="module")
def drafted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str]:
    """The sample project in a git repository, its model drafted by `discover`: the
    project, `validate`'s exit status on the draft and its report."""
    root = tmp_path_factory.mktemp("drift") / "shop"
    shutil.copytree(SAMPLE, root)
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("user", "name", "Test")
        config.set_value("user", "email", "test@example.com")
    (root / ".policyengine.yaml").write_text(CONFIG, encoding="utf-8")
    (root / "models").mkdir()
    buffer = StringIO()
    with contextlib.chdir(root):
        assert main(["discover", "--name", "support-agent", "-o", MODEL]) == 0
        with contextlib.redirect_stdout(buffer):
            status = main(["validate", *AS_OF])
    report = buffer.getvalue()
    draft = (root / MODEL).read_text(encoding="utf-8")
    assert draft.count("threats: []\n") == 1
    (root / MODEL).write_text(draft.replace("threats: []\n", THREATS), encoding="utf-8")
    _commit(root, "the support agent and its threat model")
    return root, status, report


@pytest.fixture
def project(
    drafted: tuple[Path, int, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A fresh copy of the committed project as the working directory."""
    dest = tmp_path / "shop"
    shutil.copytree(drafted[0], dest, symlinks=True)
    monkeypatch.chdir(dest)
    return dest


def _add_tool(root: Path) -> int:
    """Append `delete_account` to the tools; the line of its `def`."""
    tools = root / "agent" / "tools.py"
    text = tools.read_text(encoding="utf-8") + NEW_TOOL
    tools.write_text(text, encoding="utf-8")
    return text.splitlines().index("def delete_account(user_id: str) -> str:") + 1


def _code_findings(doc: dict[str, Any]) -> list[tuple[str, str, int]]:
    return sorted(
        (f["check"], f["message"], f["line"])
        for m in doc["models"]
        for c in m["checks"]
        if c["id"].startswith("TM-CODE-")
        for f in c["findings"]
    )


def test_discover_drafts_a_model_whose_one_error_is_its_empty_threats(
    drafted: tuple[Path, int, str],
) -> None:
    _, status, report = drafted
    assert status == 1
    errors = [line for line in report.splitlines() if ": error: " in line]
    assert errors == [
        f"  {MODEL}:125:1: error: threats is empty: a threat model with no threat assesses nothing"
    ]


def test_the_drafted_model_matches_its_code(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "check", *AS_OF, "-f", "json")
    doc = json.loads(out)
    assert doc["models"][0]["valid"]
    assert _code_findings(doc) == []
    statuses = {c["id"]: c["status"] for c in doc["models"][0]["checks"]}
    assert {k: v for k, v in statuses.items() if k.startswith("TM-CODE-")} == {
        "TM-CODE-001": "pass",
        "TM-CODE-002": "pass",
        "TM-CODE-003": "pass",
        "TM-CODE-004": "pass",
    }
    assert code == 1  # the draft's other gaps: controls, red team, ...


def test_a_pull_request_adding_a_tool_fails_naming_file_line_and_tool(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _add_tool(project)
    code, out, _ = _run(capsys, "check", "--base", "main", "--fail-on", "critical", *AS_OF)
    assert code == 1
    assert (
        f"{MODEL}:24:1: critical: PR-CODE-001 the pull request adds code that the threat "
        f"model does not cover: agent tool `delete_account` at agent/tools.py:{line} is not "
        "declared in the threat model (possible shadow AI; the code reads: def "
        "delete_account(user_id: str) -> str:); declare the asset, add its threats and "
        "review the model (set review.last_reviewed) in the same pull request"
    ) in out
    assert "new in this pull request: 1 critical;" in out
    code, out, _ = _run(capsys, "check", "--base", "main", "--changed-only", *AS_OF, "-f", "json")
    doc = json.loads(out)
    [gate] = [f for m in doc["pull_request"]["models"] for f in m["findings"]]
    assert (gate["check"], gate["severity"]) == ("PR-CODE-001", "critical")
    assert [s["check"] for s in gate["same_cause"]] == ["TM-CODE-001"]
    assert code == 1


def test_declaring_the_tool_with_a_review_passes_the_code_gate(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_tool(project)
    model = project / MODEL
    text = model.read_text(encoding="utf-8")
    text = text.replace(
        "assets:\n",
        "assets:\n  - id: tool-delete\n    type: agent_tool\n    name: delete_account\n"
        "    permissions: write\n",
        1,
    ).replace("last_reviewed: 2026-11-01", "last_reviewed: 2026-11-19")
    model.write_text(text, encoding="utf-8")
    _, out, _ = _run(capsys, "check", "--base", "main", *AS_OF, "-f", "json")
    doc = json.loads(out)
    gate = {f["check"] for m in doc["pull_request"]["models"] for f in m["findings"]}
    # the review clears PR-REVIEW-001; dated in this pull request it is its claim
    assert {c for c in gate if c.startswith(("PR-CODE-", "TM-CODE-", "PR-REVIEW-"))} == {
        "PR-REVIEW-003"
    }


def test_drift_the_base_already_had_does_not_fail_the_pull_request(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_tool(project)
    _commit(project, "a tool nobody declared")
    tools = project / "agent" / "tools.py"
    tools.write_text("# the tools\n" + tools.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, _ = _run(capsys, "check", "--base", "HEAD", *AS_OF)
    assert code == 0
    assert "PR-CODE-001" not in out and "TM-CODE-001" not in out
    assert "already on the base" in out


def test_check_reports_undeclared_stale_and_drifted_assets(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _add_tool(project)
    tools = project / "agent" / "tools.py"
    tools.write_text(
        tools.read_text(encoding="utf-8").replace(
            '@tool("cancel_order", return_direct=True)\n', ""
        ),
        encoding="utf-8",
    )
    requirements = project / "requirements.txt"
    requirements.write_text(
        requirements.read_text(encoding="utf-8").replace("0.2.6", "0.2.7") + "torch==2.5.1\n",
        encoding="utf-8",
    )
    code, out, _ = _run(capsys, "check", *AS_OF, "-f", "json")
    assert code == 1
    assert _code_findings(json.loads(out)) == [
        (
            "TM-CODE-001",
            f"agent tool `delete_account` at agent/tools.py:{line - 1} is not declared in the "
            "threat model (possible shadow AI; the code reads: def delete_account(user_id: "
            "str) -> str:)",
            24,
        ),
        (
            "TM-CODE-002",
            "asset tool-cancel_order (agent_tool) is declared, but no code under agent, "
            "requirements.txt uses it",
            25,
        ),
        (
            "TM-CODE-003",
            "ML library langchain-openai 0.2.7 at requirements.txt:2 differs from 0.2.6, the "
            "version asset ml-libraries declares",
            90,
        ),
        (
            "TM-CODE-004",
            "ML library `torch` at requirements.txt:6 is not declared in the threat model "
            "(the manifest reads: torch==2.5.1)",
            24,
        ),
    ]


def test_without_code_the_drift_checks_do_not_apply(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / ".policyengine.yaml").write_text('models: ["models/**/*.yaml"]\n', encoding="utf-8")
    _add_tool(project)
    _, out, _ = _run(capsys, "check", *AS_OF, "-f", "json")
    checks = {c["id"]: c["status"] for c in json.loads(out)["models"][0]["checks"]}
    assert checks["TM-CODE-001"] == "not_applicable"
    _, out, _ = _run(capsys, "check", "--code", "agent", *AS_OF, "-f", "json")
    [(check, message, _)] = _code_findings(json.loads(out))
    assert check == "TM-CODE-001" and "`delete_account`" in message


def test_code_outside_the_repository_is_a_located_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, "check", "--code", "..", *AS_OF)
    assert (code, out) == (2, "")
    assert "--code ..: outside the repository" in err
    code, out, err = _run(capsys, "check", "--code", "nowhere", *AS_OF)
    assert (code, out) == (2, "")
    assert "--code nowhere: no such file or folder" in err
    (project / ".policyengine.yaml").write_text(
        'models: ["models/**/*.yaml"]\ncode: [agent, ../elsewhere]\n', encoding="utf-8"
    )
    code, out, err = _run(capsys, "check", *AS_OF)
    assert (code, out) == (2, "")
    assert ".policyengine.yaml:2:" in err and "code" in err and "outside the repository" in err
    assert "Traceback" not in err


def test_each_model_is_compared_with_its_own_code_paths(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    billing = project / "billing"
    billing.mkdir()
    (billing / "tools.py").write_text(
        "from langchain_core.tools import tool\n\n\n@tool\ndef charge(card: str) -> str:\n"
        '    """Charge a card."""\n    return card\n',
        encoding="utf-8",
    )
    model = project / MODEL
    text = model.read_text(encoding="utf-8")
    model.write_text(
        text.replace(
            "  version: 0.1.0\n", "  version: 0.1.0\n  x-code-paths: [agent, requirements.txt]\n", 1
        ),
        encoding="utf-8",
    )
    other = text.replace("id: support-agent", "id: billing-agent", 1).replace(
        "  version: 0.1.0\n", "  version: 0.1.0\n  x-code-paths: [billing/]\n", 1
    )
    (project / "models" / "billing-agent.yaml").write_text(other, encoding="utf-8")
    code, out, _ = _run(capsys, "check", "--code", ".", *AS_OF, "-f", "json")
    doc = json.loads(out)
    found = {
        m["path"]: sorted(
            (f["check"], f["message"].split(" at ")[0])
            for c in m["checks"]
            if c["id"] in ("TM-CODE-001", "TM-CODE-004")
            for f in c["findings"]
        )
        for m in doc["models"]
    }
    assert found[MODEL] == []
    assert found["models/billing-agent.yaml"] == [("TM-CODE-001", "agent tool `charge`")]
    stale = [
        f["message"]
        for m in doc["models"]
        if m["path"] == "models/billing-agent.yaml"
        for c in m["checks"]
        if c["id"] == "TM-CODE-002"
        for f in c["findings"]
    ]
    assert (
        "asset tool-lookup_order (agent_tool) is declared, but no code under billing uses it"
        in stale
    )
    assert code == 1


def test_code_links_in_a_model_are_validated(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = project / MODEL
    text = model.read_text(encoding="utf-8")
    model.write_text(
        text.replace(
            "  version: 0.1.0\n", "  version: 0.1.0\n  x-code-paths: [../other]\n", 1
        ).replace(
            "    name: lookup_order\n", "    name: lookup_order\n    x-code-refs: lookup\n", 1
        ),
        encoding="utf-8",
    )
    code, out, _ = _run(capsys, "validate", *AS_OF)
    assert code == 1
    assert (
        f"{MODEL}:11:18: error: path '../other' in metadata/x-code-paths/0 leaves the "
        "repository through '..'"
    ) in out
    assert "x-code-refs of asset tool-lookup_order must be a list of names" in out


_UNDECLARED = (
    "import openai\n\nclient = openai.OpenAI()\n"
    'answer = client.chat.completions.create(model="gpt-4o", messages=[])\n'
)


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (_UNDECLARED + "# padding padding padding padding padding\n" * 60_000, "larger than"),
        (_UNDECLARED + "type Messages = list[dict[str, str]]\n", "Python syntax error"),
        (b"# -*- coding: klingon -*-\n" + _UNDECLARED.encode(), "coding declaration"),
        (b"\xff\xfe" + _UNDECLARED.encode(), "not UTF-8 text"),
    ],
    ids=["over-2-MB", "newer-syntax", "unknown-coding", "not-utf-8"],
)
def test_code_the_pull_request_adds_that_is_not_analysed_fails_the_gate(
    project: Path, capsys: pytest.CaptureFixture[str], content: str | bytes, why: str
) -> None:
    """A file the analysis skips cannot hide an undeclared model client: in a pull request
    it is PR-CODE-002 (high), which fails the gate, not a warning."""
    added = project / "agent" / "client.py"
    if isinstance(content, str):
        added.write_text(content, encoding="utf-8")
    else:
        added.write_bytes(content)
    _commit(project, "a model client the analyser cannot read")
    code, out, _ = _run(capsys, "check", "--base", "HEAD~1", *AS_OF, "-f", "json")
    doc = json.loads(out)
    [gate] = doc["pull_request"]["findings"]
    assert (gate["file"], gate["check"], gate["severity"]) == (
        "agent/client.py",
        "PR-CODE-002",
        "high",
    )
    assert gate["message"].startswith(
        "the pull request changes agent/client.py, which the code analysis did not read ("
    )
    assert why in gate["message"] and gate["message"].endswith(
        "): the drift check cannot vouch for it"
    )
    assert code == 1
    # the same file on the base is no finding of this pull request
    code, out, _ = _run(capsys, "check", "--base", "HEAD", *AS_OF, "-f", "json")
    assert json.loads(out)["pull_request"]["findings"] == [] and code == 0


def test_a_pep_263_coding_declaration_is_honoured(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A latin-1 source that says so is analysed: its new agent tool is found."""
    source = (
        "# -*- coding: latin-1 -*-\nfrom langchain_core.tools import tool\n\n\n@tool\n"
        'def wire_money(iban: str) -> str:\n    """Pay the café."""\n    return iban\n'
    )
    (project / "agent" / "client.py").write_bytes(source.encode("latin-1"))
    _commit(project, "a latin-1 tool")
    code, out, _ = _run(capsys, "check", "--base", "HEAD~1", *AS_OF, "-f", "json")
    doc = json.loads(out)
    assert doc["pull_request"]["findings"] == []
    [gate] = [f for m in doc["pull_request"]["models"] for f in m["findings"]]
    assert gate["check"] == "PR-CODE-001" and "`wire_money` at agent/client.py:6" in gate["message"]
    assert code == 1


REFUND = '''from langchain_core.tools import tool


@tool
def grant_refund(order_id: str) -> str:
    """Refund any amount on any order."""
    return order_id
'''


def _scoped(root: Path, paths: str) -> None:
    """Give the model `metadata.x-code-paths: paths`."""
    model = root / MODEL
    text = model.read_text(encoding="utf-8")
    assert text.count("  version: 0.1.0\n") == 1
    model.write_text(
        text.replace("  version: 0.1.0\n", f"  version: 0.1.0\n  x-code-paths: {paths}\n"),
        encoding="utf-8",
    )


def _gate(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[tuple[str, str]]]:
    code, out, _ = _run(capsys, "check", "--base", "main", *AS_OF, "-f", "json")
    doc = json.loads(out)
    found = [
        (f["check"], f["message"]) for m in doc["pull_request"]["models"] for f in m["findings"]
    ]
    found += [(f["check"], f["message"]) for f in doc["pull_request"]["findings"]]
    return code, sorted(found)


def test_a_tool_listed_in_a_librarys_x_code_refs_is_still_undeclared(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """X13 (a): a new agent tool "declared" through x-code-refs on the ml_library asset
    escaped PR-CODE-001 (and never was judged as a tool); the re-scoping is PR-CODE-003."""
    (project / "agent" / "refund.py").write_text(REFUND, encoding="utf-8")
    model = project / MODEL
    text = model.read_text(encoding="utf-8")
    assert text.count("    type: ml_library\n") == 1
    model.write_text(
        text.replace(
            "    type: ml_library\n", "    type: ml_library\n    x-code-refs: [grant_refund]\n"
        ),
        encoding="utf-8",
    )
    code, found = _gate(project, capsys)
    checks = [c for c, _ in found]
    assert checks == ["PR-CODE-001", "PR-CODE-003"]
    assert "agent tool `grant_refund` at agent/refund.py:5 is not declared" in found[0][1]
    assert found[1][1] == (
        "the pull request changes x-code-refs of asset ml-libraries (ml_library) from none "
        "to [grant_refund]: the names in the code it declares change what the drift check "
        "reports"
    )
    assert code == 1


def test_narrowing_x_code_paths_around_a_new_tool_fails_the_gate(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """X13 (b): the new file belongs to no model once x-code-paths is narrowed: it is
    judged by none, which is a PR-CODE-001 finding, and the narrowing is PR-CODE-003."""
    _scoped(project, "[agent, requirements.txt]")
    _commit(project, "the agent's code")
    (project / "agent" / "refund.py").write_text(REFUND, encoding="utf-8")
    _scoped_text = (project / MODEL).read_text(encoding="utf-8")
    (project / MODEL).write_text(
        _scoped_text.replace(
            "x-code-paths: [agent, requirements.txt]",
            "x-code-paths: [agent/tools.py, agent/graph.py, requirements.txt]",
        ),
        encoding="utf-8",
    )
    code, found = _gate(project, capsys)
    assert found == [
        (
            "PR-CODE-001",
            "agent tool `grant_refund` at agent/refund.py:5 is in no threat model's "
            "metadata.x-code-paths, so no model's drift check judges it (possible shadow AI; "
            "the code reads: def grant_refund(order_id: str) -> str:); declare it in the model "
            "whose x-code-paths should cover this file, add its threats and review the model",
        ),
        (
            "PR-CODE-003",
            "the pull request changes metadata.x-code-paths from [agent, requirements.txt] to "
            "[agent/tools.py, agent/graph.py, requirements.txt]: the code this model is "
            "compared with changes with it, and code outside it is judged by no model's drift "
            "check",
        ),
    ]
    assert code == 1


def test_new_code_outside_every_models_x_code_paths_is_a_finding(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Code under --code that no model covers is a finding, not silence; what the base
    already left outside is not the pull request's."""
    _scoped(project, "[agent/tools.py, agent/graph.py, requirements.txt]")
    (project / "agent" / "old.py").write_text(
        REFUND.replace("grant_refund", "old_refund"), encoding="utf-8"
    )
    _commit(project, "the agent's code, one file outside the model")
    code, found = _gate(project, capsys)
    assert (code, found) == (0, [])
    (project / "agent" / "refund.py").write_text(REFUND, encoding="utf-8")
    code, found = _gate(project, capsys)
    assert [(c, m.split(" is in ")[0]) for c, m in found] == [
        ("PR-CODE-001", "agent tool `grant_refund` at agent/refund.py:5")
    ]
    assert code == 1


def test_a_full_check_reports_code_no_models_x_code_paths_covers(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Outside a pull request too, an agent tool under --code that no model's
    x-code-paths covers is a located run-level error (exit 1), not silence; a libraries'
    manifest outside is not (TM-CODE-004 is low). A run of one model cannot tell (the
    others may cover the file) and says nothing; a model without x-code-paths reads
    all the code, so nothing is outside."""
    _scoped(project, "[agent/tools.py, agent/graph.py]")
    (project / "agent" / "refund.py").write_text(REFUND, encoding="utf-8")
    _commit(project, "a tool outside the model's code")
    code, out, _ = _run(capsys, "check", *AS_OF, "-f", "json")
    doc = json.loads(out)
    outside = [
        (e["file"], e["line"], e["level"], e["message"])
        for e in doc["errors"]
        if "x-code-paths" in e["message"]
    ]
    assert outside == [
        (
            "agent/refund.py",
            5,
            "error",
            "agent tool `grant_refund` is in no threat model's metadata.x-code-paths, so no "
            "model's drift check judges it (possible shadow AI; the code reads: def "
            "grant_refund(order_id: str) -> str:); declare it in the model whose x-code-paths "
            "should cover this file",
        )
    ]
    assert code == 1 and doc["summary"]["errors"] >= 1
    code, out, _ = _run(capsys, "check", *AS_OF)
    assert "agent/refund.py:5:0: error: agent tool `grant_refund` is in no threat model" in out
    code, out, _ = _run(capsys, "check", MODEL, *AS_OF, "-f", "json")
    assert not [e for e in json.loads(out)["errors"] if "x-code-paths" in e["message"]]
    _scoped(project, "[agent]")  # the model covers it now
    code, out, _ = _run(capsys, "check", *AS_OF, "-f", "json")
    assert not [e for e in json.loads(out)["errors"] if "x-code-paths" in e["message"]]


def _drafted_project(
    root: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str], surface: str
) -> Path:
    """A git repository at `root` with `files` under `src/` and the model `discover` drafts
    of them (a threat on `surface` and a review written), committed; the working
    directory."""
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("user", "name", "Test")
        config.set_value("user", "email", "test@example.com")
    for name, text in files.items():
        (root / "src" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "src" / name).write_text(text, encoding="utf-8")
    (root / ".policyengine.yaml").write_text(
        'models: ["models/**/*.yaml"]\ncode: [src]\n', encoding="utf-8"
    )
    (root / "models").mkdir()
    monkeypatch.chdir(root)
    assert main(["discover", "src", "--name", "demo", "-o", "models/demo.yaml"]) == 0
    draft = (root / "models" / "demo.yaml").read_text(encoding="utf-8")
    (root / "models" / "demo.yaml").write_text(
        draft.replace("threats: []\n", THREATS.replace("surface: agentic", f"surface: {surface}")),
        encoding="utf-8",
    )
    _commit(root, "the system and its threat model")
    return root


OPENAI_APP = """from openai import OpenAI
client = OpenAI()
def a(t):
    return client.chat.completions.create(model="gpt-4o-mini", messages=[])
def b(t):
    return client.embeddings.create(model="text-embedding-3-small", input=t)
"""


def _stale(doc: dict[str, Any]) -> list[str]:
    return sorted(f[1] for f in _code_findings(doc) if f[0] == "TM-CODE-002")


def test_a_model_client_alone_uses_none_of_its_providers_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """tester-c C1: the code stops using both models and keeps its `OpenAI()`; the draft
    marks both models `x-provider: openai`, which declares the client but uses neither."""
    root = _drafted_project(tmp_path / "app", monkeypatch, {"app.py": OPENAI_APP}, "input-output")
    capsys.readouterr()
    _, out, _ = _run(capsys, "check", *AS_OF, "-f", "json")
    assert _code_findings(json.loads(out)) == []
    (root / "src" / "app.py").write_text(
        "from openai import OpenAI\nclient = OpenAI()\n"
        "def a(t):\n    return client.models.list()\n",
        encoding="utf-8",
    )
    _, out, _ = _run(capsys, "check", *AS_OF, "-f", "json")
    doc = json.loads(out)
    assert [f[0] for f in _code_findings(doc)] == ["TM-CODE-002", "TM-CODE-002"]
    assert _stale(doc) == [
        "asset embed-text-embedding-3-small (embedding_model) is declared, but no code under "
        "src uses it",
        "asset model-gpt-4o-mini (base_model) is declared, but no code under src uses it",
    ]


def test_switching_models_reports_the_old_one_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """tester-c C1: gpt-4o-mini -> gpt-4.1-mini is a new undeclared model and a stale one,
    though the client that served both stays."""
    root = _drafted_project(tmp_path / "app", monkeypatch, {"app.py": OPENAI_APP}, "input-output")
    app = root / "src" / "app.py"
    app.write_text(OPENAI_APP.replace("gpt-4o-mini", "gpt-4.1-mini"), encoding="utf-8")
    capsys.readouterr()
    _, out, _ = _run(capsys, "check", *AS_OF, "-f", "json")
    findings = _code_findings(json.loads(out))
    assert [(f[0], f[1].split(" at ")[0]) for f in findings] == [
        ("TM-CODE-001", "model `gpt-4.1-mini`"),
        (
            "TM-CODE-002",
            "asset model-gpt-4o-mini (base_model) is declared, but no code under src uses it",
        ),
    ]


def test_swapping_the_mcp_server_package_is_an_undeclared_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """tester-c C3: the draft names the connection by the package it runs, so another
    package with the same path is TM-CODE-001 (and the old connection TM-CODE-002)."""
    agent = (
        "from mcp import StdioServerParameters\n"
        'fs = StdioServerParameters(command="npx", args=["-y", '
        '"@modelcontextprotocol/server-filesystem", "/srv/data"])\n'
    )
    root = _drafted_project(tmp_path / "mcp", monkeypatch, {"agent.py": agent}, "agentic")
    draft = (root / "models" / "demo.yaml").read_text(encoding="utf-8")
    assert "name: npx @modelcontextprotocol/server-filesystem /srv/data\n" in draft
    capsys.readouterr()
    _, out, _ = _run(capsys, "check", *AS_OF, "-f", "json")
    assert _code_findings(json.loads(out)) == []
    (root / "src" / "agent.py").write_text(
        agent.replace("@modelcontextprotocol/server-filesystem", "@someone/mcp-server-shell-exec"),
        encoding="utf-8",
    )
    _, out, _ = _run(capsys, "check", *AS_OF, "-f", "json")
    assert [(f[0], f[1].split(" at ")[0]) for f in _code_findings(json.loads(out))] == [
        (
            "TM-CODE-001",
            "MCP server connection `npx @someone/mcp-server-shell-exec /srv/data`",
        ),
        (
            "TM-CODE-002",
            "asset tool-npx-modelcontextprotocol-server-filesystem-srv-data (agent_tool) is "
            "declared, but no code under src uses it",
        ),
    ]
