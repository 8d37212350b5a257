// data/inventory.toml loads, and the loader is strict: unknown keys, wrong types and unknown
// values are errors that name the line.
#include "inventory/rules.h"

#include <gtest/gtest.h>

namespace mv::inventory {
namespace {

const char* kFiles = R"(
[files]
python = ["*.py"]
javascript = ["*.js"]
notebook = ["*.ipynb"]
json = ["*.json"]
yaml = ["*.yaml"]
toml = ["*.toml"]
shell = ["*.sh"]
dockerfile = ["Dockerfile"]
python_interpreters = ["python3"]
shell_interpreters = ["bash"]
javascript_interpreters = ["node"]
skip_dirs = [".git"]
)";

std::string Load(const std::string& body) {
  auto r = Rules::Parse(body + kFiles, "t.toml");
  return r.ok() ? "ok" : r.error().message;
}

TEST(Rules, EmbeddedLoads) {
  const Rules& r = Rules::Embedded();
  EXPECT_GT(r.calls().size(), 30u);
  int index = -1;
  const CallRule* c = r.MatchCall({"transformers.AutoModel.from_pretrained"}, -1, &index);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->target.provider, "huggingface");
  // Specific rules win over the generic from_pretrained: PEFT adapters come second.
  c = r.MatchCall({"peft.PeftModel.from_pretrained"}, -1, &index);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->ids[0].position, 1);
  c = r.MatchCall({"vertexai.language_models.TextGenerationModel.from_pretrained"}, -1, &index);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->target.provider, "google");
  EXPECT_EQ(r.MatchCall({"json.load"}, -1, &index), nullptr);
  EXPECT_EQ(r.MatchCall({"datasets.load_dataset"}, -1, &index)->target.kind, RuleKind::kDataset);
  EXPECT_TRUE(r.IsCanonical("gpt2"));
  EXPECT_FALSE(r.IsCanonical("checkpoints"));
  EXPECT_EQ(r.KindOf("Dockerfile.gpu", ""), FileKind::kDockerfile);
  EXPECT_EQ(r.KindOf("run", "#!/usr/bin/env -S python3 -u"), FileKind::kPython);
  EXPECT_EQ(r.KindOf("deploy", "#!/bin/bash -e"), FileKind::kShell);
  EXPECT_EQ(r.KindOf("notes.txt", ""), FileKind::kOther);
  EXPECT_EQ(r.KindOf("vendor.min.js", ""), FileKind::kOther);
  EXPECT_EQ(r.KindOf("app.js", ""), FileKind::kJavaScript);
  EXPECT_NE(r.MatchEnv("HF_MODEL_ID"), nullptr);
  EXPECT_EQ(r.MatchEnv("OPENAI_MODEL")->target.provider, "openai");
  EXPECT_TRUE(r.IsConfigKey({"model", "name"}));
  EXPECT_FALSE(r.IsConfigKey({"hub_model_id"}));
}

TEST(Rules, Patterns) {
  auto m = [](std::string_view p, std::string_view s) {
    return MatchPattern(SplitDots(p), SplitDots(s));
  };
  EXPECT_TRUE(m("**.from_pretrained", "from_pretrained"));
  EXPECT_TRUE(m("**.from_pretrained", "a.b.c.from_pretrained"));
  EXPECT_FALSE(m("**.from_pretrained", "a.from_pretrained.x"));
  EXPECT_TRUE(m("openai.**", "openai.OpenAI.chat.completions.create"));
  EXPECT_TRUE(m("peft.PeftModel*.from_pretrained", "peft.PeftModelForCausalLM.from_pretrained"));
  EXPECT_FALSE(m("peft.PeftModel*.from_pretrained", "peft.x.PeftModel.from_pretrained"));
  EXPECT_TRUE(m("a.**.b.**.c", "a.x.b.y.z.c"));
}

TEST(Rules, StrictLoading) {
  EXPECT_EQ(Load("[[call]]\ncallees = [\"a.b\"]\nprovider = \"x\"\nids = [{position = 0}]\n"),
            "ok");
  EXPECT_EQ(Load("[[call]]\ncallees = [\"a.b\"]\nprovider = \"x\"\nids = [{position = 0}]\n"
                 "colour = \"red\"\n"),
            "t.toml:5: unknown key `colour`");
  EXPECT_EQ(Load("[[call]]\ncallees = [\"a.b\"]\nids = [{position = 0}]\n"),
            "t.toml:1: `provider` is required");
  EXPECT_EQ(Load("[[call]]\ncallees = [\"a..b\"]\nprovider = \"x\"\nids = [{position = 0}]\n"),
            "t.toml:2: callee pattern `a..b` has an empty segment");
  EXPECT_EQ(Load("[[call]]\ncallees = [\"a\"]\nprovider = \"x\"\ncategory = \"cloud\"\n"
                 "ids = [{position = 0}]\n"),
            "t.toml:1: unknown category `cloud` (self-hosted|ai-service)");
  EXPECT_EQ(Load("[[call]]\ncallees = [\"a\"]\nprovider = \"x\"\nids = [{place = 0}]\n"),
            "t.toml:4: unknown key `place`");
  EXPECT_EQ(Load("[[call]]\ncallees = [\"a\"]\nprovider = \"X Y\"\nids = [{position = 0}]\n"),
            "t.toml:1: `provider` must be lower-case letters, digits and '-'");
  EXPECT_EQ(Load("[[call]]\ncallees = \"a\"\nprovider = \"x\"\nids = [{position = 0}]\n"),
            "t.toml:2: `callees` must be a list of strings");
  EXPECT_EQ(Load("[oops]\n"), "t.toml:1: unknown key `oops`");
  EXPECT_EQ(Rules::Parse("[[call]]\ncallees = [\"a\"]\nprovider = \"x\"\nids = [{position = 0}]\n",
                         "t.toml")
                .error()
                .message,
            "t.toml: no [files] table");
}

}  // namespace
}  // namespace mv::inventory
