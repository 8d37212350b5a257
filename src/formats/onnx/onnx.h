// ONNX ModelProto: external data locations, custom domains, sizes; raw tensor bytes skipped.
#pragma once

#include "core/result.h"
#include "formats/format.h"

namespace mv::formats::onnx {

bool Sniff(Source& src, ByteSpan head, bool signature);
Result<ReadOutput> Read(const SourcePtr& src, ReadContext& ctx);

}  // namespace mv::formats::onnx
