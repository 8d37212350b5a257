// 7z archives via libarchive (nullifAI recompressed torch archives).
#pragma once

#include "core/result.h"
#include "formats/format.h"

namespace mv::formats::sevenzip {

// Recognised by its signature alone (formats/registry.cc).
Result<ReadOutput> Read(const SourcePtr& src, ReadContext& ctx);

}  // namespace mv::formats::sevenzip
