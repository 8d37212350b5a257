#include "core/source.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace mv {
namespace {

TEST(ReadTracker, CountsOverlapsOnce) {
  ReadTracker t;
  t.Add(0, 10);
  t.Add(5, 10);  // overlaps [5,10)
  t.Add(20, 5);  // disjoint
  t.Add(15, 5);  // touches both neighbours: merges into [0,25)
  EXPECT_EQ(t.bytes(), 25u);
  t.Add(3, 2);
  EXPECT_EQ(t.bytes(), 25u);
  t.Add(100, 0);
  EXPECT_EQ(t.bytes(), 25u);
}

// Against a byte map, over random reads that grow, join, bridge and fall inside ranges
// (sequential reads extend a range in place; everything else merges).
TEST(ReadTracker, MatchesAByteMap) {
  std::mt19937 rng(12);
  for (int round = 0; round < 50; ++round) {
    ReadTracker t;
    std::vector<bool> seen(600, false);
    uint64_t pos = 0;
    for (int i = 0; i < 200; ++i) {
      uint64_t off = 0;
      uint64_t len = rng() % 9;
      switch (rng() % 3) {
        case 0: off = pos; break;  // on from the last read
        case 1: off = rng() % 500; break;
        default: off = pos > 20 ? pos - rng() % 20 : 0; break;  // back into the last range
      }
      t.Add(off, len);
      pos = off + len;
      for (uint64_t b = off; b < off + len; ++b) seen[b] = true;
      uint64_t want = static_cast<uint64_t>(std::count(seen.begin(), seen.end(), true));
      ASSERT_EQ(t.bytes(), want) << "round " << round << " read " << i;
    }
  }
}

TEST(MemorySource, ReadsAndClips) {
  auto s = MakeMemorySource(std::string_view("hello world"));
  auto r = s->Read(6, 100);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::string(r->begin(), r->end()), "world");
  EXPECT_FALSE(s->Read(12, 1).ok());
  EXPECT_EQ(s->bytes_read(), 0u);
}

TEST(SubSource, ForwardsAndCountsAtRoot) {
  std::string path = testing::TempDir() + "/mv_source_test." + std::to_string(::getpid()) + ".bin";
  {
    std::ofstream out(path, std::ios::binary);
    out << "0123456789abcdef";
  }
  auto root = OpenFileSource(path);
  ASSERT_TRUE(root.ok());
  auto sub = MakeSubSource(*root, 4, 8);  // "456789ab"
  EXPECT_EQ(sub->size(), 8u);
  auto r = sub->Read(2, 100);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::string(r->begin(), r->end()), "6789ab");
  EXPECT_EQ((*root)->bytes_read(), 6u);
  EXPECT_EQ(sub->bytes_read(), 6u);
  std::remove(path.c_str());
}

// A file source counts reads that continue the last one lazily (a pending range): whatever
// the order of reads (on from the last, back, elsewhere, through a sub-view or ReadInto),
// bytes_read() is the number of distinct bytes delivered, asked at any point.
TEST(FileSource, CountsInterleavedReadsOnce) {
  std::string path = testing::TempDir() + "/mv_source_count." + std::to_string(::getpid()) + ".bin";
  {
    std::ofstream out(path, std::ios::binary);
    out << std::string(4096, 'x');
  }
  auto root = OpenFileSource(path);
  ASSERT_TRUE(root.ok());
  SourcePtr src = *root;
  SourcePtr sub = MakeSubSource(src, 1000, 2000);
  std::mt19937 rng(7);
  std::vector<bool> seen(4096, false);
  uint64_t pos = 0;
  std::vector<uint8_t> buf(64);
  for (int i = 0; i < 3000; ++i) {
    uint64_t len = 1 + rng() % 6;
    uint64_t off = rng() % 4 == 0 ? rng() % 4000 : pos;
    uint64_t counted = 0;
    switch (rng() % 3) {
      case 0: {
        auto r = src->Read(off, len);
        ASSERT_TRUE(r.ok());
        counted = r->size();
        break;
      }
      case 1: {
        auto r = src->ReadInto(off, std::span(buf.data(), len));
        ASSERT_TRUE(r.ok());
        counted = *r;
        break;
      }
      default: {  // through the sub-view [1000, 3000)
        off = 1000 + off % 1990;
        auto r = sub->Read(off - 1000, len);
        ASSERT_TRUE(r.ok());
        counted = r->size();
        break;
      }
    }
    for (uint64_t b = off; b < off + counted; ++b) seen[b] = true;
    pos = off + counted;
    if (rng() % 5 == 0 || i == 2999) {
      uint64_t want = static_cast<uint64_t>(std::count(seen.begin(), seen.end(), true));
      ASSERT_EQ(src->bytes_read(), want) << "read " << i;
      ASSERT_EQ(sub->bytes_read(), want);
    }
  }
  std::remove(path.c_str());
}

// Files are opened with one read first and measured only when it fills its block or finds
// nothing: every size around those edges (and past the read-whole size, where files are
// mapped) is read whole and exactly, with nothing counted before it is asked for.
TEST(FileSource, EverySizeAroundTheReadEdgesIsReadExactly) {
  std::string path = testing::TempDir() + "/mv_source_sizes." + std::to_string(::getpid());
  std::mt19937 rng(11);
  for (size_t size :
       {size_t{0}, size_t{1}, size_t{4095}, size_t{16383}, size_t{16384}, size_t{16385},
        size_t{65536}, size_t{262143}, size_t{262144}, size_t{262145}, size_t{300000}}) {
    std::string bytes(size, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng());
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << bytes;
    }
    // Twice: the second open reuses the buffer the first one gave back.
    for (int round = 0; round < 2; ++round) {
      auto src = OpenFileSource(path);
      ASSERT_TRUE(src.ok()) << size;
      EXPECT_EQ((*src)->size(), size);
      EXPECT_EQ((*src)->bytes_read(), 0u) << size;
      auto all = (*src)->Read(0, size + 10);
      ASSERT_TRUE(all.ok());
      ASSERT_EQ(all->size(), size);
      EXPECT_EQ(std::string(all->begin(), all->end()), bytes) << size;
      EXPECT_EQ((*src)->bytes_read(), size);
    }
  }
  std::remove(path.c_str());
}

// Whatever is not a regular file is refused, before anything is read from it as content: a
// FIFO (opening must not wait for a writer either), a directory, a character device.
TEST(FileSource, WhatIsNotARegularFileIsRefused) {
  std::string fifo = testing::TempDir() + "/mv_source_fifo." + std::to_string(::getpid());
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const std::string& path : {fifo, testing::TempDir(), std::string("/dev/null")}) {
    auto r = OpenFileSource(path);
    ASSERT_FALSE(r.ok()) << path;
    EXPECT_EQ(r.error().code, Errc::kIo) << path;
    EXPECT_EQ(r.error().message, "not a regular file") << path;
  }
  std::remove(fifo.c_str());
}

TEST(FileSource, MissingFileIsIoError) {
  auto r = OpenFileSource("/nonexistent/modelvet/file");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kIo);
}

TEST(Cursor, IntegersAndBounds) {
  auto s = MakeMemorySource(std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7, 8, 9});
  Cursor c(*s);
  EXPECT_EQ(*c.U8(), 1);
  EXPECT_EQ(*c.Le16(), 0x0302);
  EXPECT_EQ(*c.Le32(), 0x07060504u);
  EXPECT_EQ(c.remaining(), 2u);
  auto t = c.Take(3);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, Errc::kTruncated);
  EXPECT_EQ(c.pos(), 7u);  // a failed take does not advance
  EXPECT_FALSE(c.Skip(5).ok());
  EXPECT_TRUE(c.at_end());
}

TEST(Cursor, LinesRespectLimit) {
  auto s = MakeMemorySource(std::string_view("os\nsystem\nlonglonglong"));
  Cursor c(*s);
  auto a = c.Line(10);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(std::string(a->begin(), a->end()), "os");
  auto b = c.Line(10);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(std::string(b->begin(), b->end()), "system");
  auto d = c.Line(4);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, Errc::kLimit);
  auto e = c.Line(100);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, Errc::kTruncated);
}

TEST(Cursor, WindowedCursorStopsAtEnd) {
  auto s = MakeMemorySource(std::string_view("abcdefgh"));
  Cursor c(*s, 2, 5);
  EXPECT_EQ(c.remaining(), 3u);
  auto t = c.Take(3);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(std::string(t->begin(), t->end()), "cde");
  EXPECT_FALSE(c.U8().ok());
}

// Forwards reads to another source and offers no resident block: a cursor over it takes the
// path through Source::Read, the reference for what the direct path must do.
class NoDirectSource final : public Source {
 public:
  explicit NoDirectSource(SourcePtr inner) : inner_(std::move(inner)) {}
  uint64_t size() const override { return inner_->size(); }
  Result<ByteSpan> Read(uint64_t off, size_t len) override { return inner_->Read(off, len); }
  uint64_t bytes_read() const override { return inner_->bytes_read(); }

 private:
  SourcePtr inner_;
};

std::string WriteRandomFile(const std::string& tag, size_t n, uint32_t seed) {
  std::string path = testing::TempDir() + "/mv_source_" + tag + "." + std::to_string(::getpid());
  std::mt19937 rng(seed);
  std::string bytes(n, '\0');
  for (auto& c : bytes) c = static_cast<char>(rng() % 4 == 0 ? '\n' : rng() % 256);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

// A cursor over a file (or a window of it) reads the resident bytes directly: each operation
// gives the same value or error, at the same position, and counts the same bytes as the same
// operation through Source::Read, whatever the sequence.
TEST(Cursor, DirectReadsMatchReadsThroughTheSource) {
  std::string path = WriteRandomFile("direct", 3000, 11);
  for (int window = 0; window < 2; ++window) {
    auto a = OpenFileSource(path);
    auto b = OpenFileSource(path);
    ASSERT_TRUE(a.ok() && b.ok());
    SourcePtr direct = window ? MakeSubSource(*a, 700, 1500) : *a;
    SourcePtr slow = std::make_shared<NoDirectSource>(window ? MakeSubSource(*b, 700, 1500) : *b);
    ASSERT_NE(direct->Direct().data, nullptr);
    ASSERT_EQ(slow->Direct().data, nullptr);
    std::mt19937 rng(5 + window);
    Cursor c1(*direct, 3, direct->size() - 9);
    Cursor c2(*slow, 3, slow->size() - 9);
    for (int i = 0; i < 4000; ++i) {
      int op = static_cast<int>(rng() % 8);
      size_t n = rng() % 40;
      std::string r1, r2;
      auto show = [](const auto& r) -> std::string {
        if (!r.ok())
          return "error " + std::to_string(static_cast<int>(r.error().code)) + "@" +
                 std::to_string(r.error().offset);
        if constexpr (std::is_same_v<std::decay_t<decltype(*r)>, ByteSpan>) {
          return std::string(r->begin(), r->end());
        } else {
          return std::to_string(*r);
        }
      };
      switch (op) {
        case 0: r1 = show(c1.U8()), r2 = show(c2.U8()); break;
        case 1: r1 = show(c1.Le16()), r2 = show(c2.Le16()); break;
        case 2: r1 = show(c1.Le32()), r2 = show(c2.Le32()); break;
        case 3: r1 = show(c1.Le64()), r2 = show(c2.Le64()); break;
        case 4: r1 = show(c1.Take(n)), r2 = show(c2.Take(n)); break;
        case 5: r1 = show(c1.Peek(n)), r2 = show(c2.Peek(n)); break;
        case 6: r1 = show(c1.Line(n)), r2 = show(c2.Line(n)); break;
        default: {
          uint64_t to = rng() % (direct->size() + 5);
          c1.seek(to);
          c2.seek(to);
        }
      }
      ASSERT_EQ(r1, r2) << "op " << op << " at step " << i;
      ASSERT_EQ(c1.pos(), c2.pos()) << "step " << i;
      if (i % 7 == 0) {
        ASSERT_EQ(direct->bytes_read(), slow->bytes_read()) << "step " << i;
      }
    }
    EXPECT_EQ(direct->bytes_read(), slow->bytes_read());
    EXPECT_GT(direct->bytes_read(), 0u);
  }
  std::remove(path.c_str());
}

// The direct path keeps to the window: at its end a read fails closed (kTruncated) although
// the file's buffer holds more bytes, and nothing is counted.
TEST(Cursor, DirectReadStopsAtTheWindow) {
  std::string path = testing::TempDir() + "/mv_source_win." + std::to_string(::getpid());
  std::ofstream(path, std::ios::binary) << "0123456789abcdef";
  auto root = OpenFileSource(path);
  ASSERT_TRUE(root.ok());
  auto sub = MakeSubSource(*root, 4, 8);  // "456789ab"
  DirectView v = sub->Direct();
  ASSERT_NE(v.data, nullptr);
  EXPECT_EQ(v.size, 8u);
  EXPECT_EQ(v.counter_offset, 4u);
  EXPECT_EQ(v.data[0], '4');
  Cursor c(*sub, 6);
  EXPECT_EQ(*c.U8(), 'a');
  EXPECT_EQ(*c.U8(), 'b');
  auto end = c.U8();
  ASSERT_FALSE(end.ok());
  EXPECT_EQ(end.error().code, Errc::kTruncated);
  EXPECT_EQ(end.error().offset, 8u);
  EXPECT_FALSE(c.Take(1).ok());
  EXPECT_EQ(c.pos(), 8u);
  EXPECT_EQ((*root)->bytes_read(), 2u);  // "ab" only
  std::remove(path.c_str());
}

}  // namespace
}  // namespace mv
