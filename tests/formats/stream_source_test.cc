// Members decoded on demand (formats/common/decode/stream_source.h): bounded memory, restarts,
// budget and truncation anomalies.
#include "formats/common/decode/stream_source.h"

#include <gtest/gtest.h>
#include <malloc.h>
#include <zlib.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/limits.h"
#include "formats/compress/compress.h"

namespace mv::formats {
namespace {

// Deterministic, moderately compressible content: byte i is a function of i.
uint8_t At(uint64_t i) {
  return static_cast<uint8_t>((i * 131) ^ (i >> 11) ^ (i >> 19));
}

std::vector<uint8_t> Gzip(uint64_t n, bool zeros = false) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 1, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::vector<uint8_t> out;
  std::vector<uint8_t> in(1 << 20);
  std::vector<uint8_t> buf(1 << 20);
  for (uint64_t pos = 0; pos <= n;) {
    size_t take = static_cast<size_t>(std::min<uint64_t>(in.size(), n - pos));
    for (size_t i = 0; i < take; ++i) in[i] = zeros ? 0 : At(pos + i);
    pos += take;
    bool last = pos >= n;
    zs.next_in = in.data();
    zs.avail_in = static_cast<uInt>(take);
    do {
      zs.next_out = buf.data();
      zs.avail_out = static_cast<uInt>(buf.size());
      deflate(&zs, last ? Z_FINISH : Z_NO_FLUSH);
      out.insert(out.end(), buf.data(), buf.data() + (buf.size() - zs.avail_out));
    } while (zs.avail_out == 0);
    if (last) break;
  }
  deflateEnd(&zs);
  return out;
}

size_t HeapInUse() {
  return mallinfo2().uordblks;
}

bool Matches(ByteSpan got, uint64_t off) {
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i] != At(off + i)) return false;
  }
  return true;
}

const Anomaly* Find(const std::vector<Anomaly>& v, const std::string& code) {
  for (const auto& a : v) {
    if (a.code == code) return &a;
  }
  return nullptr;
}

constexpr uint64_t kBig = 48ull << 20;

class StreamSourceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gz_ = new std::vector<uint8_t>(Gzip(kBig)); }
  static void TearDownTestSuite() { delete gz_; }
  static std::vector<uint8_t>* gz_;
};
std::vector<uint8_t>* StreamSourceTest::gz_ = nullptr;

TEST_F(StreamSourceTest, SequentialReadOfLargeMemberUsesBoundedMemory) {
  SourcePtr src = MakeMemorySource(*gz_);
  ReadContext ctx;
  size_t base = HeapInUse();
  auto r = compress::ReadGzip(src, ctx);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->complete);
  EXPECT_TRUE(r->anomalies.empty());
  ASSERT_EQ(r->members.size(), 1u);
  Source& m = *r->members[0].data;
  EXPECT_EQ(m.size(), kBig);
  EXPECT_FALSE(m.stable());
  EXPECT_EQ(ctx.expanded_bytes, kBig);
  size_t peak = 0;
  uint64_t off = 0;
  while (off < m.size()) {
    auto s = m.Read(off, 1 << 20);
    ASSERT_TRUE(s.ok()) << off;
    ASSERT_EQ(s->size(), std::min<uint64_t>(1 << 20, kBig - off));
    ASSERT_TRUE(Matches(*s, off)) << off;
    off += s->size();
    peak = std::max(peak, HeapInUse() - std::min(base, HeapInUse()));
  }
  EXPECT_EQ(off, kBig);
  // Window (4 + 1 MiB) + head + decoder state, never the 48 MiB member.
  EXPECT_LT(peak, 12u << 20);
  EXPECT_EQ(compress::StreamRestarts(m), 0u);
  auto end = m.Read(kBig - 10, 100);
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->size(), 10u);
}

TEST_F(StreamSourceTest, BackwardReadRestartsAndHeadNeedsNone) {
  SourcePtr src = MakeMemorySource(*gz_);
  ReadContext ctx;
  auto r = compress::ReadGzip(src, ctx);
  ASSERT_TRUE(r.ok());
  Source& m = *r->members[0].data;
  auto a = m.Read(30ull << 20, 4096);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(Matches(*a, 30ull << 20));
  // Within the kept head: no re-decode.
  auto h = m.Read(100, 1000);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(Matches(*h, 100));
  EXPECT_EQ(compress::StreamRestarts(m), 0u);
  // Within the window behind the last read: no re-decode.
  auto w = m.Read((30ull << 20) - (1 << 20), 4096);
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(Matches(*w, (30ull << 20) - (1 << 20)));
  EXPECT_EQ(compress::StreamRestarts(m), 0u);
  // Before the window: decoded again from the start.
  auto b = m.Read(5ull << 20, 4096);
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(Matches(*b, 5ull << 20));
  EXPECT_EQ(compress::StreamRestarts(m), 1u);
  EXPECT_TRUE(m.TakeAnomalies().empty());
}

TEST_F(StreamSourceTest, TooManyRestartsFailWithLimitAndAnomaly) {
  SourcePtr src = MakeMemorySource(*gz_);
  ReadContext ctx;
  auto r = compress::ReadGzip(src, ctx);
  ASSERT_TRUE(r.ok());
  SourcePtr m = r->members[0].data;
  SourcePtr sub = MakeSubSource(m, 0, m->size());  // anomalies reach the scanner through views
  bool failed = false;
  for (uint64_t i = 0; i < limits::kMaxStreamRestarts + 2 && !failed; ++i) {
    ASSERT_TRUE(m->Read(20ull << 20, 16).ok());
    auto b = m->Read(1ull << 20, 16);
    if (!b.ok()) {
      EXPECT_EQ(b.error().code, Errc::kLimit);
      failed = true;
    }
  }
  EXPECT_TRUE(failed);
  EXPECT_EQ(compress::StreamRestarts(*m), limits::kMaxStreamRestarts);
  auto late = sub->TakeAnomalies();
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].code, "limit.stream-restarts");
  EXPECT_TRUE(late[0].incomplete);
  EXPECT_TRUE(m->TakeAnomalies().empty());  // reported once
}

TEST(StreamSource, BudgetHitEndsDataWithExpansionAnomaly) {
  std::vector<uint8_t> gz = Gzip(16ull << 20, /*zeros=*/true);
  ReadContext ctx;
  ctx.expanded_bytes = limits::kMaxExpandedBytes - (3ull << 20);  // 3 MiB left for this file
  auto r = compress::ReadGzip(MakeMemorySource(gz), ctx);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->complete);
  const Anomaly* a = Find(r->anomalies, "limit.expansion");
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->incomplete);
  EXPECT_EQ(ctx.expanded_bytes, limits::kMaxExpandedBytes);
  Source& m = *r->members[0].data;
  EXPECT_EQ(m.size(), 3ull << 20);
  auto tail = m.Read((3ull << 20) - 8, 64);  // short at the budget, not an error
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(tail->size(), 8u);
  EXPECT_EQ((*tail)[7], 0);
}

TEST(StreamSource, TruncatedStreamKeepsDecodedPrefix) {
  std::vector<uint8_t> gz = Gzip(4ull << 20);
  gz.resize(gz.size() / 2);
  ReadContext ctx;
  auto r = compress::ReadGzip(MakeMemorySource(gz), ctx);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->complete);
  const Anomaly* a = Find(r->anomalies, "gzip.truncated");
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->incomplete);
  Source& m = *r->members[0].data;
  EXPECT_GT(m.size(), 1ull << 20);
  EXPECT_LT(m.size(), 4ull << 20);
  auto s = m.Read(0, 1 << 20);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->size(), 1u << 20);
  EXPECT_TRUE(Matches(*s, 0));
  auto last = m.Read(m.size() - 100, 100);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->size(), 100u);
  EXPECT_TRUE(Matches(*last, m.size() - 100));
}

}  // namespace
}  // namespace mv::formats
