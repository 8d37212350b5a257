// GGUF (llama.cpp): strict header and metadata parse; template strings become observations.
#pragma once

#include "core/result.h"
#include "formats/format.h"

namespace mv::formats::gguf {

bool Sniff(Source& src, ByteSpan head);
Result<ReadOutput> Read(const SourcePtr& src, ReadContext& ctx);

}  // namespace mv::formats::gguf
