// The safetensors reader on arbitrary bytes: Sniff and Read must not crash, leak or hit UB; a read that
// stops early must say so (complete=false or an error), and members stay inside the input.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/source.h"
#include "formats/safetensors/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto src = mv::MakeMemorySource(std::string_view(reinterpret_cast<const char*>(data), size));
  auto head = src->Read(0, 4096);
  if (!head.ok()) std::abort();
  (void)mv::formats::safetensors::Sniff(*src, *head);
  mv::formats::ReadContext ctx;
  auto out = mv::formats::safetensors::Read(src, ctx);
  if (!out.ok()) return 0;
  for (const auto& m : out->members) {
    if (m.offset > size || m.data->size() > size - m.offset) std::abort();
  }
  for (const auto& o : out->observations) {
    if (o.kind.empty()) std::abort();
  }
  return 0;
}
