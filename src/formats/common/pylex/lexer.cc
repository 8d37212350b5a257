#include "formats/common/pylex/lexer.h"

#include <algorithm>
#include <set>

#include "core/text.h"

namespace mv::formats::pylex {

namespace {

bool IdStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool Digit(char c) {
  return c >= '0' && c <= '9';
}
bool IdChar(char c) {
  return IdStart(c) || Digit(c);
}
bool Blank(char c) {
  return c == ' ' || c == '\t' || c == '\f' || c == '\v' || c == '\r';
}
bool Octal(char c) {
  return c >= '0' && c <= '7';
}

// Characters a token may start with besides names, numbers, strings and brackets.
bool Punct(char c) {
  static constexpr std::string_view kPunct = "+-*/%&|^~<>=!.,:;@";
  return kPunct.find(c) != std::string_view::npos;
}

bool Keyword(const std::string& w) {
  static const std::set<std::string> k = {"return", "and",  "or",    "not",    "in",       "is",
                                          "if",     "elif", "else",  "while",  "for",      "assert",
                                          "yield",  "del",  "raise", "await",  "lambda",   "import",
                                          "from",   "with", "as",    "global", "nonlocal", "pass"};
  return k.count(w) > 0;
}

// Reads a string literal whose quote is s[i] (an r/b/u/f prefix was consumed by the caller);
// returns the index after it and the decoded text. Escapes are decoded as Python does (\n \t
// \r \a \b \f \v, \xNN, 1-3 octal digits; an unknown escape keeps its backslash), except a
// backslash before a newline: Python drops both, TorchScript keeps the newline. `closed` is
// false when a one-line literal ends at a newline or any literal at the end of the text.
size_t ReadString(std::string_view s, size_t i, bool raw, Dialect d, std::string& out,
                  bool& closed) {
  char q = s[i];
  bool triple = s.substr(i, 3) == std::string(3, q);
  size_t j = i + (triple ? 3 : 1);
  closed = false;
  while (j < s.size()) {
    if (s[j] == '\\' && j + 1 < s.size()) {
      char e = s[j + 1];
      j += 2;
      if (raw) {
        out.push_back('\\');
        out.push_back(e);
        continue;
      }
      switch (e) {
        case 'n': out.push_back('\n'); break;
        case 't': out.push_back('\t'); break;
        case 'r': out.push_back('\r'); break;
        case 'a': out.push_back('\a'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'v': out.push_back('\v'); break;
        case '\\':
        case '\'':
        case '"': out.push_back(e); break;
        case '\n':
          if (d == Dialect::kTorchScript) out.push_back('\n');
          break;
        case 'x': {
          auto hex = [](char c) {
            return c >= '0' && c <= '9'   ? c - '0'
                   : c >= 'a' && c <= 'f' ? c - 'a' + 10
                   : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                          : -1;
          };
          if (j + 1 < s.size() && hex(s[j]) >= 0 && hex(s[j + 1]) >= 0) {
            out.push_back(static_cast<char>(hex(s[j]) * 16 + hex(s[j + 1])));
            j += 2;
          } else {
            out += "\\x";
          }
          break;
        }
        default:
          if (Octal(e)) {
            int v = e - '0';
            for (int k = 0; k < 2 && j < s.size() && Octal(s[j]); ++k) v = v * 8 + (s[j++] - '0');
            out.push_back(static_cast<char>(v & 0xff));
          } else {
            out.push_back('\\');
            out.push_back(e);
          }
      }
      continue;
    }
    if (triple ? s.substr(j, 3) == std::string(3, q) : s[j] == q) {
      closed = true;
      break;
    }
    if (!triple && s[j] == '\n') break;
    out.push_back(s[j++]);
  }
  return std::min(s.size(), j + (closed ? (triple ? 3 : 1) : 0));
}

// Whether a token ends an expression, so a `(` after it calls it (else the `(` groups).
bool ExprEnd(const Tok& t) {
  if (t.kind == Tok::kName) return !Keyword(t.text);
  if (t.kind == Tok::kStr) return true;
  return t.text == ")" || t.text == "]" || t.text == "}";
}

bool IsOther(const Tok& t, const char* text) {
  return t.kind == Tok::kOther && t.text == text;
}

// Folds what names a name without calling anything: a name in grouping parentheses is the
// name, an attribute after it joins it, and (TorchScript) getattr(<name>, "attr") is
// <name>.attr. One pass with a stack of open brackets: linear.
std::vector<Tok> Fold(std::vector<Tok> in, Dialect d) {
  std::vector<Tok> out;
  out.reserve(in.size());
  std::vector<size_t> open;  // indices in `out` of unclosed brackets
  auto push_name = [&](Tok t) {
    size_t n = out.size();
    if (t.attribute && n >= 2 && IsOther(out[n - 1], ".") && out[n - 2].kind == Tok::kName &&
        !Keyword(out[n - 2].text)) {
      out.pop_back();
      out.back().text += "." + t.text;
      return;
    }
    out.push_back(std::move(t));
  };
  for (Tok& t : in) {
    if (Opens(t)) {
      open.push_back(out.size());
      out.push_back(std::move(t));
      continue;
    }
    if (IsOther(t, ")") && !open.empty() && IsOther(out[open.back()], "(")) {
      size_t p = open.back();
      size_t inner = out.size() - p - 1;
      bool grouping = p == 0 || !ExprEnd(out[p - 1]);
      if (grouping && inner == 1 && out[p + 1].kind == Tok::kName && !Keyword(out[p + 1].text)) {
        Tok name = std::move(out[p + 1]);
        out.resize(p);
        open.pop_back();
        push_name(std::move(name));
        continue;
      }
      bool getattr = d == Dialect::kTorchScript && !grouping && p >= 1 &&
                     out[p - 1].kind == Tok::kName && out[p - 1].text == "getattr" &&
                     !out[p - 1].attribute && (inner == 3 || inner == 4) &&
                     out[p + 1].kind == Tok::kName && !Keyword(out[p + 1].text) &&
                     IsOther(out[p + 2], ",") && out[p + 3].kind == Tok::kStr &&
                     (inner == 3 || IsOther(out[p + 4], ",")) && !out[p + 3].text.empty() &&
                     std::all_of(out[p + 3].text.begin(), out[p + 3].text.end(), IdChar);
      if (getattr) {
        Tok name = std::move(out[p + 1]);
        name.text += "." + out[p + 3].text;
        name.pos = out[p - 1].pos;
        name.col = out[p - 1].col;
        name.line = out[p - 1].line;
        name.attribute = out[p - 1].attribute;
        out.resize(p - 1);
        open.pop_back();
        push_name(std::move(name));
        continue;
      }
    }
    if (Closes(t) && !open.empty()) open.pop_back();
    if (t.kind == Tok::kName) {
      push_name(std::move(t));
    } else {
      out.push_back(std::move(t));
    }
  }
  return out;
}

}  // namespace

bool Opens(const Tok& t) {
  return t.kind == Tok::kOther && (t.text == "(" || t.text == "[" || t.text == "{");
}
bool Closes(const Tok& t) {
  return t.kind == Tok::kOther && (t.text == ")" || t.text == "]" || t.text == "}");
}

std::string LineAt(std::string_view s, size_t pos) {
  size_t lo = pos > 80 ? pos - 80 : 0;
  size_t b = std::min(pos, s.size());
  while (b > lo && s[b - 1] != '\n') --b;
  size_t e = b, hi = std::min(s.size(), b + 200);
  while (e < hi && s[e] != '\n') ++e;
  std::string line(s.substr(b, e - b));
  size_t k = line.find_first_not_of(' ');
  return k == std::string::npos ? line : line.substr(k);
}

Lexed Lex(std::string_view s, Dialect dialect) {
  Lexed out;
  auto problem = [&](const std::string& why, size_t at) {
    if (out.problem.empty()) {
      out.problem = why;
      out.problem_pos = at;
    }
  };
  if (size_t nul = s.find('\0'); nul != std::string_view::npos) problem("a NUL byte", nul);
  if (!IsValidUtf8(s)) {
    size_t k = 0;
    uint32_t cp = 0;
    while (k < s.size()) {
      size_t n = Utf8SequenceAt(s, k, &cp);
      if (n == 0) break;
      k += n;
    }
    problem("bytes that are not UTF-8", k);
  }
  std::vector<Tok> toks;
  size_t i = 0, line = 0, lineno = 0;  // line: where the current line starts
  size_t depth = 0;                    // open brackets: newlines inside them join lines
  auto push = [&](Tok t) {
    t.col = t.pos - line;
    t.line = lineno;
    toks.push_back(std::move(t));
  };
  // Newlines inside a token or a joined name: the next token's line starts after the last.
  auto past = [&](size_t from, size_t to) {
    for (size_t k = from; k < to; ++k) {
      if (s[k] == '\n') {
        line = k + 1;
        ++lineno;
      }
    }
  };
  // A backslash-newline (or backslash-CR-LF) at k: its length, else 0.
  auto continuation = [&](size_t k) -> size_t {
    if (k >= s.size() || s[k] != '\\') return 0;
    if (k + 1 < s.size() && s[k + 1] == '\n') return 2;
    if (k + 2 < s.size() && s[k + 1] == '\r' && s[k + 2] == '\n') return 3;
    return 0;
  };
  // What may stand between the parts of a dotted name: blanks, line continuations and,
  // inside brackets, newlines and comments.
  auto gap = [&](size_t k) {
    while (k < s.size()) {
      if (Blank(s[k])) {
        ++k;
      } else if (size_t c = continuation(k)) {
        k += c;
        out.continuation = true;
      } else if (depth > 0 && s[k] == '\n') {
        ++k;
      } else if (depth > 0 && s[k] == '#') {
        size_t e = s.find('\n', k);
        k = e == std::string_view::npos ? s.size() : e;
      } else {
        break;
      }
    }
    return k;
  };
  auto string_at = [&](size_t start, size_t quote, bool raw) {
    Tok t{Tok::kStr, "", start};
    bool closed = true;
    i = ReadString(s, quote, raw, dialect, t.text, closed);
    if (!closed) {
      out.unterminated_string = true;
      problem("a string literal is not terminated", start);
    }
    push(std::move(t));
    past(quote, i);
  };
  while (i < s.size()) {
    char c = s[i];
    if (c == '\n') {
      line = i + 1;
      ++lineno;
      ++i;
      continue;
    }
    if (Blank(c) || c == '\0') {
      ++i;
      continue;
    }
    if (c == '#') {
      size_t e = s.find('\n', i);
      i = e == std::string_view::npos ? s.size() : e;
      continue;
    }
    if (size_t n = continuation(i)) {
      out.continuation = true;
      past(i, i + n);
      i += n;
      continue;
    }
    if (c == '"' || c == '\'') {
      string_at(i, i, false);
      continue;
    }
    if (Digit(c) || (c == '.' && i + 1 < s.size() && Digit(s[i + 1]))) {
      // A number, one token: 12, 0x1F, 1.5e-3, 3j.
      size_t j = i + 1;
      while (j < s.size() &&
             (IdChar(s[j]) || s[j] == '.' ||
              ((s[j] == '+' || s[j] == '-') && (s[j - 1] == 'e' || s[j - 1] == 'E') &&
               s.substr(i, 2) != "0x" && s.substr(i, 2) != "0X"))) {
        ++j;
      }
      push({Tok::kOther, std::string(s.substr(i, j - i)), i});
      i = j;
      continue;
    }
    if (IdStart(c)) {
      size_t j = i;
      while (j < s.size() && IdChar(s[j])) ++j;
      std::string word(s.substr(i, j - i));
      // String prefixes: r'…', b"…", f'…'.
      if (j < s.size() && (s[j] == '\'' || s[j] == '"') && word.size() <= 2 &&
          word.find_first_not_of("rRbBuUfF") == std::string::npos) {
        string_at(i, j, word.find_first_of("rR") != std::string::npos);
        continue;
      }
      Tok t{Tok::kName, std::move(word), i};
      t.attribute = !toks.empty() && IsOther(toks.back(), ".");
      t.col = i - line;
      t.line = lineno;
      // `.part` after the name, however it is spaced or continued.
      size_t end = j;
      while (true) {
        size_t k = gap(end);
        if (k >= s.size() || s[k] != '.') break;
        size_t b = gap(k + 1);
        if (b >= s.size() || !IdStart(s[b])) break;
        size_t e = b;
        while (e < s.size() && IdChar(s[e])) ++e;
        t.text += '.';  // appended piecewise: GCC 12 -O3 -Wrestrict misreads "." + string
        t.text.append(s.substr(b, e - b));
        end = e;
      }
      toks.push_back(std::move(t));
      past(j, end);
      i = end;
      continue;
    }
    if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if (c == ')' || c == ']' || c == '}') {
      if (depth > 0) --depth;
    } else if (c == '\\') {
      problem("a backslash that does not end its line", i);
    } else if (!Punct(c)) {
      problem("a character no token starts with", i);
      // A multi-byte character is one token, not one per byte.
      size_t j = i + 1;
      while (j < s.size() && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) ++j;
      push({Tok::kOther, std::string(s.substr(i, j - i)), i});
      i = j;
      continue;
    }
    push({Tok::kOther, std::string(1, c), i});
    ++i;
  }
  out.toks = Fold(std::move(toks), dialect);
  // Each bracket's partner: every token is scanned by one argument scan at most.
  out.match.assign(out.toks.size(), out.toks.size());
  std::vector<size_t> open;
  for (size_t k = 0; k < out.toks.size(); ++k) {
    if (Opens(out.toks[k])) {
      open.push_back(k);
    } else if (Closes(out.toks[k])) {
      if (open.empty()) {
        out.unbalanced = true;
        problem("brackets do not balance", out.toks[k].pos);
        continue;
      }
      out.match[open.back()] = k;
      open.pop_back();
    }
  }
  if (!open.empty()) {
    out.unbalanced = true;
    problem("brackets do not balance", out.toks[open.back()].pos);
  }
  return out;
}

}  // namespace mv::formats::pylex
