#include "cli/command_line.h"

namespace mv::cli {

std::optional<std::string_view> NamedSubcommand(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--" || a == "--help" || a == "-h" || a == "--version") return std::nullopt;
    bool takes_value = false;
    for (std::string_view o : kGlobalsWithValue) takes_value = takes_value || a == o;
    if (takes_value) {
      ++i;
      continue;
    }
    if (!a.empty() && a[0] == '-') continue;
    return a;
  }
  return std::nullopt;
}

bool AsksOnlyForVersion(int argc, char** argv) {
  return argc == 2 && std::string_view(argv[1]) == "--version";
}

}  // namespace mv::cli
