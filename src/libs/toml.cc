// The compiled part of toml++, built from Debian's libtomlplusplus-dev headers into the
// binaries instead of linking libtomlplusplus.so (which needs libstdc++.so; see fmt.cc).
// Every user compiles the headers with TOML_HEADER_ONLY=0 (src/libs/CMakeLists.txt), so the
// definitions exist once, here; libs/toml.h is how every file includes toml++.
#define TOML_IMPLEMENTATION
#include "libs/toml.h"
