// A hash for std::string keys that also takes std::string_view (heterogeneous lookup): with
// std::equal_to<>, an unordered container of strings is searched by view without building a
// key string.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace mv {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace mv
