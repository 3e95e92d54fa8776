from openai import OpenAI

def oops(
    client = OpenAI(
