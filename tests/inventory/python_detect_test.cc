// Python references end to end through the reader, the evaluator and the embedded rules.
#include <gtest/gtest.h>

#include "detect_testutil.h"

namespace mv::inventory {
namespace {

using testing::Py;
using V = std::vector<std::string>;

TEST(PythonDetect, FromPretrainedPositionalAndKeyword) {
  EXPECT_EQ(Py("from transformers import AutoModel\n"
               "m = AutoModel.from_pretrained('org/model-a')\n"
               "t = AutoModel.from_pretrained(pretrained_model_name_or_path=\"org/model-b\", "
               "revision='v1', trust_remote_code=True)\n"),
            (V{"huggingface org/model-a L2", "huggingface org/model-b @v1 [remote] L3"}));
}

TEST(PythonDetect, AliasesAndModuleImports) {
  EXPECT_EQ(Py("from transformers import AutoModelForCausalLM as M\n"
               "import transformers as tf\n"
               "import transformers\n"
               "a = M.from_pretrained('org/a')\n"
               "b = tf.AutoTokenizer.from_pretrained('org/b')\n"
               "c = transformers.models.bert.BertModel.from_pretrained('org/c')\n"),
            (V{"huggingface org/a L4", "huggingface org/b L5", "huggingface org/c L6"}));
}

TEST(PythonDetect, ConstantsAndSimpleAssignments) {
  EXPECT_EQ(Py("from transformers import AutoModel\n"
               "ORG = 'acme'\n"
               "MODEL_ID = ORG + '/' + 'chat-7b'\n"
               "NAME = f'{ORG}/embedder'\n"
               "OTHER = '{}/{}'.format(ORG, 'ranker')\n"
               "def load():\n"
               "    mid = MODEL_ID\n"
               "    a = AutoModel.from_pretrained(mid)\n"
               "    b = AutoModel.from_pretrained(NAME)\n"
               "    return AutoModel.from_pretrained(OTHER)\n"),
            (V{"huggingface acme/chat-7b L8", "huggingface acme/embedder L9",
               "huggingface acme/ranker L10"}));
}

TEST(PythonDetect, MultiLineCallsCommentsAndContinuations) {
  EXPECT_EQ(Py("from transformers import AutoModel\n"
               "model = AutoModel.from_pretrained(\n"
               "    # the base model\n"
               "    'org/'\n"
               "    \"multi-line\",  # implicit concatenation\n"
               "    revision=\\\n"
               "        'abc123',\n"
               ")\n"
               "# model = AutoModel.from_pretrained('org/commented-out')\n"
               "x = 1  # AutoModel.from_pretrained('org/trailing-comment')\n"),
            (V{"huggingface org/multi-line @abc123 L2"}));
}

TEST(PythonDetect, DocstringsAndStringsAreNotCode) {
  EXPECT_EQ(Py("'''Module docs: AutoModel.from_pretrained(\"org/in-docstring\")'''\n"
               "from transformers import AutoModel\n"
               "def f():\n"
               "    \"\"\"Example::\n"
               "\n"
               "        AutoModel.from_pretrained('org/in-func-doc')\n"
               "    \"\"\"\n"
               "    s = \"AutoModel.from_pretrained('org/in-string')\"\n"
               "    return s\n"),
            V{});
}

TEST(PythonDetect, DynamicReferences) {
  EXPECT_EQ(Py("import os\n"
               "from transformers import AutoModel, pipeline\n"
               "def load(name):\n"
               "    return AutoModel.from_pretrained(name)\n"
               "size = input()\n"
               "m = AutoModel.from_pretrained(f'org/model-{size}')\n"
               "e = AutoModel.from_pretrained(os.environ['MODEL'])\n"
               "g = AutoModel.from_pretrained(os.getenv('MODEL', 'org/default'))\n"
               "p = pipeline('text-generation', model=args.model)\n"),
            (V{"huggingface org/default L8", "dynamic L4", "dynamic L6", "dynamic L7", "dynamic L8",
               "dynamic L9"}));
}

TEST(PythonDetect, KeywordArgumentsFromDictLiterals) {
  // **kwargs of a dict literal (also through a name) give their keys as keyword arguments;
  // **kwargs of anything else may hold the id: a dynamic reference. *args only hide positions.
  EXPECT_EQ(Py("from openai import OpenAI\n"
               "from huggingface_hub import hf_hub_download\n"
               "from transformers import AutoModel\n"
               "params = {'model': 'gpt-4o', 'temperature': 0}\n"
               "OpenAI().chat.completions.create(**params, messages=[])\n"
               "OpenAI().chat.completions.create(**{'model': 'o3-mini'})\n"
               "OpenAI().chat.completions.create(**settings)\n"
               "hf_hub_download(**{'repo_id': 'org/data', 'repo_type': 'dataset'})\n"
               "AutoModel.from_pretrained(**{'pretrained_model_name_or_path': 'org/kw'})\n"
               "OpenAI().chat.completions.create(*rest, model='gpt-4.1')\n"),
            (V{"openai gpt-4o (service) L5", "openai o3-mini (service) L6", "huggingface org/kw L9",
               "openai gpt-4.1 (service) L10", "dynamic L7"}));
}

TEST(PythonDetect, CommandLineOptionDefaults) {
  // The default of a command-line option is what the script loads when run without it: a
  // model, and the call stays a dynamic reference (the command line may give another).
  EXPECT_EQ(
      Py("import argparse\n"
         "from transformers import AutoModel\n"
         "p = argparse.ArgumentParser()\n"
         "p.add_argument('--model_name_or_path', type=str, default='org/argparse')\n"
         "g = p.add_argument_group('tok')\n"
         "g.add_argument('-t', '--tokenizer-name', default='org/hyphen')\n"
         "p.add_argument('--teacher', dest='teacher_model', default='org/dest')\n"
         "p.add_argument('--student')\n"
         "args = p.parse_args()\n"
         "AutoModel.from_pretrained(args.model_name_or_path)\n"
         "AutoModel.from_pretrained(args.tokenizer_name)\n"
         "AutoModel.from_pretrained(p.parse_args().teacher_model)\n"
         "AutoModel.from_pretrained(args.student)\n"),
      (V{"huggingface org/argparse L10", "huggingface org/hyphen L11", "huggingface org/dest L12",
         "dynamic L10", "dynamic L11", "dynamic L12", "dynamic L13"}));
  EXPECT_EQ(Py("import click, typer\n"
               "from transformers import AutoModel\n"
               "@click.command()\n"
               "@click.option('--model-id', default='org/click')\n"
               "@click.option('--other', 'name', default='org/click-named')\n"
               "def main(model_id, name):\n"
               "    AutoModel.from_pretrained(model_id)\n"
               "    AutoModel.from_pretrained(name)\n"
               "def cli(model: str = typer.Option('org/typer', help='m')):\n"
               "    AutoModel.from_pretrained(model)\n"),
            (V{"huggingface org/click L7", "huggingface org/click-named L8",
               "huggingface org/typer L10", "dynamic L7", "dynamic L8", "dynamic L10"}));
  EXPECT_EQ(Py("from dataclasses import dataclass, field\n"
               "from transformers import AutoModel, HfArgumentParser\n"
               "@dataclass\n"
               "class ModelArguments:\n"
               "    model_name_or_path: str = field(default='org/hf-args')\n"
               "class Unrelated:\n"
               "    other: str = 'org/not-an-option'\n"
               "parser = HfArgumentParser((ModelArguments,))\n"
               "(model_args,) = parser.parse_args_into_dataclasses()\n"
               "AutoModel.from_pretrained(model_args.model_name_or_path)\n"
               "AutoModel.from_pretrained(model_args.other)\n"),
            (V{"huggingface org/hf-args L10", "dynamic L10", "dynamic L11"}));
}

TEST(PythonDetect, LocalPathsNeverCount) {
  EXPECT_EQ(Py("import os\n"
               "from pathlib import Path\n"
               "from transformers import AutoModel\n"
               "BASE = Path('/srv/models')\n"
               "AutoModel.from_pretrained('./ckpt')\n"
               "AutoModel.from_pretrained('/srv/models/x')\n"
               "AutoModel.from_pretrained('~/models/x')\n"
               "AutoModel.from_pretrained('outputs/run1/final')\n"
               "AutoModel.from_pretrained(os.path.join('models', 'bert'))\n"
               "AutoModel.from_pretrained(BASE / 'bert')\n"
               "AutoModel.from_pretrained(str(BASE))\n"
               "AutoModel.from_pretrained('checkpoints')\n"
               "AutoModel.from_pretrained('C:\\\\models\\\\x')\n"),
            V{});
}

TEST(PythonDetect, BranchesAndLoops) {
  EXPECT_EQ(Py("from transformers import AutoModel\n"
               "if large:\n"
               "    name = 'org/big'\n"
               "else:\n"
               "    name = 'org/small'\n"
               "AutoModel.from_pretrained(name)\n"
               "for m in ['org/x', 'org/y']:\n"
               "    AutoModel.from_pretrained(m)\n"
               "MODELS = {'a': 'org/p', 'b': 'org/q'}\n"
               "AutoModel.from_pretrained(MODELS['b'])\n"
               "name = 'org/final'\n"
               "AutoModel.from_pretrained(name)\n"),
            (V{"huggingface org/big L6", "huggingface org/small L6", "huggingface org/x L8",
               "huggingface org/y L8", "huggingface org/q L10", "huggingface org/final L12"}));
}

TEST(PythonDetect, PipelinesAndLibraries) {
  EXPECT_EQ(
      Py("from transformers import pipeline\n"
         "from sentence_transformers import SentenceTransformer, CrossEncoder\n"
         "from huggingface_hub import hf_hub_download, snapshot_download, InferenceClient\n"
         "import timm, torch\n"
         "from llama_cpp import Llama\n"
         "from datasets import load_dataset\n"
         "pipeline('sentiment-analysis', 'org/p1')\n"
         "pipeline(task='ner', model='org/p2', tokenizer='org/p2')\n"
         "pipeline('summarization')\n"
         "SentenceTransformer('all-MiniLM-L6-v2')\n"
         "CrossEncoder('cross-encoder/ms-marco-MiniLM-L-6-v2')\n"
         "hf_hub_download(repo_id='org/h1', filename='model.safetensors')\n"
         "snapshot_download('org/ds', repo_type='dataset')\n"
         "InferenceClient(model='org/served')\n"
         "timm.create_model('hf-hub:timm/vit_base_patch16_224.augreg_in21k', pretrained=True)\n"
         "timm.create_model('resnet50', pretrained=True)\n"
         "torch.hub.load('pytorch/vision:v0.10.0', 'resnet18', pretrained=True)\n"
         "torch.hub.load('./local_repo', 'mymodel', source='local')\n"
         "Llama.from_pretrained(repo_id='org/gguf-model', filename='*q4_0.gguf')\n"
         "load_dataset('org/some-dataset')\n"),
      (V{"huggingface org/p1 L7", "huggingface org/p2 L8", "huggingface org/p2 L8",
         "huggingface sentence-transformers/all-MiniLM-L6-v2 L10",
         "huggingface cross-encoder/ms-marco-MiniLM-L-6-v2 L11", "huggingface org/h1 L12",
         "huggingface org/served (service) L14",
         "huggingface timm/vit_base_patch16_224.augreg_in21k L15",
         "github pytorch/vision @v0.10.0 [remote] L17", "huggingface org/gguf-model L19"}));
}

TEST(PythonDetect, AiServices) {
  EXPECT_EQ(Py("import anthropic, cohere, boto3\n"
               "from openai import OpenAI\n"
               "from google import genai\n"
               "import google.generativeai as gga\n"
               "from mistralai import Mistral\n"
               "client = OpenAI()\n"
               "MODEL = 'gpt-4o-mini'\n"
               "client.chat.completions.create(model=MODEL, messages=[])\n"
               "a = anthropic.Anthropic()\n"
               "a.messages.create(model='claude-3-haiku-20240307', max_tokens=10, messages=[])\n"
               "g = genai.Client()\n"
               "g.models.generate_content(model='gemini-2.0-flash', contents='hi')\n"
               "gga.GenerativeModel('gemini-1.5-pro')\n"
               "Mistral(api_key=k).chat.complete(model='mistral-large-latest', messages=[])\n"
               "cohere.ClientV2().chat(model='command-r-plus', messages=[])\n"
               "br = boto3.client('bedrock-runtime')\n"
               "br.invoke_model(modelId='anthropic.claude-3-sonnet-20240229-v1:0', body=b)\n"
               "class Bot:\n"
               "    def __init__(self):\n"
               "        self.client = OpenAI()\n"
               "    def ask(self, q):\n"
               "        return self.client.responses.create(model='o3-mini', input=q)\n"),
            (V{"openai gpt-4o-mini (service) L8", "anthropic claude-3-haiku-20240307 (service) L10",
               "google gemini-2.0-flash (service) L12", "google gemini-1.5-pro (service) L13",
               "mistral mistral-large-latest (service) L14", "cohere command-r-plus (service) L15",
               "aws-bedrock anthropic.claude-3-sonnet-20240229-v1:0 (service) L17",
               "openai o3-mini (service) L22"}));
}

// `via` is the call as the code writes it, minus its receiver: the full dotted chain.
TEST(PythonDetect, ViaIsTheDottedCallChain) {
  FileFindings f = testing::DetectPython(
      "from openai import OpenAI\n"
      "import anthropic\n"
      "from sentence_transformers import SentenceTransformer\n"
      "client = OpenAI()\n"
      "client.chat.completions.create(model='gpt-4o', messages=[])\n"
      "OpenAI().chat.completions.create(model='gpt-4o-mini', messages=[])\n"
      "anthropic.Anthropic().messages.create(model='claude-3-haiku-20240307', messages=[])\n"
      "SentenceTransformer('org/embedder')\n");
  std::vector<std::string> via;
  for (const auto& m : f.models) via.push_back(m.id + " " + m.via);
  EXPECT_EQ(via,
            (V{"gpt-4o chat.completions.create", "gpt-4o-mini chat.completions.create",
               "claude-3-haiku-20240307 messages.create", "org/embedder SentenceTransformer"}));
}

TEST(PythonDetect, UnknownReceiversNeedServiceShapedIds) {
  EXPECT_EQ(Py("def ask(client):\n"
               "    client.chat.completions.create(model='gpt-4o', messages=[])\n"
               "    client.messages.create(model='claude-3-5-sonnet-latest', messages=[])\n"
               "    client.messages.create(model='not-a-model', messages=[])\n"
               "    client.chat.completions.create(model=client.model, messages=[])\n"),
            (V{"openai gpt-4o (service) L2", "anthropic claude-3-5-sonnet-latest (service) L3"}));
}

TEST(PythonDetect, ClassAttributesAndDataclassDefaults) {
  EXPECT_EQ(Py("from dataclasses import dataclass, field\n"
               "from transformers import AutoModel\n"
               "@dataclass\n"
               "class Args:\n"
               "    model_name: str = field(default='org/from-field')\n"
               "    other: str = 'org/class-attr'\n"
               "class Loader:\n"
               "    MODEL = 'org/class-const'\n"
               "    def __init__(self):\n"
               "        self.name = 'org/self-attr'\n"
               "    def load(self):\n"
               "        AutoModel.from_pretrained(self.name)\n"
               "        AutoModel.from_pretrained(self.MODEL)\n"
               "args = Args()\n"
               "AutoModel.from_pretrained(args.model_name)\n"
               "AutoModel.from_pretrained(Args.other)\n"),
            (V{"huggingface org/self-attr L12", "huggingface org/class-const L13",
               "huggingface org/from-field L15", "huggingface org/class-attr L16"}));
}

TEST(PythonDetect, ModelObjectsPassedOnAreNotReferences) {
  EXPECT_EQ(Py("from transformers import AutoModel, AutoTokenizer, pipeline\n"
               "from peft import PeftModel\n"
               "base = AutoModel.from_pretrained('org/base')\n"
               "tok = AutoTokenizer.from_pretrained('org/base')\n"
               "model = PeftModel.from_pretrained(base, 'org/lora')\n"
               "pipe = pipeline('text-generation', model=model, tokenizer=tok)\n"),
            (V{"huggingface org/base L3", "huggingface org/base L4", "huggingface org/lora L5"}));
}

TEST(PythonDetect, HubUrlsAndCanonicalNames) {
  EXPECT_EQ(Py("from transformers import AutoModel\n"
               "from diffusers import StableDiffusionPipeline\n"
               "AutoModel.from_pretrained('bert-base-uncased')\n"
               "StableDiffusionPipeline.from_single_file("
               "'https://huggingface.co/org/sd/blob/main/model.safetensors')\n"
               "AutoModel.from_pretrained('https://example.com/x')\n"),
            (V{"huggingface bert-base-uncased L3", "huggingface org/sd @main L4"}));
}

TEST(PythonDetect, StarImportAndTryExceptImport) {
  EXPECT_EQ(Py("from transformers import *\n"
               "try:\n"
               "    from sentence_transformers import SentenceTransformer\n"
               "except ImportError:\n"
               "    SentenceTransformer = None\n"
               "pipeline('fill-mask', model='org/star')\n"
               "SentenceTransformer('org/st')\n"),
            (V{"huggingface org/star L6", "huggingface org/st L7"}));
}

TEST(PythonDetect, FStringsNestedAndFormatted) {
  EXPECT_EQ(Py("from transformers import AutoModel\n"
               "ORG = 'org'\n"
               "AutoModel.from_pretrained(f\"{ORG}/{'nested'}\")\n"
               "AutoModel.from_pretrained(f'{ORG}/{\"x\" + \"y\"}')\n"
               "AutoModel.from_pretrained(f'{ORG!r}/z')\n"
               "AutoModel.from_pretrained(F'''{ORG}/tri''')\n"
               "AutoModel.from_pretrained(rf'{ORG}/raw')\n"),
            (V{"huggingface org/nested L3", "huggingface org/xy L4", "huggingface org/tri L6",
               "huggingface org/raw L7", "dynamic L5"}));
}

}  // namespace
}  // namespace mv::inventory

namespace mv::inventory {
namespace {

TEST(PythonDetect, MoreProvidersAndLegacyApis) {
  EXPECT_EQ(
      testing::Py("import openai, litellm\n"
                  "from groq import Groq\n"
                  "import keras_hub\n"
                  "openai.Completion.create(engine='text-davinci-003', prompt='x')\n"
                  "Groq().chat.completions.create(model='llama-3.1-8b-instant', messages=[])\n"
                  "litellm.completion(model='anthropic/claude-3-haiku', messages=[])\n"
                  "keras_hub.models.GemmaCausalLM.from_preset('hf://google/gemma-2b')\n"
                  "keras_hub.models.GemmaCausalLM.from_preset('gemma_2b_en')\n"),
      (std::vector<std::string>{
          "openai text-davinci-003 (service) L4", "groq llama-3.1-8b-instant (service) L5",
          "litellm anthropic/claude-3-haiku (service) L6", "huggingface google/gemma-2b L7"}));
}

}  // namespace
}  // namespace mv::inventory
