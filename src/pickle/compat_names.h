// The Python-2 -> Python-3 name maps that CPython's Unpickler applies in find_class when the
// pickle protocol is < 3 and fix_imports is on (the default). Generated from _compat_pickle.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mv::pickle {

struct NameMapEntry {
  const char* module;
  const char* name;
  const char* module3;
  const char* name3;
};
struct ModuleMapEntry {
  const char* module;
  const char* module3;
};

const std::vector<NameMapEntry>& Py2NameMapping();
const std::vector<ModuleMapEntry>& Py2ImportMapping();

// (module, name) as find_class sees them after fix_imports: NAME_MAPPING first, then
// IMPORT_MAPPING on the module alone. Each view is into the tables or into the arguments.
std::pair<std::string_view, std::string_view> MapPy2Name(std::string_view module,
                                                         std::string_view name);

}  // namespace mv::pickle
