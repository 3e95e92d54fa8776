import faiss
import weaviate
from opensearchpy import OpenSearch
from pgvector.psycopg import register_vector
from pinecone import Pinecone

pc = Pinecone(api_key="...")  # expect: vector_store pinecone
index = pc.Index("products")
wv = weaviate.connect_to_local()  # expect: vector_store weaviate
search = OpenSearch(hosts=[{"host": "search", "port": 9200}])  # expect: vector_store opensearch
flat = faiss.IndexFlatL2(384)  # expect: vector_store faiss


def connect(conn) -> None:
    register_vector(conn)  # expect: vector_store pgvector
