#include "scan/batch.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "core/prefault.h"

namespace mv::scan {

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
  std::atomic<size_t> next{0};
  std::mutex progress_mu;
  size_t done = 0;
  // Workers take the next unscanned entry; each report is written to its own slot.
  std::function<void()> work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < entries.size();) {
      const PathEntry& e = entries[i];
      reports[i] = e.error.empty() ? ScanFile(e.path, options) : SkippedReport(e);
      if (progress) {
        std::lock_guard lock(progress_mu);
        progress(++done, i);
      }
    }
  };
  if (crew != nullptr) {
    crew->Run(work);  // helpers that find nothing left return at once
    return reports;
  }
  if (jobs == 0) jobs = DefaultJobs();
  jobs = static_cast<unsigned>(std::min<size_t>(jobs, entries.size()));
  Crew now(jobs > 1 ? jobs - 1 : 0);
  now.Run(work);
  return reports;
}

}  // namespace mv::scan
