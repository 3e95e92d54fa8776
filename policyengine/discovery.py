"""Discovery: the AI assets a code tree uses, found by static analysis, and a draft
threat model of them.

Pure functions over file contents (`sources.read_sources` reads the files): Python is
parsed with `ast` (nothing is imported or executed) and dependency manifests are read
line by line. A call counts only when its name resolves, through the file's imports and
simple assignments (`client = OpenAI()`), to a known library: a variable that happens
to be called `openai`, a string in a comment or a docstring, never do. Test files
(`tests/`, `test_*.py`, `*_test.py`, `conftest.py`) are not analysed: what tests mock
is not what the system runs.

`draft_model` turns the findings into a version 1 threat model (assets, surfaces by
layer, `x-discovered-at` provenance on each asset) that passes the JSON Schema, so that
`check` on it lists the work left: threats to write and score, assumptions, a review.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from .results import CodeFinding, CodeKind, Diagnostic, DiscoveryReport, Level
from .sources import SourceFile, is_manifest

# --- what is known ------------------------------------------------------------------------

_PROVIDER_OF_MODULE = {
    "openai": "openai",
    "anthropic": "anthropic",
    "boto3": "bedrock",
    "vertexai": "vertex",
    "google.cloud.aiplatform": "vertex",
    "google.generativeai": "vertex",
    "google.genai": "vertex",
    "transformers": "huggingface",
    "sentence_transformers": "huggingface",
    "peft": "huggingface",
    "trl": "huggingface",
    "huggingface_hub": "huggingface",
    "vllm": "vllm",
    "ollama": "ollama",
    "litellm": "litellm",
    "crewai": "litellm",
    "langchain_openai": "openai",
    "langchain_anthropic": "anthropic",
    "langchain_aws": "bedrock",
    "langchain_google_vertexai": "vertex",
    "langchain_ollama": "ollama",
    "langchain_huggingface": "huggingface",
    "llama_index.llms.openai": "openai",
    "llama_index.llms.anthropic": "anthropic",
    "llama_index.llms.bedrock": "bedrock",
    "llama_index.llms.ollama": "ollama",
    "llama_index.llms.vllm": "vllm",
    "llama_index.embeddings.openai": "openai",
    "llama_index.embeddings.huggingface": "huggingface",
}
"""Module (or package prefix) -> the provider of the models it calls."""

_CLIENTS = {
    "openai.OpenAI": "openai",
    "openai.AsyncOpenAI": "openai",
    "openai.AzureOpenAI": "azure-openai",
    "openai.AsyncAzureOpenAI": "azure-openai",
    "anthropic.Anthropic": "anthropic",
    "anthropic.AsyncAnthropic": "anthropic",
    "anthropic.AnthropicBedrock": "bedrock",
    "anthropic.AnthropicVertex": "vertex",
    "vertexai.init": "vertex",
    "google.cloud.aiplatform.init": "vertex",
    "google.genai.Client": "vertex",
    "google.generativeai.configure": "vertex",
    "ollama.Client": "ollama",
    "ollama.AsyncClient": "ollama",
    "ollama.chat": "ollama",
    "ollama.generate": "ollama",
    "vllm.LLM": "vllm",
    "vllm.AsyncLLMEngine": "vllm",
    "litellm.completion": "litellm",
    "litellm.acompletion": "litellm",
    "litellm.embedding": "litellm",
    "langchain_openai.ChatOpenAI": "openai",
    "langchain_openai.AzureChatOpenAI": "azure-openai",
    "langchain_anthropic.ChatAnthropic": "anthropic",
    "langchain_aws.ChatBedrock": "bedrock",
    "langchain_aws.ChatBedrockConverse": "bedrock",
    "langchain_google_vertexai.ChatVertexAI": "vertex",
    "langchain_ollama.ChatOllama": "ollama",
    "llama_index.llms.openai.OpenAI": "openai",
    "llama_index.llms.anthropic.Anthropic": "anthropic",
    "llama_index.llms.ollama.Ollama": "ollama",
    "autogen_ext.models.openai.OpenAIChatCompletionClient": "openai",
    "autogen_ext.models.openai.AzureOpenAIChatCompletionClient": "azure-openai",
    "crewai.LLM": "litellm",
}
"""Constructor (or module-level call) -> the provider of the model client it makes."""

_COMMUNITY = {
    "chat_models.ChatOpenAI": "langchain_openai.ChatOpenAI",
    "chat_models.AzureChatOpenAI": "langchain_openai.AzureChatOpenAI",
    "chat_models.ChatAnthropic": "langchain_anthropic.ChatAnthropic",
    "chat_models.BedrockChat": "langchain_aws.ChatBedrock",
    "chat_models.ChatVertexAI": "langchain_google_vertexai.ChatVertexAI",
    "chat_models.ChatOllama": "langchain_ollama.ChatOllama",
    "chat_models.ChatHuggingFace": "langchain_huggingface.ChatHuggingFace",
    "llms.OpenAI": "langchain_openai.OpenAI",
    "llms.AzureOpenAI": "langchain_openai.AzureOpenAI",
    "llms.Bedrock": "langchain_aws.BedrockLLM",
    "llms.VertexAI": "langchain_google_vertexai.VertexAI",
    "llms.Ollama": "langchain_ollama.OllamaLLM",
    "llms.HuggingFacePipeline": "langchain_huggingface.HuggingFacePipeline",
    "llms.HuggingFaceEndpoint": "langchain_huggingface.HuggingFaceEndpoint",
    "embeddings.OpenAIEmbeddings": "langchain_openai.OpenAIEmbeddings",
    "embeddings.AzureOpenAIEmbeddings": "langchain_openai.AzureOpenAIEmbeddings",
    "embeddings.HuggingFaceEmbeddings": "langchain_huggingface.HuggingFaceEmbeddings",
    "embeddings.SentenceTransformerEmbeddings": "langchain_huggingface.HuggingFaceEmbeddings",
    "embeddings.OllamaEmbeddings": "langchain_ollama.OllamaEmbeddings",
    "embeddings.BedrockEmbeddings": "langchain_aws.BedrockEmbeddings",
    "embeddings.VertexAIEmbeddings": "langchain_google_vertexai.VertexAIEmbeddings",
}
"""`langchain_community` classes (package.class) -> the class of the package split off from
it: the same model client or embedding model, read as the split-off one."""

_COMMUNITY_CLASS = re.compile(
    r"langchain_community\.(chat_models|llms|embeddings)(?:\.[a-z0-9_]+)?\.([A-Z]\w*)(?=$|[.(])"
)
"""A `langchain_community` class, from its package or one of its modules (`.huggingface`)."""

_BEDROCK_SERVICES = ("bedrock-runtime", "bedrock", "bedrock-agent-runtime")

_HOSTED = frozenset({"openai", "azure-openai", "anthropic", "bedrock", "vertex", "litellm"})
"""Providers whose models run at a third party; the others serve weights you run."""

_MODEL_KEYWORDS = ("model", "model_name", "model_id", "modelId", "deployment_name", "repo_id")

_POSITIONAL_MODEL = (
    "vllm.LLM",
    "vertexai.generative_models.GenerativeModel",
    "vertexai.preview.generative_models.GenerativeModel",
    "google.generativeai.GenerativeModel",
    "sentence_transformers.SentenceTransformer",
    "langchain_ollama.OllamaLLM",  # and langchain_community.llms.Ollama (_COMMUNITY)
)
"""Calls whose first positional argument is a model name."""

_EMBEDDING_CALLS = (
    "sentence_transformers.SentenceTransformer",
    "langchain_openai.OpenAIEmbeddings",
    "langchain_openai.AzureOpenAIEmbeddings",
    "langchain_huggingface.HuggingFaceEmbeddings",
    "langchain_community.embeddings",
    "langchain_ollama.OllamaEmbeddings",
    "langchain_aws.BedrockEmbeddings",
    "langchain_google_vertexai.VertexAIEmbeddings",
    "llama_index.embeddings",
    "vertexai.language_models.TextEmbeddingModel",
    "litellm.embedding",
    "ollama.embed",
    "ollama.embeddings",
)
"""Calls (or prefixes) that name an embedding model."""

_STORES = {
    "chromadb": "chroma",
    "langchain_chroma": "chroma",
    "langchain_community.vectorstores.Chroma": "chroma",
    "llama_index.vector_stores.chroma": "chroma",
    "pinecone": "pinecone",
    "langchain_pinecone": "pinecone",
    "llama_index.vector_stores.pinecone": "pinecone",
    "weaviate": "weaviate",
    "langchain_weaviate": "weaviate",
    "llama_index.vector_stores.weaviate": "weaviate",
    "qdrant_client": "qdrant",
    "langchain_qdrant": "qdrant",
    "llama_index.vector_stores.qdrant": "qdrant",
    "opensearchpy": "opensearch",
    "langchain_community.vectorstores.OpenSearchVectorSearch": "opensearch",
    "faiss": "faiss",
    "langchain_community.vectorstores.FAISS": "faiss",
    "llama_index.vector_stores.faiss": "faiss",
    "pgvector": "pgvector",
    "langchain_postgres.PGVector": "pgvector",
    "langchain_community.vectorstores.PGVector": "pgvector",
    "llama_index.vector_stores.postgres": "pgvector",
}
"""Module or class (prefix) -> the vector store a call to it uses."""

_STORE_CALLS = re.compile(
    r"(Client|PersistentClient|HttpClient|EphemeralClient|Pinecone|QdrantClient|OpenSearch"
    r"|connect_to_\w+|Index\w*|register_vector\w*|Vector|Chroma|FAISS|PGVector|"
    r"PineconeVectorStore|WeaviateVectorStore|QdrantVectorStore|OpenSearchVectorSearch|"
    r"\w+VectorStore|from_documents|from_texts)$"
)
"""The last part of a call that opens or builds a store (not every helper of its module)."""

_FRAMEWORKS = {
    "langchain": "langchain",
    "langchain_core": "langchain",
    "langchain_community": "langchain",
    "langgraph": "langgraph",
    "llama_index": "llamaindex",
    "crewai": "crewai",
    "autogen": "autogen",
    "autogen_agentchat": "autogen",
    "autogen_core": "autogen",
    "agents": "openai-agents",
    "mcp": "mcp",
    "fastmcp": "mcp",
}
"""Top-level module -> the agent framework it belongs to."""

_TOOL_DECORATORS = {
    "langchain.tools.tool": "langchain",
    "langchain.agents.tool": "langchain",
    "langchain_core.tools.tool": "langchain",
    "crewai.tools.tool": "crewai",
    "crewai_tools.tool": "crewai",
    "agents.function_tool": "openai-agents",
    "llama_index.core.tools.tool": "llamaindex",
}
"""Decorators that make a function an agent tool."""

_TOOL_CALLS = {
    "langchain.tools.Tool": "langchain",
    "langchain.agents.Tool": "langchain",
    "langchain_core.tools.Tool": "langchain",
    "langchain.tools.StructuredTool.from_function": "langchain",
    "langchain_core.tools.StructuredTool.from_function": "langchain",
    "llama_index.core.tools.FunctionTool.from_defaults": "llamaindex",
    "llama_index.core.tools.FunctionTool": "llamaindex",
    "llama_index.tools.FunctionTool.from_defaults": "llamaindex",
    "autogen_core.tools.FunctionTool": "autogen",
    "autogen.register_function": "autogen",
    "agents.FunctionTool": "openai-agents",
}
"""Calls that make an agent tool of a function."""

_TOOL_BASES = {
    "langchain.tools.BaseTool": "langchain",
    "langchain_core.tools.BaseTool": "langchain",
    "crewai.tools.BaseTool": "crewai",
    "crewai_tools.BaseTool": "crewai",
}
"""Base classes of agent tools written as classes."""

_MCP_SERVERS = ("mcp.server.fastmcp.FastMCP", "fastmcp.FastMCP", "mcp.server.Server")
_MCP_CLIENTS = (
    "mcp.client.stdio.stdio_client",
    "mcp.client.sse.sse_client",
    "mcp.client.streamable_http.streamablehttp_client",
    "mcp.StdioServerParameters",
    "fastmcp.Client",
)

_TRAINERS = {
    "transformers.Trainer": "training_pipeline",
    "transformers.Seq2SeqTrainer": "training_pipeline",
    "trl.SFTTrainer": "fine_tuning_pipeline",
    "trl.DPOTrainer": "fine_tuning_pipeline",
    "trl.PPOTrainer": "fine_tuning_pipeline",
    "trl.ORPOTrainer": "fine_tuning_pipeline",
    "trl.GRPOTrainer": "fine_tuning_pipeline",
    "peft.get_peft_model": "fine_tuning_pipeline",
    "openai.OpenAI().fine_tuning.jobs.create": "fine_tuning_pipeline",
    "openai.AsyncOpenAI().fine_tuning.jobs.create": "fine_tuning_pipeline",
    "openai.fine_tuning.jobs.create": "fine_tuning_pipeline",
}
"""Calls that start training or fine-tuning, and the pipeline type they draft."""

_HF_NOT_MODELS = re.compile(r"(Tokenizer\w*|Processor|Config|FeatureExtractor|ImageProcessor)$")

ML_LIBRARIES = frozenset(
    {
        "openai",
        "anthropic",
        "litellm",
        "ollama",
        "vllm",
        "transformers",
        "torch",
        "tensorflow",
        "keras",
        "jax",
        "sentence-transformers",
        "peft",
        "trl",
        "accelerate",
        "datasets",
        "tokenizers",
        "safetensors",
        "huggingface-hub",
        "diffusers",
        "bitsandbytes",
        "deepspeed",
        "onnxruntime",
        "scikit-learn",
        "xgboost",
        "lightgbm",
        "tiktoken",
        "langchain",
        "langchain-core",
        "langchain-community",
        "langchain-openai",
        "langchain-anthropic",
        "langchain-aws",
        "langchain-ollama",
        "langchain-chroma",
        "langchain-postgres",
        "langchain-pinecone",
        "langgraph",
        "llama-index",
        "llama-index-core",
        "crewai",
        "crewai-tools",
        "pyautogen",
        "autogen-agentchat",
        "autogen-core",
        "openai-agents",
        "mcp",
        "fastmcp",
        "chromadb",
        "pinecone",
        "pinecone-client",
        "weaviate-client",
        "qdrant-client",
        "opensearch-py",
        "faiss-cpu",
        "faiss-gpu",
        "pgvector",
        "google-cloud-aiplatform",
        "google-generativeai",
        "google-genai",
        "vertexai",
    }
)
"""Distribution names (normalised, PEP 503) that count as ML libraries in manifests."""

_EVIDENCE_CHARS = 200


# --- Python files -------------------------------------------------------------------------


def is_test_file(path: str) -> bool:
    """True for a test file (`tests/` or `test/` folders, `test_*.py`, `*_test.py`,
    `conftest.py`): discovery skips them."""
    p = PurePosixPath(path)
    if any(part in ("tests", "test", "testing") for part in p.parts[:-1]):
        return True
    return p.name == "conftest.py" or p.name.startswith("test_") or p.name.endswith("_test.py")


@dataclass
class _Scope:
    """What names mean in one file: imports, and variables bound to known objects."""

    aliases: dict[str, str] = field(default_factory=dict)
    """Local name -> the dotted name it was imported as."""
    values: dict[str, str] = field(default_factory=dict)
    """Variable (or `self.attr`) -> the dotted name of the call that made it, plus `()`."""
    constants: dict[str, str] = field(default_factory=dict)
    """Module-level name -> its string value."""
    mcp_servers: set[str] = field(default_factory=set)
    """Variables holding an MCP server (their `@x.tool()` methods are tools)."""
    autogen_agents: set[str] = field(default_factory=set)
    """Variables holding an AutoGen agent (their `register_for_llm` decorates tools)."""


def _dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        inner = _dotted(node.func)
        if inner is None:
            return None
        parts.append(inner + "()")
    else:
        return None
    return ".".join(reversed(parts))


def _resolve(node: ast.expr, scope: _Scope) -> str | None:
    """The dotted name of an expression through the imports and known variables; None
    when its root is neither (a local variable, a parameter)."""
    text = _dotted(node)
    if text is None:
        return None
    head, _, rest = text.partition(".")
    if "()" not in head:
        return _resolve_text(text, scope)
    if head.endswith("()"):
        inner = _resolve_text(head[:-2], scope)
        base = None if inner is None else inner + "()"
    else:
        base = _resolve_text(head, scope)
    if base is None:
        return None
    return f"{base}.{rest}" if rest else base


def _resolve_text(name: str, scope: _Scope) -> str | None:
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        bound = scope.values.get(".".join(parts[:cut]))
        if bound is not None:
            return ".".join([bound, *parts[cut:]])
    base = scope.aliases.get(parts[0])
    if base is None:
        return None
    return _split_off(".".join([base, *parts[1:]]))


def _split_off(name: str) -> str:
    """`name` with a `langchain_community` model, chat model or embedding class (imported
    from its package or one of its modules) as the class of the package split off from
    it that the tables know (`langchain_huggingface.HuggingFaceEmbeddings`)."""
    found = _COMMUNITY_CLASS.match(name)
    if found is None:
        return name
    mirror = _COMMUNITY.get(f"{found[1]}.{found[2]}")
    return name if mirror is None else mirror + name[found.end() :]


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".") or name.startswith(prefix + "()")


def _lookup(name: str, table: Mapping[str, str]) -> str | None:
    """The value of the longest key of `table` that `name` is under."""
    best = max((k for k in table if _under(name, k)), key=len, default=None)
    return None if best is None else table[best]


def _string(node: ast.expr | None, scope: _Scope) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip():
        return node.value.strip()
    if isinstance(node, ast.Name):
        return scope.constants.get(node.id)
    return None


def _keyword(call: ast.Call, *names: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg in names:
            return kw.value
    return None


def _canonical(name: str) -> str:
    """A call's dotted name without the `()` of the objects on the way: the class and
    method it names (`openai.OpenAI().chat.completions.create` stays distinct from
    `openai.chat...` only by the parentheses)."""
    return name.replace("()", "")


class _Analyser:
    """One pass over one parsed file."""

    def __init__(self, source: SourceFile, tree: ast.Module) -> None:
        self.path = source.path
        self.lines = source.text.splitlines()
        self.tree = tree
        self.scope = _Scope()
        self.found: list[CodeFinding] = []

    def evidence(self, line: int) -> str:
        text = self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""
        return text[:_EVIDENCE_CHARS]

    def add(self, kind: CodeKind, name: str, node: ast.AST, **extra: str) -> None:
        line = getattr(node, "lineno", 0)
        self.found.append(CodeFinding(kind, name, self.path, line, self.evidence(line), **extra))

    # -- the passes --

    def run(self) -> list[CodeFinding]:
        self.collect_names()
        frameworks: dict[str, ast.AST] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for module in _imported_modules(node):
                    fw = _FRAMEWORKS.get(module.split(".")[0])
                    if fw is not None and fw not in frameworks:
                        frameworks[fw] = node
        for fw, node in frameworks.items():
            self.add(CodeKind.AGENT_FRAMEWORK, fw, node, provider=fw)
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call):
                self.call(node)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self.function(node)
            elif isinstance(node, ast.ClassDef):
                self.tool_class(node)
        return self.found

    def collect_names(self) -> None:
        """Imports, module constants and variables bound to known calls, in file order
        (a later binding replaces an earlier one)."""
        nodes = sorted(
            (n for n in ast.walk(self.tree) if isinstance(n, ast.stmt)),
            key=lambda n: (n.lineno, n.col_offset),
        )
        for node in nodes:
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        self.scope.aliases[a.asname] = a.name
                    else:
                        top = a.name.split(".")[0]
                        self.scope.aliases[top] = top
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for a in node.names:
                    self.scope.aliases[a.asname or a.name] = f"{node.module}.{a.name}"
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                self.binding(node)

    def binding(self, node: ast.Assign | ast.AnnAssign) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        value = node.value
        if value is None:
            return
        for target in targets:
            name = _dotted(target)
            if name is None:
                continue
            text = _string(value, self.scope)
            if isinstance(target, ast.Name) and text is not None:
                self.scope.constants[target.id] = text
            if isinstance(value, ast.Call):
                made = _resolve(value.func, self.scope)
                if made is None:
                    self.scope.values.pop(name, None)
                    continue
                self.scope.values[name] = made + "()"
                if _canonical(made) in _MCP_SERVERS:
                    self.scope.mcp_servers.add(name)
                if made.startswith(("autogen.", "autogen_agentchat.")):
                    self.scope.autogen_agents.add(name)
            else:
                self.scope.values.pop(name, None)

    # -- calls --

    def call(self, call: ast.Call) -> None:
        name = _resolve(call.func, self.scope)
        if name is None:
            return
        plain = _canonical(name)
        self.client(call, name, plain)
        self.model_name(call, name, plain)
        if "()" not in name:  # a method of a store already opened is the same store
            self.store(call, plain)
        self.tool_call(call, plain)
        self.mcp(call, plain)
        self.training(call, name, plain)

    def client(self, call: ast.Call, name: str, plain: str) -> None:
        provider = _CLIENTS.get(plain)
        if plain == "boto3.client" or plain == "boto3.Session.client":
            service = _string(
                call.args[0] if call.args else _keyword(call, "service_name"), self.scope
            )
            provider = "bedrock" if service in _BEDROCK_SERVICES else None
        if provider is not None and "()" not in name:
            hosted = provider in _HOSTED
            kind_type = "third_party_service" if hosted else "serving_infrastructure"
            self.add(CodeKind.MODEL_CLIENT, provider, call, provider=provider, asset_type=kind_type)

    def provider_of(self, name: str) -> str | None:
        if name.startswith("boto3"):
            return "bedrock"
        client = _lookup(_canonical(name.split("()")[0]), _CLIENTS)
        return client or _lookup(_canonical(name), _PROVIDER_OF_MODULE)

    def model_name(self, call: ast.Call, name: str, plain: str) -> None:
        provider = self.provider_of(name)
        if provider is None:
            return
        value: str | None = None
        if plain.endswith(".from_pretrained") and plain.split(".")[0] in (
            "transformers",
            "sentence_transformers",
            "peft",
            "diffusers",
            "vertexai",
        ):
            cls = plain.rsplit(".", 2)[-2]
            if _HF_NOT_MODELS.search(cls):
                return
            value = _string(call.args[0] if call.args else None, self.scope) or _string(
                _keyword(call, "pretrained_model_name_or_path"), self.scope
            )
        elif plain in _POSITIONAL_MODEL and call.args:
            value = _string(call.args[0], self.scope)
        if value is None:
            value = _string(_keyword(call, *_MODEL_KEYWORDS), self.scope)
        if value is None and plain == "crewai.Agent":  # CrewAI names the model `llm`
            value = _string(_keyword(call, "llm"), self.scope)
        if value is None:
            return
        embedding = any(_under(plain, p) for p in _EMBEDDING_CALLS) or ".embeddings." in (
            plain + "."
        )
        local = value.startswith((".", "/", "~"))
        if embedding:
            self.add(
                CodeKind.EMBEDDING_MODEL,
                value,
                call,
                provider=provider,
                asset_type="embedding_model",
            )
        else:
            kind_type = "fine_tuned_model" if local else "base_model"
            self.add(CodeKind.MODEL, value, call, provider=provider, asset_type=kind_type)

    def store(self, call: ast.Call, plain: str) -> None:
        store = _lookup(plain, _STORES)
        if store is None:
            return
        last = plain.rsplit(".", 1)[-1]
        if _STORE_CALLS.search(last) or plain in _STORES:
            self.add(CodeKind.VECTOR_STORE, store, call, provider=store, asset_type="vector_store")

    def tool_call(self, call: ast.Call, plain: str) -> None:
        framework = _TOOL_CALLS.get(plain)
        if framework is None:
            return
        name = _string(_keyword(call, "name"), self.scope)
        fn = _keyword(call, "func", "fn", "f") or (call.args[0] if call.args else None)
        if name is None and isinstance(fn, ast.Name):
            name = fn.id
        if name is None and call.args:
            name = _string(call.args[0], self.scope)
        if name is not None:
            self.add(CodeKind.AGENT_TOOL, name, call, provider=framework, asset_type="agent_tool")

    def mcp(self, call: ast.Call, plain: str) -> None:
        if plain in _MCP_SERVERS:
            name = _string(call.args[0] if call.args else _keyword(call, "name"), self.scope)
            self.add(
                CodeKind.MCP_SERVER,
                name or "mcp-server",
                call,
                provider="mcp",
                asset_type="serving_infrastructure",
            )
        elif plain in _MCP_CLIENTS:
            target = _string(call.args[0] if call.args else None, self.scope)
            if target is None:
                target = _string(_keyword(call, "url", "command"), self.scope)
            args = _keyword(call, "args")
            if isinstance(args, ast.List | ast.Tuple) and target:
                # The server run is the command line less its flags (`npx -y PACKAGE PATH`
                # runs PACKAGE): a swapped package is another connection.
                words = (_string(e, self.scope) for e in args.elts)
                target = " ".join([target, *(w for w in words if w and not w.startswith("-"))])
            if target is None and plain.endswith("stdio_client"):
                return  # the parameters were found where they were made
            self.add(
                CodeKind.MCP_CLIENT,
                target or "mcp-client",
                call,
                provider="mcp",
                asset_type="agent_tool",
            )

    def training(self, call: ast.Call, name: str, plain: str) -> None:
        pipeline = _TRAINERS.get(name) or _TRAINERS.get(plain)
        if pipeline is None:
            return
        module = plain.split(".")[0]
        label = "fine_tuning.jobs" if ".fine_tuning." in plain else plain.rsplit(".", 1)[-1]
        self.add(CodeKind.TRAINING, f"{module}.{label}", call, provider=module, asset_type=pipeline)

    # -- definitions --

    def function(self, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for deco in fn.decorator_list:
            target = deco.func if isinstance(deco, ast.Call) else deco
            name = _resolve(target, self.scope)
            raw = _dotted(target) or ""
            framework = None
            if name is not None:
                framework = _TOOL_DECORATORS.get(_canonical(name))
            owner, _, method = raw.rpartition(".")
            if framework is None and method == "tool" and owner in self.scope.mcp_servers:
                framework = "mcp"
            if (
                framework is None
                and method == "register_for_llm"
                and owner in self.scope.autogen_agents
            ):
                framework = "autogen"
            if framework is None:
                continue
            tool_name = fn.name
            if isinstance(deco, ast.Call):
                given = _string(
                    deco.args[0] if deco.args else _keyword(deco, "name", "name_override"),
                    self.scope,
                )
                if given is not None and framework != "autogen":
                    tool_name = given
                elif framework == "autogen":
                    tool_name = _string(_keyword(deco, "name"), self.scope) or fn.name
            self.add(
                CodeKind.AGENT_TOOL, tool_name, fn, provider=framework, asset_type="agent_tool"
            )
            return

    def tool_class(self, cls: ast.ClassDef) -> None:
        framework = None
        for base in cls.bases:
            name = _resolve(base, self.scope)
            if name is not None:
                framework = _TOOL_BASES.get(_canonical(name)) or framework
        if framework is None:
            return
        tool_name = cls.name
        for stmt in cls.body:
            if isinstance(stmt, ast.AnnAssign | ast.Assign):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                if any(isinstance(t, ast.Name) and t.id == "name" for t in targets):
                    tool_name = _string(stmt.value, self.scope) or tool_name
        self.add(CodeKind.AGENT_TOOL, tool_name, cls, provider=framework, asset_type="agent_tool")


def _imported_modules(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    return [node.module] if node.module and node.level == 0 else []


def _syntax_warning(path: str, exc: SyntaxError) -> Diagnostic:
    return Diagnostic(
        path,
        exc.lineno or 0,
        exc.offset or 0,
        f"not analysed: Python syntax error ({exc.msg}); the other files were",
        level=Level.WARNING,
        code="syntax",
    )


def analyse_python(source: SourceFile) -> tuple[list[CodeFinding], list[Diagnostic]]:
    """The findings of one Python file, or a located warning when it does not parse."""
    try:
        tree = ast.parse(source.text, filename=source.path)
    except SyntaxError as exc:
        return [], [_syntax_warning(source.path, exc)]
    except ValueError as exc:  # NUL bytes in the source
        return [], [
            Diagnostic(
                source.path, 0, 0, f"not analysed: {exc}", level=Level.WARNING, code="syntax"
            )
        ]
    return _Analyser(source, tree).run(), []


# --- dependency manifests -----------------------------------------------------------------

_REQUIREMENT = re.compile(
    r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(?:(===?|~=|>=|<=|!=|>|<)\s*([^\s;,#]+))?"
)


def normalise_distribution(name: str) -> str:
    """A distribution name as PEP 503 compares them: lower case, runs of `-_.` one `-`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _library(name: str, version: str, path: str, line: int, evidence: str) -> CodeFinding | None:
    dist = normalise_distribution(name)
    if dist not in ML_LIBRARIES:
        return None
    return CodeFinding(
        CodeKind.LIBRARY,
        dist,
        path,
        line,
        evidence.strip()[:_EVIDENCE_CHARS],
        version=version,
        provider="pypi",
        asset_type="ml_library",
    )


def _requirement(text: str, path: str, line: int, raw: str) -> CodeFinding | None:
    m = _REQUIREMENT.match(text)
    if m is None:
        return None
    op, version = m.group(3), m.group(4) or ""
    return _library(m.group(1), version if op in ("==", "===") else "", path, line, raw)


def analyse_requirements(source: SourceFile) -> list[CodeFinding]:
    """ML libraries of a `requirements*.txt` (the version only when pinned with `==`)."""
    out = []
    for number, raw in enumerate(source.text.splitlines(), 1):
        text = raw.split(" #", 1)[0].strip()
        if not text or text.startswith(("#", "-")):
            continue
        found = _requirement(text, source.path, number, raw)
        if found is not None:
            out.append(found)
    return out


def analyse_pyproject(source: SourceFile) -> tuple[list[CodeFinding], list[Diagnostic]]:
    """ML libraries of a `pyproject.toml`: PEP 621 dependencies and optional
    dependencies, and Poetry's dependency tables."""
    import tomllib  # here: a run with no code to compare never reads TOML

    try:
        data = tomllib.loads(source.text)
    except tomllib.TOMLDecodeError as exc:
        return [], [
            Diagnostic(source.path, 0, 0, f"not analysed: {exc}", level=Level.WARNING, code="toml")
        ]
    lines = source.text.splitlines()
    raw_project = data.get("project")
    project: dict[str, Any] = raw_project if isinstance(raw_project, dict) else {}
    specs: list[str] = list(_strings(project.get("dependencies")))
    optional = project.get("optional-dependencies")
    if isinstance(optional, dict):
        for group in optional.values():
            specs.extend(_strings(group))
    out: list[CodeFinding] = []
    for spec in specs:
        line = _line_of(lines, f'"{spec}"') or _line_of(lines, f"'{spec}'")
        found = _requirement(spec, source.path, line, lines[line - 1] if line else spec)
        if found is not None:
            out.append(found)
    poetry = data.get("tool", {}).get("poetry", {}) if isinstance(data.get("tool"), dict) else {}
    if isinstance(poetry, dict):
        for table in _poetry_tables(poetry):
            for name, value in table.items():
                spec = value.get("version", "") if isinstance(value, dict) else value
                version = (
                    spec if isinstance(spec, str) and re.fullmatch(r"[0-9][\w.]*", spec) else ""
                )
                line = _line_of(lines, name, start=True)
                found = _library(
                    name, version, source.path, line, lines[line - 1] if line else name
                )
                if found is not None:
                    out.append(found)
    return out, []


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, list):
        yield from (v for v in value if isinstance(v, str))


def _poetry_tables(poetry: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    if isinstance(poetry.get("dependencies"), dict):
        yield poetry["dependencies"]
    groups = poetry.get("group")
    if isinstance(groups, dict):
        for group in groups.values():
            if isinstance(group, dict) and isinstance(group.get("dependencies"), dict):
                yield group["dependencies"]


def _line_of(lines: Sequence[str], needle: str, start: bool = False) -> int:
    for number, line in enumerate(lines, 1):
        if (
            (line.strip().startswith(needle + " ") or line.strip().startswith(needle + "="))
            if start
            else needle in line
        ):
            return number
    return 0


def analyse_lock(source: SourceFile) -> list[CodeFinding]:
    """ML libraries with their locked versions: `poetry.lock` and `uv.lock` (`[[package]]`
    tables) or `Pipfile.lock` (JSON), read line by line for their lines."""
    out: list[CodeFinding] = []
    lines = source.text.splitlines()
    if source.path.endswith("Pipfile.lock"):
        current = 0
        for number, raw in enumerate(lines, 1):
            m = re.match(r'\s*"([A-Za-z0-9][\w.-]*)":\s*\{', raw)
            if m:
                current = number
                name = m.group(1)
            v = re.match(r'\s*"version":\s*"==([^"]+)"', raw)
            if v and current:
                found = _library(name, v.group(1), source.path, current, lines[current - 1])
                if found is not None:
                    out.append(found)
                current = 0
        return out
    name_line = 0
    name = ""
    for number, raw in enumerate(lines, 1):
        if raw.startswith("[[package]]"):
            name_line, name = 0, ""
        m = re.match(r'name\s*=\s*"([^"]+)"', raw)
        if m and not name:
            name, name_line = m.group(1), number
        v = re.match(r'version\s*=\s*"([^"]+)"', raw)
        if v and name_line:
            found = _library(name, v.group(1), source.path, name_line, lines[name_line - 1])
            if found is not None:
                out.append(found)
            name_line = 0
    return out


# --- the whole tree -----------------------------------------------------------------------


def analyse(
    sources: Iterable[SourceFile],
) -> tuple[tuple[CodeFinding, ...], tuple[Diagnostic, ...]]:
    """The findings of every file (test files skipped), sorted by file, line, kind and
    name, duplicates removed; and warnings for files that could not be analysed."""
    findings: list[CodeFinding] = []
    problems: list[Diagnostic] = []
    for source in sources:
        name = PurePosixPath(source.path).name
        if is_manifest(name):
            if name == "pyproject.toml":
                found, trouble = analyse_pyproject(source)
                findings.extend(found)
                problems.extend(trouble)
            elif name.endswith(".lock"):
                findings.extend(analyse_lock(source))
            else:
                findings.extend(analyse_requirements(source))
        elif name.endswith(".py") and not is_test_file(source.within or source.path):
            found, trouble = analyse_python(source)
            findings.extend(found)
            problems.extend(trouble)
    unique = sorted(set(findings), key=lambda f: (f.file, f.line, f.kind.value, f.name))
    return tuple(unique), tuple(sorted(problems, key=lambda d: (d.file, d.line, d.message)))


# --- the draft threat model ---------------------------------------------------------------

_LAYER_OF_TYPE = {
    "base_model": "model",
    "fine_tuned_model": "model",
    "training_pipeline": "model",
    "fine_tuning_pipeline": "model",
    "third_party_service": "input_output",
    "serving_infrastructure": "runtime",
    "agent_tool": "agentic",
    "vector_store": "retrieval",
    "embedding_model": "retrieval",
    "ml_library": "runtime",
}
_LAYERS = ("input_output", "retrieval", "agentic", "model", "runtime")
_ID_PREFIX = {
    "base_model": "model",
    "fine_tuned_model": "model",
    "third_party_service": "api",
    "serving_infrastructure": "serving",
    "agent_tool": "tool",
    "vector_store": "store",
    "embedding_model": "embed",
    "training_pipeline": "train",
    "fine_tuning_pipeline": "finetune",
}


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-._").lower()
    return slug[:100] or "x"


def _at(findings: Sequence[CodeFinding]) -> list[str]:
    return sorted({f"{f.file}:{f.line}" for f in findings})


def draft_model(findings: Sequence[CodeFinding], system_id: str) -> dict[str, Any]:
    """A version 1 threat model of `findings`: one asset per (type, name) found, ML
    libraries as the components of one `ml_library` asset, one surface per layer in use;
    every asset carries `x-discovered-at` (`file:line` of each place it was found).
    `system_id` becomes `metadata.id` (made an id if it is not one)."""
    groups: dict[tuple[str, str], list[CodeFinding]] = {}
    for f in findings:
        kind_type = f.asset_type
        if kind_type and kind_type != "ml_library":
            groups.setdefault((kind_type, f.name), []).append(f)
    assets: list[dict[str, Any]] = []
    used: set[str] = set()
    for (kind_type, name), found in sorted(groups.items()):
        asset_id = f"{_ID_PREFIX[kind_type]}-{_slug(name)}"
        while asset_id in used:
            asset_id += "-2"
        used.add(asset_id)
        asset: dict[str, Any] = {"id": asset_id, "type": kind_type, "name": name}
        version = next((f.version for f in found if f.version), "")
        if version:
            asset["version"] = version
        providers = sorted({f.provider for f in found if f.provider})
        if kind_type in ("base_model", "third_party_service", "embedding_model"):
            hosted = any(p in _HOSTED for p in providers)
            asset["supplier"] = "third_party" if hosted else "open_weights"
            if hosted:
                asset["procurement_reviewed"] = False
        if kind_type == "fine_tuned_model":
            asset["supplier"] = "first_party"
        if providers:
            asset["x-provider"] = providers[0] if len(providers) == 1 else providers
        asset["x-discovered-at"] = _at(found)
        assets.append(asset)
    libraries = _libraries(findings)
    if libraries:
        assets.append(
            {
                "id": "ml-libraries",
                "type": "ml_library",
                "name": "ML libraries in the dependency manifests",
                "components": libraries,
                "x-discovered-at": _at([f for f in findings if f.kind is CodeKind.LIBRARY]),
            }
        )
    frameworks = sorted({f.name for f in findings if f.kind is CodeKind.AGENT_FRAMEWORK})
    surfaces = []
    for layer in _LAYERS:
        ids = [a["id"] for a in assets if _LAYER_OF_TYPE[a["type"]] == layer]
        if layer == "input_output" and not ids:
            ids = [a["id"] for a in assets if a["type"] in ("base_model", "fine_tuned_model")]
        if ids:
            surfaces.append({"id": f"{layer.replace('_', '-')}", "layer": layer, "assets": ids})
    tasks = []
    if any(a["type"] in ("base_model", "fine_tuned_model", "third_party_service") for a in assets):
        tasks.append("generation")
    if any(a["type"] in ("vector_store", "embedding_model") for a in assets):
        tasks.append("retrieval")
    if any(a["type"] == "agent_tool" for a in assets):
        tasks.append("tool_use")
    system: dict[str, Any] = {
        "description": "Drafted by policyengine discover from the code: describe the system.",
    }
    if tasks:
        system["ai_tasks"] = tasks
    system["frameworks"] = ["nist-ai-rmf", "iso42001"]
    if frameworks:
        system["x-agent-frameworks"] = frameworks
    mid = _slug(system_id)
    return {
        "apiVersion": "policyengine/v1",
        "kind": "ThreatModel",
        "metadata": {
            "id": mid,
            "name": system_id or mid,
            "owner": "unassigned",
            "version": "0.1.0",
            "x-draft": "drafted by policyengine discover: review every asset, then write and "
            "score the threats",
        },
        "system": system,
        "assets": assets,
        "surfaces": surfaces,
        "threats": [],
    }


def _libraries(findings: Sequence[CodeFinding]) -> list[dict[str, Any]]:
    """One component per library: the version of a lock file first, else a pin."""
    best: dict[str, CodeFinding] = {}
    for f in findings:
        if f.kind is not CodeKind.LIBRARY:
            continue
        held = best.get(f.name)
        if held is None or (f.version and (not held.version or f.file.endswith(".lock"))):
            best[f.name] = f
    out = []
    for name, f in sorted(best.items()):
        component: dict[str, Any] = {"name": name}
        if f.version:
            component["version"] = f.version
        component["x-discovered-at"] = f"{f.file}:{f.line}"
        out.append(component)
    return out


def discover_report(
    sources: Sequence[SourceFile], system_id: str, skipped: Sequence[Diagnostic] = ()
) -> DiscoveryReport:
    """The report of `discover`: the findings of `sources`, the draft model named
    `system_id`, and the warnings of the files skipped or not parsed."""
    findings, problems = analyse(sources)
    diagnostics = tuple(sorted([*skipped, *problems], key=lambda d: (d.file, d.line, d.message)))
    return DiscoveryReport(
        findings=findings,
        draft=draft_model(findings, system_id),
        diagnostics=diagnostics,
        files=len(sources),
    )
