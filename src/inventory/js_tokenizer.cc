#include "inventory/js_tokenizer.h"

#include <algorithm>
#include <array>

#include "core/limits.h"
#include "inventory/text.h"

namespace mv::inventory {

namespace {

bool IsIdStart(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u == '$' || u >= 0x80;
}
bool IsIdChar(char c) {
  return IsIdStart(c) || (c >= '0' && c <= '9');
}
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') return (c | 0x20) - 'a' + 10;
  return -1;
}

// Multi-character punctuators, longest first.
constexpr std::array<std::string_view, 31> kPuncts = {
    ">>>=", "...", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "?\?=", "===", "!==",
    "=>",   "?.",  "??",  "**",  "&&",  "||",  "<<",  ">>",  "<=",   ">=",  "==",
    "!=",   "+=",  "-=",  "*=",  "/=",  "%=",  "&=",  "|=",  "^="};

// Keywords after which a `/` starts a regular expression rather than a division.
bool RegexAfterKeyword(std::string_view w) {
  for (std::string_view k : {"return", "typeof", "instanceof", "in", "of", "new", "delete", "void",
                             "throw", "case", "do", "else", "yield", "await"})
    if (w == k) return true;
  return false;
}

class Lexer {
 public:
  Lexer(std::string_view s, uint32_t first_line, int depth, JsTokens& out)
      : s_(s), out_(out), line_(first_line), depth_(depth) {}

  void Run() {
    const size_t n = s_.size();
    size_t i = 0;
    if (s_.size() > 1 && s_[0] == '#' && s_[1] == '!')
      while (i < n && s_[i] != '\n') ++i;
    while (i < n && !stop_) {
      char c = s_[i];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == '\0') {
        ++i;
        continue;
      }
      if (c == '/' && i + 1 < n && s_[i + 1] == '/') {
        while (i < n && s_[i] != '\n' && s_[i] != '\r') ++i;
        continue;
      }
      if (c == '/' && i + 1 < n && s_[i + 1] == '*') {
        size_t e = s_.find("*/", i + 2);
        i = e == std::string_view::npos ? n : e + 2;
        continue;
      }
      if (IsIdStart(c) || (c == '#' && i + 1 < n && IsIdStart(s_[i + 1]))) {
        size_t j = i + 1;
        while (j < n && IsIdChar(s_[j])) ++j;
        Emit(JsTok::kName, i, j);
        i = j;
        continue;
      }
      if ((c >= '0' && c <= '9') ||
          (c == '.' && i + 1 < n && s_[i + 1] >= '0' && s_[i + 1] <= '9')) {
        size_t j = i + 1;
        while (j < n && (IsIdChar(s_[j]) || s_[j] == '.')) {
          bool exp = (s_[j] | 0x20) == 'e' && j + 1 < n && (s_[j + 1] == '+' || s_[j + 1] == '-') &&
                     !(s_[i] == '0' && i + 1 < n && (s_[i + 1] | 0x20) == 'x');
          j += exp ? 2 : 1;
        }
        Emit(JsTok::kNumber, i, j);
        i = j;
        continue;
      }
      if (c == '\'' || c == '"') {
        std::string v;
        size_t j = ScanString(i, &v);
        out_.strings.push_back(std::move(v));
        Emit(JsTok::kString, i, j, static_cast<uint32_t>(out_.strings.size() - 1));
        i = j;
        continue;
      }
      if (c == '`') {
        std::vector<FStringPart> parts;
        uint32_t line = LineAt(i);
        size_t j = ScanTemplate(i, depth_, &parts);
        out_.templates.push_back(std::move(parts));
        EmitAt(JsTok::kTemplate, i, j, line, static_cast<uint32_t>(out_.templates.size() - 1));
        i = j;
        continue;
      }
      if (c == '/' && RegexAllowed()) {
        size_t j = ScanRegex(i);
        if (j != std::string_view::npos) {
          Emit(JsTok::kRegex, i, j);
          i = j;
          continue;
        }
      }
      size_t len = PunctLength(i);
      // `?.5` is a conditional and a number, not optional chaining.
      if (len == 2 && s_.compare(i, 2, "?.") == 0 && i + 2 < n && s_[i + 2] >= '0' &&
          s_[i + 2] <= '9')
        len = 1;
      Emit(JsTok::kPunct, i, i + len);
      i += len;
    }
    JsToken end;
    end.begin = end.end = static_cast<uint32_t>(n);
    end.line = LineAt(n);
    out_.tokens.push_back(end);
  }

 private:
  uint32_t LineAt(size_t pos) {
    pos = std::min(pos, s_.size());
    while (line_pos_ < pos) {
      if (s_[line_pos_] == '\n') ++line_;
      ++line_pos_;
    }
    while (line_pos_ > pos) {
      --line_pos_;
      if (s_[line_pos_] == '\n') --line_;
    }
    return line_;
  }

  void Emit(JsTok kind, size_t b, size_t e, uint32_t value = 0) {
    EmitAt(kind, b, e, LineAt(b), value);
  }
  void EmitAt(JsTok kind, size_t b, size_t e, uint32_t line, uint32_t value) {
    if (stop_) return;
    if (out_.tokens.size() >= limits::kMaxInventoryTokens) {
      out_.limit = "limit.inventory-tokens";
      stop_ = true;
      return;
    }
    JsToken t;
    t.kind = kind;
    t.line = line;
    t.begin = static_cast<uint32_t>(b);
    t.end = static_cast<uint32_t>(e);
    t.value = value;
    out_.tokens.push_back(t);
  }

  size_t PunctLength(size_t i) const {
    // Only these characters start a multi-character punctuator.
    if (std::string_view(".*<>&|?=!+-/%^").find(s_[i]) == std::string_view::npos) return 1;
    for (auto p : kPuncts)
      if (p[0] == s_[i] && s_.compare(i, p.size(), p) == 0) return p.size();
    return 1;
  }

  bool RegexAllowed() const {
    if (out_.tokens.empty()) return true;
    const JsToken& p = out_.tokens.back();
    std::string_view t = TokenText(s_, p);
    switch (p.kind) {
      case JsTok::kName: return RegexAfterKeyword(t);
      case JsTok::kNumber:
      case JsTok::kString:
      case JsTok::kTemplate:
      case JsTok::kRegex: return false;
      case JsTok::kPunct: return t != ")" && t != "]" && t != "}" && t != "++" && t != "--";
      case JsTok::kEnd: return true;
    }
    return true;
  }

  // Offset after the regex at s_[i] == '/', or npos when it does not close on its line.
  size_t ScanRegex(size_t i) const {
    const size_t n = s_.size();
    bool cls = false;
    for (size_t j = i + 1; j < n; ++j) {
      char c = s_[j];
      if (c == '\n' || c == '\r') return std::string_view::npos;
      if (c == '\\') {
        ++j;
        continue;
      }
      if (c == '[') cls = true;
      if (c == ']') cls = false;
      if (c == '/' && !cls) {
        ++j;
        while (j < n && IsIdChar(s_[j])) ++j;
        return j;
      }
    }
    return std::string_view::npos;
  }

  size_t ScanString(size_t q, std::string* value) {
    const size_t n = s_.size();
    const char quote = s_[q];
    size_t i = q + 1;
    while (i < n) {
      char c = s_[i];
      if (c == quote) return i + 1;
      if (c == '\n' || c == '\r') return i;  // unterminated: ends with its line
      if (c == '\\' && i + 1 < n) {
        i = Escape(i, value);
        continue;
      }
      if (value) *value += c;
      ++i;
    }
    return i;
  }

  size_t Escape(size_t i, std::string* value) {
    const size_t n = s_.size();
    char e = s_[i + 1];
    auto put = [&](char c) {
      if (value) *value += c;
    };
    switch (e) {
      case '\n': return i + 2;
      case '\r': return (i + 2 < n && s_[i + 2] == '\n') ? i + 3 : i + 2;
      case 'n': put('\n'); return i + 2;
      case 't': put('\t'); return i + 2;
      case 'r': put('\r'); return i + 2;
      case 'b': put('\b'); return i + 2;
      case 'f': put('\f'); return i + 2;
      case 'v': put('\v'); return i + 2;
      case '0': put('\0'); return i + 2;
      default: break;
    }
    if (e == 'x' || e == 'u') {
      size_t j = i + 2;
      uint32_t v = 0;
      if (e == 'u' && j < n && s_[j] == '{') {
        ++j;
        while (j < n && s_[j] != '}' && HexValue(s_[j]) >= 0 && v <= 0x10ffff)
          v = v * 16 + static_cast<uint32_t>(HexValue(s_[j++]));
        if (j < n && s_[j] == '}') ++j;
      } else {
        int digits = e == 'x' ? 2 : 4;
        for (int k = 0; k < digits; ++k, ++j) {
          int h = j < n ? HexValue(s_[j]) : -1;
          if (h < 0) {
            put(e);
            return i + 2;
          }
          v = v * 16 + static_cast<uint32_t>(h);
        }
      }
      if (value) AppendUtf8(*value, v, Surrogates::kReplace);
      return j;
    }
    put(e);
    return i + 2;
  }

  // A template literal at s_[q] == '`'; parts get literals (cooked) and `${…}` sources.
  size_t ScanTemplate(size_t q, int depth, std::vector<FStringPart>* parts) {
    const size_t n = s_.size();
    size_t i = q + 1;
    std::string lit;
    size_t lit_start = i;
    auto flush = [&] {
      if (parts && !lit.empty()) parts->push_back({false, lit, LineAt(lit_start), true});
      lit.clear();
    };
    while (i < n) {
      char c = s_[i];
      if (c == '`') {
        flush();
        return i + 1;
      }
      if (lit.empty()) lit_start = i;
      if (c == '\\' && i + 1 < n) {
        i = Escape(i, &lit);
        continue;
      }
      if (c == '$' && i + 1 < n && s_[i + 1] == '{') {
        flush();
        size_t start = i + 2;
        size_t end = SkipExpr(start, depth);
        if (parts)
          parts->push_back(
              {true, std::string(s_.substr(start, std::min(end, n) - start)), LineAt(start), true});
        i = end < n ? end + 1 : n;  // past the closing brace
        lit_start = i;
        continue;
      }
      lit += c;
      ++i;
    }
    flush();
    return n;
  }

  // From after `${` to the `}` closing it (returned); strings, templates and comments inside
  // are skipped whole.
  size_t SkipExpr(size_t i, int depth) {
    const size_t n = s_.size();
    int b = 0;
    while (i < n) {
      char c = s_[i];
      if (c == '}') {
        if (b == 0) return i;
        --b;
      } else if (c == '{') {
        ++b;
      } else if (c == '\'' || c == '"') {
        i = ScanString(i, nullptr);
        continue;
      } else if (c == '`') {
        if (depth + 1 >= limits::kMaxInventoryStringNesting) {
          if (out_.limit.empty()) out_.limit = "limit.inventory-string-nesting";
          return n;
        }
        i = ScanTemplate(i, depth + 1, nullptr);
        continue;
      } else if (c == '/' && i + 1 < n && s_[i + 1] == '/') {
        while (i < n && s_[i] != '\n') ++i;
        continue;
      } else if (c == '/' && i + 1 < n && s_[i + 1] == '*') {
        size_t e = s_.find("*/", i + 2);
        i = e == std::string_view::npos ? n : e + 2;
        continue;
      }
      ++i;
    }
    return n;
  }

  std::string_view s_;
  JsTokens& out_;
  uint32_t line_;
  size_t line_pos_ = 0;
  int depth_;
  bool stop_ = false;
};

}  // namespace

JsTokens TokenizeJs(std::string_view src, uint32_t first_line, int depth) {
  JsTokens out;
  out.tokens.reserve(src.size() / 4 + 4);
  if (depth >= limits::kMaxInventoryStringNesting) {
    out.limit = "limit.inventory-string-nesting";
    JsToken end;
    end.line = first_line;
    out.tokens.push_back(end);
    return out;
  }
  Lexer(src, first_line, depth, out).Run();
  return out;
}

}  // namespace mv::inventory
