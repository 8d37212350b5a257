// Escaping of text from the scanned tree (paths, ids, source excerpts) before it reaches a
// terminal. TODO(issue 8): replace with the shared escaping function for untrusted text once
// it lands; this local one exists so the inventory never prints raw attacker bytes meanwhile.
#pragma once

#include <string>
#include <string_view>

namespace mv::inventory {

// Control characters (C0, DEL, C1), bidirectional overrides and isolates, and bytes that are
// not valid UTF-8 become \xNN / \u{NNNN}; a backslash becomes "\\". Printable UTF-8 is kept.
std::string EscapeForTerminal(std::string_view s);

// Valid UTF-8 for JSON writers: invalid bytes become U+FFFD.
std::string ValidUtf8(std::string_view s);

}  // namespace mv::inventory
