// Configuration documents (JSON, YAML, TOML) read into their string leaves: the path of keys
// leading to each string value and its line. Parsing is done by Debian's libraries
// (nlohmann-json, libyaml's event parser, toml++); YAML aliases are never expanded (no
// alias bombs), and nesting deeper than limits::kMaxJsonDepth stops the read with a limit.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mv::inventory {

struct ConfigLeaf {
  std::vector<std::string> path;  // keys from the root; list items add no key
  std::string value;
  uint32_t line = 0;
};

struct ConfigDoc {
  std::vector<ConfigLeaf> leaves;
  std::string error;   // why the document could not be (fully) read; leaves up to there are kept
  bool limit = false;  // the error is a limit hit
};

ConfigDoc ReadJsonConfig(std::string_view text);
ConfigDoc ReadYamlConfig(std::string_view text);
ConfigDoc ReadTomlConfig(std::string_view text);

}  // namespace mv::inventory
