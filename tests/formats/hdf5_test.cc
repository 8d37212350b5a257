#include "formats/hdf5/hdf5.h"

#include <gtest/gtest.h>

#include "formats/registry.h"

namespace mv::formats {
namespace {

Result<ReadOutput> ReadH5(const std::string& name) {
  auto s = OpenFileSource(std::string(MV_FIXTURES) + "/formats/hdf5/" + name);
  EXPECT_TRUE(s.ok()) << name;
  if (!s.ok()) return s.error();
  EXPECT_EQ(Sniff(**s), FormatId::kHdf5) << name;
  ReadContext ctx;
  return hdf5::Read(*s, ctx);
}

TEST(Hdf5, BenignKeras2Model) {
  auto r = ReadH5("benign-keras2.h5");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->format, "keras-h5");
  EXPECT_TRUE(r->observations.empty()) << r->observations[0].subject;
  EXPECT_TRUE(r->anomalies.empty());
}

TEST(Hdf5, PlainHdf5IsData) {
  auto r = ReadH5("plain.h5");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->format, "hdf5");
  EXPECT_TRUE(r->observations.empty());
}

TEST(Hdf5, LambdaMarshalledCode) {
  auto r = ReadH5("lambda-os-system.h5");
  ASSERT_TRUE(r.ok());
  std::vector<std::string> subjects;
  for (const auto& o : r->observations) {
    EXPECT_TRUE(o.executes);
    subjects.push_back(o.kind + " " + o.subject);
  }
  EXPECT_EQ(subjects,
            (std::vector<std::string>{"keras.lambda lambda", "python.code-name builtins.__import__",
                                      "python.code-name os.system"}));
  const auto& o = r->observations[2];
  EXPECT_NE(o.evidence.find("model_config (keras_version 2.12.0): Lambda layer 'lambda'"),
            std::string::npos)
      << o.evidence;
  EXPECT_NE(o.evidence.find("'echo keras-h5'"), std::string::npos) << o.evidence;
  EXPECT_NE(o.loader.find("keras<2.13"), std::string::npos);
}

TEST(Hdf5, LambdaModuleFunctionForm) {
  auto r = ReadH5("lambda-module-function.h5");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->observations.size(), 1u);
  EXPECT_EQ(r->observations[0].kind, "keras.module-ref");
  EXPECT_EQ(r->observations[0].subject, "os.system");
}

TEST(Hdf5, GarbageAfterSignatureIsAnError) {
  std::string s("\x89HDF\r\n\x1a\n", 8);
  s += std::string(600, 'x');
  auto src = MakeMemorySource(s);
  EXPECT_EQ(Sniff(*src), FormatId::kHdf5);
  ReadContext ctx;
  EXPECT_FALSE(hdf5::Read(src, ctx).ok());
}

}  // namespace
}  // namespace mv::formats

namespace mv::formats {
namespace {

// libhdf5 loops on this file's corrupt global heap (found by scan_fuzz); the reader's child
// process is killed after limits::kHdf5TimeoutMs and the file is reported, not hung on.
TEST(Hdf5, LibraryHangIsALimit) {
  auto s = OpenFileSource(std::string(MV_FIXTURES) + "/formats/hdf5/broken-global-heap-hang.h5");
  ASSERT_TRUE(s.ok());
  ReadContext ctx;
  auto r = hdf5::Read(*s, ctx);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kLimit);
}

}  // namespace
}  // namespace mv::formats
