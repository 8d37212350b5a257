// Keras config analysis on arbitrary bytes: the JSON reader (config.json), the Keras walker and,
// through Lambda code, the marshal reader (see reader_fuzz.h for what must hold). The input is
// also fed to the marshal reader directly, so one corpus covers both.
#include <cstdint>
#include <cstdlib>

#include "core/source.h"
#include "formats/common/pycode/pycode.h"
#include "reader_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mv::fuzz::FuzzReader(data, size, mv::formats::FormatId::kJson);
  auto code = mv::formats::pycode::Analyze(mv::ByteSpan(data, size));
  if (code.ok() && code->code_objects == 0) std::abort();
  return 0;
}
