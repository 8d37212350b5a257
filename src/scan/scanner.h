// Scans one file (or any Source): walks containers with an explicit work stack, runs the
// payload engines, and asks verdict/ for the judgement. Reads only what the verdict needs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/limits.h"
#include "core/scan_result.h"
#include "core/source.h"
#include "kb/kb.h"

namespace mv::scan {

struct Options {
  std::shared_ptr<const kb::KnowledgeBase> kb;  // required
  bool compute_sha256 = false;                  // reads the whole file; off by default
  uint64_t time_budget_ms = limits::kDefaultFileTimeBudgetMs;
};

// Scans src; `display_path` names it in the report. Never throws; read failures give
// verdict `error` (or `needs-review` when part was read: fail closed).
FileReport ScanSource(const SourcePtr& src, const std::string& display_path,
                      const Options& options);
FileReport ScanFile(const std::string& path, const Options& options);
// ScanFile of a file already opened (OpenFileSource, or core/file_batch.h for many).
FileReport ScanOpenedFile(const Result<SourcePtr>& src, const std::string& path,
                          const Options& options);

}  // namespace mv::scan
