#include "scan/crew.h"

#include <exception>

namespace mv::scan {

namespace {

// A spin-wait hint: the core's sibling thread and the hypervisor see a waiting CPU.
void Pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

Crew::Crew(unsigned helpers) {
  helpers_.reserve(helpers);
  for (unsigned i = 0; i < helpers; ++i) helpers_.emplace_back([this] { Help(); });
}

Crew::~Crew() {
  int expected = kWaiting;
  if (state_.compare_exchange_strong(expected, kStop)) state_.notify_all();
  for (auto& t : helpers_) t.join();
}

void Crew::Help() {
  state_.wait(kWaiting, std::memory_order_acquire);  // returns once the state has changed
  if (state_.load(std::memory_order_acquire) != kWork) return;
  (*work_)();
  finished_.fetch_add(1, std::memory_order_release);
  finished_.notify_one();
}

void Crew::Run(const std::function<void()>& work) {
  work_ = &work;
  state_.store(kWork, std::memory_order_release);
  state_.notify_all();
  // The helpers use `work` (and what it refers to) until they finish: they are waited for
  // even when the caller's share throws.
  std::exception_ptr failed;
  try {
    work();
  } catch (...) {
    failed = std::current_exception();
  }
  // The helpers' work is waited for, not their exit (the destructor joins them): a helper
  // finishing its last file while the caller finishes its own is seen at once, and the
  // report is written while the threads wind down.
  const auto until = std::chrono::steady_clock::now() + kFinishSpin;
  const auto helpers = static_cast<unsigned>(helpers_.size());
  for (unsigned polls = 0;; ++polls) {
    unsigned f = finished_.load(std::memory_order_acquire);
    if (f >= helpers) break;
    if (polls % 64 == 63 && std::chrono::steady_clock::now() >= until) {
      finished_.wait(f, std::memory_order_acquire);
      continue;
    }
    Pause();
  }
  if (failed) std::rethrow_exception(failed);
}

}  // namespace mv::scan
