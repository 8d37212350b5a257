import argparse
from dataclasses import dataclass, field
from transformers import AutoModelForCausalLM, AutoTokenizer, HfArgumentParser
from pydantic_settings import BaseSettings
import click

parser = argparse.ArgumentParser()
parser.add_argument("--model_name_or_path", type=str, default="EleutherAI/pythia-160m")
parser.add_argument("--tokenizer-name", default="EleutherAI/gpt-neox-20b", help="tok")
parser.add_argument("--teacher", dest="teacher_model", default="org/teacher")
args = parser.parse_args()
model = AutoModelForCausalLM.from_pretrained(args.model_name_or_path)
tok = AutoTokenizer.from_pretrained(args.tokenizer_name)
t = AutoModelForCausalLM.from_pretrained(args.teacher_model)

@dataclass
class ModelArguments:
    model_name_or_path: str = field(default="org/dataclass-default")

hp = HfArgumentParser((ModelArguments,))
(margs,) = hp.parse_args_into_dataclasses()
AutoModelForCausalLM.from_pretrained(margs.model_name_or_path)

class Settings(BaseSettings):
    embed_model: str = "org/settings-default"

settings = Settings()
AutoTokenizer.from_pretrained(settings.embed_model)

@click.command()
@click.option("--model", default="org/click-default")
def main(model):
    AutoModelForCausalLM.from_pretrained(model)
