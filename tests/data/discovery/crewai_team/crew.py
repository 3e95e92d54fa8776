from crewai import Agent, Crew, Task  # expect: agent_framework crewai
from crewai.tools import BaseTool, tool


@tool("Competitor search")
def competitor_search(query: str) -> str:  # expect: agent_tool Competitor search
    """Search the web for competitors."""
    return query


class PricingTool(BaseTool):  # expect: agent_tool pricing_lookup
    name: str = "pricing_lookup"
    description: str = "Look up list prices"

    def _run(self, sku: str) -> str:
        return sku


class ReportWriter(BaseTool):  # expect: agent_tool ReportWriter
    description: str = "Write the report"

    def _run(self, text: str) -> str:
        return text


analyst = Agent(  # expect: model gpt-4o
    role="Analyst",
    goal="Price intelligence",
    tools=[competitor_search, PricingTool()],
    llm="gpt-4o",
)
crew = Crew(agents=[analyst], tasks=[Task(description="Analyse", agent=analyst)])
