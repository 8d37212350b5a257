// Hub audits: fetch a model's hub flags, scan every file remotely (HTTP ranges through
// hub/http_source.h), decide the status (audit/status.h) and store it atomically; record
// reviewer decisions; build the triage queue. The library does no printing: progress goes to
// an optional callback.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/license.h"
#include "audit/reproduce_evidence.h"
#include "audit/status.h"
#include "audit/triage.h"
#include "core/result.h"
#include "hub/client.h"
#include "scan/scanner.h"
#include "store/store.h"

namespace mv::audit {

// Current time as ISO-8601 UTC, second precision.
std::string NowUtc();

struct AuditOptions {
  scan::Options scan;  // kb required
  size_t max_files = limits::kMaxAuditFiles;
  std::string tool = "modelvet";  // "who" of automatic history entries
  std::function<std::string()> clock = NowUtc;
  std::function<void(std::string_view)> progress;  // one line per file, optional
  int64_t run = 0;  // the `audit --all` run (store::AuditRun) the audit counts towards, 0: none
  // `audit --reproduce`: when set, files the static engine calls unsafe or needs-review are
  // loaded in the sandbox with it (audit/reproduce_evidence.h). Unset: nothing is run.
  ReproduceFn reproduce;
  // A queue job (`modelvet worker`): the audit commits only while this lease holds the job and
  // completes it in the same transaction (store::AuditCommit::job).
  store::JobLease job;
};

// The verification recorded for a model whose files the hub refused (gated, forbidden), and for
// one the hub answers "private or missing" about (it does not say which).
inline constexpr const char* kAccessRestricted = "not verified: access restricted (set HF_TOKEN)";
inline constexpr const char* kAccessRestrictedOrMissing =
    "not verified: access restricted or repo missing (set HF_TOKEN)";

struct AuditResult {
  store::ModelRecord model;  // as committed
  std::vector<store::FileRecord> files;
  std::optional<store::StatusChange> change;  // the history entry written, if any
  std::vector<StaleReview> stale_reviews;     // reviews retired because their file changed
  uint64_t bytes_read = 0;                    // over every file
  uint64_t bytes_total = 0;                   // sizes of the files scanned
  int64_t scan_id = 0;
  // Sandboxed loads (`--reproduce`), stored with the audit.
  std::vector<store::Reproduction> reproductions;
};

// Audits one repo (ref.revision is resolved to a commit by the hub). Errors: an invalid repo id,
// the hub's (gated, private or missing, offline, …) and the store's; a file that cannot be read
// is not an error of the audit but a file with verdict `error`. A repo whose files the hub
// refuses (gated, private, forbidden) is still recorded: its listing fields and hub flag when
// known, and the verification kAccessRestricted (kAccessRestrictedOrMissing for a 401 that may
// mean "no such repo") while it has never been audited.
Result<AuditResult> AuditModel(hub::HubClient& client, store::Store& store, const hub::RepoRef& ref,
                               const AuditOptions& options);

struct ReviewRequest {
  std::string model;
  std::string path;
  Decision decision = Decision::kFalsePositive;
  std::string note;
  std::string reviewer;
};

struct ReviewResult {
  store::ModelRecord model;
  store::StatusChange change;
  int64_t review_id = 0;
};

// Records a reviewer's decision on a file of an audited model and the status it leads to. The
// note and the reviewer are required (not blank) and must be valid UTF-8.
Result<ReviewResult> ApplyReview(store::Store& store, const ReviewRequest& request,
                                 const std::function<std::string()>& clock = NowUtc);

// The status inputs of a stored model (files and active reviews).
std::vector<FileInput> ToFileInputs(const std::vector<store::FileRecord>& files);
std::vector<ReviewInput> ToReviewInputs(const std::vector<store::Review>& reviews);

struct TriageOptions {
  std::string search;
  std::string author;
  size_t limit = 20;    // queue length wanted
  size_t window = 200;  // most-downloaded models examined for hub flags
};

// Lists the most downloaded models matching search/author, asks the hub for each one's flags
// (securityStatus) and returns the queue (SelectQueue). When store is given, the queue's models
// are saved (UpsertListing), so `audit --all` audits exactly them. Per-model errors, and listed
// ids that are not valid repo ids (hub::ValidateRepoId), are skipped and reported.
Result<std::vector<TriageCandidate>> BuildTriageQueue(
    hub::HubClient& client, store::Store* store, const TriageOptions& options,
    const std::function<void(std::string_view)>& progress = {});

}  // namespace mv::audit
