from agents import Agent, Runner, function_tool  # expect: agent_framework openai-agents


@function_tool
def get_balance(account_id: str) -> str:  # expect: agent_tool get_balance
    """Balance of an account."""
    return "100"


@function_tool(name_override="transfer")
def transfer_money(source: str, target: str, amount: float) -> str:  # expect: agent_tool transfer
    return "done"


triage = Agent(name="Triage", instructions="Route the request", tools=[get_balance, transfer_money])
result = Runner.run_sync(triage, "What is my balance?")
