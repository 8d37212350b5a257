#include "formats/onnx/onnx.h"

namespace mv::formats::onnx {

bool Sniff(Source& /*src*/, ByteSpan /*head*/) {
  return false;
}

Result<ReadOutput> Read(const SourcePtr& /*src*/, ReadContext& /*ctx*/) {
  return MakeError(Errc::kUnsupported, "onnx reader not implemented");
}

}  // namespace mv::formats::onnx
