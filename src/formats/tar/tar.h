// Tar reader (ustar/gnu/pax): yields members; torch's oldest format is a tar of pickles.
#pragma once

#include "core/result.h"
#include "formats/format.h"

namespace mv::formats::tar {

bool Sniff(Source& src, ByteSpan head, bool signature);
Result<ReadOutput> Read(const SourcePtr& src, ReadContext& ctx);

}  // namespace mv::formats::tar
