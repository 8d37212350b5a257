// safetensors: header validation (size bound, JSON, dtype/shape/offsets, overlaps, trailing data).
#pragma once

#include "core/result.h"
#include "formats/format.h"

namespace mv::formats::safetensors {

// A plausible header length followed (after JSON whitespace) by '{' (no fixed signature).
bool Sniff(Source& src, ByteSpan head, bool signature);
// Any length followed by `{"name":{`: a file that announces safetensors but whose length the
// loader refuses (near 2^64, past the end). The registry's last resort; Read reports it.
bool SniffAnnounced(Source& src, ByteSpan head);
Result<ReadOutput> Read(const SourcePtr& src, ReadContext& ctx);

}  // namespace mv::formats::safetensors
