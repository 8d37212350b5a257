// Threads for one batch of work, started before the batch is known. On a virtual machine whose
// other CPUs are idle, a thread created when the work is ready first runs up to a few
// milliseconds later (measured: 0.3-4 ms on the 2-core VM of docs/benchmarks.md); one started
// before a scan's walk and asleep is woken far sooner (0.06-0.7 ms). The helpers sleep until
// Run() posts the work: they do not spin, because a spinning thread slowed the walk on the
// other CPU to half its speed (most likely the two virtual CPUs share a physical core).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

namespace mv::scan {

class Crew {
 public:
  // How long the caller polls for the helpers' last files once its own share is done, before
  // it sleeps: they usually finish within the same file.
  static constexpr std::chrono::microseconds kFinishSpin{200};

  // Starts `helpers` threads (0: none; Run then runs the work on the caller alone).
  explicit Crew(unsigned helpers);
  // Joins the helpers; those never given work (no Run) leave without running anything.
  ~Crew();
  Crew(const Crew&) = delete;
  Crew& operator=(const Crew&) = delete;

  // Runs `work` once on every helper and once on the calling thread, and returns when all
  // have returned (the helpers exit afterwards; the destructor joins them). At most once per
  // crew.
  void Run(const std::function<void()>& work);

  // The threads Run uses: the helpers and the caller.
  unsigned size() const { return static_cast<unsigned>(helpers_.size()) + 1; }

 private:
  enum State : int { kWaiting, kWork, kStop };
  void Help();

  std::atomic<int> state_{kWaiting};
  std::atomic<unsigned> finished_{0};            // helpers whose work has returned
  const std::function<void()>* work_ = nullptr;  // set before state_ becomes kWork
  std::vector<std::thread> helpers_;
};

}  // namespace mv::scan
