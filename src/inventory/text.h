// Small text helpers shared by the inventory readers and renderers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/text.h"  // LowerAscii

namespace mv::inventory {

// Appends code point `cp` as UTF-8 (invalid code points become U+FFFD).
void AppendUtf8(std::string& out, uint32_t cp);

// Whitespace runs (spaces, tabs, newlines) become one space; the result is cut to `max` bytes
// (on a UTF-8 boundary) with "…" appended when cut. For one-line excerpts of source text.
std::string OneLine(std::string_view s, size_t max);

// Shell-style glob on whole strings: `*` any run, `?` one character. Case-sensitive.
bool Glob(std::string_view pattern, std::string_view s);

}  // namespace mv::inventory
