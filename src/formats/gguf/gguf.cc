#include "formats/gguf/gguf.h"

namespace mv::formats::gguf {

bool Sniff(Source& /*src*/, ByteSpan /*head*/) {
  return false;
}

Result<ReadOutput> Read(const SourcePtr& /*src*/, ReadContext& /*ctx*/) {
  return MakeError(Errc::kUnsupported, "gguf reader not implemented");
}

}  // namespace mv::formats::gguf
