from autogen_agentchat.agents import AssistantAgent  # expect: agent_framework autogen
from autogen_core.tools import FunctionTool
from autogen_ext.models.openai import OpenAIChatCompletionClient


async def get_stock_price(ticker: str) -> float:
    return 1.0


stock_tool = FunctionTool(  # expect: agent_tool get_stock_price
    get_stock_price, description="Get a stock price"
)
model_client = OpenAIChatCompletionClient(  # expect: model_client openai; model gpt-4o
    model="gpt-4o"
)
agent = AssistantAgent("analyst", model_client=model_client, tools=[stock_tool])
