#include "formats/common/pyliteral/pyliteral.h"

#include "core/text.h"
#include "pickle/operands.h"

namespace mv::formats::pyliteral {

namespace {

constexpr int kMaxDepth = 64;

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  std::optional<Value> All() {
    auto v = Expr(0);
    Skip();
    if (!v || i_ != s_.size()) return std::nullopt;
    return v;
  }

 private:
  char Peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }

  // Whitespace, newlines, comments and backslash continuations.
  void Skip() {
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        ++i_;
      } else if (c == '#') {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      } else if (c == '\\' && i_ + 1 < s_.size() && (s_[i_ + 1] == '\n' || s_[i_ + 1] == '\r')) {
        i_ += 2;
      } else {
        return;
      }
    }
  }

  std::optional<Value> Expr(int depth) {
    if (depth > kMaxDepth) return std::nullopt;
    Skip();
    char c = Peek();
    if (c == '+' || c == '-') {  // unary sign on a number
      ++i_;
      auto v = Expr(depth + 1);
      if (!v || (v->kind != Value::Kind::kInt && v->kind != Value::Kind::kFloat)) {
        return std::nullopt;
      }
      if (c == '-') {
        if (v->text.empty() || v->text[0] != '-') {
          if (v->text != "0") v->text = "-" + v->text;
        } else {
          v->text.erase(0, 1);
        }
        v->num = -v->num;
      }
      return v;
    }
    if (c == '(' || c == '[' || c == '{') return Container(depth);
    if (IsDigit(c) || (c == '.' && i_ + 1 < s_.size() && IsDigit(s_[i_ + 1]))) return Number();
    if (IsIdentStart(c)) {
      size_t b = i_;
      while (i_ < s_.size() && (IsIdentStart(s_[i_]) || IsDigit(s_[i_]))) ++i_;
      std::string_view word = s_.substr(b, i_ - b);
      if (Peek() == '\'' || Peek() == '"') {
        i_ = b;
        return Strings();
      }
      Value v;
      if (word == "True" || word == "False") {
        v.kind = Value::Kind::kBool;
        v.text = std::string(word);
        return v;
      }
      if (word == "None") return v;
      return std::nullopt;
    }
    if (c == '\'' || c == '"') return Strings();
    return std::nullopt;
  }

  std::optional<Value> Container(int depth) {
    char open = s_[i_++];
    char close = open == '(' ? ')' : open == '[' ? ']' : '}';
    Value v;
    v.kind = open == '('   ? Value::Kind::kTuple
             : open == '[' ? Value::Kind::kList
                           : Value::Kind::kDict;
    bool comma = false, first = true, dict = open == '{', set = false;
    for (;;) {
      Skip();
      if (Peek() == close) {
        ++i_;
        break;
      }
      if (!first && !comma) return std::nullopt;
      auto item = Expr(depth + 1);
      if (!item) return std::nullopt;
      Skip();
      if (open == '{') {
        if (first && Peek() != ':') {
          dict = false;
          set = true;
        }
        if (dict) {
          if (Peek() != ':') return std::nullopt;
          ++i_;
          auto val = Expr(depth + 1);
          if (!val) return std::nullopt;
          v.items.push_back(std::move(*item));
          v.items.push_back(std::move(*val));
          Skip();
        } else {
          v.items.push_back(std::move(*item));
        }
      } else {
        v.items.push_back(std::move(*item));
      }
      first = false;
      comma = Peek() == ',';
      if (comma) ++i_;
      if (!comma && open == '(' && v.items.size() == 1) {
        // A parenthesized expression, not a tuple.
        Skip();
        if (Peek() != ')') return std::nullopt;
        ++i_;
        return std::move(v.items[0]);
      }
    }
    if (set) v.kind = Value::Kind::kSet;
    return v;
  }

  std::optional<Value> Number() {
    size_t b = i_;
    bool is_float = false;
    if (Peek() == '0' && i_ + 1 < s_.size() &&
        (s_[i_ + 1] == 'x' || s_[i_ + 1] == 'X' || s_[i_ + 1] == 'o' || s_[i_ + 1] == 'O' ||
         s_[i_ + 1] == 'b' || s_[i_ + 1] == 'B')) {
      i_ += 2;
      while (i_ < s_.size() && (Hex(s_[i_]) >= 0 || s_[i_] == '_')) ++i_;
    } else {
      while (i_ < s_.size() && (IsDigit(s_[i_]) || s_[i_] == '_')) ++i_;
      if (Peek() == '.') {
        is_float = true;
        ++i_;
        while (i_ < s_.size() && (IsDigit(s_[i_]) || s_[i_] == '_')) ++i_;
      }
      if (Peek() == 'e' || Peek() == 'E') {
        is_float = true;
        ++i_;
        if (Peek() == '+' || Peek() == '-') ++i_;
        while (i_ < s_.size() && (IsDigit(s_[i_]) || s_[i_] == '_')) ++i_;
      }
    }
    std::string tok(s_.substr(b, i_ - b));
    Value v;
    if (Peek() == 'j' || Peek() == 'J') {
      ++i_;
      v.kind = Value::Kind::kFloat;  // imaginary: a number, never a size
      v.text = tok + "j";
      return v;
    }
    if (is_float) {
      v.kind = Value::Kind::kFloat;
      v.text = tok;
      return v;
    }
    // Python 2 long suffix: numpy's _filter_header drops it for version 1 and 2 headers.
    if (Peek() == 'L' || Peek() == 'l') ++i_;
    // A decimal with leading zeros is a SyntaxError unless it is zero.
    bool zeros = tok.size() > 1 && tok[0] == '0' && IsDigit(tok[1]);
    // Leading zeros: read in base 10 (base 0 refuses them), then only zero is accepted.
    auto n = pickle::operands::PyLongFromString(tok, zeros ? 10 : 0, false);
    if (!n) return std::nullopt;
    if (zeros && n->dec != "0") return std::nullopt;
    v.kind = Value::Kind::kInt;
    v.text = n->dec;
    v.int_fits = n->fits;
    v.num = n->num;
    return v;
  }

  // One or more adjacent string literals (implicit concatenation); str and bytes do not mix.
  std::optional<Value> Strings() {
    Value v;
    bool have = false;
    for (;;) {
      Skip();
      size_t b = i_;
      bool raw = false, bytes = false;
      while (i_ < s_.size() && i_ - b < 2) {
        char c = s_[i_];
        if (c == 'r' || c == 'R') {
          raw = true;
        } else if (c == 'b' || c == 'B') {
          bytes = true;
        } else if (c == 'u' || c == 'U') {
        } else {
          break;
        }
        ++i_;
      }
      char q = Peek();
      if (q != '\'' && q != '"') {
        i_ = b;
        break;
      }
      std::string text;
      if (!Literal(raw, bytes, text)) return std::nullopt;
      Value::Kind k = bytes ? Value::Kind::kBytes : Value::Kind::kStr;
      if (have && v.kind != k) return std::nullopt;
      v.kind = k;
      v.text += text;
      have = true;
    }
    if (!have) return std::nullopt;
    return v;
  }

  bool Literal(bool raw, bool bytes, std::string& out) {
    char q = s_[i_];
    bool triple = s_.substr(i_, 3) == std::string(3, q);
    i_ += triple ? 3 : 1;
    for (;;) {
      if (i_ >= s_.size()) return false;
      char c = s_[i_];
      if (triple ? s_.substr(i_, 3) == std::string(3, q) : c == q) {
        i_ += triple ? 3 : 1;
        return true;
      }
      if (!triple && c == '\n') return false;
      if (c != '\\') {
        if (bytes && static_cast<unsigned char>(c) >= 0x80) return false;
        out.push_back(c);
        ++i_;
        continue;
      }
      if (i_ + 1 >= s_.size()) return false;
      char e = s_[i_ + 1];
      if (raw) {  // the backslash stays; it only keeps the next quote from ending the string
        out.push_back('\\');
        out.push_back(e);
        i_ += 2;
        continue;
      }
      i_ += 2;
      switch (e) {
        case '\n': break;
        case '\\': out.push_back('\\'); break;
        case '\'': out.push_back('\''); break;
        case '"': out.push_back('"'); break;
        case 'a': out.push_back('\a'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'v': out.push_back('\v'); break;
        case 'x':
        case 'u':
        case 'U': {
          size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (bytes && e != 'x') {
            out.push_back('\\');
            out.push_back(e);
            break;
          }
          uint32_t cp = 0;
          for (size_t k = 0; k < n; ++k) {
            if (i_ >= s_.size() || Hex(s_[i_]) < 0) return false;
            cp = cp * 16 + static_cast<uint32_t>(Hex(s_[i_++]));
          }
          if (cp > 0x10FFFF) return false;
          if (bytes) {
            out.push_back(static_cast<char>(cp));
          } else {
            AppendUtf8(out, cp);
          }
          break;
        }
        case 'N': return false;  // named unicode escapes: never in a numpy header
        default:
          if (e >= '0' && e <= '7') {
            uint32_t cp = static_cast<uint32_t>(e - '0');
            for (int k = 0; k < 2 && i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '7'; ++k) {
              cp = cp * 8 + static_cast<uint32_t>(s_[i_++] - '0');
            }
            if (bytes) {
              out.push_back(static_cast<char>(cp & 0xFF));
            } else {
              AppendUtf8(out, cp);
            }
          } else {
            out.push_back('\\');
            out.push_back(e);
          }
      }
    }
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

std::optional<Value> Parse(std::string_view text) {
  return Parser(text).All();
}

const Value* DictGet(const Value& dict, std::string_view key) {
  if (dict.kind != Value::Kind::kDict) return nullptr;
  const Value* found = nullptr;
  for (size_t i = 0; i + 1 < dict.items.size(); i += 2) {
    if (dict.items[i].kind == Value::Kind::kStr && dict.items[i].text == key) {
      found = &dict.items[i + 1];
    }
  }
  return found;
}

}  // namespace mv::formats::pyliteral
