#include "scan/scan_paths.h"

#include <sys/stat.h>

#include <algorithm>
#include <utility>

#include "scan/hf_cache.h"

namespace mv::scan {

ScanPlan PlanScan(const std::vector<std::string>& paths,
                  const std::optional<std::string>& hf_cache_dir) {
  ScanPlan plan;
  // Every entry found is reported: files are scanned, what could not be walked is an error.
  plan.entries = ExpandPaths(paths);
  plan.first_named = plan.entries.size();
  if (hf_cache_dir) {
    for (auto& f : ListHfCache(*hf_cache_dir)) {
      // Each cached snapshot is a repository: ORG/NAME@REV.
      size_t at = f.display.find('@');
      std::string repo =
          at == std::string::npos ? "" : f.display.substr(0, f.display.find('/', at));
      plan.entries.push_back(
          {std::move(f.path), std::move(repo), std::move(f.error), std::move(f.limit)});
      plan.names.push_back(std::move(f.display));
    }
  }
  return plan;
}

bool MayBeMany(const std::vector<std::string>& paths, bool hf_cache) {
  if (hf_cache || paths.size() > 1) return true;
  struct stat st;
  return paths.size() == 1 && ::stat(paths[0].c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void GroupRepositories(const std::vector<PathEntry>& entries, ScanReport& report) {
  for (size_t i = 0; i < entries.size() && i < report.files.size(); ++i) {
    const PathEntry& e = entries[i];
    if (e.root.empty()) continue;
    auto it = std::find_if(report.repositories.begin(), report.repositories.end(),
                           [&](const auto& g) { return g.name == e.root; });
    if (it == report.repositories.end()) {
      report.repositories.push_back({e.root, {}, {}});
      it = report.repositories.end() - 1;
    }
    it->files.push_back(i);
    it->counts.Add(report.files[i].verdict);
  }
}

ScanReport ScanPlanned(const ScanPlan& plan, const Options& options, unsigned jobs,
                       const Progress& progress, Crew* crew) {
  ScanReport report;
  // Files are scanned on `jobs` threads (or the crew's); the reports come back in plan order.
  report.files = ScanEntries(plan.entries, options, jobs, progress, crew);
  // Files are reported under their paths (ScanFile); cached snapshot files under their names.
  for (size_t i = plan.first_named; i < report.files.size() && i < plan.entries.size(); ++i)
    report.files[i].path = plan.Name(i);
  GroupRepositories(plan.entries, report);
  return report;
}

}  // namespace mv::scan
