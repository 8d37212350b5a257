// JavaScript/TypeScript references end to end (reader, evaluator, embedded rules).
#include <gtest/gtest.h>

#include "detect_testutil.h"
#include "inventory/js_reader.h"

namespace mv::inventory {
namespace {

using V = std::vector<std::string>;

V Js(const std::string& src) {
  Program p = ReadJs(src);
  FileFindings f;
  DetectCalls(p, Rules::Embedded(), LocalCheck(), f);
  return testing::Describe(f);
}

TEST(JsDetect, TransformersJsPipelineAndFromPretrained) {
  EXPECT_EQ(Js("import { pipeline, AutoTokenizer as Tok } from '@xenova/transformers';\n"
               "const MODEL = 'Xenova/distilbert-base-uncased-finetuned-sst-2-english';\n"
               "const classifier = await pipeline('sentiment-analysis', MODEL);\n"
               "const tok = await Tok.from_pretrained(`Xenova/${'bert'}-base`);\n"
               "// await pipeline('ner', 'Xenova/commented-out');\n"
               "/* pipeline('ner', 'Xenova/block-comment') */\n"
               "const s = \"pipeline('ner', 'Xenova/in-a-string')\";\n"),
            (V{"huggingface Xenova/distilbert-base-uncased-finetuned-sst-2-english L3",
               "huggingface Xenova/bert-base L4"}));
}

TEST(JsDetect, RequireDestructuringAndDynamicImport) {
  EXPECT_EQ(Js("const { pipeline } = require('@huggingface/transformers');\n"
               "async function main() {\n"
               "  const { pipeline: p } = await import('@xenova/transformers');\n"
               "  const a = await pipeline('feature-extraction', 'org/embed');\n"
               "  const b = await p('text-generation', 'org/gen', { revision: 'v2' });\n"
               "}\n"),
            (V{"huggingface org/embed L4", "huggingface org/gen @v2 L5"}));
}

TEST(JsDetect, TypeScriptAndJsx) {
  EXPECT_EQ(Js("import { pipeline } from '@huggingface/transformers';\n"
               "type Task = 'ner' | 'qa';\n"
               "const model: string = 'org/typed';\n"
               "export async function load<T>(task: Task): Promise<T> {\n"
               "  return (await pipeline(task, model as string)) as T;\n"
               "}\n"
               "export const View = () => <p>Don't load 'org/jsx-text' here</p>;\n"
               "const re = /pipeline\\('x', 'org\\/regex'\\)/g;\n"),
            (V{"huggingface org/typed L5"}));
}

TEST(JsDetect, ServicesWithObjectArguments) {
  EXPECT_EQ(Js("import OpenAI from 'openai';\n"
               "import Anthropic from '@anthropic-ai/sdk';\n"
               "import { BedrockRuntimeClient, ConverseCommand } from "
               "'@aws-sdk/client-bedrock-runtime';\n"
               "import { openai } from '@ai-sdk/openai';\n"
               "const client = new OpenAI();\n"
               "const r = await client.chat.completions.create({ model: 'gpt-4o', messages });\n"
               "const anthropic = new Anthropic();\n"
               "await anthropic.messages.create({\n"
               "  model: \"claude-3-5-sonnet-20241022\",\n"
               "  max_tokens: 10,\n"
               "});\n"
               "new ConverseCommand({ modelId: 'amazon.titan-text-express-v1', messages });\n"
               "const m = openai('gpt-4o-mini');\n"),
            (V{"openai gpt-4o (service) L6", "anthropic claude-3-5-sonnet-20241022 (service) L8",
               "aws-bedrock amazon.titan-text-express-v1 (service) L12",
               "openai gpt-4o-mini (service) L13"}));
}

TEST(JsDetect, DynamicReferences) {
  EXPECT_EQ(Js("import { pipeline } from '@xenova/transformers';\n"
               "const id = process.env.MODEL_ID || 'org/default';\n"
               "export async function run(name) {\n"
               "  await pipeline('ner', name);\n"
               "  await pipeline('ner', id);\n"
               "  await pipeline('ner', `org/${name}`);\n"
               "}\n"),
            (V{"huggingface org/default L5", "dynamic L4", "dynamic L5", "dynamic L6"}));
}

TEST(JsDetect, ObjectSpreadsInArguments) {
  // Properties spread into the options object count as written there; a spread of something
  // unknown may hold the model: a dynamic reference, never silence.
  EXPECT_EQ(
      Js("import OpenAI from 'openai';\n"
         "const client = new OpenAI();\n"
         "const base = { model: 'gpt-4o-mini', temperature: 0 };\n"
         "await client.chat.completions.create({ ...base, messages: [] });\n"
         "await client.chat.completions.create({ ...opts, messages: [] });\n"
         "await client.chat.completions.create({ ...opts, model: 'gpt-4.1', messages: [] });\n"),
      (V{"openai gpt-4o-mini (service) L4", "openai gpt-4.1 (service) L6", "dynamic L5"}));
}

TEST(JsDetect, ClassFields) {
  // Field initializers bind this.NAME (static ones Class.NAME); methods are still read.
  EXPECT_EQ(
      Js("import OpenAI from 'openai';\n"
         "import { pipeline } from '@huggingface/transformers';\n"
         "export class Service {\n"
         "  private readonly client: OpenAI = new OpenAI();\n"
         "  #model = 'gpt-4o-2024-08-06';\n"
         "  static EMBED = 'Xenova/gte-small'\n"
         "  model?: string = 'gpt-4o-mini';\n"
         "  async ask(q: string): Promise<string> {\n"
         "    await pipeline('feature-extraction', Service.EMBED);\n"
         "    return this.client.chat.completions.create({ model: this.model, messages: [] });\n"
         "  }\n"
         "  handler = async () => pipeline('ner', 'Xenova/bert-base-NER');\n"
         "}\n"),
      (V{"huggingface Xenova/gte-small L9", "openai gpt-4o-mini (service) L10",
         "huggingface Xenova/bert-base-NER L12"}));
}

}  // namespace
}  // namespace mv::inventory
