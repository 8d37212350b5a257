// Mirrors CPython 3.11: Modules/_pickle.c (load_int, load_long, load_get, load_put,
// load_float, load_string, load_unicode, load_global, load_inst, load_persid),
// Lib/pickle.py (the same opcodes), Objects/longobject.c (PyLong_FromString),
// Python/dtoa.c and pystrtod.c (float syntax), Objects/bytesobject.c (escape decoding) and
// Objects/unicodeobject.c (raw-unicode-escape). tests/pickle/operands_diff_test.cc checks every
// rule against the real unpicklers.
#include "pickle/operands.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "core/text.h"
#include "pickle/disasm.h"

namespace mv::pickle::operands {

namespace {

// CPython's Py_ISSPACE and the C locale's isspace agree: \t \n \v \f \r and space.
bool IsSpace(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

// sys.get_int_max_str_digits() default: longer decimal strings are refused by int().
constexpr size_t kMaxStrDigits = 4300;
// Power-of-two-base literals longer than this many bits keep a placeholder text.
constexpr size_t kMaxConvertedBits = 32768;

char At(std::string_view s, size_t i) {
  return i < s.size() ? s[i] : '\0';
}

// Builds the value of `digits` (digit values, most significant first) in `base`.
Int MakeInt(const std::vector<uint8_t>& digits, int base, bool negative) {
  Int r;
  // int64 value while it fits (magnitude up to 2^63 for negatives).
  unsigned __int128 mag = 0;
  bool over = false;
  for (uint8_t d : digits) {
    if (!over) {
      mag = mag * static_cast<unsigned>(base) + d;
      if (mag > (static_cast<unsigned __int128>(1) << 63)) over = true;
    }
  }
  bool zero = true;
  for (uint8_t d : digits) zero &= d == 0;
  if (!over && (negative || mag < (static_cast<unsigned __int128>(1) << 63))) {
    r.fits = true;
    r.num =
        negative ? static_cast<int64_t>(-static_cast<__int128>(mag)) : static_cast<int64_t>(mag);
    r.dec = std::to_string(r.num);
    return r;
  }
  if (base == 10) {
    size_t i = 0;
    while (i + 1 < digits.size() && digits[i] == 0) ++i;
    r.dec = negative && !zero ? "-" : "";
    for (; i < digits.size(); ++i) r.dec.push_back(static_cast<char>('0' + digits[i]));
    return r;
  }
  int bits = base == 16 ? 4 : base == 8 ? 3 : 1;
  size_t total = digits.size() * static_cast<size_t>(bits);
  if (total > kMaxConvertedBits) {
    r.exact = false;
    r.dec = std::string(negative ? "-" : "") + "<" + std::to_string(total) + "-bit int>";
    return r;
  }
  // Little-endian magnitude bytes (plus a zero byte so LongToDecimal reads it as positive).
  std::vector<uint8_t> bytes(total / 8 + 2, 0);
  size_t bit = 0;
  for (size_t k = digits.size(); k-- > 0;) {
    for (int b = 0; b < bits; ++b, ++bit) {
      if ((digits[k] >> b) & 1) bytes[bit / 8] |= static_cast<uint8_t>(1u << (bit % 8));
    }
  }
  // Built forward: a literal + std::string at -O3 trips GCC 12's -Wrestrict false positive.
  r.dec.clear();
  if (negative && !zero) r.dec.push_back('-');
  r.dec += LongToDecimal(bytes.data(), bytes.size());
  return r;
}

// glibc strtol(s, &end, 0) over the C string s (ends at the first NUL). Returns the value and
// sets `end` (index where parsing stopped) and `range` (ERANGE).
long long StrtolBase0(std::string_view s, size_t& end, bool& range) {
  size_t i = 0;
  range = false;
  while (IsSpace(At(s, i))) ++i;
  bool neg = false;
  if (At(s, i) == '+' || At(s, i) == '-') {
    neg = At(s, i) == '-';
    ++i;
  }
  int base = 10;
  if (At(s, i) == '0' && (At(s, i + 1) == 'x' || At(s, i + 1) == 'X') &&
      DigitValue(At(s, i + 2)) < 16) {
    base = 16;
    i += 2;
  } else if (At(s, i) == '0') {
    base = 8;
  }
  size_t start = i;
  unsigned __int128 mag = 0;
  while (DigitValue(At(s, i)) < base) {
    mag = mag * static_cast<unsigned>(base) + static_cast<unsigned>(DigitValue(At(s, i)));
    if (mag > (static_cast<unsigned __int128>(1) << 64))
      mag = static_cast<unsigned __int128>(1) << 64;
    ++i;
  }
  if (i == start) {
    end = 0;  // no digits: endptr is the start of the string
    return 0;
  }
  end = i;
  unsigned __int128 limit = neg ? (static_cast<unsigned __int128>(1) << 63)
                                : (static_cast<unsigned __int128>(1) << 63) - 1;
  if (mag > limit) {
    range = true;
    return 0;
  }
  return neg ? static_cast<long long>(-static_cast<__int128>(mag)) : static_cast<long long>(mag);
}

// The C string an unpickler hands to C parsers: the line, its '\n', ending at the first NUL.
std::string CString(std::string_view line) {
  size_t z = line.find('\0');
  if (z != std::string_view::npos) return std::string(line.substr(0, z));
  std::string s(line);
  s.push_back('\n');
  return s;
}

// dtoa.c _Py_dg_strtod syntax at s[0] (no whitespace): returns the index after the number,
// 0 when there is none.
size_t FloatSyntax(std::string_view s) {
  size_t i = 0;
  if (At(s, i) == '+' || At(s, i) == '-') ++i;
  size_t digits = 0;
  bool lz = false;
  while (At(s, i) == '0') {
    ++i;
    lz = true;
  }
  while (At(s, i) >= '0' && At(s, i) <= '9') {
    ++i;
    ++digits;
  }
  if (At(s, i) == '.') {
    ++i;
    while (At(s, i) == '0') {
      ++i;
      lz = true;
    }
    while (At(s, i) >= '0' && At(s, i) <= '9') {
      ++i;
      ++digits;
    }
  }
  if (digits == 0 && !lz) {
    // _Py_parse_inf_or_nan
    size_t j = 0;
    if (At(s, j) == '+' || At(s, j) == '-') ++j;
    auto match = [&](size_t at, std::string_view word) {
      for (size_t k = 0; k < word.size(); ++k) {
        char c = At(s, at + k);
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != word[k]) return false;
      }
      return true;
    };
    if (match(j, "inf")) {
      j += 3;
      if (match(j, "inity")) j += 5;
      return j;
    }
    if (match(j, "nan")) return j + 3;
    return 0;
  }
  if (At(s, i) == 'e' || At(s, i) == 'E') {
    size_t e = i + 1;
    if (At(s, e) == '+' || At(s, e) == '-') ++e;
    size_t d = e;
    while (At(s, e) >= '0' && At(s, e) <= '9') ++e;
    if (e > d) i = e;  // an exponent needs a digit, else the number ends before 'e'
  }
  return i;
}

// Value of text FloatSyntax accepted whole; `overflow` when finite digits overflow a double.
double FloatValue(std::string_view s, bool& overflow) {
  std::string t(s);
  overflow = false;
  size_t j = (t[0] == '+' || t[0] == '-') ? 1 : 0;
  char c = j < t.size() ? t[j] : '\0';
  bool neg = t[0] == '-';
  if (c == 'i' || c == 'I') return neg ? -HUGE_VAL : HUGE_VAL;
  if (c == 'n' || c == 'N') return neg ? -NAN : NAN;
  errno = 0;
  double x = std::strtod(t.c_str(), nullptr);
  if (errno == ERANGE && std::fabs(x) >= 1.0) overflow = true;
  return x;
}

}  // namespace

std::optional<Int> PyLongFromString(std::string_view s, int base, bool nul_terminates) {
  size_t z = s.find('\0');
  if (z != std::string_view::npos) {
    if (!nul_terminates) return std::nullopt;  // int(b"1\0") refuses the embedded NUL
    s = s.substr(0, z);
  }
  size_t i = 0;
  while (IsSpace(At(s, i))) ++i;
  bool negative = false;
  if (At(s, i) == '+' || At(s, i) == '-') {
    negative = At(s, i) == '-';
    ++i;
  }
  bool error_if_nonzero = false;
  if (base == 0) {
    char p = At(s, i + 1);
    if (At(s, i) != '0') {
      base = 10;
    } else if (p == 'x' || p == 'X') {
      base = 16;
    } else if (p == 'o' || p == 'O') {
      base = 8;
    } else if (p == 'b' || p == 'B') {
      base = 2;
    } else {
      error_if_nonzero = true;  // "old" C-style octal: only zero is allowed
      base = 10;
    }
  }
  if (At(s, i) == '0') {
    char p = At(s, i + 1);
    if ((base == 16 && (p == 'x' || p == 'X')) || (base == 8 && (p == 'o' || p == 'O')) ||
        (base == 2 && (p == 'b' || p == 'B'))) {
      i += 2;
      if (At(s, i) == '_') ++i;  // one underscore allowed after the prefix
    }
  }
  if (At(s, i) == '_') return std::nullopt;
  std::vector<uint8_t> digits;
  char prev = '\0';
  while (DigitValue(At(s, i)) < base || At(s, i) == '_') {
    if (At(s, i) == '_') {
      if (prev == '_') return std::nullopt;
    } else {
      digits.push_back(static_cast<uint8_t>(DigitValue(At(s, i))));
    }
    prev = At(s, i);
    ++i;
  }
  if (prev == '_' || digits.empty()) return std::nullopt;
  if ((base & (base - 1)) != 0 && digits.size() > kMaxStrDigits) return std::nullopt;
  while (IsSpace(At(s, i))) ++i;
  if (i != s.size()) return std::nullopt;
  Int r = MakeInt(digits, base, negative);
  if (error_if_nonzero && r.dec != "0") return std::nullopt;
  return r;
}

std::optional<Int> ParseInt(std::string_view line) {
  if (!line.empty()) {  // C: the line must hold more than its '\n'
    std::string c = CString(line);
    size_t end = 0;
    bool range = false;
    long long x = StrtolBase0(c, end, range);
    if (!range && (end >= c.size() || c[end] == '\n')) {
      Int r;
      r.num = x;
      r.fits = true;
      r.dec = std::to_string(x);
      r.is_bool = line.size() == 2 && (x == 0 || x == 1);
      return r;
    }
    if (auto r = PyLongFromString(c, 0, true)) return r;
  }
  if (line == "00" || line == "01") {
    Int r;
    r.num = line == "01";
    r.fits = true;
    r.dec = std::to_string(r.num);
    r.is_bool = true;
    return r;
  }
  return PyLongFromString(std::string(line) + "\n", 0, false);
}

std::optional<Int> ParseLong(std::string_view line) {
  if (!line.empty()) {
    std::string c = line.back() == 'L' ? std::string(line.substr(0, line.size() - 1))
                                       : std::string(line) + "\n";
    if (auto r = PyLongFromString(c, 0, true)) return r;
  }
  std::string_view v = line;
  if (!v.empty() && v.back() == 'L') v.remove_suffix(1);
  return PyLongFromString(v, 0, false);
}

std::optional<Int> ParseMemoIndex(std::string_view line) {
  if (!line.empty()) {
    auto r = PyLongFromString(std::string(line) + "\n", 10, true);
    if (r && r->fits) return r;
  }
  return PyLongFromString(line, 10, false);  // pickle.py: any int is a dict key
}

std::optional<double> ParseFloat(std::string_view line) {
  bool overflow = false;
  if (!line.empty()) {
    std::string c = CString(line);
    size_t n = FloatSyntax(c);
    if (n > 0 && (n == c.size() || c[n] == '\n')) {
      double x = FloatValue(std::string_view(c).substr(0, n), overflow);
      if (!overflow) return x;
    }
  }
  // pickle.py float(line): no NUL, underscores only between digits, whitespace stripped.
  if (line.find('\0') != std::string_view::npos) return std::nullopt;
  std::string t;
  char prev = '\0';
  for (char ch : line) {
    bool digit = ch >= '0' && ch <= '9';
    if (ch == '_') {
      if (!(prev >= '0' && prev <= '9')) return std::nullopt;
    } else {
      if (prev == '_' && !digit) return std::nullopt;
      t.push_back(ch);
    }
    prev = ch;
  }
  if (prev == '_') return std::nullopt;
  size_t b = 0, e = t.size();
  while (b < e && IsSpace(t[b])) ++b;
  while (e > b + 1 && IsSpace(t[e - 1])) --e;
  std::string_view core = std::string_view(t).substr(b, e - b);
  if (core.empty() || FloatSyntax(core) != core.size()) return std::nullopt;
  return FloatValue(core, overflow);  // overflow gives inf here
}

std::optional<std::string> ParseString(std::string_view line) {
  if (line.size() < 2 || line.front() != line.back() ||
      (line.front() != '\'' && line.front() != '"')) {
    return std::nullopt;
  }
  std::string_view s = line.substr(1, line.size() - 2);
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c != '\\') {
      AppendUtf8(out, c);  // bytes as latin-1 code points, like every other str value
      continue;
    }
    if (++i >= s.size()) return std::nullopt;  // "Trailing \ in string"
    char e = s[i];
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
      case 'x': {
        if (i + 2 >= s.size() || DigitValue(s[i + 1]) >= 16 || DigitValue(s[i + 2]) >= 16) {
          return std::nullopt;  // "invalid \x escape"
        }
        AppendUtf8(out, static_cast<uint32_t>(DigitValue(s[i + 1]) * 16 + DigitValue(s[i + 2])));
        i += 2;
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          uint32_t v = static_cast<uint32_t>(e - '0');
          for (int k = 0; k < 2 && i + 1 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '7'; ++k) {
            v = v * 8 + static_cast<uint32_t>(s[++i] - '0');
          }
          AppendUtf8(out, v & 0xFF);
        } else {
          out.push_back('\\');  // unknown escapes keep their backslash
          AppendUtf8(out, static_cast<unsigned char>(e));
        }
    }
  }
  return out;
}

std::optional<std::string> ParseUnicode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c != '\\' || i + 1 >= s.size()) {
      AppendUtf8(out, c);
      continue;
    }
    char e = s[i + 1];
    if (e != 'u' && e != 'U') {  // the backslash and the next byte, both literal
      out.push_back('\\');
      AppendUtf8(out, static_cast<unsigned char>(e));
      ++i;
      continue;
    }
    size_t n = e == 'u' ? 4 : 8;
    if (i + 2 + n > s.size()) return std::nullopt;
    uint32_t cp = 0;
    for (size_t k = 0; k < n; ++k) {
      int h = DigitValue(s[i + 2 + k]);
      if (h >= 16) return std::nullopt;
      cp = cp * 16 + static_cast<uint32_t>(h);
    }
    if (cp > 0x10FFFF) return std::nullopt;
    AppendUtf8(out, cp);
    i += 1 + n;
  }
  return out;
}

bool GlobalNameOk(std::string_view line) {
  return IsValidUtf8(line);
}

bool AsciiOk(std::string_view line) {
  for (char c : line) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

}  // namespace mv::pickle::operands
