#include "formats/torchscript/lexer.h"

#include <algorithm>

namespace mv::formats::pylex {

namespace {

bool IsIdent(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         (!first && ((c >= '0' && c <= '9') || c == '.'));
}

// Reads a string literal at s[i] (optional r/b/u/f prefix already consumed by the caller);
// returns the index after it and the decoded text (escapes \n \t \\ \' \" \xNN kept simple).
// `closed` is false when the literal ends at a newline or at the end of the text.
size_t ReadString(std::string_view s, size_t i, bool raw, std::string& out, bool& closed) {
  char q = s[i];
  bool triple = s.substr(i, 3) == std::string(3, q);
  size_t j = i + (triple ? 3 : 1);
  closed = false;
  while (j < s.size()) {
    if (s[j] == '\\' && j + 1 < s.size()) {
      char e = s[j + 1];
      if (raw) {
        out.push_back('\\');
        out.push_back(e);
      } else {
        switch (e) {
          case 'n': out.push_back('\n'); break;
          case 't': out.push_back('\t'); break;
          case 'r': out.push_back('\r'); break;
          case '0': out.push_back('\0'); break;
          default: out.push_back(e);
        }
      }
      j += 2;
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

Lexed Lex(std::string_view s, bool attributes_after_calls) {
  Lexed out;
  std::vector<Tok>& toks = out.toks;
  size_t i = 0, line = 0, lineno = 0;  // line: where the current line starts
  auto push = [&](Tok t) {
    t.col = t.pos - line;
    t.line = lineno;
    toks.push_back(std::move(t));
  };
  // A string literal may span lines: the next token's line starts after its last newline.
  auto past = [&](size_t from, size_t to) {
    for (size_t k = from; k < to; ++k) {
      if (s[k] == '\n') {
        line = k + 1;
        ++lineno;
      }
    }
  };
  while (i < s.size()) {
    char c = s[i];
    if (c == '\n') {
      line = i + 1;
      ++lineno;
    }
    if (c == '#') {
      size_t e = s.find('\n', i);
      i = e == std::string_view::npos ? s.size() : e;
      continue;
    }
    if (c == '"' || c == '\'') {
      Tok t{Tok::kStr, "", i};
      size_t from = i;
      bool closed = true;
      i = ReadString(s, i, false, t.text, closed);
      out.unterminated_string = out.unterminated_string || !closed;
      push(std::move(t));
      past(from, i);
      continue;
    }
    bool after_dot = attributes_after_calls && i > 0 && s[i - 1] == '.' && !toks.empty() &&
                     toks.back().kind == Tok::kOther && toks.back().pos == i - 1;
    if (IsIdent(c, true) && (i == 0 || !IsIdent(s[i - 1], false) || after_dot)) {
      size_t j = i;
      while (j < s.size() && IsIdent(s[j], false)) ++j;
      std::string word(s.substr(i, j - i));
      // String prefixes: r'…', b"…", f'…'.
      if (j < s.size() && (s[j] == '\'' || s[j] == '"') && word.size() <= 2 &&
          word.find_first_not_of("rRbBuUfF") == std::string::npos) {
        Tok t{Tok::kStr, "", i};
        bool closed = true;
        i = ReadString(s, j, word.find_first_of("rR") != std::string::npos, t.text, closed);
        out.unterminated_string = out.unterminated_string || !closed;
        push(std::move(t));
        past(j, i);
        continue;
      }
      push({Tok::kName, std::move(word), i});
      i = j;
      continue;
    }
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') push({Tok::kOther, std::string(1, c), i});
    ++i;
  }
  // Each bracket's partner: every token is scanned by one argument scan at most.
  out.match.assign(toks.size(), toks.size());
  std::vector<size_t> open;
  for (size_t k = 0; k < toks.size(); ++k) {
    if (Opens(toks[k])) {
      open.push_back(k);
    } else if (Closes(toks[k])) {
      if (open.empty()) {
        out.unbalanced = true;
        continue;
      }
      out.match[open.back()] = k;
      open.pop_back();
    }
  }
  if (!open.empty()) out.unbalanced = true;
  return out;
}

}  // namespace mv::formats::pylex
