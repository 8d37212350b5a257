// The harness script (harness.py), embedded at build time so an installed modelvet needs no
// data files.
#pragma once

#include <string_view>

namespace mv::reproduce {

std::string_view HarnessSource();

}  // namespace mv::reproduce
