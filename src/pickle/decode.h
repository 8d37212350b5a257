// Pure decoders the machine evaluates at analysis time (base64.b64decode, zlib.decompress, …)
// so that a payload hidden behind them (pickle.loads(zlib.decompress(b64decode(…)))) is seen.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace mv::pickle {

// codec: "base64", "urlsafe-base64", "base32", "base16", "hex", "zlib", "gzip", "bz2",
// "lzma", "latin1-encode", "utf8-encode". Output above max_out is a kLimit error.
Result<std::string> DecodeData(std::string_view codec, std::string_view in, size_t max_out);

}  // namespace mv::pickle
