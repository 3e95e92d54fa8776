"""Discovery: what the static analysis finds and refuses to find, the corpus's precision
and recall, and the draft threat model (valid against the schema)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest
import yaml

from policyengine.discovery import analyse, analyse_python, discover_report, draft_model
from policyengine.errors import UsageError
from policyengine.loader import parse_document
from policyengine.results import CodeKind, Level
from policyengine.schema import validate_schema
from policyengine.sources import MAX_SOURCE_BYTES, SourceFile, read_sources

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "data" / "discovery"


def _bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "bench_discovery", REPO / "benchmarks" / "bench_discovery.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_discovery"] = module
    spec.loader.exec_module(module)
    return module


def _found(text: str, path: str = "app/x.py") -> set[tuple[str, str, int]]:
    findings, problems = analyse_python(SourceFile(path, text))
    assert problems == []
    return {(f.kind.value, f.name, f.line) for f in findings}


def test_corpus_meets_the_stated_precision_and_recall() -> None:
    score = _bench().score(CORPUS)
    assert score.true_positives >= 90
    assert score.precision >= 0.95, score.false_positives
    assert score.recall >= 0.9, score.missed


def test_corpus_labels_are_read_from_the_comments() -> None:
    labels = _bench().expected(CORPUS / "mcp_tools")
    assert ("server.py", 7, "agent_tool", "stock_level") in labels
    assert ("client.py", 14, "mcp_client", "https://tools.example.com/sse") in labels


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("import openai\nc = openai.OpenAI()\n", {("model_client", "openai", 2)}),
        ("openai = {}\nopenai.OpenAI()\n", set()),
        ("# from openai import OpenAI\n# OpenAI()\n", set()),
        ('"""OpenAI() and @tool."""\n', set()),
        ("from mytools import tool\n@tool\ndef f(): ...\n", set()),
        (
            "from langchain_core.tools import tool as t\n@t\ndef f(): ...\n",
            {("agent_framework", "langchain", 1), ("agent_tool", "f", 3)},
        ),
        (
            "from anthropic import Anthropic\nclass C:\n    def __init__(self):\n"
            "        self.llm = Anthropic()\n    def ask(self):\n"
            '        return self.llm.messages.create(model="claude-3-5-haiku-latest")\n',
            {("model_client", "anthropic", 4), ("model", "claude-3-5-haiku-latest", 6)},
        ),
        ('from transformers import AutoTokenizer\nAutoTokenizer.from_pretrained("gpt2")\n', set()),
        (
            "from mcp import StdioServerParameters\nfs = StdioServerParameters(command='npx',\n"
            "    args=['-y', '@modelcontextprotocol/server-filesystem', '/srv/data'])\n",
            {
                ("agent_framework", "mcp", 1),
                ("mcp_client", "npx @modelcontextprotocol/server-filesystem /srv/data", 2),
            },
        ),
        (
            "from mcp import StdioServerParameters\nREPO = '/srv/repo'\n"
            "g = StdioServerParameters(command='uvx', args=('mcp-server-git', '--repository', "
            "REPO))\n",
            {("agent_framework", "mcp", 1), ("mcp_client", "uvx mcp-server-git /srv/repo", 3)},
        ),
    ],
    ids=[
        "module-client",
        "variable-named-openai",
        "commented-out",
        "docstring",
        "own-decorator-named-tool",
        "aliased-langchain-tool",
        "client-on-self",
        "tokenizer-is-no-model",
        "mcp-stdio-names-the-package-run",
        "mcp-stdio-without-flags",
    ],
)
def test_python_findings(text: str, expected: set[tuple[str, str, int]]) -> None:
    assert _found(text) == expected


def test_langchain_community_classes_are_read_as_their_split_off_packages() -> None:
    """tester-c C4: `langchain_community.embeddings.HuggingFaceEmbeddings` is the class
    `langchain_huggingface` split off; so for the chat models, LLMs and embeddings the
    tables know, imported from the package or one of its modules."""
    bench = _bench()
    project = CORPUS / "langchain_community"
    assert bench.found(project) == bench.expected(project)
    assert _found(
        "from langchain_huggingface import HuggingFaceEmbeddings\n"
        "from langchain_community.embeddings import HuggingFaceEmbeddings as HFE2\n"
        'b = HuggingFaceEmbeddings(model_name="BAAI/bge-small-en-v1.5")\n'
        'c = HFE2(model_name="sentence-transformers/all-mpnet-base-v2")\n'
    ) == {
        ("agent_framework", "langchain", 2),
        ("embedding_model", "BAAI/bge-small-en-v1.5", 3),
        ("embedding_model", "sentence-transformers/all-mpnet-base-v2", 4),
    }
    assert _found(
        "import langchain_community.chat_models as cm\n"
        'llm = cm.BedrockChat(model_id="anthropic.claude-3-haiku-20240307-v1:0")\n'
        "from langchain_community.llms import FakeListLLM\n"
        'FakeListLLM(model="not-a-model-client")\n'
    ) == {
        ("agent_framework", "langchain", 1),
        ("model_client", "bedrock", 2),
        ("model", "anthropic.claude-3-haiku-20240307-v1:0", 2),
    }


def test_a_syntax_error_is_a_located_warning_and_the_rest_is_analysed() -> None:
    good = SourceFile("app/a.py", "from openai import OpenAI\nOpenAI()\n")
    bad = SourceFile("app/b.py", "def f(:\n    pass\n")
    findings, problems = analyse([good, bad])
    assert [(f.kind, f.file, f.line) for f in findings] == [(CodeKind.MODEL_CLIENT, "app/a.py", 2)]
    [problem] = problems
    assert (problem.file, problem.line, problem.level) == ("app/b.py", 1, Level.WARNING)
    assert "syntax error" in problem.message


def test_test_files_are_skipped_relative_to_the_folder_scanned() -> None:
    text = "from openai import OpenAI\nOpenAI()\n"
    kept = SourceFile("tests/data/p/app.py", text, within="app.py")
    skipped = [
        SourceFile("p/tests/app.py", text, within="tests/app.py"),
        SourceFile("p/test_app.py", text, within="test_app.py"),
        SourceFile("p/app_test.py", text, within="app_test.py"),
        SourceFile("p/conftest.py", text, within="conftest.py"),
    ]
    findings, _ = analyse([kept, *skipped])
    assert {f.file for f in findings} == {"tests/data/p/app.py"}


def test_manifests_give_ml_libraries_with_pinned_versions() -> None:
    req = SourceFile("requirements.txt", "torch==2.5.1\nnumpy==2.1.3\nopenai>=1\n# trl==1\n")
    lock = SourceFile("uv.lock", '[[package]]\nname = "vllm"\nversion = "0.6.3"\n')
    pyproject = SourceFile(
        "pyproject.toml",
        '[project]\nname = "x"\ndependencies = [\n  "transformers==4.46.2",\n  "rich",\n]\n',
    )
    findings, _ = analyse([req, lock, pyproject])
    got = {(f.file, f.line, f.name, f.version) for f in findings}
    assert got == {
        ("requirements.txt", 1, "torch", "2.5.1"),
        ("requirements.txt", 3, "openai", ""),
        ("uv.lock", 2, "vllm", "0.6.3"),
        ("pyproject.toml", 4, "transformers", "4.46.2"),
    }


def test_a_broken_pyproject_is_a_warning() -> None:
    _, problems = analyse([SourceFile("pyproject.toml", "[project\n")])
    assert [p.file for p in problems] == ["pyproject.toml"] and "not analysed" in problems[
        0
    ].message


@pytest.mark.parametrize("project", sorted(p.name for p in CORPUS.iterdir() if p.is_dir()))
def test_the_draft_of_every_corpus_project_lacks_only_its_threats(project: str) -> None:
    # A draft has no threat yet, and a threat model with none assesses nothing (issue 11):
    # that is its only schema error, the work left to do.
    sources, _ = read_sources([CORPUS / project], CORPUS / project)
    report = discover_report(sources, project)
    text = yaml.safe_dump(dict(report.draft), sort_keys=False)
    doc = parse_document(text.encode(), f"{project}.yaml")
    # A project with no AI asset at all (decoys) drafts no asset and no surface either.
    empty = [k for k in ("assets", "surfaces", "threats") if not report.draft[k]]
    assert [d.message for d in validate_schema(doc)] == [
        f"{k} is empty: a threat model with no {k[:-1]} assesses nothing" for k in empty
    ]
    assert "threats" in empty and ("assets" in empty) == (project == "decoys")
    ids = {a["id"] for a in report.draft["assets"]}  # type: ignore[index, union-attr]
    for surface in report.draft["surfaces"]:  # type: ignore[union-attr]
        assert set(surface["assets"]) <= ids


def test_draft_provenance_names_file_and_line() -> None:
    findings, _ = analyse(
        [
            SourceFile(
                "agent/tools.py",
                "from agents import function_tool\n@function_tool\ndef pay(): ...\n",
            )
        ]
    )
    draft = draft_model(findings, "payments agent")
    [tool] = [a for a in draft["assets"] if a["type"] == "agent_tool"]
    assert tool["x-discovered-at"] == ["agent/tools.py:3"]
    assert draft["metadata"]["id"] == "payments-agent"
    assert [s["layer"] for s in draft["surfaces"]] == ["agentic"]


def test_read_sources_limits_and_symlinks(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "app").mkdir(parents=True)
    (root / "app" / "ok.py").write_text("x = 1\n")
    (root / "app" / "big.py").write_text("#" * (MAX_SOURCE_BYTES + 1))
    (root / "app" / "latin.py").write_bytes(b"x = '\xe9'\n")
    (root / "node_modules").mkdir()
    (root / "node_modules" / "n.py").write_text("x = 1\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("x = 1\n")
    os.symlink(outside, root / "app" / "linked")
    os.symlink(outside / "secret.py", root / "app" / "secret.py")
    files, problems = read_sources([], root)
    assert [f.path for f in files] == ["app/ok.py"]
    assert {(p.file, p.message.split(":")[0]) for p in problems} == {
        ("app/big.py", "skipped"),
        ("app/latin.py", "skipped"),
        ("app/linked", "skipped"),
        ("app/secret.py", "skipped"),
    }
    assert all(p.level is Level.WARNING for p in problems)
    with pytest.raises(UsageError, match="outside the repository"):
        read_sources([outside], root)
    with pytest.raises(UsageError, match="no such file"):
        read_sources([root / "nope"], root)
