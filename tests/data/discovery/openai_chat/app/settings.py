"""Settings: a dict named openai is not a client."""

openai = {"model": "gpt-4", "timeout": 30}


def model_name() -> str:
    return openai.get("model", "gpt-4")


class Anthropic:
    """Our own class with an unlucky name."""

    def __init__(self, model: str = "claude-3-opus") -> None:
        self.model = model


local = Anthropic(model="claude-3-haiku")
