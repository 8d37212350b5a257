#pragma once

namespace mv {
inline constexpr const char* kVersion = "0.1.0";
}  // namespace mv
