#include "pickle/disasm.h"

#include <algorithm>
#include <cstring>

#include "core/limits.h"
#include "pickle/operands.h"

namespace mv::pickle {

namespace {

Error Malformed(std::string msg, uint64_t off) {
  return MakeError(Errc::kMalformed, std::move(msg), off);
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

Result<Disassembler::Line> Disassembler::ReadLine(uint64_t op_offset) {
  Line line;
  // The first peek is small: sniffing reads mostly tensor bytes, whose lines end early.
  size_t want = 512;
  for (;;) {
    MV_ASSIGN_OR_RETURN(ByteSpan chunk, cur_.Peek(want));
    want = 64 * 1024;
    if (chunk.empty()) return MakeError(Errc::kTruncated, "line not terminated", op_offset);
    const void* nl = std::memchr(chunk.data(), '\n', chunk.size());
    size_t n =
        nl ? static_cast<size_t>(static_cast<const uint8_t*>(nl) - chunk.data()) : chunk.size();
    size_t room = limits::kMaxKeptLine - std::min(line.text.size(), limits::kMaxKeptLine);
    line.text.append(reinterpret_cast<const char*>(chunk.data()), std::min(n, room));
    if (n > 0) line.last = static_cast<char>(chunk[n - 1]);
    MV_RETURN_IF_ERROR(cur_.Skip(nl ? n + 1 : n));
    line.length += n;
    if (line.length > max_line_) return MakeError(Errc::kLimit, "line too long", op_offset);
    if (nl) {
      line.cut = line.length > line.text.size();
      return line;
    }
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
  MV_RETURN_IF_ERROR(Next(in));
  return in;
}

Status Disassembler::Next(Instr& in) {
  // Every field as a new Instr has it, but the strings' storage is kept (field by field: no
  // Instr is built and no string moved per opcode; a new field of Instr is reset here too).
  in.op = Op::kStop;
  in.num = 0;
  in.is_bool = false;
  in.big = false;
  in.fnum = 0;
  in.text.clear();
  in.text2.clear();
  in.length = 0;
  in.truncated = false;
  in.end = 0;
  in.data_offset = 0;
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
    case ArgKind::kDecimalNlShort:
    case ArgKind::kDecimalNlLong: {
      MV_ASSIGN_OR_RETURN(Line line, ReadLine(in.offset));
      std::optional<operands::Int> v;
      if (!line.cut) {
        v = in.op == Op::kInt    ? operands::ParseInt(line.text)
            : in.op == Op::kLong ? operands::ParseLong(line.text)
                                 : operands::ParseMemoIndex(line.text);
      }
      if (!v) {
        return Malformed(std::string(info->name) + " argument is not an integer Python accepts",
                         in.offset);
      }
      in.is_bool = v->is_bool;
      in.num = v->num;
      in.big = !v->fits;
      in.truncated = !v->exact;
      in.text = v->dec;
      break;
    }
    case ArgKind::kFloatNl: {
      MV_ASSIGN_OR_RETURN(Line line, ReadLine(in.offset));
      std::optional<double> v;
      if (!line.cut) v = operands::ParseFloat(line.text);
      if (!v) return Malformed("FLOAT argument is not a number Python accepts", in.offset);
      in.fnum = *v;
      in.text = line.text;
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
      MV_ASSIGN_OR_RETURN(Line line, ReadLine(in.offset));
      std::optional<std::string> v;
      if (line.cut) {
        // Longer than limits::kMaxKeptLine: the quotes are checked at both real ends and the
        // kept part decoded (an escape cut in half is dropped); the value is a prefix.
        char q = line.text.empty() ? '\0' : line.text[0];
        if ((q == '\'' || q == '"') && line.last == q) {
          std::string body = line.text.substr(1);
          for (int k = 0; k < 4 && !body.empty() && !(v = operands::ParseString(q + body + q));
               ++k) {
            body.pop_back();
          }
        }
        in.truncated = true;
      } else {
        v = operands::ParseString(line.text);
      }
      if (!v) return Malformed("STRING argument is not a quoted string Python accepts", in.offset);
      in.text = std::move(*v);
      in.length = in.truncated ? line.length : in.text.size();
      break;
    }
    case ArgKind::kStringNlNoEscape: {  // PERSID
      MV_ASSIGN_OR_RETURN(Line line, ReadLine(in.offset));
      if (!operands::AsciiOk(line.text)) {
        return Malformed("PERSID argument is not ASCII", in.offset);
      }
      in.text = std::move(line.text);
      in.truncated = line.cut;
      in.length = line.length;
      break;
    }
    case ArgKind::kStringNlNoEscapePair: {  // GLOBAL, INST
      MV_ASSIGN_OR_RETURN(Line module, ReadLine(in.offset));
      MV_ASSIGN_OR_RETURN(Line name, ReadLine(in.offset));
      auto ok = in.op == Op::kGlobal ? operands::GlobalNameOk : operands::AsciiOk;
      if (module.cut || name.cut || !ok(module.text) || !ok(name.text)) {
        return Malformed(std::string(info->name) + (in.op == Op::kGlobal ? " names are not UTF-8"
                                                                         : " names are not ASCII"),
                         in.offset);
      }
      in.text = std::move(module.text);
      in.text2 = std::move(name.text);
      break;
    }
    case ArgKind::kUnicodeStringNl: {
      MV_ASSIGN_OR_RETURN(Line line, ReadLine(in.offset));
      std::optional<std::string> v;
      if (line.cut) {
        std::string body = line.text;
        for (int k = 0; k < 10 && !(v = operands::ParseUnicode(body)); ++k) body.pop_back();
        in.truncated = true;
      } else {
        v = operands::ParseUnicode(line.text);
      }
      if (!v) return Malformed("UNICODE argument has a bad escape", in.offset);
      in.text = std::move(*v);
      in.length = in.truncated ? line.length : in.text.size();
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
  return OkStatus();
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
    out += std::to_string(in.offset);
    out.push_back(' ');
    out += info->name;
    switch (info->arg) {
      case ArgKind::kNone: break;
      case ArgKind::kStringNlNoEscapePair:
        out.push_back(' ');
        out += in.text;
        out.push_back(' ');
        out += in.text2;
        break;
      case ArgKind::kFloatNl:
      case ArgKind::kFloat8: {
        char buf[64];
        std::snprintf(buf, sizeof buf, " %.17g", in.fnum);
        out += buf;
        break;
      }
      case ArgKind::kLong1:
      case ArgKind::kLong4:
      case ArgKind::kDecimalNlLong:
        out.push_back(' ');
        out += in.text;
        break;
      case ArgKind::kDecimalNlShort:
        out.push_back(' ');
        out += in.is_bool ? std::string(in.num ? "True" : "False")
               : in.big   ? in.text
                          : std::to_string(in.num);
        break;
      case ArgKind::kUint1:
      case ArgKind::kUint2:
      case ArgKind::kInt4:
      case ArgKind::kUint4:
      case ArgKind::kUint8:
        out.push_back(' ');
        out += std::to_string(in.num);
        break;
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
