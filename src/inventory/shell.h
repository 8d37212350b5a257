// POSIX shell command lines split into words, the way a shell would before running them:
// quoting ('…', "…", \x), comments, line continuations, command separators (newline ; & && ||
// | and subshell parentheses), here-documents (their bodies are data, not commands), and
// parameter expansions kept as parts so a detector can substitute what it knows ($VAR,
// ${VAR}, ${VAR:-default}) and mark the rest ($(…), `…`, $1) as known only at run time.
// Hand-written: no Debian library splits shell words.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mv::inventory {

struct WordPart {
  enum class Kind : uint8_t {
    kLiteral,  // text
    kVar,      // $name / ${name}: text is the name; fallback the ${name:-fallback} text
    kDynamic,  // command substitution, positional parameters, other expansions
  };
  Kind kind = Kind::kLiteral;
  std::string text;
  std::string fallback;
  bool has_fallback = false;
};

struct ShellWord {
  std::vector<WordPart> parts;
  bool quoted = false;          // some part was quoted (a quoted word is never a keyword)
  std::string Literal() const;  // the literal text when every part is literal, else ""
  bool IsLiteral() const;
};

struct ShellCommand {
  std::vector<ShellWord> words;
  uint32_t line = 0;  // line of the first word
};

// Splits a script into simple commands. `first_line` numbers the first line.
std::vector<ShellCommand> SplitShell(std::string_view script, uint32_t first_line = 1);

// Words of one Dockerfile instruction argument in the JSON "exec form" (["a", "b"]), or false
// when `text` is not such an array.
bool SplitExecForm(std::string_view text, std::vector<std::string>* words);

}  // namespace mv::inventory
