// Model references in configuration documents (config_reader.h): string values under the
// [config] keys of data/inventory.toml (model_name_or_path, base_model, _name_or_path, …) read
// as hub ids; upper-case keys and "NAME=value" strings are environment assignments
// (env_detect.h). Templated values (${VAR}, {{ var }}) are dynamic references.
#pragma once

#include "inventory/config_reader.h"
#include "inventory/findings.h"
#include "inventory/rules.h"

namespace mv::inventory {

void DetectConfig(const ConfigDoc& doc, const Rules& rules, const LocalCheck& local,
                  FileFindings& out);

}  // namespace mv::inventory
