#pragma once

#include <string>

#include "core/result.h"
#include "core/source.h"

namespace mv {

// Hex SHA-256 of the whole source (reads every byte).
Result<std::string> Sha256Hex(Source& src);
std::string Sha256Hex(std::string_view bytes);

}  // namespace mv
