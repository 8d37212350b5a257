// Differential test: our disassembly and Import list against CPython's pickletools.genops and a
// recording Unpickler.find_class, over tests/fixtures/pickle/diff (gen_diff_corpus.py).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "pickle/disasm.h"
#include "pickle/engine.h"

namespace mv::pickle {
namespace {

namespace fs = std::filesystem;

TEST(Diff, MatchesPickletoolsAndFindClass) {
  fs::path dir = fs::path(MV_FIXTURES) / "pickle" / "diff";
  int cases = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".json") continue;
    std::ifstream jf(e.path());
    nlohmann::json j = nlohmann::json::parse(jf);
    std::ifstream pf(dir / j["file"].get<std::string>(), std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(pf)), std::istreambuf_iterator<char>());
    SourcePtr src = MakeMemorySource(data);
    SCOPED_TRACE(e.path().filename().string());
    std::vector<std::vector<std::string>> want_globals;
    for (const auto& p : j["pickles"]) {
      uint64_t begin = p["begin"].get<uint64_t>();
      auto got = DisassembleOne(*src, begin, src->size());
      ASSERT_TRUE(got.ok()) << got.error().message << " @" << got.error().offset;
      const auto& ops = p["ops"];
      ASSERT_EQ(got->size(), ops.size());
      for (size_t i = 0; i < ops.size(); ++i) {
        ASSERT_EQ(OpName((*got)[i].op), ops[i][0].get<std::string>()) << "op " << i;
        ASSERT_EQ((*got)[i].offset, ops[i][1].get<uint64_t>()) << "op " << i;
      }
      EXPECT_EQ(got->back().end, p["end"].get<uint64_t>());
      for (const auto& g : p["globals"]) want_globals.push_back(g.get<std::vector<std::string>>());
    }
    Options o;
    o.max_pickles = static_cast<int>(j["pickles"].size());
    o.trailing_data_expected = true;
    Trace t = Analyze(*src, 0, src->size(), o);
    EXPECT_TRUE(t.complete) << (t.anomalies.empty() ? "" : t.anomalies[0].message);
    EXPECT_EQ(t.pickles, static_cast<int>(j["pickles"].size()));
    ASSERT_EQ(t.imports.size(), want_globals.size());
    for (size_t i = 0; i < want_globals.size(); ++i) {
      EXPECT_EQ(t.imports[i].module, want_globals[i][0]) << i;
      EXPECT_EQ(t.imports[i].name, want_globals[i][1]) << i;
      EXPECT_EQ(t.imports[i].resolved, want_globals[i][2]) << i;
    }
    ++cases;
  }
  EXPECT_GT(cases, 60);
}

}  // namespace
}  // namespace mv::pickle
