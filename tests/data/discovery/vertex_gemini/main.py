import vertexai
from vertexai.generative_models import GenerativeModel
from vertexai.language_models import TextEmbeddingModel

vertexai.init(project="acme-prod", location="europe-west4")  # expect: model_client vertex

gemini = GenerativeModel("gemini-1.5-pro-002")  # expect: model gemini-1.5-pro-002
embedder = TextEmbeddingModel.from_pretrained(  # expect: embedding_model text-embedding-004
    "text-embedding-004"
)


def run(question: str) -> str:
    return gemini.generate_content(question).text
