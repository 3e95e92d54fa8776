from mcp.server.fastmcp import FastMCP  # expect: agent_framework mcp

mcp = FastMCP("inventory")  # expect: mcp_server inventory


@mcp.tool()
def stock_level(sku: str) -> int:  # expect: agent_tool stock_level
    """Units in stock."""
    return 3


@mcp.tool(name="reorder")
def place_reorder(sku: str, units: int) -> str:  # expect: agent_tool reorder
    return "ordered"


@mcp.resource("inventory://skus")
def skus() -> list[str]:
    return []
