#include "pickle/decode.h"

#include <cstring>
#include <vector>

#include "codec/codec.h"

namespace mv::pickle {

namespace {

Error Bad(const std::string& codec, const char* what) {
  return MakeError(Errc::kMalformed, codec + ": " + what);
}

// binascii.a2b_base64 without validation: characters outside the alphabet are skipped, the
// first '=' pad ends the data.
Result<std::string> Base64(std::string_view in, bool urlsafe) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = -1;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == (urlsafe ? '-' : '+'))
      v = 62;
    else if (c == (urlsafe ? '_' : '/'))
      v = 63;
    else if (c == '=')
      break;
    if (v < 0) continue;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

Result<std::string> Base32(std::string_view in) {
  std::string out;
  uint64_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = -1;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= '2' && c <= '7')
      v = c - '2' + 26;
    else if (c == '=')
      break;
    else
      return Bad("base32", "non-alphabet character");
    acc = (acc << 5) | static_cast<uint64_t>(v);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> HexDecode(std::string_view in, bool skip_space) {
  std::string out;
  int hi = -1;
  for (char c : in) {
    if (skip_space && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) continue;
    int v = Hex(c);
    if (v < 0) return Bad("hex", "non-hex character");
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<char>(hi * 16 + v));
      hi = -1;
    }
  }
  if (hi >= 0) return Bad("hex", "odd number of digits");
  return out;
}

// zlib.decompress, gzip.decompress, bz2.decompress, lzma.decompress through codec/, so the
// decoder memory and output limits are the ones every other decoder obeys.
Result<std::string> Decompress(codec::Codec c, const char* name, std::string_view in,
                               size_t max_out, bool concatenated) {
  codec::Decoded d = codec::DecodeBytes(
      c, ByteSpan(reinterpret_cast<const uint8_t*>(in.data()), in.size()), max_out, concatenated);
  if (d.limit_hit) return MakeError(Errc::kLimit, "decoded data larger than the limit");
  if (!d.error.empty()) return Bad(name, "corrupt stream");
  if (!d.finished) return Bad(name, "truncated stream");
  return std::string(d.bytes.begin(), d.bytes.end());
}

// UTF-8 text -> latin-1 bytes; code points above 0xFF cannot be encoded.
Result<std::string> Latin1Encode(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if ((c & 0xE0) == 0xC0 && i + 1 < in.size()) {
      uint32_t cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(in[i + 1]) & 0x3Fu);
      if (cp > 0xFF) return Bad("latin1", "code point not encodable");
      out.push_back(static_cast<char>(cp));
      ++i;
    } else {
      return Bad("latin1", "code point not encodable");
    }
  }
  return out;
}

}  // namespace

Result<std::string> DecodeData(std::string_view codec, std::string_view in, size_t max_out) {
  Result<std::string> r = Bad(std::string(codec), "unknown codec");
  if (codec == "base64")
    r = Base64(in, false);
  else if (codec == "urlsafe-base64")
    r = Base64(in, true);
  else if (codec == "base32")
    r = Base32(in);
  else if (codec == "base16")
    r = HexDecode(in, false);
  else if (codec == "hex")
    r = HexDecode(in, true);
  else if (codec == "zlib")
    r = Decompress(codec::Codec::kZlib, "zlib", in, max_out, false);
  else if (codec == "gzip")  // gzip.decompress reads every member
    r = Decompress(codec::Codec::kGzip, "gzip", in, max_out, true);
  else if (codec == "bz2")  // bz2.decompress reads every stream
    r = Decompress(codec::Codec::kBzip2, "bz2", in, max_out, true);
  else if (codec == "lzma")  // lzma.decompress: FORMAT_AUTO, every stream
    r = Decompress(codec::LzmaFormatOf(ByteSpan(reinterpret_cast<const uint8_t*>(in.data()),
                                                std::min<size_t>(in.size(), 6))),
                   "lzma", in, max_out, true);
  else if (codec == "latin1-encode")
    r = Latin1Encode(in);
  else if (codec == "utf8-encode")
    r = std::string(in);
  if (r.ok() && r->size() > max_out) return MakeError(Errc::kLimit, "decoded data too large");
  return r;
}

}  // namespace mv::pickle
