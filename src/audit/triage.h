// Triage: which hub models to validate first. The programme's criteria: models the hub flags,
// most downloaded first, skipping those whose only flagged file is `training_args.bin` (the
// Trainer's pickled arguments, flagged on countless fine-tunes and harmless in practice).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mv::audit {

struct FlaggedFile {
  std::string path;
  std::string level;  // the hub's level: caution, suspicious, unsafe
};

struct TriageCandidate {
  std::string id;
  uint64_t downloads = 0;
  uint64_t likes = 0;
  std::string license;               // declared, for the table
  std::string license_risk;          // class name
  std::vector<FlaggedFile> flagged;  // files the hub flags (levels caution and worse)
  std::string hub_flag;              // worst flagged level
  std::string hub_message;           // "path: level" of the worst flagged file
};

// `training_args.bin` at the root or under any folder.
bool IsTrainingArgs(std::string_view path);
// Flagged, and not only by training_args.bin files.
bool Qualifies(const TriageCandidate& c);
// The qualifying candidates, most downloaded first (ties: id), at most `limit` (0: all).
std::vector<TriageCandidate> SelectQueue(std::vector<TriageCandidate> candidates, size_t limit);

}  // namespace mv::audit
