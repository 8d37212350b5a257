#include "formats/savedmodel/savedmodel.h"

#include <gtest/gtest.h>

#include "formats/registry.h"

namespace mv::formats {
namespace {

Result<ReadOutput> ReadPb(const std::string& name) {
  auto s = OpenFileSource(std::string(MV_FIXTURES) + "/formats/savedmodel/" + name);
  EXPECT_TRUE(s.ok()) << name;
  if (!s.ok()) return s.error();
  EXPECT_EQ(Sniff(**s), FormatId::kSavedModel) << name;
  ReadContext ctx;
  return savedmodel::Read(*s, ctx);
}

std::vector<std::string> Ops(const ReadOutput& o) {
  std::vector<std::string> v;
  for (const auto& ob : o.observations) {
    EXPECT_EQ(ob.kind, "tf.op");
    v.push_back(ob.subject);
  }
  return v;
}

TEST(SavedModel, BenignListsOps) {
  auto r = ReadPb("benign/saved_model.pb");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->format, "savedmodel");
  EXPECT_EQ(Ops(*r), (std::vector<std::string>{"Placeholder", "VarHandleOp", "MatMul", "SaveV2",
                                               "RestoreV2", "Identity", "AddV2"}));
}

TEST(SavedModel, WriteFileInFunction) {
  auto r = ReadPb("writefile/saved_model.pb");
  ASSERT_TRUE(r.ok());
  auto ops = Ops(*r);
  const Observation* wf = nullptr;
  for (const auto& o : r->observations) {
    if (o.subject == "WriteFile") wf = &o;
  }
  ASSERT_NE(wf, nullptr);
  EXPECT_EQ(wf->evidence, "node 'write' in function '__inference_signature_wrapper_42'");
  EXPECT_NE(std::find(ops.begin(), ops.end(), "ReadFile"), ops.end());
  EXPECT_NE(std::find(ops.begin(), ops.end(), "PyFunc"), ops.end());
}

TEST(SavedModel, KerasMetadataLambda) {
  auto r = ReadPb("writefile/keras_metadata.pb");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->format, "keras-metadata");
  ASSERT_EQ(r->observations.size(), 2u);
  EXPECT_EQ(r->observations[0].kind, "keras.lambda");
  EXPECT_EQ(r->observations[0].subject, "lambda");
  EXPECT_EQ(r->observations[1].kind, "python.code-name");
  EXPECT_EQ(r->observations[1].subject, "builtins.exec");
  EXPECT_NE(r->observations[0].evidence.find("root.layer-1"), std::string::npos);
}

TEST(SavedModel, TextIsNotClaimed) {
  auto src = MakeMemorySource(std::string_view("\x08\x01hello world, not a protobuf"));
  EXPECT_NE(Sniff(*src), FormatId::kSavedModel);
}

}  // namespace
}  // namespace mv::formats
