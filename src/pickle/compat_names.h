// The Python-2 -> Python-3 name maps that CPython's Unpickler applies in find_class when the
// pickle protocol is < 3 and fix_imports is on (the default). The tables are generated from
// _compat_pickle (compat_tables.h, gen_compat_names.py); the lookup is compat_names.cc.
#pragma once

#include <string_view>
#include <utility>
#include <vector>

namespace mv::pickle {

struct NameMapEntry {
  std::string_view module, name, module3, name3;
};
struct ModuleMapEntry {
  std::string_view module, module3;
};
// The tables as generated (for tests): NAME_MAPPING sorted by (module, name), IMPORT_MAPPING by
// module.
std::vector<NameMapEntry> Py2NameMapping();
std::vector<ModuleMapEntry> Py2ImportMapping();

// (module, name) as find_class sees them after fix_imports: NAME_MAPPING first, then
// IMPORT_MAPPING on the module alone. Each view is into the tables or into the arguments.
std::pair<std::string_view, std::string_view> MapPy2Name(std::string_view module,
                                                         std::string_view name);

}  // namespace mv::pickle
