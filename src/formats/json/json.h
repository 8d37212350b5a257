// JSON documents that loaders interpret (Keras config.json): code and module references.
#pragma once

#include "core/result.h"
#include "formats/format.h"

namespace mv::formats::json {

bool Sniff(Source& src, ByteSpan head, bool signature);
Result<ReadOutput> Read(const SourcePtr& src, ReadContext& ctx);

}  // namespace mv::formats::json
