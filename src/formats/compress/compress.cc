#include "formats/compress/compress.h"

namespace mv::formats::compress {

namespace {
Result<ReadOutput> NotYet() {
  return MakeError(Errc::kUnsupported, "decompression not implemented");
}
}  // namespace

bool SniffGzip(Source&, ByteSpan) {
  return false;
}
bool SniffBzip2(Source&, ByteSpan) {
  return false;
}
bool SniffXz(Source&, ByteSpan) {
  return false;
}
bool SniffZstd(Source&, ByteSpan) {
  return false;
}
bool SniffLz4(Source&, ByteSpan) {
  return false;
}
bool SniffZlib(Source&, ByteSpan) {
  return false;
}
Result<ReadOutput> ReadGzip(const SourcePtr&, ReadContext&) {
  return NotYet();
}
Result<ReadOutput> ReadBzip2(const SourcePtr&, ReadContext&) {
  return NotYet();
}
Result<ReadOutput> ReadXz(const SourcePtr&, ReadContext&) {
  return NotYet();
}
Result<ReadOutput> ReadZstd(const SourcePtr&, ReadContext&) {
  return NotYet();
}
Result<ReadOutput> ReadLz4(const SourcePtr&, ReadContext&) {
  return NotYet();
}
Result<ReadOutput> ReadZlib(const SourcePtr&, ReadContext&) {
  return NotYet();
}

}  // namespace mv::formats::compress
