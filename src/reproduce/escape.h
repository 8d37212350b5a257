// Display-safe text for bytes an attacker chose (argv, paths, URLs, host names, exception text).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mv::reproduce {

// The project's escape for untrusted text (core/text.h EscapeText: controls, bidirectional and
// invisible characters and bytes that are not valid UTF-8 made visible) of at most `max_bytes`
// of input, cut on a character boundary; the rest is replaced by `…`. The result is safe on a
// terminal and valid UTF-8 (so valid in JSON).
std::string DisplayText(std::string_view bytes, size_t max_bytes = 1024);

// Shell-like rendering of an argv for a reader: words without special characters stay bare,
// others are single-quoted; then DisplayText.
std::string DisplayArgv(const std::vector<std::string>& argv);

}  // namespace mv::reproduce
