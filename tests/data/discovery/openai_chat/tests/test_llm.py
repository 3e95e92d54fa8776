from openai import OpenAI


def test_answer() -> None:
    client = OpenAI(api_key="test")
    client.chat.completions.create(model="gpt-4o", messages=[])
