// Small text helpers shared by the inventory readers and renderers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/text.h"  // AppendUtf8, Glob, LowerAscii

namespace mv::inventory {

// Whitespace runs (spaces, tabs, newlines) become one space; the result is cut to `max` bytes
// (on a UTF-8 boundary) with "…" appended when cut. For one-line excerpts of source text.
std::string OneLine(std::string_view s, size_t max);

}  // namespace mv::inventory
