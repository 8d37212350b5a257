// Streaming decoders shared by the compression wrappers and the zip reader. Each decodes a
// byte range of a Source into memory, bounded by an output budget, and reports how it ended:
// finished, truncated, corrupt or stopped at the budget. The decoded prefix is always kept, so
// a payload in front of a broken stream is still analysed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/facts.h"
#include "core/source.h"
#include "formats/format.h"

namespace mv::formats::compress {

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
  std::vector<uint8_t> bytes;
  uint64_t consumed = 0;   // compressed bytes that belong to the stream(s) decoded
  bool finished = false;   // the last stream ended properly
  bool truncated = false;  // input ended inside a stream
  bool limit_hit = false;  // output budget reached before the end
  std::string error;       // decoder error (corrupt data), empty if none
};

// Output budget for `compressed` input bytes given what the file already expanded:
// min(kMaxInMemoryMember, kMaxExpandedBytes - ctx.expanded_bytes,
//     max(kExpansionRatioFloor, compressed * kMaxExpansionRatio)).
uint64_t OutputBudget(uint64_t compressed, const ReadContext& ctx);

// Decodes src[begin, begin+len). With `concatenated`, a stream that ends is followed by
// another when the next bytes carry the codec's magic. Never reads outside the range.
Decoded Decode(Codec codec, Source& src, uint64_t begin, uint64_t len, uint64_t max_out,
               bool concatenated);

// Charges the output to ctx.expanded_bytes and appends anomalies for an unclean end:
// `limit.expansion`, `<prefix>.truncated`, `<prefix>.corrupt` (all incomplete).
void Account(const Decoded& d, const std::string& prefix, const std::string& what, uint64_t offset,
             ReadContext& ctx, std::vector<Anomaly>& out);

// Cheap check that the first bytes of a zlib stream inflate without error.
bool TrialInflate(ByteSpan bytes, int window_bits);

}  // namespace mv::formats::compress
