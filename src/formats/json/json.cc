#include "formats/json/json.h"

namespace mv::formats::json {

bool Sniff(Source& /*src*/, ByteSpan /*head*/) {
  return false;
}

Result<ReadOutput> Read(const SourcePtr& /*src*/, ReadContext& /*ctx*/) {
  return MakeError(Errc::kUnsupported, "json reader not implemented");
}

}  // namespace mv::formats::json
