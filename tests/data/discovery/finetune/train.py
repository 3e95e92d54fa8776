from datasets import load_dataset
from openai import OpenAI
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments
from trl import SFTTrainer

base = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-1.5B")  # expect: model Qwen/Qwen2.5-1.5B
lora = get_peft_model(base, LoraConfig(r=8))  # expect: training peft.get_peft_model
data = load_dataset("json", data_files="data/tickets.jsonl")
sft = SFTTrainer(model=lora, train_dataset=data["train"])  # expect: training trl.SFTTrainer
sft.train()
plain = Trainer(  # expect: training transformers.Trainer
    model=base, args=TrainingArguments(output_dir="out")
)

client = OpenAI()  # expect: model_client openai
job = client.fine_tuning.jobs.create(  # expect: training openai.fine_tuning.jobs; model gpt-4o-mini-2024-07-18
    training_file="file-abc", model="gpt-4o-mini-2024-07-18"
)
