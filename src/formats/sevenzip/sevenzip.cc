#include "formats/sevenzip/sevenzip.h"

namespace mv::formats::sevenzip {

bool Sniff(Source& /*src*/, ByteSpan /*head*/) {
  return false;
}

Result<ReadOutput> Read(const SourcePtr& /*src*/, ReadContext& /*ctx*/) {
  return MakeError(Errc::kUnsupported, "7z reader not implemented");
}

}  // namespace mv::formats::sevenzip
