import autogen  # expect: agent_framework autogen
from autogen import AssistantAgent, UserProxyAgent, register_function

config = {"config_list": [{"model": "gpt-4o"}]}  # expect: model gpt-4o
assistant = AssistantAgent("assistant", llm_config=config)
user = UserProxyAgent("user", code_execution_config={"work_dir": "sandbox"})


def run_sql(query: str) -> str:
    return query


register_function(  # expect: agent_tool run_sql
    run_sql, caller=assistant, executor=user, description="Run a SQL query"
)


@user.register_for_execution()
@assistant.register_for_llm(name="send_email", description="Send an email")
def send_email(to: str, body: str) -> str:  # expect: agent_tool send_email
    return "sent"
