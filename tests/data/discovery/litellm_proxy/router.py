import litellm
from litellm import completion

PRIMARY = "anthropic/claude-3-5-haiku-20241022"
FALLBACK = "gpt-4o-mini"


def route(messages: list[dict[str, str]]) -> str:
    try:
        reply = completion(  # expect: model_client litellm; model anthropic/claude-3-5-haiku-20241022
            model=PRIMARY, messages=messages
        )
    except litellm.RateLimitError:
        reply = litellm.completion(  # expect: model_client litellm; model gpt-4o-mini
            model=FALLBACK, messages=messages
        )
    return reply.choices[0].message.content
