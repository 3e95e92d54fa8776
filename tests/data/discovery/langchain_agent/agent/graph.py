from langchain_chroma import Chroma
from langchain_openai import ChatOpenAI, OpenAIEmbeddings
from langgraph.prebuilt import create_react_agent  # expect: agent_framework langgraph

from .tools import cancel, lookup_order, refund_tool, search

llm = ChatOpenAI(model="gpt-4o", temperature=0)  # expect: model_client openai; model gpt-4o
embeddings = OpenAIEmbeddings(  # expect: embedding_model text-embedding-3-large
    model="text-embedding-3-large"
)
store = Chroma(  # expect: vector_store chroma
    collection_name="help-center", embedding_function=embeddings
)

agent = create_react_agent(llm, [lookup_order, cancel, search, refund_tool])
