// Legacy torch.save format: magic, protocol and sys-info pickles, the object pickle, storage keys,
// raw storages.
#pragma once

#include "core/result.h"
#include "formats/format.h"

namespace mv::formats::torch_legacy {

bool Sniff(Source& src, ByteSpan head, bool signature);
Result<ReadOutput> Read(const SourcePtr& src, ReadContext& ctx);

}  // namespace mv::formats::torch_legacy
