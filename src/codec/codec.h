// The one decompression library of modelvet: every decoder that runs on attacker bytes (the
// compression wrappers and zip/7z members in formats/, and the zlib/gzip/bz2/lzma calls the
// pickle machine evaluates) is built here, so the limits of core/limits.h hold everywhere:
// each decoder allocates at most limits::kMaxDecoderMemory (xz/lzma memlimit; zstd window
// 2^26) and produces at most the output budget its caller passes.
//
// Each decoder reads a byte range of a Source, bounded by an output budget, and reports how it
// ended: finished, truncated, corrupt or stopped at the budget. The decoded prefix is always
// kept, so a payload in front of a broken stream is still analysed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/source.h"

namespace mv::codec {

enum class Codec : uint8_t {
  kGzip,        // RFC 1952, members concatenated
  kZlib,        // RFC 1950
  kDeflateRaw,  // RFC 1951 (zip method 8)
  kBzip2,       // streams concatenated (pbzip2)
  kXz,          // .xz streams concatenated
  kLzmaAlone,   // legacy .lzma (joblib compress='lzma')
  kZstd,        // frames concatenated, skippable frames skipped
  kLz4,         // LZ4 frame format, frames concatenated
};

struct Decoded {
  std::vector<uint8_t> bytes;  // empty when the output went elsewhere (Decoder, Probe)
  uint64_t produced = 0;       // bytes decoded (== bytes.size() for Decode)
  uint64_t consumed = 0;       // compressed bytes that belong to the stream(s) decoded
  bool finished = false;       // the last stream ended properly
  bool truncated = false;      // input ended inside a stream
  bool limit_hit = false;      // output budget reached before the end
  std::string error;           // decoder error (corrupt data), empty if none
};

// Decodes src[begin, begin+len). With `concatenated`, a stream that ends is followed by
// another when the next bytes carry the codec's magic. Never reads outside the range.
Decoded Decode(Codec codec, Source& src, uint64_t begin, uint64_t len, uint64_t max_out,
               bool concatenated);

// Decode over bytes in memory (not copied; they must outlive the call).
Decoded DecodeBytes(Codec codec, ByteSpan in, uint64_t max_out, bool concatenated);

// xz when the bytes start with the xz magic, else legacy .lzma (Python's lzma FORMAT_AUTO).
Codec LzmaFormatOf(ByteSpan head);

// Incremental form of Decode: Next() produces the following decoded bytes on demand, so a
// member can be read without holding it (formats/common/decode/stream_source.h). Holds `src` by
// reference.
class Decoder {
 public:
  Decoder(Codec codec, Source& src, uint64_t begin, uint64_t len, uint64_t max_out,
          bool concatenated);
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;
  // Writes up to `cap` decoded bytes to `out`; returns how many. Fewer than `cap` only when
  // the data ended (done()).
  size_t Next(uint8_t* out, size_t cap);
  bool done() const { return done_; }
  // How the decoding ended so far (bytes stays empty).
  const Decoded& state() const { return d_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Source& src_;
  uint64_t begin_;
  uint64_t end_;
  uint64_t max_out_;
  bool concatenated_;
  std::vector<uint8_t> chunk_;  // input copied from src: [chunk_base_, chunk_base_+size)
  uint64_t chunk_base_ = 0;
  size_t in_pos_ = 0;
  bool done_ = false;
  Decoded d_;
};

// Decodes the whole range without keeping the output: learns the decoded size, how the stream
// ends and the CRC-32 of the output (for zip). Memory: one decoder and 64 KiB of output.
Decoded Probe(Codec codec, Source& src, uint64_t begin, uint64_t len, uint64_t max_out,
              bool concatenated, uint32_t* crc32_out = nullptr);

// Cheap check that the first bytes of a zlib stream inflate without error.
bool TrialInflate(ByteSpan bytes, int window_bits);

}  // namespace mv::codec
