"""Chat and embeddings through the OpenAI API."""

import os

from openai import AsyncAzureOpenAI, OpenAI

CHAT_MODEL = "gpt-4o-2024-08-06"

client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])  # expect: model_client openai
azure = AsyncAzureOpenAI(  # expect: model_client azure-openai
    azure_endpoint=os.environ["AZURE_ENDPOINT"]
)


def answer(question: str) -> str:
    reply = client.chat.completions.create(  # expect: model gpt-4o-2024-08-06
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": question}],
    )
    return reply.choices[0].message.content or ""


def embed(texts: list[str]) -> list[list[float]]:
    out = client.embeddings.create(  # expect: embedding_model text-embedding-3-small
        model="text-embedding-3-small", input=texts
    )
    return [d.embedding for d in out.data]


async def summarise(text: str) -> str:
    reply = await azure.chat.completions.create(  # expect: model gpt-4o-mini
        model="gpt-4o-mini", messages=[]
    )
    # reply = client.chat.completions.create(model="gpt-3.5-turbo", messages=[])
    return reply.choices[0].message.content or ""
