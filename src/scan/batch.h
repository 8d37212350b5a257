// Scans many files on several threads. Each file is scanned by one thread from start to end
// (the engine keeps no shared mutable state); the reports come back in the order of the
// entries, so the output of `-j N` is byte-identical to `-j 1`.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "core/scan_result.h"
#include "scan/crew.h"
#include "scan/scanner.h"
#include "scan/walk.h"

namespace mv::scan {

// Worker threads for `jobs` = 0: the CPUs this process may run on (at least 1).
unsigned DefaultJobs();

// Called once per finished entry, from the worker thread that scanned it, never concurrently
// with itself: `done` counts finished entries so far, `index` is the one just finished.
using Progress = std::function<void(size_t done, size_t index)>;

// One report per entry, in entry order: ScanFile for entries to scan, SkippedReport for those
// that could not be walked. `jobs` = 0 means DefaultJobs(); never more threads than entries.
// With `crew` (started before the entries were known), its threads scan instead and `jobs` is
// not used.
std::vector<FileReport> ScanEntries(const std::vector<PathEntry>& entries, const Options& options,
                                    unsigned jobs, const Progress& progress = {},
                                    Crew* crew = nullptr);

}  // namespace mv::scan
