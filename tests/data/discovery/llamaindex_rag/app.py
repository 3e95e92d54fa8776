import qdrant_client
from llama_index.core import VectorStoreIndex  # expect: agent_framework llamaindex
from llama_index.core.tools import FunctionTool
from llama_index.embeddings.openai import OpenAIEmbedding
from llama_index.llms.openai import OpenAI
from llama_index.vector_stores.qdrant import QdrantVectorStore

qdrant = qdrant_client.QdrantClient(url="http://qdrant:6333")  # expect: vector_store qdrant
vector_store = QdrantVectorStore(  # expect: vector_store qdrant
    client=qdrant, collection_name="docs"
)
llm = OpenAI(model="gpt-4o-mini")  # expect: model_client openai; model gpt-4o-mini
embed_model = OpenAIEmbedding(  # expect: embedding_model text-embedding-3-small
    model="text-embedding-3-small"
)


def multiply(a: int, b: int) -> int:
    return a * b


calculator = FunctionTool.from_defaults(fn=multiply)  # expect: agent_tool multiply
weather = FunctionTool.from_defaults(  # expect: agent_tool get_weather
    fn=multiply, name="get_weather"
)
index = VectorStoreIndex.from_vector_store(vector_store, embed_model=embed_model)
