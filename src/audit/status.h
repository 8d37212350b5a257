// The status engine: pure logic turning the hub's flags, our per-file verdicts and the
// reviewers' decisions into one model status (docs/design.md "Model statuses"). No I/O, no clock:
// the caller records the outcome.
//
// Per file, the effective finding is the reviewer's decision when one applies (the file's
// content id still equals the one reviewed), else our verdict:
//   unsafe (or reviewed confirmed-unsafe)       -> proven
//   safe   (or reviewed false-positive)         -> cleared
//   needs-review, error, not analysed           -> open
// A file is "raised" when the hub flagged it or our verdict is anything but safe. Then:
//   any proven file                       -> confirmed-unsafe (missed-by-hub when the hub did
//                                            not flag a proven file)
//   nothing raised                        -> no-findings
//   every raised file cleared             -> false-positive
//   otherwise                             -> suspected
// A review whose file changed or disappeared no longer applies: it is reported as stale so the
// caller retires it, and the file is judged afresh.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/scan_result.h"
#include "store/record_enums.h"

namespace mv::audit {

// The vocabularies live with the records that carry them (store/record_enums.h); their text is
// their one table's (EnumText, EnumFromText).
using store::Decision;
using store::ModelStatus;
using store::StatusSource;
inline const char* StatusName(ModelStatus s) {  // "no-findings", "suspected", …
  return EnumText(s);
}
inline const char* DecisionName(Decision d) {  // "confirmed-unsafe", "false-positive"
  return EnumText(d);
}

struct FileInput {
  std::string path;
  std::string content_id;  // sha256, else git oid; "" when unknown
  bool hub_flagged = false;
  std::optional<Verdict> ours;  // nullopt: not analysed
  std::string summary;          // our one-line summary
};

struct ReviewInput {
  int64_t id = 0;
  std::string path;
  Decision decision = Decision::kFalsePositive;
  std::string reviewer;
  std::string note;
  std::string file_sha;  // content id when decided
};

struct StaleReview {
  int64_t id = 0;
  std::string reason;  // "review by alice of x.bin no longer applies: file changed (a -> b)"
};

struct Outcome {
  ModelStatus status = ModelStatus::kSuspected;
  bool missed_by_hub = false;
  bool by_reviewer = false;  // a reviewer decision applies to a raised or proven file
  std::string reviewers;     // who, comma-separated, when by_reviewer
  std::string verification;  // "Verified unsafe: opens a web browser on load"
  std::string reason;        // the decisive files, for the status history
  std::vector<StaleReview> stale_reviews;
};

// `reviews` are the active ones (the store's `active_only`); the last one per path wins.
Outcome Decide(const std::vector<FileInput>& files, const std::vector<ReviewInput>& reviews);

}  // namespace mv::audit
