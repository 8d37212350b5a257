// Display-safe text for bytes an attacker chose (argv, paths, URLs, host names, exception text).
// TODO(issue 8): replace with the project's shared escaping function once it lands.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mv::reproduce {

// Valid, printable UTF-8 is kept; a backslash becomes `\\`; control characters (C0, DEL, C1),
// bidirectional overrides and isolates, and bytes that are not valid UTF-8 become `\xNN` /
// `\u{NNNN}`. The result is safe on a terminal and valid in JSON. At most `max_bytes` of input
// are shown; the rest is replaced by `…`.
std::string DisplayText(std::string_view bytes, size_t max_bytes = 1024);

// Shell-like rendering of an argv for a reader: words without special characters stay bare,
// others are single-quoted; then DisplayText.
std::string DisplayArgv(const std::vector<std::string>& argv);

}  // namespace mv::reproduce
