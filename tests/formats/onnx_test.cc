#include "formats/onnx/onnx.h"

#include <gtest/gtest.h>

#include "formats/common/protowire/protowire.h"
#include "formats/registry.h"

namespace mv::formats {
namespace {

Result<ReadOutput> ReadOnnx(const std::string& name) {
  auto s = OpenFileSource(std::string(MV_FIXTURES) + "/formats/onnx/" + name);
  EXPECT_TRUE(s.ok()) << name;
  if (!s.ok()) return s.error();
  EXPECT_EQ(Sniff(**s), FormatId::kOnnx) << name;
  ReadContext ctx;
  return onnx::Read(*s, ctx);
}

TEST(Onnx, BenignAndSiblingExternalData) {
  for (const char* f : {"benign.onnx", "external-sibling.onnx"}) {
    auto r = ReadOnnx(f);
    ASSERT_TRUE(r.ok()) << f << ": " << r.error().message;
    EXPECT_EQ(r->format, "onnx");
    // external-sibling.onnx names the file beside it: one file-read, judged benign by policy.
    for (const auto& o : r->observations) EXPECT_EQ(o.kind, "file-read") << f;
    EXPECT_TRUE(r->anomalies.empty()) << f << ": " << r->anomalies[0].message;
  }
}

TEST(Onnx, ExternalDataTraversal) {
  auto r = ReadOnnx("external-traversal.onnx");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->observations.size(), 1u);
  const auto& o = r->observations[0];
  EXPECT_EQ(o.kind, "file-read");
  EXPECT_EQ(o.subject, "../../etc/passwd");
  EXPECT_EQ(o.evidence, "tensor 'w' external_data location '../../etc/passwd'");
  EXPECT_TRUE(o.executes);
}

TEST(Onnx, ExternalDataInsideIfBranch) {
  auto r = ReadOnnx("external-in-subgraph.onnx");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->observations.size(), 1u);
  EXPECT_EQ(r->observations[0].subject, "subdir/../../etc/hosts");
}

TEST(Onnx, CustomDomain) {
  auto r = ReadOnnx("custom-domain.onnx");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->observations.size(), 1u);
  EXPECT_EQ(r->observations[0].kind, "onnx.custom-domain");
  EXPECT_EQ(r->observations[0].subject, "com.attacker");
  EXPECT_EQ(r->observations[0].evidence, "node 'exec' op 'Exec' in domain 'com.attacker'");
}

TEST(Onnx, RawDataSizeMismatch) {
  auto r = ReadOnnx("size-mismatch.onnx");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->anomalies.size(), 1u);
  EXPECT_EQ(r->anomalies[0].code, "onnx.tensor-size");
  EXPECT_NE(r->anomalies[0].message.find("holds 12 bytes but its shape needs 16"),
            std::string::npos);
}

TEST(Onnx, RandomDataNotClaimed) {
  std::vector<uint8_t> junk(4096);
  uint32_t x = 12345;
  for (auto& b : junk) {
    x = x * 1103515245 + 12345;
    b = static_cast<uint8_t>(x >> 16);
  }
  junk[0] = 0x08;  // even with the right first byte
  auto src = MakeMemorySource(junk);
  EXPECT_FALSE(onnx::Sniff(*src, ByteSpan(junk.data(), junk.size()), false));
}

TEST(Onnx, TruncatedFailsCleanly) {
  auto s = OpenFileSource(std::string(MV_FIXTURES) + "/formats/onnx/external-in-subgraph.onnx");
  ASSERT_TRUE(s.ok());
  auto all = (*s)->Read(0, (*s)->size());
  ASSERT_TRUE(all.ok());
  std::vector<uint8_t> bytes(all->begin(), all->end());
  // Cuts inside the graph field must fail; cuts between top-level fields are valid protobuf.
  auto top = protowire::TopLevel(**s, 0, (*s)->size(), 100);
  ASSERT_TRUE(top.ok());
  uint64_t g_begin = 0, g_end = 0;
  for (const auto& t : *top) {
    if (t.field == 7) g_begin = t.offset, g_end = t.offset + t.value;
  }
  ASSERT_GT(g_end, g_begin + 100);
  for (size_t n = g_begin; n < g_end; ++n) {
    auto src =
        MakeMemorySource(std::vector<uint8_t>(bytes.begin(), bytes.begin() + static_cast<long>(n)));
    ReadContext ctx;
    auto r = onnx::Read(src, ctx);
    EXPECT_FALSE(r.ok() && r->complete) << n;
  }
}

}  // namespace
}  // namespace mv::formats
