"""Code facts (`codefacts.code_facts`): which AI assets in the code a model declares, which
it drifts from, and the code in its scope. The checks that judge them are Rego
(`policies/compliance/code_drift_test.rego`); the CLI tests are in
`tests/cli/test_code_drift.py`."""

from __future__ import annotations

from typing import Any

import pytest

from policyengine.codefacts import NO_CODE, code_facts, code_scope
from policyengine.results import CodeFinding, CodeKind, CodeScan


def _scan(*findings: CodeFinding, files: tuple[str, ...] = ()) -> CodeScan:
    return CodeScan(
        paths=("src",),
        files=files or tuple(sorted({f.file for f in findings})),
        findings=tuple(findings),
    )


def _model(*assets: dict[str, Any], metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"metadata": {"id": "m", **(metadata or {})}, "assets": list(assets)}


def _tool(name: str, file: str = "src/tools.py", line: int = 3) -> CodeFinding:
    return CodeFinding(CodeKind.AGENT_TOOL, name, file, line, f"def {name}():", "", "langchain")


def _llm(name: str, provider: str = "openai") -> CodeFinding:
    return CodeFinding(CodeKind.MODEL, name, "src/app.py", 5, f'model="{name}"', "", provider)


def _lib(name: str, version: str, line: int = 1) -> CodeFinding:
    return CodeFinding(
        CodeKind.LIBRARY, name, "requirements.txt", line, f"{name}=={version}", version
    )


def _by_name(facts: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in facts["items"]}


def test_without_a_scan_nothing_is_compared() -> None:
    assert code_facts(_model(), None) == dict(NO_CODE)
    assert NO_CODE["scanned"] is False


def test_a_tool_is_declared_by_an_agent_tool_of_its_name_only() -> None:
    facts = code_facts(
        _model(
            {"id": "t", "type": "agent_tool", "name": "Lookup Order"},
            {"id": "d", "type": "dataset", "name": "refund_order"},
        ),
        _scan(_tool("lookup_order"), _tool("refund_order", line=9)),
    )
    items = _by_name(facts)
    assert items["lookup_order"]["matches"] == [0]  # case, `_` and spaces aside
    assert items["refund_order"]["matches"] == []  # a dataset cannot declare a tool
    assert items["refund_order"]["at"] == "src/tools.py:9"
    assert items["refund_order"]["what"] == "agent tool"
    assert items["refund_order"]["evidence"] == "def refund_order():"


def test_x_code_refs_declare_a_finding_of_the_assets_type() -> None:
    facts = code_facts(
        _model(
            {
                "id": "ft",
                "type": "fine_tuned_model",
                "name": "Support FT",
                "x-code-refs": ["./ckpt/v3"],
            }
        ),
        _scan(CodeFinding(CodeKind.MODEL, "./ckpt/v3", "src/app.py", 2, "", "", "huggingface")),
    )
    assert facts["items"][0]["matches"] == [0]


def test_x_code_refs_of_an_asset_that_cannot_declare_the_finding_declare_nothing() -> None:
    """X13: an agent tool listed in an ml_library's x-code-refs is still undeclared (it
    would escape TM-CODE-001 and PR-CODE-001 and never be judged as a tool)."""
    facts = code_facts(
        _model(
            {
                "id": "serving-stack",
                "type": "ml_library",
                "name": "serving dependencies",
                "x-code-refs": ["issue_refund", "./ckpt/v3"],
            }
        ),
        _scan(
            _tool("issue_refund"),
            CodeFinding(CodeKind.MODEL, "./ckpt/v3", "src/app.py", 2, "", "", "huggingface"),
        ),
    )
    items = _by_name(facts)
    assert items["issue_refund"]["matches"] == []
    assert items["./ckpt/v3"]["matches"] == []


@pytest.mark.parametrize(
    ("asset", "code", "matches", "drift"),
    [
        ({"name": "gpt-4o"}, "gpt-4o-2024-08-06", [0], []),  # no version pinned: the family
        ({"name": "GPT-4o", "version": "gpt-4o-2024-08-06"}, "gpt-4o-2024-08-06", [0], []),
        ({"name": "gpt-4o", "version": "2024-08-06"}, "gpt-4o-2024-08-06", [0], []),
        ({"name": "gpt-4o", "version": "2024-05-13"}, "gpt-4o-2024-08-06", [], ["version"]),
        ({"name": "gpt-4o-2024-05-13"}, "gpt-4o-2024-08-06", [], ["name"]),
        ({"name": "gpt-4o"}, "gpt-4o-mini", [], []),  # another model, not a version
        ({"name": "gpt-4"}, "gpt-4o", [], []),
        (
            {"name": "Claude", "version": "claude-3-5-sonnet-20240620"},
            "claude-3-5-sonnet-20241022",
            [],
            ["version"],
        ),
        ({"name": "llama3.1", "version": "8b"}, "llama3.1:70b", [], ["version"]),
    ],
    ids=[
        "unpinned-family",
        "version-is-the-name",
        "name-version",
        "other-date",
        "dated-name",
        "mini-is-another-model",
        "gpt-4-is-not-gpt-4o",
        "family-of-the-version",
        "ollama-tag",
    ],
)
def test_model_names_match_or_drift(
    asset: dict[str, Any], code: str, matches: list[int], drift: list[str]
) -> None:
    facts = code_facts(_model({"id": "llm", "type": "base_model", **asset}), _scan(_llm(code)))
    [item] = facts["items"]
    assert item["matches"] == matches
    assert [d["path"][-1] for d in item["drift"]] == drift
    assert all(d["asset"] == 0 and d["path"][:2] == ["assets", 0] for d in item["drift"])


def test_library_versions_drift_per_component() -> None:
    libs = {
        "id": "libs",
        "type": "ml_library",
        "name": "serving",
        "components": [{"name": "Torch", "version": "2.4.0"}, {"name": "langchain_core"}],
    }
    facts = code_facts(
        _model(libs),
        _scan(
            _lib("torch", "2.5.1"), _lib("langchain-core", "0.3.15", 2), _lib("vllm", "0.6.3", 3)
        ),
    )
    items = _by_name(facts)
    assert items["torch"]["drift"] == [
        {"asset": 0, "path": ["assets", 0, "components", 0, "version"]}
    ]
    assert items["torch"]["shown"] == "torch 2.5.1"
    assert items["langchain-core"]["matches"] == [0]  # no version declared: no drift
    assert items["vllm"]["matches"] == [] and items["vllm"]["drift"] == []
    assert facts["manifests"] == 1


def test_a_vector_store_is_declared_by_the_store_of_a_corpus() -> None:
    store = CodeFinding(CodeKind.VECTOR_STORE, "pgvector", "src/rag.py", 4, "", "", "pgvector")
    facts = code_facts(
        _model(
            {"id": "kb", "type": "retrieval_corpus", "name": "help center", "store": "PGVector"}
        ),
        _scan(store),
    )
    assert facts["items"][0]["matches"] == [0]


def test_a_model_client_is_declared_by_its_provider_or_a_model_it_serves() -> None:
    client = CodeFinding(
        CodeKind.MODEL_CLIENT, "azure-openai", "src/app.py", 3, "", "", "azure-openai"
    )
    hosted = code_facts(
        _model({"id": "api", "type": "third_party_service", "name": "Azure OpenAI Service"}),
        _scan(client),
    )
    assert hosted["items"][0]["matches"] == [0]
    served = code_facts(
        _model({"id": "llm", "type": "base_model", "name": "gpt-4o"}),
        _scan(client, _llm("gpt-4o", provider="azure-openai")),
    )
    assert {i["kind"]: i["matches"] for i in served["items"]} == {"model_client": [0], "model": [0]}
    alone = code_facts(_model({"id": "x", "type": "agent_tool", "name": "t"}), _scan(client))
    assert alone["items"][0]["matches"] == []


def test_a_model_client_uses_no_model_it_declares_by_its_provider() -> None:
    """An `OpenAI()` is declared by the models `discover` marks `x-provider: openai`, but
    it uses none of them: only a model's own name (or `x-code-refs`) does (tester-c C1)."""
    client = CodeFinding(CodeKind.MODEL_CLIENT, "openai", "src/app.py", 2, "", "", "openai")
    model = _model(
        {"id": "chat", "type": "base_model", "name": "gpt-4o-mini", "x-provider": "openai"},
        {
            "id": "emb",
            "type": "embedding_model",
            "name": "text-embedding-3-small",
            "x-provider": "openai",
        },
        {"id": "api", "type": "third_party_service", "name": "OpenAI API"},
        {
            "id": "env",
            "type": "base_model",
            "name": "from the environment",
            "x-code-refs": ["openai"],
        },
    )
    [item] = code_facts(model, _scan(client))["items"]
    assert item["matches"] == [0, 1, 2, 3]
    assert item["uses"] == [2, 3]
    used = code_facts(model, _scan(client, _llm("gpt-4o-mini")))["items"]
    assert {i["kind"]: i["uses"] for i in used} == {"model_client": [2, 3], "model": [0]}


def test_an_mcp_connection_is_declared_by_its_command_line_or_the_server_it_runs() -> None:
    """tester-c C3: swapping the server package is another, undeclared, connection."""

    def mcp(name: str) -> CodeFinding:
        return CodeFinding(CodeKind.MCP_CLIENT, name, "src/agent.py", 2, "", "", "mcp")

    model = _model(
        {
            "id": "fs",
            "type": "agent_tool",
            "name": "npx @modelcontextprotocol/server-filesystem /srv/data",
        },
        {"id": "git", "type": "agent_tool", "name": "mcp-server-git"},
        {"id": "old", "type": "agent_tool", "name": "npx /srv/data"},
        {"id": "path", "type": "agent_tool", "name": "/srv/data"},
        {"id": "npx", "type": "agent_tool", "name": "npx"},
    )
    found = _by_name(
        code_facts(
            model,
            _scan(
                mcp("npx @modelcontextprotocol/server-filesystem /srv/data"),
                mcp("npx @someone/mcp-server-shell-exec /srv/data"),
                mcp("uvx mcp-server-git /srv/repo"),
            ),
        )
    )
    assert found["npx @modelcontextprotocol/server-filesystem /srv/data"]["matches"] == [0]
    assert found["npx @someone/mcp-server-shell-exec /srv/data"]["matches"] == []
    assert found["uvx mcp-server-git /srv/repo"]["matches"] == [1]


def test_x_code_paths_scope_a_model_to_its_code() -> None:
    scan = _scan(
        _tool("billing", "services/billing/tools.py"),
        _tool("search", "services/search/tools.py"),
        _lib("torch", "2.5.1"),
        files=("requirements.txt", "services/billing/tools.py", "services/search/tools.py"),
    )
    model = _model(metadata={"x-code-paths": ["services/billing/", "requirements.txt"]})
    facts = code_facts(model, scan)
    assert [i["name"] for i in facts["items"]] == ["billing", "torch"]
    assert facts["scope"] == "services/billing, requirements.txt"
    assert code_scope(_model()) is None
    assert code_facts(_model(), scan)["scope"] == "src"


def test_one_item_per_asset_at_its_first_place() -> None:
    facts = code_facts(
        _model(),
        _scan(_tool("t", "src/b.py", 9), _tool("t", "src/a.py", 30), _tool("t", "src/a.py", 2)),
    )
    [item] = facts["items"]
    assert (item["at"], item["places"], item["id"]) == ("src/a.py:2", 3, "agent_tool:t")
