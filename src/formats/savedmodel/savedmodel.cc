#include "formats/savedmodel/savedmodel.h"

namespace mv::formats::savedmodel {

bool Sniff(Source& /*src*/, ByteSpan /*head*/) {
  return false;
}

Result<ReadOutput> Read(const SourcePtr& /*src*/, ReadContext& /*ctx*/) {
  return MakeError(Errc::kUnsupported, "savedmodel reader not implemented");
}

}  // namespace mv::formats::savedmodel
