#include "formats/zip/zip.h"

namespace mv::formats::zip {

bool Sniff(Source& /*src*/, ByteSpan /*head*/) {
  return false;
}

Result<ReadOutput> Read(const SourcePtr& /*src*/, ReadContext& /*ctx*/) {
  return MakeError(Errc::kUnsupported, "zip reader not implemented");
}

}  // namespace mv::formats::zip
