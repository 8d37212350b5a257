// JSON text of documents that hold untrusted strings (file names, evidence, hub fields, review
// notes). Used for every JSON modelvet writes, instead of nlohmann's dump(), which throws on
// bytes that are not UTF-8 and recurses once per nesting level.
//
// Encoding (documented in docs/cli.md): strings are UTF-8; a byte that is not part of valid
// UTF-8 is written as the lone surrogate escape \udcXX (XX = the byte, 80-ff), as Python's
// `surrogateescape` does. `json.loads(text)` then gives a str whose
// `.encode("utf-8", "surrogateescape")` is the original bytes (`os.fsencode` for paths), so
// nothing is lost and the document always parses. Everything else matches dump(indent).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace mv::report {

// indent < 0: compact; otherwise pretty-printed with `indent` spaces (as dump(indent)).
// Iterative: any nesting depth costs heap, never stack.
std::string JsonText(const nlohmann::ordered_json& j, int indent = -1);
std::string JsonText(const nlohmann::json& j, int indent = -1);

// One JSON string literal (with quotes) in the encoding above.
std::string JsonString(std::string_view s);

}  // namespace mv::report
