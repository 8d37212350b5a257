// libcurl, opened on first use (core/lazy_lib.h): `modelvet scan` never loads it.
#define CURL_DISABLE_TYPECHECK  // the type-checking macros would hide the definitions below
#include <curl/curl.h>

#include <cstdarg>

#include "core/lazy_lib.h"

#define CURL_FN(ret, name, params, args, fallback) \
  MV_LAZY_FN(MV_CURL_SONAME, ret, name, params, args, fallback)

CURL_FN(CURLcode, curl_global_init, (long flags), (flags), CURLE_FAILED_INIT)
CURL_FN(CURL*, curl_easy_init, (void), (), nullptr)
CURL_FN(void, curl_easy_cleanup, (CURL * c), (c), void())
CURL_FN(void, curl_easy_reset, (CURL * c), (c), void())
CURL_FN(CURLcode, curl_easy_perform, (CURL * c), (c), CURLE_FAILED_INIT)
CURL_FN(const char*, curl_easy_strerror, (CURLcode code), (code), "libcurl cannot be loaded")
CURL_FN(curl_slist*, curl_slist_append, (curl_slist * l, const char* s), (l, s), nullptr)
CURL_FN(void, curl_slist_free_all, (curl_slist * l), (l), void())
CURL_FN(void, curl_free, (void* p), (p), void())
CURL_FN(CURLU*, curl_url, (void), (), nullptr)
CURL_FN(void, curl_url_cleanup, (CURLU * u), (u), void())
CURL_FN(CURLUcode, curl_url_set, (CURLU * u, CURLUPart what, const char* part, unsigned int flags),
        (u, what, part, flags), CURLUE_OUT_OF_MEMORY)
CURL_FN(CURLUcode, curl_url_get, (CURLU * u, CURLUPart what, char** part, unsigned int flags),
        (u, what, part, flags), CURLUE_OUT_OF_MEMORY)

// The two variadic functions take exactly one more argument: a long, a curl_off_t, or a
// pointer (data or function), each passed in one integer register on the LP64 ABIs; it is
// forwarded as such.
namespace {
template <typename Key>
CURLcode ForwardOne(const char* name, CURL* c, Key key, va_list ap) {
  using Fn = CURLcode (*)(CURL*, Key, ...);
  auto fn = reinterpret_cast<Fn>(mv::LazySymbol(MV_CURL_SONAME, name));
  if (fn == nullptr) return CURLE_FAILED_INIT;
  void* arg = va_arg(ap, void*);
  return fn(c, key, arg);
}
}  // namespace

// The last named parameters are enums (as curl.h declares them); clang's -Wvarargs warns that
// an enum could be promoted, which cannot happen here: CURLoption and CURLINFO are int-sized.
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wvarargs"
#endif

extern "C" CURLcode curl_easy_setopt(CURL* c, CURLoption option, ...) {
  va_list ap;
  va_start(ap, option);
  CURLcode rc = ForwardOne("curl_easy_setopt", c, option, ap);
  va_end(ap);
  return rc;
}

extern "C" CURLcode curl_easy_getinfo(CURL* c, CURLINFO info, ...) {
  va_list ap;
  va_start(ap, info);
  CURLcode rc = ForwardOne("curl_easy_getinfo", c, info, ap);
  va_end(ap);
  return rc;
}

#if defined(__clang__)
#pragma clang diagnostic pop
#endif
