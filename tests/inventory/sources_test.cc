// Config documents, shell command lines, notebooks and id parsing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "detect_testutil.h"
#include "inventory/config_reader.h"
#include "inventory/inventory.h"
#include "inventory/js_reader.h"
#include "inventory/model_id.h"
#include "inventory/notebook.h"
#include "inventory/shell.h"
#include "inventory/shell_detect.h"

namespace mv::inventory {
namespace {

using V = std::vector<std::string>;

V Leaves(const ConfigDoc& d) {
  V out;
  for (const auto& l : d.leaves) {
    std::string path;
    for (const auto& k : l.path) path += (path.empty() ? "" : ".") + k;
    out.push_back(path + "=" + l.value + "@" + std::to_string(l.line));
  }
  return out;
}

// Container specs: command/args/entrypoint are command lines; flags alone run the program of
// the object's image ([[image]] rules); ${VAR} interpolation is known only at run time.
V Refs(FileKind kind, const std::string& text) {
  SourceResult r =
      ReadSource(kind, text, "spec", Rules::Embedded(), [](std::string_view) { return false; });
  V out;
  for (const auto& m : r.models) out.push_back(m.id + "@" + std::to_string(m.references[0].line));
  for (const auto& d : r.dynamic) out.push_back("dynamic@" + std::to_string(d.line));
  return out;
}

TEST(Config, ContainerCommands) {
  EXPECT_EQ(Refs(FileKind::kYaml,
                 "services:\n"
                 "  vllm:\n"
                 "    image: vllm/vllm-openai:v0.6.3\n"
                 "    command: --model mistralai/Mistral-7B-Instruct-v0.3 --max-model-len 4096\n"
                 "  tgi:\n"
                 "    command: [\"--model-id\", \"${TGI_MODEL}\"]\n"
                 "    image: ghcr.io/huggingface/text-generation-inference:2.4\n"
                 "  worker:\n"
                 "    image: python:3.12\n"
                 "    command: huggingface-cli download org/worker-model\n"
                 "  other:\n"
                 "    image: busybox\n"
                 "    command: [\"--model\", \"org/not-for-busybox\"]\n"),
            (V{"mistralai/Mistral-7B-Instruct-v0.3@4", "org/worker-model@10", "dynamic@6"}));
  // Kubernetes: two containers in one list, command and args joined; JSON the same.
  EXPECT_EQ(Refs(FileKind::kYaml,
                 "spec:\n"
                 "  containers:\n"
                 "    - name: embed\n"
                 "      image: ghcr.io/huggingface/text-embeddings-inference:cpu-1.5\n"
                 "      args:\n"
                 "        - --model-id\n"
                 "        - BAAI/bge-small-en-v1.5\n"
                 "    - name: llm\n"
                 "      image: registry.example.com/vllm/vllm-openai:latest\n"
                 "      command: [\"python3\", \"-m\", \"vllm.entrypoints.openai.api_server\"]\n"
                 "      args: [\"--model\", \"Qwen/Qwen2.5-7B-Instruct\"]\n"),
            (V{"BAAI/bge-small-en-v1.5@6", "Qwen/Qwen2.5-7B-Instruct@10"}));
  EXPECT_EQ(Refs(FileKind::kJson,
                 "{\"containers\": [{\"image\": \"vllm/vllm-openai\",\n"
                 " \"args\": [\"--model\", \"org/json-model\"]}]}\n"),
            (V{"org/json-model@2"}));
}

TEST(Config, JsonYamlToml) {
  EXPECT_EQ(
      Leaves(ReadJsonConfig("{\"gpt2\": {\"model\": \"gpt2\"},\n \"l\": [\"a\", {\"k\": \"b\"}]}")),
      (V{"gpt2.model=gpt2@1", "l=a@2", "l.k=b@2"}));
  EXPECT_EQ(Leaves(ReadYamlConfig("a: &x\n  m: org/y\nb: *x\nc:\n  - d\n  - e: f\n")),
            (V{"a.m=org/y@2", "c=d@5", "c.e=f@6"}));
  EXPECT_EQ(Leaves(ReadTomlConfig("[t]\nm = \"v\"\n[[u]]\nn = \"w\"\n")),
            (V{"t.m=v@2", "u.n=w@4"}));
  ConfigDoc bad = ReadYamlConfig("a: [\n");
  EXPECT_FALSE(bad.error.empty());
  EXPECT_FALSE(bad.limit);
}

// toml++ 3.3.0 reached a point it marks unreachable (undefined behaviour) when a non-ASCII
// character that is not whitespace stood where it looks for whitespace (libs/toml.h). Under
// the sanitizer build any of these aborted; every build must answer each with a parse error.
TEST(Config, NonAsciiWhereTomlLooksForWhitespaceIsAParseError) {
  for (std::string text : {"\xc3\xa9 = 1\n", "a = 1\n\xc2\xa1 = 2\n", "\xef\xbb\x9f\n.",
                           "[t]\n\xe3\x80\x81k = 1\n", "a = 1 \xc3\xa9\n"}) {
    ConfigDoc d = ReadTomlConfig(text);
    EXPECT_FALSE(d.error.empty()) << text;
    EXPECT_FALSE(d.limit) << text;
  }
  // Real non-ASCII whitespace (U+00A0, U+3000) is still told apart from other characters.
  EXPECT_FALSE(ReadTomlConfig("a = 1\xc2\xa0\n").error.empty());
  EXPECT_EQ(Leaves(ReadTomlConfig("k = \"caf\xc3\xa9\" # \xc3\xa9\n")), (V{"k=caf\xc3\xa9@1"}));
}

TEST(Config, NestingIsBounded) {
  std::string deep(100000, '[');
  ConfigDoc j = ReadJsonConfig(deep);
  EXPECT_TRUE(j.limit);
  ConfigDoc y = ReadYamlConfig(deep);
  EXPECT_TRUE(y.limit || !y.error.empty());
}

std::string Words(const ShellCommand& c) {
  std::string s = std::to_string(c.line) + ":";
  for (const auto& w : c.words) {
    s += " ";
    for (const auto& p : w.parts) {
      if (p.kind == WordPart::Kind::kLiteral) s += p.text;
      if (p.kind == WordPart::Kind::kVar)
        s += "<" + p.text + (p.has_fallback ? "|" + p.fallback : "") + ">";
      if (p.kind == WordPart::Kind::kDynamic) s += "<?>";
    }
  }
  return s;
}

TEST(Shell, Split) {
  std::vector<std::string> got;
  for (const auto& c : SplitShell("a 'b c' \"d $E ${F:-g}\" h\\ i # j\n"
                                  "k && l | m; n $(o p) `q` $1 > out.txt\n"
                                  "cat <<EOF\nhf download x/y\nEOF\n"
                                  "r \\\n  s\n"))
    got.push_back(Words(c));
  EXPECT_EQ(got, (V{"1: a b c d <E> <F|g> h i", "2: k", "2: l", "2: m", "2: n <?> <?> <?>",
                    "3: cat", "6: r s"}));
}

TEST(Shell, DockerfileAndScripts) {
  FileFindings f;
  ShellDetector d(Rules::Embedded(), LocalCheck(), f);
  d.Dockerfile(
      "FROM python\nARG BASE=org/base\nENV MODEL_ID=${BASE} \\\n    OTHER=1\n"
      "ENV HF_MODEL org/legacy-form\n"
      "RUN apt-get update && \\\n  # comment inside\n  huggingface-cli download "
      "$MODEL_ID --revision v2\n"
      "CMD [\"vllm\", \"serve\", \"org/exec-form\"]\n");
  EXPECT_EQ(testing::Describe(f),
            (V{"huggingface org/base L3", "huggingface org/legacy-form L5",
               "huggingface org/base @v2 L8", "huggingface org/exec-form L9"}));
}

TEST(Notebook, CodeCellsOnlyWithFileLines) {
  std::string nb = R"nb({
 "cells": [
  {"cell_type": "markdown", "source": ["pipeline('x', model='org/md')\n"]},
  {"cell_type": "code", "outputs": [{"text": ["from_pretrained('org/out')"]}],
   "source": ["import os\n", "!hf download org/bang\n", "%matplotlib inline\n", "x = 1"]}
 ],
 "nbformat": 4
})nb";
  Notebook n = ReadNotebook(nb);
  EXPECT_EQ(n.python, "import os\n\n\nx = 1\n\n");
  EXPECT_EQ(n.file_line, (std::vector<uint32_t>{5, 5, 5, 5, 5}));
  ASSERT_EQ(n.shell.size(), 1u);
  EXPECT_EQ(n.shell[0].text, "hf download org/bang");
  EXPECT_TRUE(ReadNotebook("[1, 2").error.size() > 0);
}

TEST(ModelId, HubServiceGithub) {
  const Rules& r = Rules::Embedded();
  Target hub;
  hub.provider = "huggingface";
  auto id = [&](std::string_view s, const Target& t) {
    IdResult x = ParseId(s, t, r);
    switch (x.status) {
      case IdResult::Status::kId: return x.id + (x.revision.empty() ? "" : "@" + x.revision);
      case IdResult::Status::kLocal: return std::string("local");
      case IdResult::Status::kNotId: return std::string("-");
    }
    return std::string("?");
  };
  EXPECT_EQ(id("org/name", hub), "org/name");
  EXPECT_EQ(id("gpt2", hub), "gpt2");
  EXPECT_EQ(id("checkpoint", hub), "local");
  EXPECT_EQ(id("./ckpt", hub), "local");
  EXPECT_EQ(id("/srv/models/x", hub), "local");
  EXPECT_EQ(id("a/b/c", hub), "local");
  EXPECT_EQ(id("org/model.safetensors", hub), "local");
  EXPECT_EQ(id("C:\\m", hub), "local");
  EXPECT_EQ(id("https://huggingface.co/org/n/resolve/abc/w.bin", hub), "org/n@abc");
  EXPECT_EQ(id("hf://org/n", hub), "org/n");
  EXPECT_EQ(id("https://huggingface.co/datasets/org/d", hub), "-");
  EXPECT_EQ(id("https://example.com/org/n", hub), "-");
  EXPECT_EQ(id("org/na me", hub), "-");
  EXPECT_EQ(id("org/-bad", hub), "-");
  EXPECT_EQ(id("org/a--b", hub), "-");
  Target gh;
  gh.provider = "github";
  gh.form = IdForm::kGithub;
  EXPECT_EQ(id("pytorch/vision:v0.10.0", gh), "pytorch/vision@v0.10.0");
  Target svc;
  svc.provider = "anthropic";
  svc.form = IdForm::kService;
  svc.id_globs = {"claude-*"};
  EXPECT_EQ(id("claude-3-haiku-20240307", svc), "claude-3-haiku-20240307");
  EXPECT_EQ(id("gpt-4o", svc), "-");
  EXPECT_EQ(id("claude-\x1b[2J", svc), "-");
}

// The relevance prefilter must never change what is found: every fixture source gives the
// same findings with and without it.
TEST(Relevance, PrefilterChangesNothingOnTheFixtures) {
  namespace fs = std::filesystem;
  const Rules& rules = Rules::Embedded();
  Relevance rel;
  rel.call_name = [&](std::string_view n) { return rules.IsCallName(n); };
  rel.module = [&](std::string_view m) { return rules.IsModuleName(m); };
  size_t files = 0, skipped = 0;
  for (const auto& e : fs::recursive_directory_iterator(std::string(MV_FIXTURES) + "/inventory")) {
    std::string ext = e.path().extension().string();
    bool py = ext == ".py", js = ext == ".js" || ext == ".ts" || ext == ".tsx" || ext == ".mjs";
    if (!e.is_regular_file() || (!py && !js)) continue;
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    FileFindings all, filtered;
    Program a = py ? ReadPython(text) : ReadJs(text);
    Program b = py ? ReadPython(text, &rel) : ReadJs(text, &rel);
    DetectCalls(a, rules, LocalCheck(), all);
    DetectCalls(b, rules, LocalCheck(), filtered);
    EXPECT_EQ(testing::Describe(all), testing::Describe(filtered)) << e.path();
    ++files;
    if (b.calls.empty() && !a.calls.empty()) ++skipped;
  }
  EXPECT_GT(files, 15u);
  EXPECT_GT(skipped, 0u);  // the filter does skip something (make_fixtures.py, server.py)
}

}  // namespace
}  // namespace mv::inventory
