#include "queue/rate_gate.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "store/job_queue.h"

namespace mv::queue {

namespace {
// Longest single sleep between two looks at the bucket (a pause may be lifted meanwhile).
constexpr double kMaxSleepSeconds = 5;
}  // namespace

Result<std::shared_ptr<StoreRateGate>> StoreRateGate::Open(const std::string& db,
                                                           RateBudget budget) {
  MV_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> s, store::Open(db));
  if (!s->Queue())
    return MakeError(Errc::kUnsupported,
                     "the shared rate budget needs PostgreSQL (--db "
                     "postgresql://…)");
  return std::shared_ptr<StoreRateGate>(new StoreRateGate(std::move(s), budget));
}

double StoreRateGate::PerSecond(std::string_view bucket) const {
  double quota = bucket == "resolvers" ? budget_.resolvers_per_window : budget_.api_per_window;
  return quota / std::max(1.0, budget_.window_seconds);
}

void StoreRateGate::Acquire(std::string_view bucket) {
  double rate = PerSecond(bucket);
  double burst = std::max(1.0, rate * budget_.burst_seconds);
  for (;;) {
    Result<double> wait = 0.0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      wait = store_->Queue()->TakeToken(std::string(bucket), rate, burst);
    }
    // The database unreachable for longer than the store's own retries: go on rather than stop
    // every request (the hub's own 429s still slow us down).
    if (!wait.ok() || *wait <= 0) return;
    std::this_thread::sleep_for(std::chrono::duration<double>(std::min(*wait, kMaxSleepSeconds)));
  }
}

void StoreRateGate::RateLimited(std::string_view bucket, long wait_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  (void)store_->Queue()->PauseBucket(std::string(bucket),
                                     std::max(1.0, static_cast<double>(wait_ms) / 1000.0));
}

}  // namespace mv::queue
