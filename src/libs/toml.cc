// The compiled part of toml++, built from Debian's libtomlplusplus-dev headers into the
// binaries instead of linking libtomlplusplus.so (which needs libstdc++.so; see fmt.cc).
// Every user compiles the headers with TOML_HEADER_ONLY=0 (src/libs/CMakeLists.txt), so the
// definitions exist once, here.
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>
