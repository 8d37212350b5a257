#include "reproduce/escape.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace mv::reproduce {

namespace {

// Length of the UTF-8 sequence starting at s[i] and its code point; 0 when invalid.
size_t DecodeUtf8(std::string_view s, size_t i, char32_t& cp) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

bool Invisible(char32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F || cp == 0x061C ||
         cp == 0xFEFF;
}

}  // namespace

std::string DisplayText(std::string_view bytes, size_t max_bytes) {
  std::string out;
  size_t end = std::min(bytes.size(), max_bytes);
  for (size_t i = 0; i < end;) {
    char32_t cp = 0;
    size_t n = DecodeUtf8(bytes, i, cp);
    if (n == 0) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(bytes[i]));
      ++i;
      continue;
    }
    if (cp == '\\') {
      out += "\\\\";
    } else if (Invisible(cp)) {
      out += cp < 0x100 ? fmt::format("\\x{:02x}", static_cast<unsigned>(cp))
                        : fmt::format("\\u{{{:04x}}}", static_cast<unsigned>(cp));
    } else {
      out.append(bytes.substr(i, n));
    }
    i += n;
  }
  if (end < bytes.size()) out += "…";
  return out;
}

std::string DisplayArgv(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    bool bare = !a.empty();
    for (unsigned char c : a) {
      if (!(std::isalnum(c) ||
            std::string_view("-_./=:,+@%").find(static_cast<char>(c)) != std::string_view::npos)) {
        bare = false;
        break;
      }
    }
    if (bare) {
      out += a;
    } else {
      out += '\'';
      for (char c : a) out += c == '\'' ? std::string("'\"'\"'") : std::string(1, c);
      out += '\'';
    }
  }
  return DisplayText(out, 4096);
}

}  // namespace mv::reproduce
