// NumPy .npy: header parse; object dtype arrays carry a pickle after the header.
#pragma once

#include "core/result.h"
#include "formats/format.h"

namespace mv::formats::npy {

// Recognised by its signature alone (formats/registry.cc).
Result<ReadOutput> Read(const SourcePtr& src, ReadContext& ctx);

}  // namespace mv::formats::npy
