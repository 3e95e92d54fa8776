"""Tools the support agent can call."""

import httpx
from langchain_core.tools import StructuredTool, Tool, tool  # expect: agent_framework langchain


@tool  # noqa
def lookup_order(order_id: str) -> dict:  # expect: agent_tool lookup_order
    """Look up an order by id."""
    return httpx.get(f"https://orders.internal/{order_id}").json()


@tool("cancel_order", return_direct=True)
def cancel(order_id: str) -> str:  # expect: agent_tool cancel_order
    """Cancel an order."""
    httpx.post(f"https://orders.internal/{order_id}/cancel")
    return "cancelled"


def _search_kb(query: str) -> str:
    return query


search = Tool(  # expect: agent_tool search_kb
    name="search_kb", func=_search_kb, description="Search the help center"
)


def refund(order_id: str, amount: float) -> str:
    return "ok"


refund_tool = StructuredTool.from_function(  # expect: agent_tool issue_refund
    func=refund, name="issue_refund"
)


def helper() -> None:
    """Not a tool: no decorator."""
