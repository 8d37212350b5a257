#include "formats/torch_legacy/torch_legacy.h"

namespace mv::formats::torch_legacy {

bool Sniff(Source& /*src*/, ByteSpan /*head*/) {
  return false;
}

Result<ReadOutput> Read(const SourcePtr& /*src*/, ReadContext& /*ctx*/) {
  return MakeError(Errc::kUnsupported, "legacy torch reader not implemented");
}

}  // namespace mv::formats::torch_legacy
