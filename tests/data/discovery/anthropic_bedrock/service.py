import json

import anthropic
import boto3
from anthropic import AnthropicBedrock

claude = anthropic.Anthropic()  # expect: model_client anthropic
bedrock_claude = AnthropicBedrock(aws_region="eu-west-1")  # expect: model_client bedrock
runtime = boto3.client("bedrock-runtime", region_name="eu-west-1")  # expect: model_client bedrock
s3 = boto3.client("s3")


def ask(prompt: str) -> str:
    msg = claude.messages.create(  # expect: model claude-3-5-sonnet-20241022
        model="claude-3-5-sonnet-20241022",
        max_tokens=512,
        messages=[{"role": "user", "content": prompt}],
    )
    return msg.content[0].text


def ask_bedrock(prompt: str) -> str:
    body = json.dumps({"prompt": prompt})
    out = runtime.invoke_model(  # expect: model anthropic.claude-3-haiku-20240307-v1:0
        modelId="anthropic.claude-3-haiku-20240307-v1:0", body=body
    )
    s3.put_object(Bucket="logs", Key="last", Body=body)
    return out["body"].read().decode()


def ask_bedrock_sdk(prompt: str) -> str:
    msg = bedrock_claude.messages.create(  # expect: model anthropic.claude-3-5-sonnet-20240620-v1:0
        model="anthropic.claude-3-5-sonnet-20240620-v1:0", max_tokens=256, messages=[]
    )
    return msg.content[0].text
