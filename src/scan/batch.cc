#include "scan/batch.h"

#include <sched.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include "core/file_batch.h"
#include "core/prefault.h"

namespace mv::scan {

namespace {

// Files a thread opens at once (core/file_batch.h). A batch holds up to twice as many
// descriptors (its files, and the files of the one before, closed with the next opens): all
// threads' batches together stay within a quarter of what the process may open.
constexpr size_t kMaxBatch = 16;

size_t BatchLimit(unsigned threads) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1;
  const uint64_t soft = rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : rl.rlim_cur;
  return static_cast<size_t>(
      std::clamp<uint64_t>(soft / 4 / (2 * uint64_t{threads}), 1, kMaxBatch));
}

}  // namespace

unsigned DefaultJobs() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return static_cast<unsigned>(n);
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

std::vector<FileReport> ScanEntries(const std::vector<PathEntry>& entries, const Options& options,
                                    unsigned jobs, const Progress& progress, Crew* crew) {
  // The slots' pages are asked for in one call, not one fault per page (core/prefault.h).
  std::vector<FileReport> reports;
  reports.reserve(entries.size());
  PrefaultForWrite(reports.data(), entries.size() * sizeof(FileReport));
  reports.resize(entries.size());
  if (crew == nullptr) {
    if (jobs == 0) jobs = DefaultJobs();
    jobs = static_cast<unsigned>(std::min<size_t>(jobs, entries.size()));
  }
  const unsigned threads = crew != nullptr ? crew->size() : std::max(jobs, 1u);
  const size_t n = entries.size();
  const size_t batch_limit = n > 1 ? BatchLimit(threads) : 1;
  std::atomic<size_t> next{0};
  std::mutex progress_mu;
  size_t done = 0;
  // Workers take the next unscanned entries, a batch at a time while many are left (their
  // files opened together: core/file_batch.h), one at a time towards the end so that the
  // threads finish together. Each report is written to its own slot.
  std::function<void()> work = [&] {
    std::optional<FileBatch> files;  // made for the first batch of two files or more
    std::vector<const std::string*> paths;
    for (;;) {
      const size_t claimed = next.load(std::memory_order_relaxed);
      const size_t left = claimed < n ? n - claimed : 0;
      const size_t want = std::clamp<size_t>(left / (2 * threads), 1, batch_limit);
      const size_t first = next.fetch_add(want);
      if (first >= n) break;
      const size_t last = std::min(first + want, n);
      paths.clear();
      for (size_t i = first; i < last; ++i) {
        if (entries[i].error.empty()) paths.push_back(&entries[i].path);
      }
      const bool batched = paths.size() > 1;
      if (batched) {
        if (!files) files.emplace(batch_limit);
        files->Open(paths);
      }
      for (size_t i = first, k = 0; i < last; ++i) {
        const PathEntry& e = entries[i];
        if (!e.error.empty()) {
          reports[i] = SkippedReport(e);
        } else if (batched) {
          reports[i] = ScanOpenedFile(files->Take(k++), e.path, options);
        } else {
          reports[i] = ScanFile(e.path, options);
        }
        if (progress) {
          std::lock_guard lock(progress_mu);
          progress(++done, i);
        }
      }
    }
  };
  if (crew != nullptr) {
    crew->Run(work);  // helpers that find nothing left return at once
    return reports;
  }
  Crew now(jobs > 1 ? jobs - 1 : 0);
  now.Run(work);
  return reports;
}

}  // namespace mv::scan
