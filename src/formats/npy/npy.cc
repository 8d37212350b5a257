#include "formats/npy/npy.h"

namespace mv::formats::npy {

bool Sniff(Source& /*src*/, ByteSpan /*head*/) {
  return false;
}

Result<ReadOutput> Read(const SourcePtr& /*src*/, ReadContext& /*ctx*/) {
  return MakeError(Errc::kUnsupported, "npy reader not implemented");
}

}  // namespace mv::formats::npy
