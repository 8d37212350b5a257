// Fuzzes the JavaScript/TypeScript tokenizer, reader and detector on arbitrary text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "inventory/code_detect.h"
#include "inventory/js_reader.h"
#include "inventory/js_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mv::inventory;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  JsTokens t = TokenizeJs(text);
  if (t.tokens.empty() || t.tokens.back().kind != JsTok::kEnd) std::abort();
  for (const JsToken& k : t.tokens) {
    if (k.begin > k.end || k.end > size) std::abort();
    if (k.kind == JsTok::kString && k.value >= t.strings.size()) std::abort();
    if (k.kind == JsTok::kTemplate && k.value >= t.templates.size()) std::abort();
  }
  Program p = ReadJs(text);
  FileFindings f;
  DetectCalls(
      p, Rules::Embedded(), [](std::string_view) { return false; }, f);
  return 0;
}
