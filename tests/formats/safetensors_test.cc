#include "formats/safetensors/safetensors.h"

#include <gtest/gtest.h>

#include "formats/registry.h"

namespace mv::formats {
namespace {

SourcePtr OpenSt(const std::string& name) {
  auto s = OpenFileSource(std::string(MV_FIXTURES) + "/formats/safetensors/" + name);
  EXPECT_TRUE(s.ok()) << name;
  return s.ok() ? *s : MakeMemorySource(std::string_view());
}

Result<ReadOutput> ReadSt(const std::string& name) {
  auto src = OpenSt(name);
  EXPECT_EQ(Sniff(*src), FormatId::kSafetensors) << name;
  ReadContext ctx;
  return safetensors::Read(src, ctx);
}

std::vector<std::string> Codes(const ReadOutput& o) {
  std::vector<std::string> v;
  for (const auto& a : o.anomalies) v.push_back(a.code);
  return v;
}

TEST(Safetensors, Benign) {
  auto r = ReadSt("benign.safetensors");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->anomalies.empty()) << r->anomalies[0].message;
  EXPECT_TRUE(r->members.empty());
  EXPECT_TRUE(r->observations.empty());
}

TEST(Safetensors, Overlap) {
  auto r = ReadSt("overlap.safetensors");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Codes(*r), std::vector<std::string>{"safetensors.overlap"});
}

TEST(Safetensors, TrailingPickleBecomesMember) {
  auto r = ReadSt("trailing-pickle.safetensors");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Codes(*r), std::vector<std::string>{"safetensors.trailing-data"});
  ASSERT_EQ(r->members.size(), 1u);
  EXPECT_EQ(Sniff(*r->members[0].data), FormatId::kPickle);
  EXPECT_EQ(r->members[0].offset, r->anomalies[0].offset);
}

TEST(Safetensors, DuplicateKey) {
  auto r = ReadSt("duplicate-key.safetensors");
  ASSERT_TRUE(r.ok());
  ASSERT_FALSE(r->anomalies.empty());
  EXPECT_EQ(r->anomalies[0].code, "safetensors.duplicate-key");
  EXPECT_NE(r->anomalies[0].message.find("'a'"), std::string::npos);
}

TEST(Safetensors, SizeMismatch) {
  auto r = ReadSt("size-mismatch.safetensors");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Codes(*r), std::vector<std::string>{"safetensors.size"});
}

TEST(Safetensors, BadJsonIsAnError) {
  auto r = ReadSt("bad-json.safetensors");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kMalformed);
}

TEST(Safetensors, NotClaimedPickleOrHugeHeader) {
  auto pkl = MakeMemorySource(std::string_view("\x80\x02}q\x00.", 6));
  EXPECT_NE(Sniff(*pkl), FormatId::kSafetensors);
  std::string huge("\xff\xff\xff\xff\xff\xff\xff\x7f{}", 10);
  EXPECT_NE(Sniff(*MakeMemorySource(huge)), FormatId::kSafetensors);
  std::string capped("\x00\x00\x00\x10\x00\x00\x00\x00{}", 10);  // 256 MiB > cap, > file
  EXPECT_NE(Sniff(*MakeMemorySource(capped)), FormatId::kSafetensors);
}

TEST(Safetensors, HeaderLongerThanFile) {
  std::string s("\x40\x00\x00\x00\x00\x00\x00\x00{\"a\":1}", 15);
  auto src = MakeMemorySource(s);
  EXPECT_EQ(Sniff(*src), FormatId::kSafetensors);
  ReadContext ctx;
  auto r = safetensors::Read(src, ctx);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kTruncated);
}

}  // namespace
}  // namespace mv::formats
