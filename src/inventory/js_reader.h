// Reads JavaScript/TypeScript source into the program form (ir.h): ES imports (default,
// namespace, named with aliases), require()/import() destructuring, const/let/var and plain
// assignments (also `this.x = …`), function and arrow parameters, and every call (`new` too)
// with its arguments; an object-literal argument also supplies keyword arguments
// (`create({ model: "gpt-4o" })`). Bindings are file-wide (Program::flat): JS block scoping is
// not modelled, so a name takes every value it is given anywhere in the file. TypeScript
// annotations, JSX and anything else not understood are skipped token by token.
#pragma once

#include <string_view>

#include "inventory/ir.h"

namespace mv::inventory {

// `source` must outlive the returned program. `relevance` as for ReadPython (module names are
// the string literals of the file: import specifiers and require() arguments).
Program ReadJs(std::string_view source, const Relevance* relevance = nullptr);

}  // namespace mv::inventory
