// A faithful Python tokenizer for reading model references out of source code (no library
// tokenizes Python from C++, and running CPython's own tokenizer would mean running the
// interpreter on untrusted trees). It follows the language's lexical rules: comments, every
// string prefix (r, b, u, f, t and their combinations, any case), single/double and triple
// quoting, escapes, f-strings with nested replacement fields (PEP 701: nested quotes of the same
// kind, format specs with fields of their own), explicit (`\`) and implicit (inside brackets)
// line joining, and the indentation of each logical line. It never fails: malformed input gives
// tokens flagged as such, and a limit hit stops it with `limit` set.
//
// Cost: one pass over the bytes; tokens are 24 bytes each and refer to the source by offset.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mv::inventory {

enum class PyTok : uint8_t {
  kName,     // identifiers and keywords
  kNumber,   // any numeric literal
  kString,   // a (non-f) string or bytes literal; value in PyTokens::strings
  kFString,  // an f-string (or t-string); parts in PyTokens::fstrings
  kOp,       // operators and delimiters; unknown characters are single-character ops
  kNewline,  // end of a logical line (never inside brackets)
  kEnd,      // end of input (always the last token)
};

inline constexpr uint8_t kTokBytes = 1;         // b'' literal: never a model id
inline constexpr uint8_t kTokUnterminated = 2;  // string ran into the end of its line or input

struct PyToken {
  PyTok kind = PyTok::kEnd;
  uint8_t flags = 0;
  uint16_t indent = 0;  // indentation width of the logical line (tabs to multiples of 8)
  uint32_t line = 0;    // line of the first character
  uint32_t begin = 0;   // byte span in the source
  uint32_t end = 0;
  uint32_t value = 0;  // kString: index in strings; kFString: index in fstrings
};

// One piece of an f-string: a literal (escapes decoded) or a replacement field's expression
// source, which the reader tokenizes again (nested f-strings are themselves expressions).
struct FStringPart {
  bool expr = false;
  std::string text;
  uint32_t line = 0;  // line of the first character of `text`
  // A field whose value is inserted as is: no !r/!a conversion, no format spec, no `=`.
  bool plain = true;
};

struct PyTokens {
  std::vector<PyToken> tokens;
  std::vector<std::string> strings;
  std::vector<std::vector<FStringPart>> fstrings;
  std::string limit;  // "" or the limit hit ("limit.inventory-tokens", …), tokens kept so far
};

// Tokenizes `src`; `first_line` numbers its first line (notebook cells, f-string fields).
// `depth` counts f-string nesting for fields tokenized again (kMaxInventoryStringNesting).
PyTokens TokenizePython(std::string_view src, uint32_t first_line = 1, int depth = 0);

// The token's source text (names, numbers, operators).
inline std::string_view TokenText(std::string_view src, const PyToken& t) {
  return src.substr(t.begin, t.end - t.begin);
}

}  // namespace mv::inventory
