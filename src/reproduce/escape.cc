#include "reproduce/escape.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "core/text.h"

namespace mv::reproduce {

std::string DisplayText(std::string_view bytes, size_t max_bytes) {
  size_t end = std::min(bytes.size(), max_bytes);
  // Back off to the start of a character rather than cut one (at most 3 continuation bytes).
  for (int k = 0; k < 3 && end > 0 && end < bytes.size() &&
                  (static_cast<unsigned char>(bytes[end]) & 0xC0) == 0x80;
       ++k) {
    --end;
  }
  std::string out = EscapeText(bytes.substr(0, end));
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
