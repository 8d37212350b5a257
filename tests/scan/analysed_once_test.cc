// A legacy torch.save file is analysed once: the torch-legacy reader checks its storages
// against the object pickle's persistent ids, and the scanner judges the same pickle stream;
// both use one engine run (the reader hands its trace to the member). Measured by reads: a
// source that records every Read counts the passes over the end of the object pickle.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "kb/kb.h"
#include "pickle/disasm.h"
#include "scan/scanner.h"

namespace mv::scan {
namespace {

// Memory bytes whose every Read is recorded.
class RecordingSource : public Source {
 public:
  explicit RecordingSource(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {}
  uint64_t size() const override { return bytes_.size(); }
  Result<ByteSpan> Read(uint64_t off, size_t len) override {
    if (off > bytes_.size()) off = bytes_.size();
    len = static_cast<size_t>(std::min<uint64_t>(len, bytes_.size() - off));
    reads_.push_back({off, off + len});
    return ByteSpan(bytes_.data() + off, len);
  }
  uint64_t bytes_read() const override { return 0; }
  // Passes over byte `at`: the reads that hold it, a new pass each time one starts before the
  // previous one (every reader moves forward through a pickle).
  int Passes(uint64_t at) const {
    int passes = 0;
    uint64_t last = 0;
    for (const auto& [b, e] : reads_) {
      if (b > at || at >= e) continue;
      if (passes == 0 || b < last) ++passes;
      last = b;
    }
    return passes;
  }

 private:
  std::vector<uint8_t> bytes_;
  std::vector<std::pair<uint64_t, uint64_t>> reads_;
};

std::vector<uint8_t> Fixture(const std::string& name) {
  std::ifstream in(std::string(MV_FIXTURES) + "/models/benign/" + name, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(AnalysedOnce, TorchLegacyObjectPickle) {
  {
    // A small object pickle (922 bytes): it is read with windows of its own, not with the
    // neighbouring pickles, so passes over it can be told apart.
    const char* name = "torch-state-dict-legacy.pt";
    std::vector<uint8_t> bytes = Fixture(name);
    ASSERT_FALSE(bytes.empty()) << name;
    // The object pickle is the fourth of the five (magic, protocol, sys info, object, keys).
    auto plain = MakeMemorySource(bytes);
    uint64_t pos = 0, begin = 0, end = 0;
    for (int i = 0; i < 4; ++i) {
      auto r = pickle::DisassembleOne(*plain, pos, plain->size());
      ASSERT_TRUE(r.ok()) << name;
      begin = pos;
      pos = end = r->back().end;
    }
    auto kb = kb::KnowledgeBase::Load({});
    ASSERT_TRUE(kb.ok()) << kb.error().message;
    Options opts;
    opts.kb = *kb;
    auto src = std::make_shared<RecordingSource>(bytes);
    FileReport r = ScanSource(src, name, opts);
    EXPECT_EQ(r.verdict, Verdict::kSafe) << name << ": " << r.summary;
    EXPECT_EQ(r.format, "torch-legacy+pickle");
    // The object pickle's STOP: one pass delimits the five pickles, then the engine's run over
    // the stream (its check that a next pickle starts reads ahead, then it analyses): three.
    // The reader's own second analysis of the object pickle made it four.
    EXPECT_EQ(src->Passes(end - 1), 3)
        << name << ": object pickle [" << begin << ", " << end << ")";
  }
}

}  // namespace
}  // namespace mv::scan
