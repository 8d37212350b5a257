// NAME=value assignments that name models: Dockerfile ENV/ARG, shell variables and `export`,
// .env files, "NAME=value" strings in configs. The variable's name selects the [[env]] rule
// (data/inventory.toml) and with it the provider; the value must read as an id of that rule.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "inventory/findings.h"
#include "inventory/rules.h"

namespace mv::inventory {

// What a value can be: literal texts, and whether it can also be something known only at
// run time (an unset variable, a command substitution).
struct Possible {
  std::vector<std::string> literals;
  bool dynamic = false;
};

void DetectAssignment(std::string_view name, const Possible& value, uint32_t line,
                      std::string_view excerpt, const Rules& rules, const LocalCheck& local,
                      FileFindings& out);

// Splits "NAME=value" (NAME a shell-style variable name); false when `text` is not one.
bool SplitAssignment(std::string_view text, std::string_view* name, std::string_view* value);

}  // namespace mv::inventory
