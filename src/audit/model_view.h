// The models table and a model's page, typed: the one query layer over the store that every
// reader uses (`modelvet status`, the HTTP API, the web app), so they cannot disagree. The store
// hands over typed records (its mapping rejects unknown stored text); the columns it keeps as
// text become enums in store_records.h, where a value the store should never hold is an error,
// never a guess.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/license.h"
#include "audit/status.h"
#include "core/enum_text.h"
#include "core/result.h"
#include "core/scan_result.h"
#include "store/store.h"

namespace mv::audit {

// The hub's flag on a model: the worst level among its flagged files (caution and worse).
enum class HubFlag : uint8_t { kNone, kCaution, kSuspicious, kUnsafe };
const char* HubFlagName(HubFlag f);  // "none", "caution", "suspicious", "unsafe"
std::optional<HubFlag> ParseHubFlag(std::string_view s);

inline const char* StatusSourceName(StatusSource s) {  // "automatic", "reviewer"
  return EnumText(s);
}

// The orders of the models table (store::ModelQuery::Sort explains each).
enum class ModelSort : uint8_t { kDownloads, kLastAudit, kStatus, kId };
const char* ModelSortName(ModelSort s);  // "downloads", "last_audit", "status", "id"
std::optional<ModelSort> ParseModelSort(std::string_view s);

// "not-audited" and the status names (status.h): the status filter's vocabulary.
const char* StatusOrNotAudited(const std::optional<ModelStatus>& s);
// false when `s` is neither; *out = nullopt for "not-audited".
bool ParseStatusFilter(std::string_view s, std::optional<ModelStatus>* out);

// Filters are ANDed; an empty list or unset value does not filter.
struct ModelFilter {
  std::vector<std::optional<ModelStatus>> statuses;  // nullopt: never audited
  std::vector<HubFlag> hub_flags;
  std::vector<LicenseRisk> license_risks;
  std::optional<bool> missed_by_hub;
  std::string project;  // models the project uses (the inventory)
  std::string text;     // substring of the id, ASCII case-insensitive
};

struct ModelListQuery {
  ModelFilter filter;
  ModelSort sort = ModelSort::kDownloads;
  bool descending = true;
  uint64_t limit = 0;  // 0: every model
  uint64_t offset = 0;
};

// A model's current files by our verdict.
struct FileCounts {
  uint64_t total = 0;
  uint64_t unsafe = 0;
  uint64_t needs_review = 0;
  uint64_t error = 0;
  uint64_t safe = 0;
  uint64_t not_analysed = 0;
};

// Worst of our file verdicts: unsafe > needs-review > error > safe; nullopt when no file was
// analysed.
std::optional<Verdict> WorstVerdict(const FileCounts& c);

// One row of the models table.
struct ModelSummary {
  std::string id;        // "org/name"
  std::string provider;  // the org or user that publishes it
  std::string revision;  // as audited ("main", a tag, a commit)
  std::string sha;       // the commit the last audit saw
  uint64_t downloads = 0;
  uint64_t likes = 0;
  std::string license;                      // declared ids, comma-separated; "" none
  std::optional<LicenseRisk> license_risk;  // nullopt: not classified
  HubFlag hub_flag = HubFlag::kNone;
  std::string hub_message;             // the hub's own words for its worst flagged file
  std::optional<ModelStatus> status;   // nullopt: listed, never audited
  bool missed_by_hub = false;          // confirmed unsafe where the hub flagged nothing
  std::optional<StatusSource> source;  // nullopt when never audited
  std::string verification;            // one line: "Verified unsafe: opens a web browser on load"
  std::string last_audit;              // ISO-8601 UTC; "" never audited
  std::optional<Verdict> our_verdict;  // WorstVerdict(files)
  FileCounts files;
  std::vector<std::string> projects;  // projects using the model, sorted
  int64_t version = 0;
};

struct ModelList {
  uint64_t total = 0;  // models matching the filter, before offset and limit
  std::vector<ModelSummary> models;
};

Result<ModelList> ListModels(store::Store& store, const ModelListQuery& query);

// The hub's pickle import scan of a file.
struct HubImport {
  std::string module;
  std::string name;
  std::string safety;  // innocuous | suspicious | dangerous
};

struct ReviewView {
  int64_t id = 0;
  std::string path;
  Decision decision = Decision::kFalsePositive;
  std::string note;  // why
  std::string reviewer;
  std::string time;
  std::string file_sha;  // the content the decision is pinned to
  bool active = true;
  std::string superseded_time;
  std::string superseded_reason;
};

// A finding's location split for display: "archive/data.pkl@30" -> {"archive/data.pkl", 30}.
struct Location {
  std::string member;
  std::optional<uint64_t> offset;
};
Location SplitLocation(std::string_view location);

struct FileView {
  std::string path;
  uint64_t size = 0;
  std::string sha256;
  std::string oid;
  std::string hub_status;  // the hub's level for the file ("" unknown; see hub/client.h)
  bool hub_flagged = false;
  std::string hub_message;
  std::vector<HubImport> hub_imports;
  std::optional<Verdict> verdict;  // ours; nullopt: not analysed
  std::string summary;             // ours, one line, plain language
  uint64_t bytes_read = 0;
  std::string format;                // from our report ("pytorch-zip")
  std::string loader;                // "torch.load"
  std::vector<Finding> findings;     // most severe first, with evidence and locations
  std::string error;                 // why reading stopped, when it did
  std::optional<ReviewView> review;  // the active reviewer decision on this file
};

struct HistoryEntry {
  int64_t id = 0;
  std::string time;
  std::optional<ModelStatus> from;  // nullopt: the first status
  ModelStatus to = ModelStatus::kSuspected;
  bool missed_by_hub = false;
  StatusSource source = StatusSource::kAutomatic;
  std::string who;
  std::string reason;
  int64_t scan = 0;  // 0: a review
};

struct ScanView {
  int64_t id = 0;
  std::string revision;
  std::string sha;
  std::string started;
  std::string finished;
  uint64_t files_total = 0;
  uint64_t files_scanned = 0;
  uint64_t bytes_read = 0;
  std::string tool_version;
  std::string error;  // why the audit is incomplete
};

// A model's page: its row, current files, status history (oldest first), every review (oldest
// first, superseded ones included) and its latest scan.
struct ModelDetail {
  ModelSummary model;
  std::vector<FileView> files;
  std::vector<HistoryEntry> history;
  std::vector<ReviewView> reviews;
  std::optional<ScanView> last_scan;
  std::vector<store::Reproduction> reproductions;  // sandboxed loads (`audit --reproduce`)
};

// nullopt: the model is not in the store.
Result<std::optional<ModelDetail>> GetModelDetail(store::Store& store, const std::string& id);

}  // namespace mv::audit

namespace mv {

template <>
struct EnumTable<audit::HubFlag> {
  static constexpr EnumRow<audit::HubFlag> kRows[] = {{audit::HubFlag::kNone, "none"},
                                                      {audit::HubFlag::kCaution, "caution"},
                                                      {audit::HubFlag::kSuspicious, "suspicious"},
                                                      {audit::HubFlag::kUnsafe, "unsafe"}};
};

template <>
struct EnumTable<audit::ModelSort> {
  static constexpr EnumRow<audit::ModelSort> kRows[] = {
      {audit::ModelSort::kDownloads, "downloads"},
      {audit::ModelSort::kLastAudit, "last_audit"},
      {audit::ModelSort::kStatus, "status"},
      {audit::ModelSort::kId, "id"}};
};

}  // namespace mv
