// Fuzzes the rule loader: arbitrary text as a rule file must load or fail with an error, never
// crash; a loaded knowledge base must answer lookups.
#include <cstddef>
#include <cstdint>
#include <string>

#include "kb/kb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto kb = mv::kb::KnowledgeBase::FromStrings({{"fuzz.toml", text}});
  if (!kb.ok()) return 0;
  const auto& k = **kb;
  for (const char* name : {"os.system", "posix.system", "a.b.c.__globals__", "x", "", "a..b"}) {
    (void)k.Match(name);
    (void)k.Canonical(name);
  }
  (void)k.MatchFeature("tf.op", "ReadFile");
  (void)k.MatchFeature("onnx.external-data", "../../x");
  return 0;
}
