// The compression wrappers on arbitrary bytes. The first byte picks the codec (so one corpus
// covers all six); the rest is the stream. Read must not crash, leak or hit UB, must honour
// the expansion budget, and every member must be readable within its declared size.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/limits.h"
#include "core/source.h"
#include "formats/compress/compress.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using ReadFn =
      mv::Result<mv::formats::ReadOutput> (*)(const mv::SourcePtr&, mv::formats::ReadContext&);
  static constexpr ReadFn kReaders[] = {
      mv::formats::compress::ReadGzip, mv::formats::compress::ReadBzip2,
      mv::formats::compress::ReadXz,   mv::formats::compress::ReadZstd,
      mv::formats::compress::ReadLz4,  mv::formats::compress::ReadZlib,
  };
  if (size == 0) return 0;
  ReadFn read = kReaders[data[0] % 6];
  auto src =
      mv::MakeMemorySource(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  mv::formats::ReadContext ctx;
  auto out = read(src, ctx);
  if (!out.ok()) return 0;
  uint64_t ratio_cap = (size - 1) * mv::limits::kMaxExpansionRatio;
  if (ratio_cap < mv::limits::kExpansionRatioFloor) ratio_cap = mv::limits::kExpansionRatioFloor;
  if (ctx.expanded_bytes > ratio_cap) std::abort();
  for (const auto& m : out->members) {
    auto r = m.data->Read(0, static_cast<size_t>(m.data->size()));
    if (!r.ok() || r->size() != m.data->size()) std::abort();
  }
  return 0;
}
