// The marshal reader (Keras Lambda code, nested payloads) on arbitrary bytes, directly and
// through the base64 decoder Keras configs use: no crash, leak or UB; a decoded summary holds
// at least one code object and every reference it reports is non-empty.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "formats/common/pycode/pycode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace pycode = mv::formats::pycode;
  auto check = [](const mv::Result<pycode::CodeSummary>& r) {
    if (!r.ok()) return;
    if (r->code_objects == 0) std::abort();
    for (const auto& ref : r->refs) {
      if (ref.empty()) std::abort();
    }
    (void)pycode::Describe(*r);
  };
  check(pycode::Analyze(mv::ByteSpan(data, size)));
  auto bytes = pycode::DecodeBase64(std::string_view(reinterpret_cast<const char*>(data), size));
  if (bytes.ok()) check(pycode::Analyze(mv::ByteSpan(bytes->data(), bytes->size())));
  return 0;
}
