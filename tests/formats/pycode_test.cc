#include "formats/common/pycode/pycode.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>

namespace mv::formats::pycode {
namespace {

std::vector<uint8_t> Load(const std::string& name) {
  std::ifstream in(std::string(MV_FIXTURES) + "/formats/pycode/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool Has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

class PycodeVersions : public ::testing::TestWithParam<const char*> {
 protected:
  CodeSummary Get(const std::string& c) {
    auto bytes = Load(c + "-" + GetParam() + ".marshal");
    auto r = Analyze(bytes);
    EXPECT_TRUE(r.ok()) << c << ": " << (r.ok() ? "" : r.error().message);
    if (!r.ok()) return {};
    EXPECT_TRUE(r->bytecode_decoded) << c;
    return *r;
  }
};

TEST_P(PycodeVersions, ImportSystem) {
  auto s = Get("import-system");
  EXPECT_TRUE(Has(s.refs, "os.system")) << Describe(s);
  EXPECT_TRUE(Has(s.refs, "builtins.__import__")) << Describe(s);
  EXPECT_TRUE(Has(s.imports, "os")) << Describe(s);
  EXPECT_TRUE(Has(s.strings, "echo pycode")) << Describe(s);
  EXPECT_EQ(s.name, "<lambda>");
}

TEST_P(PycodeVersions, GlobalAttribute) {
  auto s = Get("os-system");
  EXPECT_EQ(s.refs, std::vector<std::string>{"os.system"}) << Describe(s);
  EXPECT_TRUE(Has(s.strings, "id"));
}

TEST_P(PycodeVersions, BenignHasNoRefs) {
  auto s = Get("benign");
  EXPECT_TRUE(s.refs.empty()) << Describe(s);
  EXPECT_TRUE(s.imports.empty());
}

TEST_P(PycodeVersions, NestedCodeObject) {
  auto s = Get("nested");
  EXPECT_EQ(s.code_objects, 2u);
  EXPECT_TRUE(Has(s.refs, "builtins.eval")) << Describe(s);
}

TEST_P(PycodeVersions, AttributeOnExpression) {
  auto s = Get("subclasses");
  EXPECT_TRUE(Has(s.refs, "*.__class__")) << Describe(s);
  EXPECT_TRUE(Has(s.refs, "*.__subclasses__")) << Describe(s);
}

TEST_P(PycodeVersions, ImportStatements) {
  auto s = Get("import-stmt");
  EXPECT_TRUE(Has(s.imports, "subprocess")) << Describe(s);
  EXPECT_TRUE(Has(s.imports, "os")) << Describe(s);
  EXPECT_TRUE(Has(s.refs, "subprocess.run")) << Describe(s);
  EXPECT_TRUE(Has(s.refs, "os.popen")) << Describe(s);
}

INSTANTIATE_TEST_SUITE_P(Cpython, PycodeVersions,
                         ::testing::Values("3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12",
                                           "3.13"),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '.', '_');
                           return "py" + n;
                         });

TEST(Pycode, RejectsNonCode) {
  std::vector<uint8_t> tuple = {')', 1, 'N'};
  EXPECT_FALSE(Analyze(tuple).ok());
  std::vector<uint8_t> junk = {'c', 0, 0};
  EXPECT_FALSE(Analyze(junk).ok());
  EXPECT_FALSE(Analyze({}).ok());
}

TEST(Pycode, TruncationAtEveryLengthFailsCleanly) {
  auto bytes = Load("import-system-3.11.marshal");
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(n));
    EXPECT_FALSE(Analyze(cut).ok()) << n;
  }
}

TEST(Pycode, DeepNestingHitsLimit) {
  std::vector<uint8_t> b;
  for (int i = 0; i < 3000; ++i) b.insert(b.end(), {'[', 1, 0, 0, 0});
  b.push_back('N');
  auto r = Analyze(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kLimit);
}

TEST(Pycode, Base64WithNewlines) {
  auto r = DecodeBase64("aGVs\nbG8g\r\nd29y bGQ=\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::string(r->begin(), r->end()), "hello world");
  EXPECT_FALSE(DecodeBase64("ab$c").ok());
}

}  // namespace
}  // namespace mv::formats::pycode
