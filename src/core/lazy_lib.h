// Shared libraries opened on first use instead of at start-up. `modelvet scan` starts in a few
// milliseconds only if the dynamic loader does not map and relocate libcurl, libarchive and
// libhdf5 (with their ~35 dependencies: TLS, Kerberos, LDAP, ICU, …) before main; so those are
// not linked. Each is reached through a shim (`*_lazy.cc` beside its user) that defines the
// library's functions the project calls and forwards each to the real one, opened with
// dlopen(3) on the first call. The SONAMEs come from the libraries CMake found
// (cmake/soname.cmake), so the shim opens exactly the library the build compiled against.
//
// A missing library is not a crash: a shim function returns the library's own failure value
// (curl_easy_init → nullptr, H5open → -1, archive_read_new → nullptr), which its caller
// already handles as an error.
#pragma once

#include <mutex>

namespace mv {

// The address of `symbol` in the shared library `soname`, opened on first use (once per
// process; thread-safe); nullptr when the library or the symbol cannot be loaded.
void* LazySymbol(const char* soname, const char* symbol);

// Forwarder for one function of a lazily opened library: defines `name` with C linkage. The
// real function is looked up once; `fallback` is returned when it cannot be.
#define MV_LAZY_FN(soname, ret, name, params, args, fallback)             \
  extern "C" ret name params {                                            \
    using Fn = ret(*) params;                                             \
    static Fn fn = reinterpret_cast<Fn>(::mv::LazySymbol(soname, #name)); \
    if (fn == nullptr) return fallback;                                   \
    return fn args;                                                       \
  }

}  // namespace mv
