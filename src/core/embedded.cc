#include "core/embedded.h"

#include <cstdio>
#include <cstdlib>

namespace mv {

void EmbeddedDataDefect(std::string_view what, std::string_view message) {
  std::fprintf(stderr, "modelvet: embedded %.*s: %.*s\n", static_cast<int>(what.size()),
               what.data(), static_cast<int>(message.size()), message.data());
  std::abort();
}

}  // namespace mv
