from langchain_core.tools import tool
from openai import OpenAI


@tool
def fake_tool(x: str) -> str:
    return x


client = OpenAI(api_key="sk-test")
