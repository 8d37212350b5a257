// The decoders of codec/ as the format readers use them, with the budgets that tie them to a
// file's scan: the output budget of a member given what the file already expanded, and the
// anomalies an unclean end turns into.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "codec/codec.h"
#include "core/facts.h"
#include "core/source.h"
#include "formats/format.h"

namespace mv::formats::compress {

using codec::Codec;
using codec::Decode;
using codec::Decoded;
using codec::Decoder;
using codec::Probe;
using codec::TrialInflate;

// Output budget for `compressed` input bytes given what the file already expanded:
// min(kMaxInMemoryMember, kMaxExpandedBytes - ctx.expanded_bytes,
//     max(kExpansionRatioFloor, compressed * kMaxExpansionRatio)).
uint64_t OutputBudget(uint64_t compressed, const ReadContext& ctx);
// The same without the in-memory bound, for members decoded on demand (StreamSource).
uint64_t StreamBudget(uint64_t compressed, const ReadContext& ctx);

// Charges the output (d.produced) to ctx.expanded_bytes and appends anomalies for an unclean end:
// `limit.expansion`, `<prefix>.truncated`, `<prefix>.corrupt` (all incomplete).
void Account(const Decoded& d, const std::string& prefix, const std::string& what, uint64_t offset,
             ReadContext& ctx, std::vector<Anomaly>& out);

}  // namespace mv::formats::compress
