// `modelvet scan PATH… [--hf-cache]` as a library call: what is scanned, the name each file has
// in the report, and how files group into repositories. The CLI only parses arguments, asks
// for this and prints the report.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/scan_result.h"
#include "scan/batch.h"
#include "scan/scanner.h"
#include "scan/walk.h"

namespace mv::scan {

struct ScanPlan {
  std::vector<PathEntry> entries;  // what is scanned, in report order
  // Report names of the entries from `first_named` on (cached snapshot files, ORG/NAME@REV/…);
  // the entries before it are named by their paths.
  std::vector<std::string> names;
  size_t first_named = 0;

  // The name of entry `i` in the report.
  const std::string& Name(size_t i) const {
    return i < first_named ? entries[i].path : names[i - first_named];
  }
};

// The files under `paths` (ExpandPaths, named as found); with `hf_cache_dir`, also every cached
// model snapshot file (ListHfCache), named ORG/NAME@REV/path and rooted at its snapshot
// ORG/NAME@REV.
ScanPlan PlanScan(const std::vector<std::string>& paths,
                  const std::optional<std::string>& hf_cache_dir);

// Scans the plan on `jobs` threads (ScanEntries) into one report: the files in plan order under
// their display names, and the repository summaries (GroupRepositories).
// `crew`: threads started before the plan was made (ScanEntries).
ScanReport ScanPlanned(const ScanPlan& plan, const Options& options, unsigned jobs,
                       const Progress& progress = {}, Crew* crew = nullptr);
// Whether `paths` may name more than one file (several paths, a directory, the cache): the CLI
// then starts its scanning threads before the walk (Crew).
bool MayBeMany(const std::vector<std::string>& paths, bool hf_cache);

// One repository summary per distinct entry root (each directory argument, each cached
// snapshot), in order of first appearance, with the indices and verdict counts of its files.
// Entries without a root (file arguments) belong to none. `report.files` is in entry order.
void GroupRepositories(const std::vector<PathEntry>& entries, ScanReport& report);

}  // namespace mv::scan
