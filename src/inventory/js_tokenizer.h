// A JavaScript/TypeScript tokenizer for reading model references (hand-written for the same
// reason as the Python one: no C++ library tokenizes JS, and running node on untrusted trees is
// out of the question). It follows the lexical grammar where it matters for ids: `//` and `/* */`
// comments, '…' and "…" strings with escapes, template literals with nested `${…}`
// expressions, regular-expression literals told apart from division by the previous token,
// and a leading `#!` line. A string left open at the end of its line ends there (JSX text such
// as `<p>Don't</p>` must not swallow the file). It never fails; a limit hit stops it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "inventory/python_tokenizer.h"  // FStringPart: template parts share its shape

namespace mv::inventory {

enum class JsTok : uint8_t {
  kName,  // identifiers, keywords, #private names
  kNumber,
  kString,    // value in JsTokens::strings
  kTemplate,  // parts in JsTokens::templates
  kRegex,     // a regular-expression literal (never an id)
  kPunct,
  kEnd,
};

struct JsToken {
  JsTok kind = JsTok::kEnd;
  uint32_t line = 0;
  uint32_t begin = 0;
  uint32_t end = 0;
  uint32_t value = 0;
};

struct JsTokens {
  std::vector<JsToken> tokens;
  std::vector<std::string> strings;
  std::vector<std::vector<FStringPart>> templates;
  std::string limit;
};

JsTokens TokenizeJs(std::string_view src, uint32_t first_line = 1, int depth = 0);

inline std::string_view TokenText(std::string_view src, const JsToken& t) {
  return src.substr(t.begin, t.end - t.begin);
}

}  // namespace mv::inventory
