// The registry is the one table of formats: one row per FormatId, signatures as data that a
// buffer written from the row itself matches, and the file names that announce a format read
// from the rows.
#include "formats/registry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

namespace mv::formats {
namespace {

TEST(Registry, OneRowPerFormatId) {
  std::map<int, int> rows;
  for (const auto& f : Registry()) {
    EXPECT_NE(f.id, FormatId::kUnknown) << f.name;
    EXPECT_LE(static_cast<int>(f.id), static_cast<int>(kLastFormatId)) << f.name;
    EXPECT_FALSE(f.name.empty());
    EXPECT_NE(f.read, nullptr) << f.name << ": every format has a reader";
    ++rows[static_cast<int>(f.id)];
  }
  for (int id = 1; id <= static_cast<int>(kLastFormatId); ++id) {
    EXPECT_EQ(rows[id], 1) << "FormatId " << id;
  }
  for (int id = 1; id <= static_cast<int>(kLastFormatId); ++id) {
    const FormatInfo* f = Find(static_cast<FormatId>(id));
    ASSERT_NE(f, nullptr) << id;
    EXPECT_EQ(static_cast<int>(f->id), id);
  }
}

// The bytes a signature describes, at its offset, in a buffer no longer than the row asks for.
std::vector<uint8_t> Written(const Signature& sig) {
  std::vector<uint8_t> b(std::max<uint64_t>(sig.min_head, sig.offset + sig.bytes.size()), 0);
  std::copy(sig.bytes.begin(), sig.bytes.end(), b.begin() + static_cast<ptrdiff_t>(sig.offset));
  return b;
}

TEST(Registry, EverySignatureIsSniffedFromTheRow) {
  // Rows whose structural check needs more than a signature can hold: the tar header checksum,
  // a legacy torch stream that must parse as pickles.
  const std::vector<FormatId> kNeedMore = {FormatId::kTar, FormatId::kTorchLegacy};
  int signatures = 0;
  for (const auto& f : Registry()) {
    for (const auto& sig : f.signatures) {
      ++signatures;
      ASSERT_FALSE(sig.bytes.empty()) << f.name;
      ASSERT_TRUE(sig.mask.empty() || sig.mask.size() == sig.bytes.size()) << f.name;
      std::vector<uint8_t> b = Written(sig);
      auto src = MakeMemorySource(b);
      ByteSpan head(b.data(), std::min<size_t>(b.size(), 512));
      EXPECT_TRUE(Signed(f, *src, head)) << f.name << " @" << sig.offset;
      if (std::find(kNeedMore.begin(), kNeedMore.end(), f.id) == kNeedMore.end()) {
        EXPECT_EQ(Sniff(*src), f.id) << f.name << " @" << sig.offset;
      }
      // Every byte the mask keeps counts: changing one loses the match.
      for (size_t i = 0; i < sig.bytes.size(); ++i) {
        if (!sig.mask.empty() && static_cast<uint8_t>(sig.mask[i]) == 0) continue;
        std::vector<uint8_t> c = b;
        c[sig.offset + i] ^= sig.mask.empty() ? 0xff : static_cast<uint8_t>(sig.mask[i]);
        auto changed = MakeMemorySource(c);
        bool any = false;
        for (const auto& other : f.signatures) {
          std::vector<uint8_t> o = Written(other);
          any |= o.size() == c.size() && o == c;  // another signature of the row, written out
        }
        if (!any) {
          EXPECT_FALSE(Signed(f, *changed, ByteSpan(c.data(), std::min<size_t>(c.size(), 512))))
              << f.name << " @" << sig.offset << " byte " << i;
        }
      }
      // A head shorter than a fixed-size header is not enough.
      if (sig.min_head > sig.offset + sig.bytes.size()) {
        b.resize(sig.offset + sig.bytes.size());
        auto short_src = MakeMemorySource(b);
        EXPECT_FALSE(Signed(f, *short_src, ByteSpan(b.data(), b.size()))) << f.name;
      }
    }
  }
  EXPECT_GE(signatures, 15);
}

TEST(Registry, AnnouncementsComeFromTheTable) {
  std::map<std::string, int> firsts;
  int names = 0;
  for (const auto& f : Registry()) {
    for (const auto& a : f.announced_by) {
      ++names;
      std::string key(a.name);
      firsts[key] += a.first ? 1 : 0;
      std::string file = key[0] == '*' ? "dir/Model" + key.substr(1) : "dir/" + key;
      auto want = AnnouncedBy(file);
      EXPECT_NE(std::find(want.begin(), want.end(), f.id), want.end()) << file << " " << f.name;
      if (a.first) {
        ASSERT_FALSE(want.empty()) << file;
        EXPECT_EQ(want.front(), f.id) << file;
      }
      // Case does not matter (Windows, zip members).
      std::string upper = file;
      std::transform(upper.begin(), upper.end(), upper.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      EXPECT_EQ(AnnouncedBy(upper), want) << upper;
    }
  }
  EXPECT_GE(names, 20);
  for (const auto& [name, n] : firsts) EXPECT_EQ(n, 1) << name << ": one first reading";
  // Whole names win over their extension; a name nothing lists announces nothing.
  EXPECT_EQ(AnnouncedBy("archive/data.pkl"), std::vector<FormatId>{FormatId::kPickle});
  EXPECT_EQ(AnnouncedBy("m/saved_model.pb"), std::vector<FormatId>{FormatId::kSavedModel});
  EXPECT_TRUE(AnnouncedBy("weights.bin").empty());
  EXPECT_TRUE(AnnouncedBy("README").empty());
  EXPECT_EQ(AnnouncedBy("model.pt").front(), FormatId::kZip);
  EXPECT_EQ(AnnouncedBy("x.pkl").size(), 11u);
}

// Sniff(src, assumed) answers what the caller needs from Sniff(src): `assumed` where Sniff
// finds it or nothing, the other format where Sniff finds another. Checked on every fixture and
// fuzz seed, for every format assumed.
FormatId Expected(FormatId plain, FormatId assumed) {
  const FormatInfo* f = Find(assumed);
  bool deferred = f != nullptr && f->sniff_last_when_announced;
  if (deferred && (plain == assumed || plain == FormatId::kUnknown)) return assumed;
  return plain;
}

TEST(Registry, SniffWithAnAssumedFormatAgreesWithSniff) {
  namespace fs = std::filesystem;
  size_t files = 0, deferred_answers = 0;
  for (const char* root : {MV_FIXTURES, MV_SOURCE_DIR "/fuzz/corpus"}) {
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (!e.is_regular_file() || e.file_size() > (4u << 20)) continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
      SourcePtr src = MakeMemorySource(std::move(bytes));
      FormatId plain = Sniff(*src);
      ++files;
      for (int id = 0; id <= static_cast<int>(kLastFormatId); ++id) {
        auto assumed = static_cast<FormatId>(id);
        EXPECT_EQ(Sniff(*src, assumed), Expected(plain, assumed)) << e.path() << " assuming " << id;
        deferred_answers += assumed == FormatId::kPickle && plain != FormatId::kPickle;
      }
    }
  }
  EXPECT_GT(files, 500u);
  EXPECT_GT(deferred_answers, 100u);  // non-pickles read as announced pickles
}

// The pickle's own check runs when a later row accepts the bytes too: a protocol-0 pickle
// that reads as a TorchScript class header ("class …(…):" then lines) stays a pickle.
TEST(Registry, APickleThatALaterRowAcceptsStaysAPickle) {
  SourcePtr both = MakeMemorySource(std::string_view("class A(B):\nC\n."));
  const FormatInfo* code = Find(FormatId::kTorchScriptCode);
  ASSERT_NE(code, nullptr);
  ASSERT_TRUE(Accepts(*code, *both));  // the case this test is about
  EXPECT_EQ(Sniff(*both), FormatId::kPickle);
  EXPECT_EQ(Sniff(*both, FormatId::kPickle), FormatId::kPickle);
  // Bytes only a later row accepts are that format, announced as a pickle or not.
  SourcePtr zlib_only =
      MakeMemorySource(std::string_view("\x78\x9c\xcb\x48\xcd\xc9\xc9\x07\x00\x06\x2c\x02\x15"));
  EXPECT_EQ(Sniff(*zlib_only), FormatId::kZlib);
  EXPECT_EQ(Sniff(*zlib_only, FormatId::kPickle), FormatId::kZlib);
}

TEST(Registry, ContainerHintsReadAsPickle) {
  EXPECT_EQ(ReadAs(Hint::kPickle), FormatId::kPickle);
  EXPECT_EQ(ReadAs(Hint::kPickleStream), FormatId::kPickle);
  EXPECT_EQ(ReadAs(Hint::kSniff), FormatId::kUnknown);
}

}  // namespace
}  // namespace mv::formats
