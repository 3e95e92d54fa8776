import ollama
from sentence_transformers import SentenceTransformer
from transformers import AutoModelForCausalLM, AutoTokenizer, pipeline
from vllm import LLM, SamplingParams

BASE = "meta-llama/Llama-3.1-8B-Instruct"

tokenizer = AutoTokenizer.from_pretrained(BASE)
model = AutoModelForCausalLM.from_pretrained(BASE)  # expect: model meta-llama/Llama-3.1-8B-Instruct
adapter = AutoModelForCausalLM.from_pretrained(  # expect: model ./checkpoints/support-lora
    "./checkpoints/support-lora"
)
classifier = pipeline(  # expect: model distilbert-base-uncased-finetuned-sst-2-english
    "text-classification", model="distilbert-base-uncased-finetuned-sst-2-english"
)
encoder = SentenceTransformer("all-MiniLM-L6-v2")  # expect: embedding_model all-MiniLM-L6-v2
engine = LLM(  # expect: model_client vllm; model mistralai/Mistral-7B-Instruct-v0.3
    model="mistralai/Mistral-7B-Instruct-v0.3"
)
params = SamplingParams(temperature=0.2)


def local_chat(text: str) -> str:
    reply = ollama.chat(  # expect: model_client ollama; model llama3.1:8b
        model="llama3.1:8b", messages=[{"role": "user", "content": text}]
    )
    return reply["message"]["content"]
