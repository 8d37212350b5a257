// libarchive (7z only), opened on first use (core/lazy_lib.h): scanning anything else never
// loads it or what it links (libxml2, ICU, nettle, ACL).
#include <archive.h>
#include <archive_entry.h>

#include <cstdarg>
#include <cstdio>

#include "core/lazy_lib.h"

#define ARCHIVE_FN(ret, name, params, args, fallback) \
  MV_LAZY_FN(MV_ARCHIVE_SONAME, ret, name, params, args, fallback)

ARCHIVE_FN(struct archive*, archive_read_new, (void), (), nullptr)
ARCHIVE_FN(int, archive_read_free, (struct archive * a), (a), ARCHIVE_FATAL)
ARCHIVE_FN(int, archive_read_support_format_7zip, (struct archive * a), (a), ARCHIVE_FATAL)
ARCHIVE_FN(int, archive_read_set_callback_data, (struct archive * a, void* d), (a, d),
           ARCHIVE_FATAL)
ARCHIVE_FN(int, archive_read_set_read_callback, (struct archive * a, archive_read_callback* f),
           (a, f), ARCHIVE_FATAL)
ARCHIVE_FN(int, archive_read_set_seek_callback, (struct archive * a, archive_seek_callback* f),
           (a, f), ARCHIVE_FATAL)
ARCHIVE_FN(int, archive_read_set_skip_callback, (struct archive * a, archive_skip_callback* f),
           (a, f), ARCHIVE_FATAL)
ARCHIVE_FN(int, archive_read_open1, (struct archive * a), (a), ARCHIVE_FATAL)
ARCHIVE_FN(int, archive_read_next_header, (struct archive * a, struct archive_entry** e), (a, e),
           ARCHIVE_FATAL)
ARCHIVE_FN(la_ssize_t, archive_read_data, (struct archive * a, void* buf, size_t n), (a, buf, n),
           ARCHIVE_FATAL)
ARCHIVE_FN(const char*, archive_error_string, (struct archive * a), (a),
           "libarchive cannot be loaded")
ARCHIVE_FN(const char*, archive_entry_pathname, (struct archive_entry * e), (e), nullptr)
ARCHIVE_FN(const char*, archive_entry_pathname_utf8, (struct archive_entry * e), (e), nullptr)
ARCHIVE_FN(__LA_MODE_T, archive_entry_filetype, (struct archive_entry * e), (e), 0)

// Variadic (printf-style): formatted here, handed over as one "%s" argument.
extern "C" void archive_set_error(struct archive* a, int code, const char* fmt, ...) {
  using Fn = void (*)(struct archive*, int, const char*, ...);
  static Fn fn = reinterpret_cast<Fn>(mv::LazySymbol(MV_ARCHIVE_SONAME, "archive_set_error"));
  if (fn == nullptr) return;
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fn(a, code, "%s", msg);
}
