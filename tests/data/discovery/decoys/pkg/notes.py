"""Notes for the team.

We used to call `OpenAI()` here with model="gpt-4", and `@tool` functions; see the wiki.
"""

# from openai import OpenAI
# client = OpenAI()
# client.chat.completions.create(model="gpt-4o")

PROMPT = "You are a helpful assistant. Use the tool lookup_order when asked about orders."


class tool:  # noqa: N801 - a local decorator with an unlucky name
    def __init__(self, fn):
        self.fn = fn


@tool
def not_an_agent_tool() -> None:
    return None


def chroma(text: str) -> str:
    return text.upper()


openai = object()
pinecone = {"Pinecone": "a tree"}
embeddings = chroma("not a store")
