// libcrypto (OpenSSL), opened on first use (core/lazy_lib.h): only hashing (`--sha256`, hub
// downloads) needs it, and it is the costliest library to load (about 21,000 relocations), so
// scanning does not map it at start-up.
//
// The forwarders are hidden: in modelvet-serve, which links OpenSSL's TLS library, that library
// keeps calling libcrypto's own functions (dlopen then returns the already loaded libcrypto).
// When libcrypto cannot be loaded, EVP_MD_CTX_new returns null, which sha256.cc reports.
#include "core/lazy_lib.h"

#pragma GCC visibility push(hidden)
#include <openssl/evp.h>

#define CRYPTO_FN(ret, name, params, args, fallback) \
  MV_LAZY_FN(MV_CRYPTO_SONAME, ret, name, params, args, fallback)

CRYPTO_FN(EVP_MD_CTX*, EVP_MD_CTX_new, (void), (), nullptr)
CRYPTO_FN(void, EVP_MD_CTX_free, (EVP_MD_CTX * ctx), (ctx), void())
CRYPTO_FN(const EVP_MD*, EVP_sha256, (void), (), nullptr)
CRYPTO_FN(const EVP_MD*, EVP_sha1, (void), (), nullptr)
CRYPTO_FN(int, EVP_DigestInit_ex, (EVP_MD_CTX * ctx, const EVP_MD* type, ENGINE* impl),
          (ctx, type, impl), 0)
CRYPTO_FN(int, EVP_DigestUpdate, (EVP_MD_CTX * ctx, const void* d, size_t cnt), (ctx, d, cnt), 0)
CRYPTO_FN(int, EVP_DigestFinal_ex, (EVP_MD_CTX * ctx, unsigned char* md, unsigned int* s),
          (ctx, md, s), 0)
CRYPTO_FN(int, EVP_Digest,
          (const void* data, size_t count, unsigned char* md, unsigned int* size,
           const EVP_MD* type, ENGINE* impl),
          (data, count, md, size, type, impl), 0)
#pragma GCC visibility pop
