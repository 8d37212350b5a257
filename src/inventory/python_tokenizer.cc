#include "inventory/python_tokenizer.h"

#include <algorithm>

#include "core/limits.h"
#include "inventory/text.h"

namespace mv::inventory {

namespace {

struct Prefix {
  bool ok = false;
  bool raw = false;
  bool bytes = false;
  bool fmt = false;  // f-string or t-string (PEP 750): both have replacement fields
};

// A valid string prefix: u, r, b, f, t and the two-letter raw combinations, any case (plus
// Python 2's `ur`, still found in old trees).
Prefix ParsePrefix(std::string_view p) {
  Prefix out;
  if (p.empty() || p.size() > 2) return out;
  bool u = false;
  for (char c : p) {
    switch (c | 0x20) {
      case 'r':
        if (out.raw) return Prefix{};
        out.raw = true;
        break;
      case 'b':
        if (out.bytes || out.fmt || u) return Prefix{};
        out.bytes = true;
        break;
      case 'f':
      case 't':
        if (out.fmt || out.bytes || u) return Prefix{};
        out.fmt = true;
        break;
      case 'u':
        if (u || out.bytes || out.fmt || (p.size() == 2 && p[1] != 'r' && p[1] != 'R'))
          return Prefix{};
        u = true;
        break;
      default: return Prefix{};
    }
  }
  out.ok = true;
  return out;
}

bool IsIdStart(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u >= 0x80;
}
bool IsIdChar(char c) {
  return IsIdStart(c) || (c >= '0' && c <= '9');
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') return (c | 0x20) - 'a' + 10;
  return -1;
}

class Lexer {
 public:
  Lexer(std::string_view src, uint32_t first_line, int depth, PyTokens& out)
      : s_(src), out_(out), line_(first_line), depth_(depth) {}

  void Run() {
    const size_t n = s_.size();
    size_t i = 0;
    bool at_line_start = true;
    while (i < n && !stop_) {
      if (at_line_start && brackets_ == 0) {
        size_t j = i;
        int col = 0;
        for (; j < n; ++j) {
          char c = s_[j];
          if (c == ' ') {
            ++col;
          } else if (c == '\t') {
            col = (col / 8 + 1) * 8;
          } else if (c == '\f') {
            col = 0;
          } else {
            break;
          }
        }
        if (j >= n) break;
        if (s_[j] == '#' || s_[j] == '\n' || s_[j] == '\r') {
          // Blank or comment-only line: no logical line, no indentation.
          while (j < n && s_[j] != '\n' && s_[j] != '\r') ++j;
          i = SkipNewline(j);
          continue;
        }
        indent_ = static_cast<uint16_t>(std::min(col, 0xffff));
        i = j;
        at_line_start = false;
      }
      char c = s_[i];
      if (c == ' ' || c == '\t' || c == '\f' || c == '\0') {
        ++i;
        continue;
      }
      if (c == '#') {
        while (i < n && s_[i] != '\n' && s_[i] != '\r') ++i;
        continue;
      }
      if (c == '\\' && i + 1 < n && (s_[i + 1] == '\n' || s_[i + 1] == '\r')) {
        i = SkipNewline(i + 1);  // explicit line joining
        continue;
      }
      if (c == '\n' || c == '\r') {
        if (brackets_ == 0) {
          if (line_has_tokens_) Emit(PyTok::kNewline, i, i, LineAt(i));
          line_has_tokens_ = false;
          at_line_start = true;
        }
        i = SkipNewline(i);
        continue;
      }
      if (IsIdStart(c)) {
        size_t j = i;
        while (j < n && IsIdChar(s_[j])) ++j;
        if (j < n && (s_[j] == '\'' || s_[j] == '"')) {
          Prefix p = ParsePrefix(s_.substr(i, j - i));
          if (p.ok) {
            i = StringToken(i, j, p);
            continue;
          }
        }
        Emit(PyTok::kName, i, j, LineAt(i));
        i = j;
        continue;
      }
      if (IsDigit(c) || (c == '.' && i + 1 < n && IsDigit(s_[i + 1]))) {
        size_t j = i + 1;
        while (j < n && (IsIdChar(s_[j]) || s_[j] == '.')) {
          // An exponent sign belongs to the number (1e-5), except in hex literals (0xe-1).
          bool exp = (s_[j] | 0x20) == 'e' && j + 1 < n && (s_[j + 1] == '+' || s_[j + 1] == '-') &&
                     !(j > i + 1 && (s_[i + 1] | 0x20) == 'x' && s_[i] == '0');
          j += exp ? 2 : 1;
        }
        Emit(PyTok::kNumber, i, j, LineAt(i));
        i = j;
        continue;
      }
      if (c == '\'' || c == '"') {
        i = StringToken(i, i, Prefix{true, false, false, false});
        continue;
      }
      size_t len = OpLength(i);
      if (len == 1) {
        if (c == '(' || c == '[' || c == '{') ++brackets_;
        if ((c == ')' || c == ']' || c == '}') && brackets_ > 0) --brackets_;
      }
      Emit(PyTok::kOp, i, i + len, LineAt(i));
      i += len;
    }
    if (line_has_tokens_ && !stop_) Emit(PyTok::kNewline, n, n, LineAt(n));
    PyToken end;
    end.kind = PyTok::kEnd;
    end.begin = end.end = static_cast<uint32_t>(n);
    end.line = LineAt(n);
    out_.tokens.push_back(end);
  }

 private:
  size_t SkipNewline(size_t i) const {
    if (i < s_.size() && s_[i] == '\r')
      ++i;
    else if (i < s_.size() && s_[i] == '\n')
      return i + 1;
    if (i < s_.size() && s_[i] == '\n' && i > 0 && s_[i - 1] == '\r') ++i;
    return i;
  }

  // Length of the operator at s_[i]: **= //= >>= <<= ... then the two-character ones
  // (** // << >> -> and every `x=`), else 1.
  size_t OpLength(size_t i) const {
    const size_t n = s_.size();
    char c = s_[i];
    char a = i + 1 < n ? s_[i + 1] : '\0';
    char b = i + 2 < n ? s_[i + 2] : '\0';
    if ((c == '*' || c == '/' || c == '>' || c == '<') && a == c && b == '=') return 3;
    if (c == '.' && a == '.' && b == '.') return 3;
    if ((c == '*' || c == '/' || c == '<' || c == '>') && a == c) return 2;
    if (c == '-' && a == '>') return 2;
    if (a == '=' && std::string_view("+-*/%&|^@<>=!:").find(c) != std::string_view::npos) return 2;
    return 1;
  }

  // Line of byte `pos`: "\n", "\r\n" and a lone "\r" each end a line. Calls are mostly
  // monotonic; going back is allowed (f-string parts).
  uint32_t LineAt(size_t pos) {
    pos = std::min(pos, s_.size());
    while (line_pos_ < pos) {
      char c = s_[line_pos_];
      if (c == '\n' || (c == '\r' && (line_pos_ + 1 >= s_.size() || s_[line_pos_ + 1] != '\n')))
        ++line_;
      ++line_pos_;
    }
    while (line_pos_ > pos) {
      --line_pos_;
      char c = s_[line_pos_];
      if (c == '\n' || (c == '\r' && (line_pos_ + 1 >= s_.size() || s_[line_pos_ + 1] != '\n')))
        --line_;
    }
    return line_;
  }

  void Emit(PyTok kind, size_t b, size_t e, uint32_t line, uint32_t value = 0, uint8_t flags = 0) {
    if (stop_) return;
    if (out_.tokens.size() >= limits::kMaxInventoryTokens) {
      out_.limit = "limit.inventory-tokens";
      stop_ = true;
      return;
    }
    PyToken t;
    t.kind = kind;
    t.flags = flags;
    t.indent = indent_;
    t.line = line;
    t.begin = static_cast<uint32_t>(b);
    t.end = static_cast<uint32_t>(e);
    t.value = value;
    out_.tokens.push_back(t);
    if (kind != PyTok::kNewline) line_has_tokens_ = true;
  }

  size_t StringToken(size_t start, size_t quote, const Prefix& p) {
    uint32_t line = LineAt(start);
    bool unterminated = false;
    std::string value;
    std::vector<FStringPart> parts;
    size_t end = ScanString(quote, p, depth_, &value, p.fmt ? &parts : nullptr, &unterminated);
    uint8_t flags =
        static_cast<uint8_t>((p.bytes ? kTokBytes : 0) | (unterminated ? kTokUnterminated : 0));
    if (p.fmt) {
      out_.fstrings.push_back(std::move(parts));
      Emit(PyTok::kFString, start, end, line, static_cast<uint32_t>(out_.fstrings.size() - 1),
           flags);
    } else {
      out_.strings.push_back(std::move(value));
      Emit(PyTok::kString, start, end, line, static_cast<uint32_t>(out_.strings.size() - 1), flags);
    }
    return end;
  }

  // Scans the literal whose opening quote is at `q`; returns the offset after it. `parts` (for
  // f-strings) receives literals and fields; nullptr skips (nested strings inside a field).
  size_t ScanString(size_t q, const Prefix& p, int depth, std::string* value,
                    std::vector<FStringPart>* parts, bool* unterminated) {
    const size_t n = s_.size();
    const char quote = s_[q];
    const bool triple = q + 2 < n && s_[q + 1] == quote && s_[q + 2] == quote;
    size_t i = q + (triple ? 3 : 1);
    std::string lit;
    size_t lit_start = i;
    auto flush = [&] {
      if (parts && !lit.empty()) parts->push_back({false, lit, LineAt(lit_start), true});
      if (parts) lit.clear();
    };
    while (i < n) {
      char c = s_[i];
      if (c == quote) {
        if (!triple) {
          flush();
          if (value) *value = std::move(lit);
          return i + 1;
        }
        if (i + 2 < n && s_[i + 1] == quote && s_[i + 2] == quote) {
          flush();
          if (value) *value = std::move(lit);
          return i + 3;
        }
      }
      if ((c == '\n' || c == '\r') && !triple) break;
      if (lit.empty()) lit_start = i;
      if (c == '\\' && i + 1 < n) {
        if (p.raw) {
          // A raw string keeps the backslash; it still escapes the quote and the newline.
          lit += c;
          lit += s_[i + 1];
          i += 2;
          continue;
        }
        i = DecodeEscape(i, lit, p.bytes);
        continue;
      }
      if (p.fmt && (c == '{' || c == '}')) {
        if (i + 1 < n && s_[i + 1] == c) {
          lit += c;
          i += 2;
          continue;
        }
        if (c == '}') {  // a lone `}` is a syntax error; keep it as text
          lit += c;
          ++i;
          continue;
        }
        flush();
        i = ScanField(i + 1, depth, quote, triple, parts);
        lit_start = i;
        continue;
      }
      lit += c;
      ++i;
    }
    *unterminated = true;
    flush();
    if (value) *value = std::move(lit);
    return i;
  }

  // A replacement field after its `{`: the expression, then `=`, `!conv`, `:spec`, `}`.
  size_t ScanField(size_t pos, int depth, char quote, bool triple,
                   std::vector<FStringPart>* parts) {
    const size_t n = s_.size();
    size_t i = pos;
    int b = 0;
    bool plain = true;
    size_t expr_end = std::string_view::npos;
    auto at_end_of_line = [&](size_t k) { return !triple && (s_[k] == '\n' || s_[k] == '\r'); };
    while (i < n) {
      char c = s_[i];
      if (b == 0 && at_end_of_line(i)) break;
      if (c == quote && b == 0 && !triple) break;  // the outer string ends: malformed field
      if (IsIdStart(c)) {
        size_t j = i;
        while (j < n && IsIdChar(s_[j])) ++j;
        if (j < n && (s_[j] == '\'' || s_[j] == '"')) {
          Prefix p = ParsePrefix(s_.substr(i, j - i));
          if (p.ok) {
            i = NestedString(j, p, depth);
            continue;
          }
        }
        i = j;
        continue;
      }
      if (c == '\'' || c == '"') {
        i = NestedString(i, Prefix{true, false, false, false}, depth);
        continue;
      }
      if (c == '#') {  // comments end at the line end (multi-line fields, PEP 701)
        while (i < n && s_[i] != '\n' && s_[i] != '\r') ++i;
        continue;
      }
      if (c == '(' || c == '[' || c == '{') {
        ++b;
      } else if (c == ')' || c == ']') {
        if (b > 0) --b;
      } else if (c == '}') {
        if (b == 0) {
          expr_end = i;
          break;
        }
        --b;
      } else if (b == 0 && c == '!' && i + 1 < n && s_[i + 1] != '=') {
        expr_end = i;
        break;
      } else if (b == 0 && c == ':') {
        expr_end = i;
        break;
      } else if (b == 0 && c == '=' && i + 1 < n && s_[i + 1] != '=' && i > pos &&
                 std::string_view("=!<>:").find(s_[i - 1]) == std::string_view::npos) {
        size_t k = i + 1;
        while (k < n && (s_[k] == ' ' || s_[k] == '\t')) ++k;
        if (k < n && (s_[k] == '}' || s_[k] == '!' || s_[k] == ':')) {
          expr_end = i;  // `{x=}`: the text and the value's repr
          plain = false;
          break;
        }
      }
      ++i;
    }
    if (expr_end == std::string_view::npos) {
      // Unterminated field: keep what there is so the outer string ends where it can.
      if (parts) parts->push_back({true, std::string(s_.substr(pos, i - pos)), LineAt(pos), false});
      return i;
    }
    if (parts)
      parts->push_back({true, std::string(s_.substr(pos, expr_end - pos)), LineAt(pos), plain});
    FStringPart* mine = parts ? &parts->back() : nullptr;
    i = expr_end;
    if (s_[i] == '=') {
      ++i;
      while (i < n && (s_[i] == ' ' || s_[i] == '\t')) ++i;
    }
    if (i < n && s_[i] == '!') {
      if (i + 1 < n && s_[i + 1] != 's' && mine) mine->plain = false;
      i = std::min(n, i + 2);
    }
    if (i < n && s_[i] == ':') {
      if (mine) mine->plain = false;
      ++i;
      // The format spec: text and nested fields, up to the `}` closing this field.
      while (i < n && s_[i] != '}') {
        if (at_end_of_line(i) || (s_[i] == quote && !triple)) return i;
        if (s_[i] == '{') {
          if (depth + 1 >= limits::kMaxInventoryStringNesting) return n;
          i = ScanField(i + 1, depth + 1, quote, triple, nullptr);
          continue;
        }
        if (s_[i] == '\\' && i + 1 < n) ++i;
        ++i;
      }
    }
    if (i < n && s_[i] == '}') ++i;
    return i;
  }

  size_t NestedString(size_t q, const Prefix& p, int depth) {
    if (depth + 1 >= limits::kMaxInventoryStringNesting) {
      if (out_.limit.empty()) out_.limit = "limit.inventory-string-nesting";
      return s_.size();
    }
    bool unterminated = false;
    return ScanString(q, p, depth + 1, nullptr, nullptr, &unterminated);
  }

  // Decodes the escape at s_[i] == '\\' into `lit`; returns the offset after it.
  size_t DecodeEscape(size_t i, std::string& lit, bool bytes) {
    const size_t n = s_.size();
    char e = s_[i + 1];
    switch (e) {
      case '\n': return i + 2;
      case '\r': return (i + 2 < n && s_[i + 2] == '\n') ? i + 3 : i + 2;
      case '\\':
      case '\'':
      case '"': lit += e; return i + 2;
      case 'n': lit += '\n'; return i + 2;
      case 'r': lit += '\r'; return i + 2;
      case 't': lit += '\t'; return i + 2;
      case 'a': lit += '\a'; return i + 2;
      case 'b': lit += '\b'; return i + 2;
      case 'f': lit += '\f'; return i + 2;
      case 'v': lit += '\v'; return i + 2;
      default: break;
    }
    if (e >= '0' && e <= '7') {
      uint32_t v = 0;
      size_t j = i + 1;
      for (int k = 0; k < 3 && j < n && s_[j] >= '0' && s_[j] <= '7'; ++k, ++j)
        v = v * 8 + static_cast<uint32_t>(s_[j] - '0');
      AppendCodePoint(lit, v, bytes);
      return j;
    }
    int digits = e == 'x' ? 2 : (e == 'u' && !bytes) ? 4 : (e == 'U' && !bytes) ? 8 : 0;
    if (digits > 0) {
      uint32_t v = 0;
      size_t j = i + 2;
      for (int k = 0; k < digits; ++k, ++j) {
        int h = j < n ? HexValue(s_[j]) : -1;
        if (h < 0) {  // malformed escape: keep the text
          lit.append(s_.substr(i, j - i));
          return j;
        }
        v = v * 16 + static_cast<uint32_t>(h);
      }
      AppendCodePoint(lit, v, bytes);
      return j;
    }
    lit += '\\';  // unknown escapes (and \N{…}) stay as written
    lit += e;
    return i + 2;
  }

  static void AppendCodePoint(std::string& out, uint32_t v, bool bytes) {
    if (bytes) {
      out += static_cast<char>(v & 0xff);
      return;
    }
    AppendUtf8(out, v, Surrogates::kReplace);
  }

  std::string_view s_;
  PyTokens& out_;
  uint32_t line_;
  size_t line_pos_ = 0;
  int depth_;
  int brackets_ = 0;
  uint16_t indent_ = 0;
  bool line_has_tokens_ = false;
  bool stop_ = false;
};

}  // namespace

PyTokens TokenizePython(std::string_view src, uint32_t first_line, int depth) {
  PyTokens out;
  out.tokens.reserve(src.size() / 4 + 4);
  if (depth >= limits::kMaxInventoryStringNesting) {
    out.limit = "limit.inventory-string-nesting";
    PyToken end;
    end.line = first_line;
    out.tokens.push_back(end);
    return out;
  }
  Lexer(src, first_line, depth, out).Run();
  return out;
}

}  // namespace mv::inventory
