// Bounds-checked, random-access byte sources. Every byte any parser reads comes through a
// Source, so `bytes_read` is counted in one place (the root), and evidence locations carry
// the chain of members they were found in.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/facts.h"
#include "core/result.h"

namespace mv {

using ByteSpan = std::span<const uint8_t>;

// Tracks which byte ranges of a root source were delivered; overlapping reads count once.
class ReadTracker {
 public:
  void Add(uint64_t off, uint64_t len);
  uint64_t bytes() const { return bytes_; }

 private:
  std::map<uint64_t, uint64_t> ranges_;  // begin -> end, disjoint, non-adjacent
  uint64_t bytes_ = 0;
};

// What a root source uses to count delivered bytes. Parsers mostly read on from where they
// stopped, often a byte at a time (pickle opcodes): such reads only grow one pending range
// (inline, no call), which reaches the tracker when a read elsewhere starts or bytes() is
// asked for.
class ReadCounter {
 public:
  void Count(uint64_t off, uint64_t n) {
    if (n == 0) return;
    if (off >= pending_begin_ && off <= pending_end_) {
      if (off + n > pending_end_) pending_end_ = off + n;
      return;
    }
    Restart(off, n);
  }
  uint64_t bytes();

 private:
  void Restart(uint64_t off, uint64_t n);
  void Flush();

  ReadTracker tracker_;
  uint64_t pending_begin_ = 0;  // [begin, end) read but not yet in tracker_
  uint64_t pending_end_ = 0;
};

// A source's bytes resident in memory for as long as the source lives, which a Cursor may
// read without a virtual call per read. Every byte delivered from it is still counted, at
// delivery and exactly as Source::Read would count it.
struct DirectView {
  const uint8_t* data = nullptr;  // bytes [0, size) of the source; null: reads go through Read
  uint64_t size = 0;
  ReadCounter* counter = nullptr;  // where deliveries are counted (null: not counted)
  uint64_t counter_offset = 0;     // the counter's offset of byte 0
};

class Source {
 public:
  virtual ~Source() = default;
  virtual uint64_t size() const = 0;
  // Bytes [off, off+len) clipped to size(); shorter only at end of source. The span stays valid
  // until the next Read on this source (or on any source sharing its backing store) unless
  // stable(), in which case it lives as long as the source.
  virtual Result<ByteSpan> Read(uint64_t off, size_t len) = 0;
  virtual bool stable() const { return true; }
  // Copies bytes [off, off+dst.size()) (clipped to size()) into dst; returns how many. Unlike
  // Read, nothing stays resident afterwards: a file source reads a mapped file with pread, so
  // streaming a whole file (SHA-256) does not map it into the process.
  virtual Result<size_t> ReadInto(uint64_t off, std::span<uint8_t> dst);
  // Bytes delivered from the underlying storage so far (file or network), counted once each.
  virtual uint64_t bytes_read() const = 0;
  // Anomalies noticed while serving reads after the reader that made this source returned
  // (a member decoded on demand that could not be re-decoded). The scanner collects them
  // after visiting the source; each is returned once. Sub-views forward to their parent.
  virtual std::vector<Anomaly> TakeAnomalies() { return {}; }
  // The bytes as one resident, stable block, if this source has them (a file read whole or
  // mapped, bytes in memory, a window of either); by default none.
  virtual DirectView Direct() { return {}; }
};

using SourcePtr = std::shared_ptr<Source>;

// A whole file: small files are read whole into a buffer (reused across files on a thread),
// larger ones mapped read-only, their pages touched only when read.
Result<SourcePtr> OpenFileSource(const std::string& path);
// Bytes owned in memory (decompressed members, nested payloads). Counts no reads: the bytes
// were counted where they were read from.
SourcePtr MakeMemorySource(std::vector<uint8_t> bytes);
SourcePtr MakeMemorySource(std::string_view bytes);
// A window [begin, begin+len) of a parent; reads are forwarded (and counted) there.
SourcePtr MakeSubSource(SourcePtr parent, uint64_t begin, uint64_t len);

// Sequential reader over a Source with bounds checks; what parsers use instead of pointers.
class Cursor {
 public:
  explicit Cursor(Source& src, uint64_t begin = 0);
  Cursor(Source& src, uint64_t begin, uint64_t end);
  uint64_t pos() const { return pos_; }
  uint64_t end() const { return end_; }
  uint64_t remaining() const { return end_ - pos_; }
  bool at_end() const { return pos_ >= end_; }
  void seek(uint64_t pos) { pos_ = pos < end_ ? pos : end_; }

  // The fixed-size reads serve bytes straight from the source's resident block when it has
  // one (DirectView): a bounds check, the count and a load; otherwise through Source::Read.
  Result<uint8_t> U8() {
    if (direct_ != nullptr && pos_ < end_) {
      Count(pos_, 1);
      return direct_[pos_++];
    }
    return U8Slow();
  }
  Result<uint16_t> Le16();
  Result<uint32_t> Le32();
  Result<uint64_t> Le64();
  Result<uint32_t> Be32();
  // Exactly n bytes (kTruncated otherwise). Valid until the next call on this cursor's source.
  Result<ByteSpan> Take(size_t n) {
    if (direct_ != nullptr && n <= end_ - pos_) {
      Count(pos_, n);
      ByteSpan b(direct_ + pos_, n);
      pos_ += n;
      return b;
    }
    return TakeSlow(n);
  }
  // Bytes up to and excluding the next '\n' (consumed); at most max_len bytes are searched.
  Result<ByteSpan> Line(size_t max_len);
  // Advances without reading; kTruncated if that passes the end.
  Status Skip(uint64_t n);
  Result<ByteSpan> Peek(size_t n);  // up to n bytes, fewer at end; does not advance

 private:
  void Count(uint64_t off, uint64_t n) {
    if (counter_ != nullptr) counter_->Count(counter_offset_ + off, n);
  }
  // Bytes [off, off+n) with off+n <= end_: from the resident block or through Read.
  Result<ByteSpan> ReadAt(uint64_t off, size_t n);
  Result<uint8_t> U8Slow();
  Result<ByteSpan> TakeSlow(size_t n);

  Source* src_;
  uint64_t pos_;
  uint64_t end_;
  const uint8_t* direct_ = nullptr;  // the source's bytes [0, end_) when resident
  ReadCounter* counter_ = nullptr;
  uint64_t counter_offset_ = 0;
};

}  // namespace mv
