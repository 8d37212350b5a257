#include "formats/hdf5/hdf5.h"

namespace mv::formats::hdf5 {

bool Sniff(Source& /*src*/, ByteSpan /*head*/) {
  return false;
}

Result<ReadOutput> Read(const SourcePtr& /*src*/, ReadContext& /*ctx*/) {
  return MakeError(Errc::kUnsupported, "hdf5 reader not implemented");
}

}  // namespace mv::formats::hdf5
