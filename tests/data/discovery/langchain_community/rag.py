"""A RAG service written against langchain_community, as most LangChain tutorials are: the
classes that later moved to langchain_openai, langchain_huggingface, ... from their old
home, from its package and from one of its modules."""

from langchain_community.chat_models import ChatOpenAI  # expect: agent_framework langchain
from langchain_community.embeddings import HuggingFaceEmbeddings as HFE
from langchain_community.embeddings.ollama import OllamaEmbeddings
from langchain_community.llms import Ollama
from langchain_community.vectorstores import FAISS

EMBEDDER = "sentence-transformers/all-mpnet-base-v2"

embeddings = HFE(model_name=EMBEDDER)  # expect: embedding_model sentence-transformers/all-mpnet-base-v2
local = OllamaEmbeddings(model="nomic-embed-text")  # expect: embedding_model nomic-embed-text
store = FAISS.from_texts(["refund policy"], embeddings)  # expect: vector_store faiss
chat = ChatOpenAI(model="gpt-4o-mini", temperature=0)  # expect: model_client openai; model gpt-4o-mini
fallback = Ollama(model="llama3.1:8b")  # expect: model llama3.1:8b


def answer(question: str) -> str:
    docs = store.similarity_search(question, k=4)
    context = "\n".join(d.page_content for d in docs)
    return chat.invoke(f"{context}\n\n{question}").content
