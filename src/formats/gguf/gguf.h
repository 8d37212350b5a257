// GGUF (llama.cpp): strict header and metadata parse; template strings become observations.
#pragma once

#include "core/result.h"
#include "formats/format.h"

namespace mv::formats::gguf {

// Recognised by its signature alone (formats/registry.cc).
Result<ReadOutput> Read(const SourcePtr& src, ReadContext& ctx);

}  // namespace mv::formats::gguf
