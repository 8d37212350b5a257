// Fuzzes the other inventory readers (notebooks, JSON/YAML/TOML configs, shell scripts,
// Dockerfiles): the first byte picks the reader, the rest is the file.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "inventory/inventory.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mv::inventory;
  if (size == 0) return 0;
  static const FileKind kKinds[] = {FileKind::kNotebook, FileKind::kJson,  FileKind::kYaml,
                                    FileKind::kToml,     FileKind::kShell, FileKind::kDockerfile};
  FileKind kind = kKinds[data[0] % 6];
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  SourceResult r =
      ReadSource(kind, text, "fuzz", Rules::Embedded(), [](std::string_view) { return false; });
  for (const auto& m : r.models)
    if (m.id.empty() || m.references.size() != 1) std::abort();
  return 0;
}
