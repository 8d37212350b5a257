// Random differential test: ~300 random but valid pickles over protocols 0–5
// (tests/pickle/gen_random_pickles.py) checked against what CPython saw loading them with a
// recording C pickle.Unpickler:
//   - DisassembleOne's (opcode, offset) stream == pickletools.genops;
//   - Trace::imports (module, name), in order == the find_class calls;
//   - Trace::calls of kind REDUCE, NEWOBJ[_EX], INST/OBJ (resolved name, #args, #kwargs), in
//     order == the stub instantiations (every stub's __new__ records; BUILD is excluded because
//     the stub objects have no __setstate__, so the C unpickler calls nothing for it), with a
//     stub object called by REDUCE as <maker>.__call__ and SETITEM(S) on one as one
//     <maker>.__setitem__ per pair;
//   - the number of PERSID/BINPERSID calls == persistent_load calls;
//   - no other call kind (append/add on objects, derived calls) is reported, because the
//     generator only appends to real lists/sets and uses no resolver.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "pickle/disasm.h"
#include "pickle/engine.h"

namespace mv::pickle {
namespace {

namespace fs = std::filesystem;

std::string FromHex(const std::string& h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// Distinct keys: a dict Value keeps a repeated key as another pair (lookups take the last one,
// as Python does); the keyword arguments Python passes are the distinct keys.
size_t KwargCount(const ValuePtr& kw) {
  if (!kw) return 0;
  if (kw->kind != ValueKind::kDict) return SIZE_MAX;
  std::set<std::pair<int, std::string>> keys;
  for (size_t i = 0; i + 1 < kw->items.size(); i += 2) {
    keys.insert({static_cast<int>(kw->items[i]->kind), kw->items[i]->text});
  }
  return keys.size();
}

void CheckOne(const fs::path& path) {
  std::ifstream jf(path);
  nlohmann::json j = nlohmann::json::parse(jf);
  std::string data = FromHex(j["hex"].get<std::string>());
  SourcePtr src = MakeMemorySource(data);

  auto got = DisassembleOne(*src, 0, src->size());
  ASSERT_TRUE(got.ok()) << got.error().message << " @" << got.error().offset;
  const auto& ops = j["ops"];
  ASSERT_EQ(got->size(), ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    ASSERT_EQ(OpName((*got)[i].op), ops[i][0].get<std::string>()) << "op " << i;
    ASSERT_EQ((*got)[i].offset, ops[i][1].get<uint64_t>()) << "op " << i;
  }
  EXPECT_EQ(got->back().end, data.size());

  Options o;
  Trace t = Analyze(*src, 0, src->size(), o);
  EXPECT_TRUE(t.complete) << (t.anomalies.empty() ? "" : t.anomalies[0].message);
  EXPECT_EQ(t.pickles, 1);

  const auto& globals = j["globals"];
  ASSERT_EQ(t.imports.size(), globals.size());
  for (size_t i = 0; i < globals.size(); ++i) {
    EXPECT_EQ(t.imports[i].module, globals[i][0].get<std::string>()) << "import " << i;
    EXPECT_EQ(t.imports[i].name, globals[i][1].get<std::string>()) << "import " << i;
  }

  struct Seen {
    std::string name;
    size_t nargs, nkwargs;
  };
  std::vector<Seen> calls;
  int persistent = 0;
  for (const Call& c : t.calls) {
    switch (c.kind) {
      case CallKind::kReduce:
      case CallKind::kNewObj:
      case CallKind::kInst:
        calls.push_back({c.resolved, c.args.size(), KwargCount(c.kwargs)});
        break;
      case CallKind::kSetItem:  // one engine call per opcode; CPython calls once per pair
        for (size_t i = 0; i + 1 < c.args.size(); i += 2) calls.push_back({c.resolved, 2, 0});
        break;
      case CallKind::kPersistentLoad: ++persistent; break;
      case CallKind::kBuild: break;
      default:
        ADD_FAILURE() << "unexpected call kind " << CallKindName(c.kind) << " at " << c.offset;
    }
  }
  EXPECT_EQ(persistent, j["persistent_loads"].get<int>());
  const auto& want = j["calls"];
  ASSERT_EQ(calls.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(calls[i].name, want[i][0].get<std::string>()) << "call " << i;
    EXPECT_EQ(calls[i].nargs, want[i][1].get<size_t>()) << "call " << i;
    EXPECT_EQ(calls[i].nkwargs, want[i][2].get<size_t>()) << "call " << i;
  }
}

TEST(RandomDiff, MatchesCPythonRecordingUnpickler) {
  // MV_RANDOM_DIFF_DIR: a larger corpus made with gen_random_pickles.py --seed/--count/--out.
  const char* env = std::getenv("MV_RANDOM_DIFF_DIR");
  fs::path dir = env ? fs::path(env) : fs::path(MV_FIXTURES) / "pickle" / "random";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    SCOPED_TRACE(f.filename().string());
    CheckOne(f);
  }
  EXPECT_GE(files.size(), env ? 1u : 300u);
}

}  // namespace
}  // namespace mv::pickle
