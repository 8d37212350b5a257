// Fuzzes the Python tokenizer, reader and detector on arbitrary text: no crash, no hang, and
// tokens stay inside the input with lines that never go back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "inventory/code_detect.h"
#include "inventory/python_reader.h"
#include "inventory/python_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mv::inventory;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  PyTokens t = TokenizePython(text);
  if (t.tokens.empty() || t.tokens.back().kind != PyTok::kEnd) std::abort();
  uint32_t line = 0;
  for (const PyToken& k : t.tokens) {
    if (k.begin > k.end || k.end > size || k.line < line) std::abort();
    line = k.line;
    if (k.kind == PyTok::kString && k.value >= t.strings.size()) std::abort();
    if (k.kind == PyTok::kFString && k.value >= t.fstrings.size()) std::abort();
  }
  Program p = ReadPython(text);
  FileFindings f;
  DetectCalls(
      p, Rules::Embedded(), [](std::string_view) { return false; }, f);
  for (const auto& m : f.models)
    if (m.id.empty() || m.provider.empty()) std::abort();
  return 0;
}
