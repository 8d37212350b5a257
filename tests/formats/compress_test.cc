#include "formats/compress/compress.h"

#include <gtest/gtest.h>

#include "containers_testutil.h"
#include "formats/registry.h"

namespace mv::formats {
namespace {

using testing::AllBytes;
using testing::Codes;
using testing::FindAnomaly;
using testing::FindMember;
using testing::LooksLikeFixturePickle;
using testing::MustRead;
using testing::OpenContainerFixture;

struct Case {
  const char* file;
  FormatId id;
  const char* format;  // refined format, "" when the registry name stands
};

// Each wraps the same benign pickle, repeated 4 times by gen.py.
TEST(Compress, EveryCodecSniffsAndDecodes) {
  const Case cases[] = {
      {"compress/pickle.gz", FormatId::kGzip, ""},
      {"compress/pickle-multi-member.gz", FormatId::kGzip, ""},
      {"compress/pickle.bz2", FormatId::kBzip2, ""},
      {"compress/pickle.xz", FormatId::kXz, ""},
      {"compress/pickle.lzma", FormatId::kXz, "lzma"},
      {"compress/pickle.zst", FormatId::kZstd, ""},
      {"compress/pickle.lz4", FormatId::kLz4, ""},
      {"compress/pickle.zlib", FormatId::kZlib, ""},
      {"compress/joblib-zfile.pkl", FormatId::kZlib, "joblib-zfile"},
  };
  std::string want;
  for (const Case& c : cases) {
    auto src = OpenContainerFixture(c.file);
    ASSERT_EQ(Sniff(*src), c.id) << c.file;
    ReadContext ctx;
    auto r = Find(c.id)->read(src, ctx);
    ASSERT_TRUE(r.ok()) << c.file;
    EXPECT_EQ(r->format, c.format) << c.file;
    EXPECT_TRUE(r->anomalies.empty()) << c.file << ": " << Codes(*r);
    EXPECT_TRUE(r->complete) << c.file;
    ASSERT_EQ(r->members.size(), 1u) << c.file;
    EXPECT_EQ(r->members[0].name, "") << c.file;
    std::string got = AllBytes(*r->members[0].data);
    EXPECT_EQ(ctx.expanded_bytes, got.size()) << c.file;
    if (want.empty()) want = got;
    EXPECT_EQ(got, want) << c.file;
  }
  EXPECT_EQ(want.size() % 4, 0u);
  EXPECT_TRUE(LooksLikeFixturePickle(want.substr(0, want.size() / 4)));
}

TEST(Compress, TruncatedGzipKeepsPrefix) {
  ReadOutput o = MustRead(compress::ReadGzip, OpenContainerFixture("broken/gzip-truncated.gz"));
  const Anomaly* a = FindAnomaly(o, "gzip.truncated");
  ASSERT_NE(a, nullptr) << Codes(o);
  EXPECT_TRUE(a->incomplete);
  EXPECT_FALSE(o.complete);
  ASSERT_EQ(o.members.size(), 1u);
  std::string b = AllBytes(*o.members[0].data);
  EXPECT_GT(b.size(), 100u);
  EXPECT_EQ(static_cast<uint8_t>(b[0]), 0x80);
}

TEST(Compress, TrailingDataIsYielded) {
  ReadOutput o = MustRead(compress::ReadGzip, OpenContainerFixture("broken/gzip-trailing-data.gz"));
  ASSERT_NE(FindAnomaly(o, "gzip.trailing-data"), nullptr) << Codes(o);
  const Member* t = FindMember(o, "[trailing]");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(AllBytes(*t->data).substr(0, 9), "NOT GZIP ");
}

TEST(Compress, Bzip2BombStopsAtLimit) {
  ReadContext ctx;
  ReadOutput o = MustRead(compress::ReadBzip2, OpenContainerFixture("broken/bzip2-bomb.bz2"), &ctx);
  const Anomaly* a = FindAnomaly(o, "limit.expansion");
  ASSERT_NE(a, nullptr) << Codes(o);
  EXPECT_TRUE(a->incomplete);
  ASSERT_EQ(o.members.size(), 1u);
  // 45 compressed bytes: the ratio floor (1 MiB) is the binding budget.
  EXPECT_EQ(o.members[0].data->size(), 1u << 20);
  EXPECT_EQ(ctx.expanded_bytes, 1u << 20);
}

TEST(Compress, ZlibSniffRejectsLookalikes) {
  // 0x78 0x9c is a valid zlib header, but what follows is not deflate data.
  std::string fake("\x78\x9c\xff\xff\xff\xff\xff\xff\xff\xff", 10);
  EXPECT_FALSE(compress::SniffZlib(
      *MakeMemorySource(fake), ByteSpan(reinterpret_cast<const uint8_t*>(fake.data()), fake.size()),
      false));
}

}  // namespace
}  // namespace mv::formats
