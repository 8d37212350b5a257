// Zip reader at least as lenient as PyTorch's (miniz): finds members by the central directory and
// by local headers, reports every disagreement.
#pragma once

#include "core/result.h"
#include "formats/format.h"

namespace mv::formats::zip {

bool Sniff(Source& src, ByteSpan head, bool signature);
Result<ReadOutput> Read(const SourcePtr& src, ReadContext& ctx);

}  // namespace mv::formats::zip
