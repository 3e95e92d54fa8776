from mcp import ClientSession, StdioServerParameters  # expect: agent_framework mcp
from mcp.client.sse import sse_client
from mcp.client.stdio import stdio_client

github = StdioServerParameters(  # expect: mcp_client npx @modelcontextprotocol/server-github
    command="npx", args=["-y", "@modelcontextprotocol/server-github"]
)


async def main() -> None:
    async with stdio_client(github) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
    async with sse_client(  # expect: mcp_client https://tools.example.com/sse
        "https://tools.example.com/sse"
    ) as streams:
        print(streams)
