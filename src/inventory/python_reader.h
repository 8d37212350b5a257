// Reads Python source into the program form (ir.h): statements with their indentation, def/
// class/lambda/comprehension scopes, imports and aliases, assignments (chained, annotated,
// augmented, unpacking, attribute targets such as `self.x`), loop variables, parameters with
// their defaults, and every call with its positional and keyword arguments, including calls
// nested in arguments, f-string fields and decorators. Syntax it does not understand is
// skipped token by token within the logical line, so calls after an error are still found.
#pragma once

#include <string_view>

#include "inventory/ir.h"

namespace mv::inventory {

// `source` must outlive the returned program (expressions point into it). With `relevance`,
// a source that cannot hold a reference is tokenized only (the program has no calls).
Program ReadPython(std::string_view source, const Relevance* relevance = nullptr);

}  // namespace mv::inventory
