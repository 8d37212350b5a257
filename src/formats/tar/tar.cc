#include "formats/tar/tar.h"

namespace mv::formats::tar {

bool Sniff(Source& /*src*/, ByteSpan /*head*/) {
  return false;
}

Result<ReadOutput> Read(const SourcePtr& /*src*/, ReadContext& /*ctx*/) {
  return MakeError(Errc::kUnsupported, "tar reader not implemented");
}

}  // namespace mv::formats::tar
