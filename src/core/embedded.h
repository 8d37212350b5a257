// Data compiled into the binary (the licence table, the inventory rules) is parsed on first use.
// The build's tests parse the same bytes, so a parse error here is a defect of this build, not
// of anything a user supplied: the process stops with the message rather than carry on without
// the table (the one place library code ends the process, like an assertion).
#pragma once

#include <string_view>
#include <utility>

#include "core/result.h"

namespace mv {

[[noreturn]] void EmbeddedDataDefect(std::string_view what, std::string_view message);

// The parsed value of embedded data `what` (a path inside the source tree, for the message).
template <class T>
T EmbeddedOrDie(Result<T> parsed, std::string_view what) {
  if (!parsed.ok()) EmbeddedDataDefect(what, parsed.error().message);
  return std::move(parsed).value();
}

}  // namespace mv
