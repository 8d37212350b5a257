#include "formats/common/jinja/jinja.h"

#include <algorithm>
#include <set>

#include "core/text.h"

namespace mv::formats::jinja {

namespace {

enum class T : uint8_t { kIdent, kStr, kNum, kOp };

struct Tok {
  T t;
  std::string v;  // identifier, decoded string, or operator text
  size_t pos;     // offset in the template
};

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool IsIdent(char c) {
  return IsIdentStart(c) || (c >= '0' && c <= '9');
}
int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads a quoted literal at s[i] (the quote) with Python escapes; returns the index after it.
size_t ReadString(std::string_view s, size_t i, std::string& out) {
  char q = s[i++];
  while (i < s.size() && s[i] != q) {
    char c = s[i++];
    if (c != '\\' || i >= s.size()) {
      out += c;
      continue;
    }
    char e = s[i++];
    int digits = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
    if (digits > 0) {
      uint32_t cp = 0;
      int got = 0;
      while (got < digits && i < s.size() && Hex(s[i]) >= 0) {
        cp = (cp << 4) | static_cast<uint32_t>(Hex(s[i++]));
        ++got;
      }
      AppendUtf8(out, cp);
      continue;
    }
    if (e >= '0' && e <= '7') {
      uint32_t cp = static_cast<uint32_t>(e - '0');
      for (int k = 0; k < 2 && i < s.size() && s[i] >= '0' && s[i] <= '7'; ++k) {
        cp = cp * 8 + static_cast<uint32_t>(s[i++] - '0');
      }
      AppendUtf8(out, cp);
      continue;
    }
    switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case '0': out += '\0'; break;
      default: out += e; break;  // \\ \' \" and unknown escapes keep the character
    }
  }
  return i < s.size() ? i + 1 : i;
}

bool IsDunder(const std::string& n) {
  return n.size() > 4 && n.compare(0, 2, "__") == 0 && n.compare(n.size() - 2, 2, "__") == 0;
}

// Attributes and subscript keys that lead out of the template's data (sandbox-escape gadgets).
bool IsGadget(const std::string& n) {
  static const std::set<std::string> kNames = {
      "os",         "popen",        "system", "subprocess", "sys",      "builtins",     "eval",
      "exec",       "import",       "open",   "modules",    "mro",      "func_globals", "f_globals",
      "f_builtins", "f_locals",     "f_back", "gi_frame",   "cr_frame", "ag_frame",     "tb_frame",
      "getattr",    "check_output", "spawnv", "execv",      "execl",    "load_module",  "get_data"};
  if (kNames.count(n)) return true;
  return n.size() > 1 && n[0] == '_';  // private attributes (`_module`, name-mangled ones)
}

// Lexes one block body [b, e) of the template.
std::vector<Tok> Lex(std::string_view s, size_t b, size_t e) {
  std::vector<Tok> out;
  size_t i = b;
  while (i < e) {
    char c = s[i];
    if (c == '\'' || c == '"') {
      Tok t{T::kStr, "", i};
      i = ReadString(s.substr(0, e), i, t.v);
      out.push_back(std::move(t));
    } else if (IsIdentStart(c)) {
      size_t j = i;
      while (j < e && IsIdent(s[j])) ++j;
      out.push_back({T::kIdent, std::string(s.substr(i, j - i)), i});
      i = j;
    } else if (c >= '0' && c <= '9') {
      size_t j = i;
      while (j < e && (IsIdent(s[j]) || s[j] == '.')) ++j;
      out.push_back({T::kNum, std::string(s.substr(i, j - i)), i});
      i = j;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
    } else {
      out.push_back({T::kOp, std::string(1, c), i});
      ++i;
    }
  }
  return out;
}

class Collector {
 public:
  Collector(std::string_view tmpl, std::vector<NameUse>& out) : tmpl_(tmpl), out_(out) {}

  void Block(size_t open, size_t close_end, const std::vector<Tok>& toks) {
    open_ = open;
    end_ = close_end;
    for (size_t i = 0; i < toks.size(); ++i) {
      const Tok& t = toks[i];
      bool after_dot = i > 0 && toks[i - 1].t == T::kOp && toks[i - 1].v == ".";
      if (t.t == T::kIdent) {
        if (IsDunder(t.v) || (after_dot && IsGadget(t.v))) Add(t.v, t.pos);
        // `|attr(...)`: the argument is an attribute name.
        if (t.v == "attr" && i > 0 && toks[i - 1].v == "|" && i + 1 < toks.size() &&
            toks[i + 1].v == "(") {
          Group(toks, i + 1, ")", true);
        }
      } else if (t.t == T::kStr) {
        if (IsDunder(t.v)) Add(t.v, t.pos);
      } else if (t.v == "[") {
        Group(toks, i, "]", true);
      } else if (t.v == "(") {
        Group(toks, i, ")", false);
      }
      // Adjacent string pieces joined by + or ~ anywhere: '__cla' ~ 'ss__'.
      if (t.t == T::kStr && (i == 0 || !IsJoin(toks[i - 1]))) {
        std::string cat = t.v;
        size_t j = i + 1;
        while (j + 1 < toks.size() && IsJoin(toks[j]) && toks[j + 1].t == T::kStr) {
          cat += toks[j + 1].v;
          j += 2;
        }
        if (j > i + 1 && IsDunder(cat)) Add(cat, t.pos);
      }
    }
  }

 private:
  static bool IsJoin(const Tok& t) { return t.t == T::kOp && (t.v == "+" || t.v == "~"); }

  // Tokens between toks[open] and its closer. If they are only string pieces with + ~ or ,
  // (the last followed by |join), the joined text is a name. The scan stops at the first token
  // that is none of those, so every token is looked at by one group at most: no window, and
  // linear in the template.
  void Group(const std::vector<Tok>& toks, size_t open, const char* closer, bool attribute) {
    std::string cat;
    bool any = false;
    size_t j = open + 1;
    for (; j < toks.size(); ++j) {
      const Tok& t = toks[j];
      if (t.t == T::kStr) {
        cat += t.v;
        any = true;
      } else if (!(IsJoin(t) || (t.t == T::kOp && t.v == ","))) {
        break;
      }
    }
    if (!any || j >= toks.size() || toks[j].t != T::kOp || toks[j].v != closer) return;
    bool joined = j + 2 < toks.size() && toks[j + 1].v == "|" && toks[j + 2].v == "join";
    if (IsDunder(cat) || ((attribute || joined) && IsGadget(cat))) Add(cat, toks[open].pos);
  }

  void Add(const std::string& name, size_t pos) {
    for (const auto& u : out_) {
      if (u.name == name) return;
    }
    size_t b = pos > open_ + 60 ? pos - 60 : open_;
    size_t e = std::min(end_, b + 160);
    std::string ex(tmpl_.substr(b, e - b));
    if (b > open_) ex = "…" + ex;
    if (e < end_) ex += "…";
    out_.push_back({name, open_, ex});
  }

  std::string_view tmpl_;
  std::vector<NameUse>& out_;
  size_t open_ = 0, end_ = 0;
};

}  // namespace

std::vector<NameUse> SensitiveNames(std::string_view s) {
  std::vector<NameUse> out;
  Collector col(s, out);
  size_t pos = 0;
  while (pos + 1 < s.size()) {
    size_t open = s.find('{', pos);
    if (open == std::string_view::npos || open + 1 >= s.size()) break;
    char k = s[open + 1];
    if (k == '#') {
      size_t c = s.find("#}", open + 2);
      if (c == std::string_view::npos) break;
      pos = c + 2;
      continue;
    }
    if (k != '{' && k != '%') {
      pos = open + 1;
      continue;
    }
    const char closer = k == '{' ? '}' : '%';
    // Find the closer outside string literals.
    size_t i = open + 2, body_end = s.size();
    while (i < s.size()) {
      char c = s[i];
      if (c == '\'' || c == '"') {
        std::string ignored;
        i = ReadString(s, i, ignored);
        continue;
      }
      if (c == closer && i + 1 < s.size() && s[i + 1] == '}') {
        body_end = i;
        break;
      }
      ++i;
    }
    size_t end = std::min(s.size(), body_end + 2);
    std::vector<Tok> toks = Lex(s, open + 2, body_end);
    // {% raw %} … {% endraw %}: the body is text, not code.
    bool raw = k == '%' && !toks.empty() && toks.size() <= 3 &&
               std::any_of(toks.begin(), toks.end(),
                           [](const Tok& t) { return t.t == T::kIdent && t.v == "raw"; });
    col.Block(open, end, toks);
    pos = end;
    if (raw) {
      size_t r = s.find("endraw", pos);
      if (r == std::string_view::npos) break;
      pos = r;
    }
  }
  return out;
}

}  // namespace mv::formats::jinja
