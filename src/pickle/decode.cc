#include "pickle/decode.h"

#include <bzlib.h>
#include <lzma.h>
#include <zlib.h>

#include <cstring>
#include <vector>

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

Result<std::string> Inflate(std::string_view in, int window_bits, size_t max_out) {
  z_stream zs{};
  if (inflateInit2(&zs, window_bits) != Z_OK) return Bad("zlib", "init failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buf[65536];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return Bad("zlib", "corrupt stream");
    }
    out.append(buf, sizeof buf - zs.avail_out);
    if (out.size() > max_out) {
      inflateEnd(&zs);
      return MakeError(Errc::kLimit, "decoded data larger than the limit");
    }
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      return Bad("zlib", "truncated stream");
    }
  }
  inflateEnd(&zs);
  return out;
}

Result<std::string> Bunzip(std::string_view in, size_t max_out) {
  bz_stream bs{};
  if (BZ2_bzDecompressInit(&bs, 0, 0) != BZ_OK) return Bad("bz2", "init failed");
  bs.next_in = const_cast<char*>(in.data());
  bs.avail_in = static_cast<unsigned>(in.size());
  std::string out;
  char buf[65536];
  int rc = BZ_OK;
  while (rc != BZ_STREAM_END) {
    bs.next_out = buf;
    bs.avail_out = sizeof buf;
    rc = BZ2_bzDecompress(&bs);
    if (rc != BZ_OK && rc != BZ_STREAM_END) {
      BZ2_bzDecompressEnd(&bs);
      return Bad("bz2", "corrupt stream");
    }
    out.append(buf, sizeof buf - bs.avail_out);
    if (out.size() > max_out) {
      BZ2_bzDecompressEnd(&bs);
      return MakeError(Errc::kLimit, "decoded data larger than the limit");
    }
    if (rc == BZ_OK && bs.avail_in == 0 && bs.avail_out != 0) {
      BZ2_bzDecompressEnd(&bs);
      return Bad("bz2", "truncated stream");
    }
  }
  BZ2_bzDecompressEnd(&bs);
  return out;
}

Result<std::string> Unxz(std::string_view in, size_t max_out) {
  lzma_stream ls = LZMA_STREAM_INIT;
  if (lzma_auto_decoder(&ls, 1ull << 30, 0) != LZMA_OK) return Bad("lzma", "init failed");
  ls.next_in = reinterpret_cast<const uint8_t*>(in.data());
  ls.avail_in = in.size();
  std::string out;
  uint8_t buf[65536];
  lzma_ret rc = LZMA_OK;
  while (rc != LZMA_STREAM_END) {
    ls.next_out = buf;
    ls.avail_out = sizeof buf;
    rc = lzma_code(&ls, ls.avail_in == 0 ? LZMA_FINISH : LZMA_RUN);
    if (rc != LZMA_OK && rc != LZMA_STREAM_END) {
      lzma_end(&ls);
      return Bad("lzma", "corrupt stream");
    }
    out.append(reinterpret_cast<const char*>(buf), sizeof buf - ls.avail_out);
    if (out.size() > max_out) {
      lzma_end(&ls);
      return MakeError(Errc::kLimit, "decoded data larger than the limit");
    }
  }
  lzma_end(&ls);
  return out;
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
    r = Inflate(in, 15, max_out);
  else if (codec == "gzip")
    r = Inflate(in, 16 + 15, max_out);
  else if (codec == "bz2")
    r = Bunzip(in, max_out);
  else if (codec == "lzma")
    r = Unxz(in, max_out);
  else if (codec == "latin1-encode")
    r = Latin1Encode(in);
  else if (codec == "utf8-encode")
    r = std::string(in);
  if (r.ok() && r->size() > max_out) return MakeError(Errc::kLimit, "decoded data too large");
  return r;
}

}  // namespace mv::pickle
