// The 7z reader on arbitrary bytes: Read must not crash, leak or hit UB, and every member
// it yields must be readable end to end within its declared size.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/source.h"
#include "formats/sevenzip/sevenzip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto src = mv::MakeMemorySource(std::string_view(reinterpret_cast<const char*>(data), size));
  mv::formats::ReadContext ctx;
  auto out = mv::formats::sevenzip::Read(src, ctx);
  if (!out.ok()) return 0;
  for (const auto& m : out->members) {
    auto r = m.data->Read(0, static_cast<size_t>(m.data->size()));
    if (!r.ok() || r->size() != m.data->size()) std::abort();
  }
  return 0;
}
