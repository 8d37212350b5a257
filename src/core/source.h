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

  Result<uint8_t> U8();
  Result<uint16_t> Le16();
  Result<uint32_t> Le32();
  Result<uint64_t> Le64();
  Result<uint32_t> Be32();
  // Exactly n bytes (kTruncated otherwise). Valid until the next call on this cursor's source.
  Result<ByteSpan> Take(size_t n);
  // Bytes up to and excluding the next '\n' (consumed); at most max_len bytes are searched.
  Result<ByteSpan> Line(size_t max_len);
  // Advances without reading; kTruncated if that passes the end.
  Status Skip(uint64_t n);
  Result<ByteSpan> Peek(size_t n);  // up to n bytes, fewer at end; does not advance

 private:
  Source* src_;
  uint64_t pos_;
  uint64_t end_;
};

}  // namespace mv
