// The hub's rate limit as one budget for every worker on every machine: a hub::RequestGate over
// the store's token bucket rows (store::JobQueue::TakeToken), one bucket per hub rate-limit
// bucket ("api", "resolvers"). A 429 seen by any worker pauses the bucket for all of them.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "hub/client.h"
#include "store/store.h"

namespace mv::queue {

// The hub's quotas (docs/scale.md): requests per fixed window, per bucket. The defaults are
// the anonymous quotas the hub documents; a token raises them.
struct RateBudget {
  double api_per_window = 500;
  double resolvers_per_window = 3000;
  double window_seconds = 300;
  // Tokens a bucket may hold: the burst one worker may send after an idle spell. Small, so the
  // whole fleet's rate stays near quota/window instead of spending a window's quota at once.
  double burst_seconds = 5;
};

class StoreRateGate final : public hub::RequestGate {
 public:
  // Opens its own store connection (the gate is called from inside hub requests, while the
  // worker's own connection may be in use).
  static Result<std::shared_ptr<StoreRateGate>> Open(const std::string& db, RateBudget budget);

  void Acquire(std::string_view bucket) override;
  void RateLimited(std::string_view bucket, long wait_ms) override;

 private:
  StoreRateGate(std::unique_ptr<store::Store> s, RateBudget b) : store_(std::move(s)), budget_(b) {}
  double PerSecond(std::string_view bucket) const;

  std::mutex mu_;
  std::unique_ptr<store::Store> store_;
  RateBudget budget_;
};

}  // namespace mv::queue
