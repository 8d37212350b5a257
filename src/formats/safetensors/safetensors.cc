#include "formats/safetensors/safetensors.h"

namespace mv::formats::safetensors {

bool Sniff(Source& /*src*/, ByteSpan /*head*/) {
  return false;
}

Result<ReadOutput> Read(const SourcePtr& /*src*/, ReadContext& /*ctx*/) {
  return MakeError(Errc::kUnsupported, "safetensors reader not implemented");
}

}  // namespace mv::formats::safetensors
