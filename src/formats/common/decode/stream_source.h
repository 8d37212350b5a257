// A decompressed member decoded on demand, with bounded memory. The reader that finds the
// member probes it once (Probe: decodes to the end without keeping the output) and so knows,
// before returning, the decoded size, how the stream ends (its anomalies) and its CRC; the
// expansion budget is charged then, in ReadContext::expanded_bytes, exactly as for an eager
// decode. The StreamSource it then hands to the scanner holds no decoded bytes and no decoder
// until read: a read decodes forward from where the last one stopped, keeping a sliding window
// of the last kStreamWindow bytes plus the first kStreamHead bytes (sniffing), and a read that
// goes back before the window restarts the decoder from the beginning (at most
// limits::kMaxStreamRestarts times; then the read fails with Errc::kLimit and an anomaly is
// left for Source::TakeAnomalies). Decoding is deterministic, so a re-decode yields the probed
// bytes again; size() is the probed size and reads past what actually decodes come back short.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/source.h"
#include "formats/common/decode/decode.h"

namespace mv::formats::compress {

struct StreamSpec {
  Codec codec = Codec::kGzip;
  SourcePtr parent;  // compressed bytes; reads are counted there
  uint64_t begin = 0;
  uint64_t len = 0;
  bool concatenated = false;
  uint64_t max_out = 0;  // output bound (the probe's budget); the source never exceeds it
  std::string what;      // "gzip stream", "entry 'x'": for anomaly messages
};

// The source for `spec`, `size` decoded bytes long (Decoded::produced of the probe).
SourcePtr MakeStreamSource(StreamSpec spec, uint64_t size);

// Bytes a + b read as one source (zip lzma entries: a synthetic .lzma header in memory followed
// by the compressed data in place). Reads crossing the seam are copied.
SourcePtr MakeConcatSource(SourcePtr a, SourcePtr b);

// Restarts a StreamSource made so far (for tests).
uint64_t StreamRestarts(const Source& src);

}  // namespace mv::formats::compress
