#include "cli/store_arg.h"

#include <iostream>

#include "core/text.h"

namespace mv::cli {

std::string StorePath(const Globals& g, const std::string& local) {
  if (!local.empty()) return local;
  if (!g.db.empty()) return g.db;
  return store::DefaultDbPath();
}

std::unique_ptr<store::Store> OpenStore(const std::string& where) {
  auto s = store::Open(where);
  if (!s.ok()) {
    std::cerr << "modelvet: " << EscapeText(s.error().message) << "\n";
    return nullptr;
  }
  return std::move(*s);
}

}  // namespace mv::cli
