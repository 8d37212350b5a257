// Keras config analysis on arbitrary bytes: the JSON reader (config.json), the Keras walker and,
// through Lambda code, the marshal reader. The input is also fed to the marshal reader directly,
// so one corpus covers both.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/source.h"
#include "formats/json/json.h"
#include "formats/pycode/pycode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto src = mv::MakeMemorySource(std::string_view(reinterpret_cast<const char*>(data), size));
  auto head = src->Read(0, 4096);
  if (!head.ok()) std::abort();
  (void)mv::formats::json::Sniff(*src, *head);
  mv::formats::ReadContext ctx;
  auto out = mv::formats::json::Read(src, ctx);
  if (out.ok()) {
    for (const auto& o : out->observations) {
      if (o.kind.empty()) std::abort();
    }
  }
  auto code = mv::formats::pycode::Analyze(mv::ByteSpan(data, size));
  if (code.ok() && code->code_objects == 0) std::abort();
  return 0;
}
