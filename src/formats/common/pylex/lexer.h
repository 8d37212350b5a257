// Tokens of Python-subset source (TorchScript code files, torch.fx generated code): dotted
// names, decoded string literals and single punctuation characters, with positions. Comments
// and whitespace are dropped; nothing is evaluated. Linear in the input.
//
// A dotted name is one token however the source spells it, as the real frontends join it:
// `torch . from_file`, `torch.\<newline>from_file`, and, inside brackets, `torch.<newline>
// from_file` or a comment between the parts. A name in grouping parentheses is the name
// (`(torch).from_file`, `((torch.from_file))(…)`); TorchScript's `getattr(<name>, "attr")`
// is `<name>.attr`. What the frontends refuse (NUL bytes, bytes that are not UTF-8, an
// unterminated string, unbalanced brackets, a stray backslash, characters no token starts with)
// is reported in `problem`: the text cannot be read fully.
#pragma once

#include <cstddef>
#include <cstdint>
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
  // A name after a `.` that follows something other than a name (`f(x).system`, `y[0].sum`):
  // an attribute of a value, never a module's function or a builtin.
  bool attribute = false;
};

// The frontend the text is written for: TorchScript (torch.jit.load compiles it: its string
// escapes, `getattr(module, "name")` folded) or Python (fx code is exec'd: Python's escapes;
// getattr stays a call, its checker judges it).
enum class Dialect : uint8_t { kTorchScript, kPython };

struct Lexed {
  std::vector<Tok> toks;
  // Each bracket's partner (toks.size() when it has none), so scans can skip nested groups.
  std::vector<size_t> match;
  bool unterminated_string = false;  // a literal ran to the end of its line or of the text
  bool unbalanced = false;           // a bracket without its partner
  bool continuation = false;         // a backslash joined two lines
  // The first reason the text is not fully readable ("" when it is), and where.
  std::string problem;
  size_t problem_pos = 0;
};

Lexed Lex(std::string_view s, Dialect dialect = Dialect::kTorchScript);

bool Opens(const Tok& t);
bool Closes(const Tok& t);

// The line around pos, at most 80 bytes before it and 200 in all, without leading spaces.
std::string LineAt(std::string_view s, size_t pos);

}  // namespace mv::formats::pylex
