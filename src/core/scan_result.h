// The per-file and per-scan results (types only; report/report.h renders them). Their JSON form
// (report/report.cc) is a stable interface: extend, never break (docs/verdicts.md, "The JSON
// report").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/facts.h"

namespace mv {

enum class Verdict : uint8_t { kSafe, kNeedsReview, kUnsafe, kError };
const char* VerdictName(Verdict v);  // "safe", "needs-review", "unsafe", "error"

struct Finding {
  Severity severity = Severity::kInfo;
  std::string category;  // "process", "code-execution", "anomaly", "unknown-callable", …
  std::string rule;      // id of the rule or check that produced it
  std::string callable;  // "posix.system" when the finding is about a callable
  std::string evidence;  // "posix.system('ls')"
  std::string location;  // "archive/data.pkl@30"
  std::string message;   // why it matters, for a person
};

struct FileReport {
  std::string path;
  std::string format;  // outermost format, e.g. "pytorch-zip"
  std::string loader;  // the loader that reaches the payload, e.g. "torch.load"
  uint64_t size = 0;
  uint64_t bytes_read = 0;
  std::optional<std::string> sha256;
  Verdict verdict = Verdict::kError;
  std::string summary;  // one line, plain language
  std::vector<Finding> findings;
  std::string error;  // set when verdict is error, or when reading stopped early
};

struct ScanReport {
  std::vector<FileReport> files;
  struct Counts {
    uint64_t files = 0, unsafe = 0, needs_review = 0, safe = 0, error = 0;
    void Add(Verdict v);
    // The repository's verdict: unsafe if any file is; needs-review if any file needs review
    // or could not be read (fail closed); else safe.
    Verdict Overall() const;
  };
  // A model repository scanned as a whole (a directory argument, or one cached snapshot).
  struct Repository {
    std::string name;
    std::vector<size_t> files;  // indexes into `files`
    Counts counts;
  };
  std::vector<Repository> repositories;
  Counts Count() const;
};

}  // namespace mv
