#include "pickle/disasm.h"

#include <algorithm>
#include <cstring>

#include "core/limits.h"

namespace mv::pickle {

namespace {

Error Malformed(std::string msg, uint64_t off) {
  return MakeError(Errc::kMalformed, std::move(msg), off);
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Python-2 str escapes (codecs.escape_decode); bytes are mapped to code points (latin-1) so
// the result is UTF-8 text like every other str value.
bool EscapeDecode(std::string_view s, std::string& out) {
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c != '\\') {
      AppendUtf8(out, c);
      continue;
    }
    if (++i >= s.size()) return false;
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
        if (i + 2 >= s.size()) return false;
        int h = HexVal(s[i + 1]);
        int l = HexVal(s[i + 2]);
        if (h < 0 || l < 0) return false;
        AppendUtf8(out, static_cast<uint32_t>(h * 16 + l));
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
          out.push_back('\\');  // unknown escapes are kept literally
          AppendUtf8(out, static_cast<unsigned char>(e));
        }
    }
  }
  return true;
}

// raw-unicode-escape: \uXXXX and \UXXXXXXXX; every other byte is a latin-1 code point.
bool RawUnicodeEscapeDecode(std::string_view s, std::string& out) {
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\\' && i + 1 < s.size() && (s[i + 1] == 'u' || s[i + 1] == 'U')) {
      // An odd number of backslashes before 'u' starts an escape.
      size_t n = s[i + 1] == 'u' ? 4 : 8;
      if (i + 2 + n > s.size()) return false;
      uint32_t cp = 0;
      for (size_t k = 0; k < n; ++k) {
        int h = HexVal(s[i + 2 + k]);
        if (h < 0) return false;
        cp = cp * 16 + static_cast<uint32_t>(h);
      }
      if (cp > 0x10FFFF) return false;
      AppendUtf8(out, cp);
      i += 1 + n;
      continue;
    }
    if (c == '\\' && i + 1 < s.size() && s[i + 1] == '\\') {
      out.append("\\\\");
      ++i;
      continue;
    }
    AppendUtf8(out, c);
  }
  return true;
}

// Python int(): optional whitespace and sign, decimal digits. Returns the normalized decimal.
bool ParseDecimal(std::string_view s, std::string& dec, int64_t& num, bool& fits) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  bool neg = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    neg = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  while (s.size() > 1 && s.front() == '0') s.remove_prefix(1);
  // Built in place: `"-" + std::string(s)` inserts at the front, which GCC 12 at -O3 misreads
  // as an overlapping memcpy (-Wrestrict).
  dec.clear();
  if (neg && s != "0") dec.push_back('-');
  dec.append(s);
  fits = s.size() < 19;
  num = 0;
  if (fits) {
    for (char c : s) num = num * 10 + (c - '0');
    if (neg) num = -num;
  }
  return true;
}

}  // namespace

std::string LongToDecimal(const uint8_t* data, size_t n) {
  if (n == 0) return "0";
  bool neg = (data[n - 1] & 0x80) != 0;
  // Magnitude as little-endian 32-bit limbs.
  std::vector<uint32_t> limbs((n + 3) / 4, 0);
  for (size_t i = 0; i < n; ++i) {
    uint8_t b = neg ? static_cast<uint8_t>(~data[i]) : data[i];
    limbs[i / 4] |= static_cast<uint32_t>(b) << (8 * (i % 4));
  }
  if (neg) {  // two's complement: magnitude = ~x + 1
    for (auto& l : limbs) {
      if (++l != 0) break;
    }
  }
  std::string digits;
  while (!limbs.empty()) {
    uint64_t rem = 0;
    for (size_t i = limbs.size(); i-- > 0;) {
      uint64_t cur = (rem << 32) | limbs[i];
      limbs[i] = static_cast<uint32_t>(cur / 1000000000u);
      rem = cur % 1000000000u;
    }
    while (!limbs.empty() && limbs.back() == 0) limbs.pop_back();
    for (int k = 0; k < 9; ++k) {
      digits.push_back(static_cast<char>('0' + rem % 10));
      rem /= 10;
      if (limbs.empty() && rem == 0) break;
    }
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  if (neg) digits.push_back('-');
  std::reverse(digits.begin(), digits.end());
  return digits;
}

Result<std::string> Disassembler::ReadLine(uint64_t op_offset) {
  std::string out;
  uint64_t line_len = 0;
  for (;;) {
    MV_ASSIGN_OR_RETURN(ByteSpan chunk,
                        cur_.Peek(max_line_ < 64 * 1024 ? max_line_ + 1 : 64 * 1024));
    if (chunk.empty()) return MakeError(Errc::kTruncated, "line not terminated", op_offset);
    const void* nl = std::memchr(chunk.data(), '\n', chunk.size());
    size_t n =
        nl ? static_cast<size_t>(static_cast<const uint8_t*>(nl) - chunk.data()) : chunk.size();
    size_t keep = std::min(n, limits::kMaxKeptLine - std::min(out.size(), limits::kMaxKeptLine));
    out.append(reinterpret_cast<const char*>(chunk.data()), keep);
    MV_RETURN_IF_ERROR(cur_.Skip(nl ? n + 1 : n));
    line_len += n;
    if (line_len > max_line_) return MakeError(Errc::kLimit, "line too long", op_offset);
    if (nl) return out;
  }
}

Status Disassembler::ReadCounted(uint64_t n, Instr& in) {
  in.length = n;
  if (n > cur_.remaining()) {
    return MakeError(Errc::kTruncated,
                     "argument of " + std::to_string(n) + " bytes runs past the end of data",
                     in.offset);
  }
  in.data_offset = cur_.pos();
  uint64_t keep = n <= keep_ ? n : std::min<uint64_t>(keep_, limits::kEvidencePrefix);
  MV_ASSIGN_OR_RETURN(ByteSpan b, cur_.Take(static_cast<size_t>(keep)));
  in.text.assign(reinterpret_cast<const char*>(b.data()), b.size());
  if (keep < n) {
    in.truncated = true;
    MV_RETURN_IF_ERROR(cur_.Skip(n - keep));
  }
  return OkStatus();
}

Result<Instr> Disassembler::Next() {
  Instr in;
  in.offset = cur_.pos();
  MV_ASSIGN_OR_RETURN(uint8_t byte, cur_.U8());
  const OpInfo* info = LookupOp(byte);
  if (info == nullptr) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "invalid opcode 0x%02x", byte);
    return Malformed(buf, in.offset);
  }
  in.op = info->op;
  switch (info->arg) {
    case ArgKind::kNone: break;
    case ArgKind::kUint1: {
      MV_ASSIGN_OR_RETURN(uint8_t v, cur_.U8());
      in.num = v;
      break;
    }
    case ArgKind::kUint2: {
      MV_ASSIGN_OR_RETURN(uint16_t v, cur_.Le16());
      in.num = v;
      break;
    }
    case ArgKind::kInt4: {
      MV_ASSIGN_OR_RETURN(uint32_t v, cur_.Le32());
      in.num = static_cast<int32_t>(v);
      break;
    }
    case ArgKind::kUint4: {
      MV_ASSIGN_OR_RETURN(uint32_t v, cur_.Le32());
      in.num = v;
      break;
    }
    case ArgKind::kUint8: {
      MV_ASSIGN_OR_RETURN(uint64_t v, cur_.Le64());
      in.num = static_cast<int64_t>(v);
      in.length = v;
      break;
    }
    case ArgKind::kDecimalNlShort: {
      MV_ASSIGN_OR_RETURN(std::string line, ReadLine(in.offset));
      if (in.op == Op::kInt && (line == "01" || line == "00")) {
        in.is_bool = true;
        in.num = line == "01";
        break;
      }
      bool fits = false;
      if (!ParseDecimal(line, in.text, in.num, fits)) {
        return Malformed(std::string(info->name) + " argument is not a decimal integer", in.offset);
      }
      in.big = !fits;
      if (in.big && in.op != Op::kInt) {
        return Malformed(std::string(info->name) + " index out of range", in.offset);
      }
      break;
    }
    case ArgKind::kDecimalNlLong: {
      MV_ASSIGN_OR_RETURN(std::string line, ReadLine(in.offset));
      if (!line.empty() && line.back() == 'L') line.pop_back();
      bool fits = false;
      if (!ParseDecimal(line, in.text, in.num, fits)) {
        return Malformed("LONG argument is not a decimal integer", in.offset);
      }
      in.big = !fits;
      break;
    }
    case ArgKind::kFloatNl: {
      MV_ASSIGN_OR_RETURN(std::string line, ReadLine(in.offset));
      char* endp = nullptr;
      in.fnum = std::strtod(line.c_str(), &endp);
      if (line.empty() || endp == line.c_str() || *endp != '\0') {
        return Malformed("FLOAT argument is not a number", in.offset);
      }
      in.text = line;
      break;
    }
    case ArgKind::kFloat8: {
      MV_ASSIGN_OR_RETURN(ByteSpan b, cur_.Take(8));
      uint64_t bits = 0;
      for (size_t i = 0; i < 8; ++i) bits = (bits << 8) | b[i];
      std::memcpy(&in.fnum, &bits, sizeof bits);
      break;
    }
    case ArgKind::kStringNl: {
      MV_ASSIGN_OR_RETURN(std::string line, ReadLine(in.offset));
      while (!line.empty() && static_cast<unsigned char>(line.back()) <= ' ') line.pop_back();
      if (line.size() < 2 || (line.front() != '\'' && line.front() != '"') ||
          line.back() != line.front()) {
        return Malformed("STRING argument is not quoted", in.offset);
      }
      if (!EscapeDecode(std::string_view(line).substr(1, line.size() - 2), in.text)) {
        return Malformed("STRING argument has a bad escape", in.offset);
      }
      in.length = in.text.size();
      break;
    }
    case ArgKind::kStringNlNoEscape: {
      MV_ASSIGN_OR_RETURN(in.text, ReadLine(in.offset));
      in.length = in.text.size();
      break;
    }
    case ArgKind::kStringNlNoEscapePair: {
      MV_ASSIGN_OR_RETURN(in.text, ReadLine(in.offset));
      MV_ASSIGN_OR_RETURN(in.text2, ReadLine(in.offset));
      break;
    }
    case ArgKind::kUnicodeStringNl: {
      MV_ASSIGN_OR_RETURN(std::string line, ReadLine(in.offset));
      if (!RawUnicodeEscapeDecode(line, in.text)) {
        return Malformed("UNICODE argument has a bad escape", in.offset);
      }
      in.length = in.text.size();
      break;
    }
    case ArgKind::kString1:
    case ArgKind::kBytes1:
    case ArgKind::kUnicodeString1: {
      MV_ASSIGN_OR_RETURN(uint8_t n, cur_.U8());
      MV_RETURN_IF_ERROR(ReadCounted(n, in));
      break;
    }
    case ArgKind::kString4: {
      MV_ASSIGN_OR_RETURN(uint32_t n, cur_.Le32());
      if (static_cast<int32_t>(n) < 0) return Malformed("BINSTRING negative length", in.offset);
      MV_RETURN_IF_ERROR(ReadCounted(n, in));
      break;
    }
    case ArgKind::kBytes4:
    case ArgKind::kUnicodeString4: {
      MV_ASSIGN_OR_RETURN(uint32_t n, cur_.Le32());
      MV_RETURN_IF_ERROR(ReadCounted(n, in));
      break;
    }
    case ArgKind::kBytes8:
    case ArgKind::kByteArray8:
    case ArgKind::kUnicodeString8: {
      MV_ASSIGN_OR_RETURN(uint64_t n, cur_.Le64());
      MV_RETURN_IF_ERROR(ReadCounted(n, in));
      break;
    }
    case ArgKind::kLong1:
    case ArgKind::kLong4: {
      uint64_t n = 0;
      if (info->arg == ArgKind::kLong1) {
        MV_ASSIGN_OR_RETURN(uint8_t v, cur_.U8());
        n = v;
      } else {
        MV_ASSIGN_OR_RETURN(uint32_t v, cur_.Le32());
        if (static_cast<int32_t>(v) < 0) return Malformed("LONG4 negative length", in.offset);
        n = v;
      }
      MV_RETURN_IF_ERROR(ReadCounted(n, in));
      std::string raw = std::move(in.text);
      in.text.clear();
      const auto* p = reinterpret_cast<const uint8_t*>(raw.data());
      if (raw.size() < n) {  // only keep_ bytes were kept (e.g. while sniffing): no value
        in.big = n > 8;
        in.truncated = true;
        in.text = "<" + std::to_string(n) + "-byte int>";
        break;
      }
      if (n <= 8) {
        uint64_t u = 0;
        for (size_t i = n; i-- > 0;) u = (u << 8) | p[i];
        if (n > 0 && n < 8 && (p[n - 1] & 0x80)) u |= ~0ull << (8 * n);
        in.num = static_cast<int64_t>(u);
      }
      if (n < 8) {
        in.text = std::to_string(in.num);
      } else if (n <= 4096) {
        in.text = LongToDecimal(p, n);
        in.big = in.text != std::to_string(in.num);
      } else {
        in.big = true;
        in.truncated = true;
        in.text = "<" + std::to_string(n) + "-byte int>";
      }
      break;
    }
  }
  in.end = cur_.pos();
  return in;
}

Result<std::vector<Instr>> DisassembleOne(Source& src, uint64_t begin, uint64_t end) {
  Disassembler d(src, begin, end);
  std::vector<Instr> out;
  for (;;) {
    MV_ASSIGN_OR_RETURN(Instr in, d.Next());
    out.push_back(std::move(in));
    if (out.back().op == Op::kStop) return out;
  }
}

std::string Dump(const std::vector<Instr>& instrs) {
  std::string out;
  for (const auto& in : instrs) {
    const OpInfo* info = LookupOp(in.op);
    out += std::to_string(in.offset) + " " + info->name;
    switch (info->arg) {
      case ArgKind::kNone: break;
      case ArgKind::kStringNlNoEscapePair: out += " " + in.text + " " + in.text2; break;
      case ArgKind::kFloatNl:
      case ArgKind::kFloat8: {
        char buf[64];
        std::snprintf(buf, sizeof buf, " %.17g", in.fnum);
        out += buf;
        break;
      }
      case ArgKind::kLong1:
      case ArgKind::kLong4:
      case ArgKind::kDecimalNlLong: out += " " + in.text; break;
      case ArgKind::kDecimalNlShort:
        out += " " + (in.is_bool ? std::string(in.num ? "True" : "False")
                      : in.big   ? in.text
                                 : std::to_string(in.num));
        break;
      case ArgKind::kUint1:
      case ArgKind::kUint2:
      case ArgKind::kInt4:
      case ArgKind::kUint4:
      case ArgKind::kUint8: out += " " + std::to_string(in.num); break;
      default: {
        out += " '";
        for (unsigned char c : in.text.substr(0, 64)) {
          if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
            out.push_back(static_cast<char>(c));
          } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
          }
        }
        out += in.text.size() > 64 || in.truncated ? "'…" : "'";
      }
    }
    out += "\n";
  }
  return out;
}

}  // namespace mv::pickle
