#include "formats/json/json.h"

#include <gtest/gtest.h>

#include "formats/common/keras_config/keras_config.h"
#include "formats/registry.h"

namespace mv::formats {
namespace {

Result<ReadOutput> ReadJson(const std::string& name, bool sniffed = true) {
  auto s = OpenFileSource(std::string(MV_FIXTURES) + "/formats/keras/" + name);
  EXPECT_TRUE(s.ok()) << name;
  if (!s.ok()) return s.error();
  EXPECT_EQ(Sniff(**s) == FormatId::kJson, sniffed) << name;
  ReadContext ctx;
  return json::Read(*s, ctx);
}

std::vector<std::string> Kinds(const ReadOutput& o) {
  std::vector<std::string> v;
  for (const auto& ob : o.observations) v.push_back(ob.kind + " " + ob.subject);
  return v;
}

TEST(KerasJson, Benign) {
  auto r = ReadJson("benign-config.json");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->format, "keras-config");
  EXPECT_TRUE(r->observations.empty()) << r->observations[0].subject;
}

TEST(KerasJson, LambdaCode) {
  auto r = ReadJson("lambda-config.json");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Kinds(*r),
            (std::vector<std::string>{"keras.lambda l", "python.code-name builtins.__import__",
                                      "python.code-name subprocess.run"}));
  EXPECT_NE(r->observations[2].evidence.find("config.json: Lambda layer 'l'"), std::string::npos);
  EXPECT_NE(r->observations[2].loader.find("safe_mode=False"), std::string::npos);
}

TEST(KerasJson, FunctionReferenceOutsideKeras) {
  auto r = ReadJson("module-function-config.json");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Kinds(*r), std::vector<std::string>{"keras.module-ref subprocess.run"});
  EXPECT_NE(r->observations[0].loader.find("CVE-2025-1550"), std::string::npos);
}

TEST(KerasJson, GetFileGadget) {
  auto r = ReadJson("get-file-config.json");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Kinds(*r), std::vector<std::string>{"keras.module-ref keras.utils.get_file"});
}

TEST(KerasJson, NotKerasJsonHasNoObservations) {
  auto r = ReadJson("not-keras.json", /*sniffed=*/true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->format, "json");
  EXPECT_TRUE(r->observations.empty());
}

TEST(KerasJson, ClassNameAfterPaddingStillFound) {
  std::string cfg = R"({"pad":")" + std::string(8000, 'x') +
                    R"(","class_name":"Lambda","config":{"name":"p","function":{"module":"os",)"
                    R"("class_name":"function","config":"system"}}})";
  auto src = MakeMemorySource(cfg);
  EXPECT_EQ(Sniff(*src), FormatId::kJson);
  ReadContext ctx;
  auto r = json::Read(src, ctx);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Kinds(*r), std::vector<std::string>{"keras.module-ref os.system"});
}

TEST(KerasJson, TorchModuleWrapperBytesBecomeMember) {
  auto j = keras::Parse(
      R"({"module":"keras.layers","class_name":"TorchModuleWrapper","config":{"name":"t","module":"gAJ9cQAu"}})");
  ReadOutput out;
  keras::Analyze(j, keras::Flavor::kKeras3, "config.json", out);
  ASSERT_EQ(out.members.size(), 1u);
  EXPECT_EQ(out.members[0].name, "layer 't' module (base64)");
  EXPECT_EQ(out.members[0].data->size(), 6u);
  EXPECT_EQ(Sniff(*out.members[0].data), FormatId::kPickle);
  EXPECT_EQ(Kinds(out),
            std::vector<std::string>{"keras.module-ref keras.layers.TorchModuleWrapper"});
}

TEST(KerasJson, UndecodableLambdaIsReported) {
  auto j = keras::Parse(
      R"({"class_name":"Lambda","config":{"name":"x","function":{"class_name":"__lambda__","config":{"code":"!!!"}}}})");
  ReadOutput out;
  keras::Analyze(j, keras::Flavor::kKeras3, "config.json", out);
  ASSERT_EQ(out.observations.size(), 1u);
  EXPECT_EQ(out.observations[0].kind, "keras.lambda");
  EXPECT_EQ(out.observations[0].subject, "x");
  ASSERT_EQ(out.anomalies.size(), 1u);
  EXPECT_TRUE(out.anomalies[0].incomplete);
}

TEST(KerasJson, DeepNestingRejected) {
  std::string deep(100000, '[');
  auto src = MakeMemorySource("{\"class_name\":" + deep);
  ReadContext ctx;
  EXPECT_FALSE(json::Read(src, ctx).ok());
}

}  // namespace
}  // namespace mv::formats
