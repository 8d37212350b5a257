// The GGUF chat-template analyser on arbitrary text: no crash, leak or UB; linear cost; every
// name it reports is non-empty, found inside the template, and its excerpt stays short.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "formats/common/jinja/jinja.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view tmpl(reinterpret_cast<const char*>(data), size);
  for (const auto& use : mv::formats::jinja::SensitiveNames(tmpl)) {
    if (use.name.empty() || use.offset > size) std::abort();
    if (use.excerpt.size() > 1024) std::abort();
  }
  return 0;
}
