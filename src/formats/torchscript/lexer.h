// Tokens of Python-subset source (TorchScript code files, torch.fx generated code): dotted
// names, decoded string literals and single punctuation characters, with positions. Comments
// and whitespace are dropped; nothing is evaluated. Linear in the input.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mv::formats::pylex {

struct Tok {
  enum Kind : uint8_t { kName, kStr, kOther } kind;
  std::string text;  // dotted name ("torch.nn.functional.relu"), decoded string, or the character
  size_t pos;
  size_t col = 0;   // column of pos in its line
  size_t line = 0;  // 0-based line of pos
};

struct Lexed {
  std::vector<Tok> toks;
  // Each bracket's partner (toks.size() when it has none), so scans can skip nested groups.
  std::vector<size_t> match;
  bool unterminated_string = false;  // a literal ran to the end of its line or of the text
  bool unbalanced = false;           // a bracket without its partner
};

// `attributes_after_calls`: a name after a `.` that follows a bracket (`f(x).system`,
// `y[0].__class__`) is a name token too (else its characters are single tokens, which the
// TorchScript reader, looking for dotted names only, never mistakes for a builtin).
Lexed Lex(std::string_view s, bool attributes_after_calls = false);

bool Opens(const Tok& t);
bool Closes(const Tok& t);

// The line around pos, at most 80 bytes before it and 200 in all, without leading spaces.
std::string LineAt(std::string_view s, size_t pos);

}  // namespace mv::formats::pylex
