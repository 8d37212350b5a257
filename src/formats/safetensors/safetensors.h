// safetensors: header validation (size bound, JSON, dtype/shape/offsets, overlaps, trailing data).
#pragma once

#include "core/result.h"
#include "formats/format.h"

namespace mv::formats::safetensors {

bool Sniff(Source& src, ByteSpan head);
Result<ReadOutput> Read(const SourcePtr& src, ReadContext& ctx);

}  // namespace mv::formats::safetensors
