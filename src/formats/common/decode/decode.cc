#include "formats/common/decode/decode.h"

#include <algorithm>

#include "core/limits.h"

namespace mv::formats::compress {

namespace {
uint64_t TotalAndRatio(uint64_t compressed, const ReadContext& ctx) {
  uint64_t total = ctx.expanded_bytes >= limits::kMaxExpandedBytes
                       ? 0
                       : limits::kMaxExpandedBytes - ctx.expanded_bytes;
  uint64_t ratio = compressed > UINT64_MAX / limits::kMaxExpansionRatio
                       ? UINT64_MAX
                       : compressed * limits::kMaxExpansionRatio;
  ratio = std::max(ratio, limits::kExpansionRatioFloor);
  return std::min(total, ratio);
}
}  // namespace

uint64_t OutputBudget(uint64_t compressed, const ReadContext& ctx) {
  return std::min(limits::kMaxInMemoryMember, TotalAndRatio(compressed, ctx));
}

uint64_t StreamBudget(uint64_t compressed, const ReadContext& ctx) {
  return TotalAndRatio(compressed, ctx);
}

void Account(const Decoded& d, const std::string& prefix, const std::string& what, uint64_t offset,
             ReadContext& ctx, std::vector<Anomaly>& out) {
  ctx.expanded_bytes += d.produced;
  if (d.limit_hit) {
    out.push_back(
        Anomaly::Defect("limit.expansion",
                        what + ": decompression stopped after " + std::to_string(d.produced) +
                            " bytes (expansion limits: ratio, total or in-memory member); the rest "
                            "was not analysed",
                        offset)
            .Incomplete());
  } else if (!d.error.empty()) {
    out.push_back(Anomaly::Defect(prefix + ".corrupt",
                                  what + ": compressed data is corrupt (" + d.error + ") after " +
                                      std::to_string(d.produced) + " decoded bytes",
                                  offset + d.consumed)
                      .Incomplete());
  } else if (d.truncated || !d.finished) {
    out.push_back(Anomaly::Defect(prefix + ".truncated",
                                  what + ": compressed stream ends early after " +
                                      std::to_string(d.produced) + " decoded bytes",
                                  offset + d.consumed)
                      .Incomplete());
  }
}

}  // namespace mv::formats::compress
