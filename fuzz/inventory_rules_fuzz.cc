// Fuzzes the loader of the inventory's detection rules (data/inventory.toml's schema): any
// text loads or fails with an error; a loaded rule set answers lookups.
#include <cstddef>
#include <cstdint>
#include <string>

#include "inventory/rules.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mv::inventory;
  std::string text(reinterpret_cast<const char*>(data), size);
  auto r = Rules::Parse(text, "fuzz.toml");
  if (!r.ok()) return 0;
  int index = -1;
  (void)r->MatchCall({"transformers.AutoModel.from_pretrained", "a..b", "", "**"}, -1, &index);
  (void)r->MatchEnv("MODEL_ID");
  (void)r->IsConfigKey({"model", "name"});
  (void)r->KindOf("x.py", "#!/usr/bin/env -S python3 -u");
  return 0;
}
