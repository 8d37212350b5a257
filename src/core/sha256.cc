#include "core/sha256.h"

#include <openssl/evp.h>

#include <memory>
#include <vector>

namespace mv {

namespace {

std::string Hex(const unsigned char* d, unsigned n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (unsigned i = 0; i < n; ++i) {
    out.push_back(kDigits[d[i] >> 4]);
    out.push_back(kDigits[d[i] & 15]);
  }
  return out;
}

using Ctx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

}  // namespace

Result<std::string> Sha256Hex(Source& src) {
  Ctx ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return MakeError(Errc::kUnsupported, "SHA-256: libcrypto (OpenSSL) cannot be loaded");
  }
  // Streamed through one buffer with ReadInto: a 5 GB file is hashed without being kept
  // resident (mapped pages would stay in the process until the scan ends).
  std::vector<uint8_t> buf(1 << 20);
  for (uint64_t off = 0; off < src.size();) {
    MV_ASSIGN_OR_RETURN(size_t n, src.ReadInto(off, buf));
    if (n == 0) return MakeError(Errc::kIo, "short read while hashing", off);
    EVP_DigestUpdate(ctx.get(), buf.data(), n);
    off += n;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &n);
  return Hex(md, n);
}

std::string Sha256Hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &n, EVP_sha256(), nullptr);
  return Hex(md, n);
}

}  // namespace mv
