// TensorFlow SavedModel protobufs: graph ops that reach files, network or Python.
#pragma once

#include "core/result.h"
#include "formats/format.h"

namespace mv::formats::savedmodel {

bool Sniff(Source& src, ByteSpan head, bool signature);
Result<ReadOutput> Read(const SourcePtr& src, ReadContext& ctx);

}  // namespace mv::formats::savedmodel
