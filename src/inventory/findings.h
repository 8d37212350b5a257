// What the per-file detectors report: model references with their provider and line, and
// references whose id is only known at run time. Paths are added by the tree walk.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "inventory/rules.h"

namespace mv::inventory {

struct Found {
  std::string provider;
  std::string id;
  Category category = Category::kSelfHosted;
  std::string revision;  // "" when not pinned
  bool remote_code = false;
  uint32_t line = 0;
  std::string via;
};

struct DynamicFound {
  uint32_t line = 0;
  std::string text;  // the call or assignment, on one line
  std::string via;
};

struct FileFindings {
  std::vector<Found> models;
  std::vector<DynamicFound> dynamic;
  std::string limit;  // "" or the limit that stopped reading part of the file
};

// True when `candidate` (a would-be ORG/NAME) names a file or directory of the scanned tree,
// relative to the root or to the referencing file: then it is a local path, not a hub id.
using LocalCheck = std::function<bool(std::string_view candidate)>;

}  // namespace mv::inventory
