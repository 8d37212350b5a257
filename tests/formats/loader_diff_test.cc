// Sniffers and readers against what the real loaders accept: tests/fixtures/formats/loaderdiff
// (gen_loader_diff.py) holds npy headers and ONNX protobuf shapes with numpy's and onnx's
// outcome for each. Every npy whose dtype numpy says holds objects carries a pickle that calls
// posix.system, so modelvet must find it; every ONNX shape onnx parses names external data
// outside its folder. What a loader refuses must never be `safe` either (announced, broken).
#include <gtest/gtest.h>

#include <fstream>

#include "kb/kb.h"
#include "scan/scanner.h"

namespace mv {
namespace {

TEST(LoaderDiff, VerdictsFollowTheRealLoaders) {
  static auto kb = kb::KnowledgeBase::Load({});
  ASSERT_TRUE(kb.ok()) << kb.error().message;
  scan::Options opts;
  opts.kb = *kb;
  std::string dir = std::string(MV_FIXTURES) + "/formats/loaderdiff/";
  std::ifstream tsv(dir + "expected.tsv");
  ASSERT_TRUE(tsv.good());
  std::string line;
  int n = 0;
  while (std::getline(tsv, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t tab = line.find('\t');
    std::string path = line.substr(0, tab), outcome = line.substr(tab + 1);
    FileReport r = scan::ScanFile(dir + path, opts);
    std::string v = VerdictName(r.verdict);
    ++n;
    if (outcome == "object" || outcome == "accepted") {
      EXPECT_EQ(v, "unsafe") << path << " (" << outcome << "): " << r.summary;
    } else if (outcome == "numeric") {
      EXPECT_NE(v, "unsafe") << path << " (numeric dtype): " << r.summary;
    } else {
      EXPECT_NE(v, "safe") << path << " (the loader refuses it): " << r.summary;
    }
  }
  EXPECT_GT(n, 60);
}

}  // namespace
}  // namespace mv
