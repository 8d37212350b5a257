#include "audit/audit.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>

#include "core/text.h"
#include "hub/http_source.h"
#include "report/json_text.h"
#include "report/report.h"

namespace mv::audit {

std::string NowUtc() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

// Commits that lose a race with another process are recomputed from fresh data this often.
constexpr int kCommitAttempts = 3;

bool IsConflict(const Error& e) {
  return e.code == Errc::kConflict;
}

std::string ImportsJson(const hub::ScannerResult& pickle_scan) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& imp : pickle_scan.pickle_imports)
    arr.push_back({{"module", imp.module}, {"name", imp.name}, {"safety", imp.safety}});
  return report::JsonText(arr);
}

// Fills a model's status fields from an outcome; returns the history entry to write when the
// status, the missed-by-hub mark or the deciding source changed (or reviews were retired).
std::optional<store::StatusChange> ApplyOutcome(const Outcome& o,
                                                const std::optional<store::ModelRecord>& old,
                                                store::ModelRecord& m, const std::string& now,
                                                const std::string& tool, bool force) {
  m.status = o.status;
  m.missed_by_hub = o.missed_by_hub;
  m.status_source = o.by_reviewer ? StatusSource::kReviewer : StatusSource::kAutomatic;
  m.verification = o.verification;
  std::optional<ModelStatus> old_status = old ? old->status : std::nullopt;
  bool changed = !old || old->status != m.status || old->missed_by_hub != m.missed_by_hub ||
                 old->status_source != m.status_source;
  if (!changed && !force) return std::nullopt;
  store::StatusChange c;
  c.model = m.id;
  c.time = now;
  c.from = old_status;
  c.to = o.status;
  c.missed_by_hub = m.missed_by_hub;
  c.source = *m.status_source;
  c.who = o.by_reviewer ? o.reviewers : tool;
  std::vector<std::string> parts;
  for (const auto& s : o.stale_reviews) parts.push_back(s.reason);
  parts.push_back(o.reason);
  c.reason = fmt::format("{}", fmt::join(parts, "; "));
  return c;
}

struct ScannedFile {
  store::FileRecord record;
  std::optional<store::Reproduction> reproduction;  // `--reproduce` ran it in the sandbox
  uint64_t size = 0;
  std::optional<Error> fatal;  // the repo's files cannot be read at all: abort the audit
};

// Errors that hold for every file of the repo (gated, private, offline): the audit stops with a
// clear message instead of storing a model whose every file "could not be read".
bool IsAccessError(const Error& e) {
  switch (e.code) {
    case Errc::kGated:
    case Errc::kUnauthorized:
    case Errc::kForbidden:
    case Errc::kOffline: return true;
    default: return false;
  }
}

// The hub refuses the repo to us (as opposed to our being offline): worth recording.
bool IsRestricted(const Error& e) {
  return IsAccessError(e) && e.code != Errc::kOffline;
}

ScannedFile ScanOne(hub::HubClient& client, const std::string& repo, const std::string& rev,
                    const std::string& display_rev, const hub::TreeEntry& e, bool hub_flagged,
                    const std::string& repo_level, const AuditOptions& options) {
  ScannedFile out;
  store::FileRecord& f = out.record;
  f.path = e.path;
  f.oid = e.oid;
  f.sha256 = e.lfs_sha256;
  f.size = e.size;
  out.size = e.size;
  std::string level = e.security.present ? e.security.WorstLevel() : "";
  if (hub::LevelRank(repo_level) > hub::LevelRank(level)) level = repo_level;
  f.hub_status = level;
  f.hub_message = e.security.present ? e.security.FlagMessage() : "";
  if (hub_flagged && f.hub_message.empty()) f.hub_message = "flagged " + level + " by the hub";
  f.hub_imports_json = ImportsJson(e.security.pickle_import_scan);

  hub::HttpSourceOptions so;
  so.expected_size = e.size;
  so.expected_sha256 = e.lfs_sha256;
  auto src = hub::HttpSource::Open(client, repo, rev, e.path, so);
  if (!src.ok()) {
    out.fatal = IsAccessError(src.error()) ? std::optional<Error>(src.error()) : std::nullopt;
    f.verdict = Verdict::kError;
    f.summary = "could not be read: " + src.error().message;
    f.report_json = report::JsonText(nlohmann::json{{"path", e.path},
                                                    {"verdict", VerdictName(Verdict::kError)},
                                                    {"error", src.error().message}});
    return out;
  }
  std::string display = fmt::format("{}@{}/{}", repo, display_rev, e.path);
  FileReport r = scan::ScanSource(*src, display, options.scan);
  r.path = display;
  if ((*src)->read_whole()) {
    // Bytes we read whole must be the bytes the hub lists; a mismatch is never `safe`.
    auto v = (*src)->VerifyHash(false);
    if (!v.ok() && v.error().code == Errc::kHashMismatch) {
      if (r.verdict == Verdict::kSafe) r.verdict = Verdict::kNeedsReview;
      r.findings.push_back(Finding{Severity::kHigh, "anomaly", "hub.hash-mismatch", "",
                                   v.error().message, e.path,
                                   "the content served differs from the hash the hub lists"});
    }
    if (auto h = (*src)->Sha256(); h && f.sha256.empty()) f.sha256 = *h;
  }
  if (r.sha256 && f.sha256.empty()) f.sha256 = *r.sha256;
  f.verdict = r.verdict;
  f.summary = r.summary;
  if (f.summary.empty() && r.verdict == Verdict::kError)
    f.summary = "could not be read: " + r.error;
  f.bytes_read = (*src)->bytes_read();
  r.bytes_read = f.bytes_read;
  if (options.reproduce && WantsReproduction(r)) {
    std::string why;
    if (auto run = ReproduceSource(*src, r, options.reproduce, why)) {
      MergeReproduction(*run, r, f);
      out.reproduction = ToReproduction(*run, f, options.clock());
    } else {
      r.findings.push_back(Finding{Severity::kInfo, "reproduced", "reproduce.skipped", "", why,
                                   e.path, "the file was not loaded in the sandbox"});
    }
  }
  f.report_json = report::JsonText(report::FileToJson(r));
  return out;
}

}  // namespace

std::vector<FileInput> ToFileInputs(const std::vector<store::FileRecord>& files) {
  std::vector<FileInput> out;
  for (const auto& f : files) {
    FileInput in;
    in.path = f.path;
    in.content_id = f.ContentId();
    in.hub_flagged = hub::IsFlaggedLevel(f.hub_status);
    in.ours = f.verdict;
    in.summary = f.summary;
    out.push_back(std::move(in));
  }
  return out;
}

std::vector<ReviewInput> ToReviewInputs(const std::vector<store::Review>& reviews) {
  std::vector<ReviewInput> out;
  for (const auto& r : reviews) {
    if (!r.active) continue;
    out.push_back({r.id, r.path, r.decision, r.reviewer, r.note, r.file_sha});
  }
  return out;
}

namespace {

// The hub refused the repo's files: the model is recorded as not verified (with what the hub
// said about it, when known) instead of vanishing from `status`, and the error is returned.
Error RecordRestricted(hub::HubClient& client, store::Store& store, const std::string& repo,
                       const hub::ModelInfo* info, const AuditOptions& options, Error why) {
  std::string author = repo.find('/') == std::string::npos ? "" : repo.substr(0, repo.find('/'));
  if (info) {
    store::ModelRecord m;
    m.id = repo;
    m.author = info->author.empty() ? author : info->author;
    m.downloads = info->downloads;
    m.likes = info->likes;
    LicenseInfo lic = LicenseTable::Embedded().Classify(info->LicenseIds(), info->license_name);
    m.license = lic.declared;
    m.license_risk = LicenseRiskName(lic.risk);
    for (const auto& fi : info->security.files_with_issues) {
      if (hub::IsFlaggedLevel(fi.level) && hub::LevelRank(fi.level) > hub::LevelRank(m.hub_flag)) {
        m.hub_flag = fi.level;
        m.hub_message = fi.path + ": " + fi.level;
      }
    }
    if (auto s = store.UpsertListing(m); !s.ok()) return s.error();
    author = m.author;
  }
  // The hub answers 401 alike for a private repo and for one that does not exist.
  bool maybe_missing = why.code == Errc::kUnauthorized;
  std::string text = maybe_missing ? kAccessRestrictedOrMissing : kAccessRestricted;
  if (!client.config().token.empty())
    text = std::string("not verified: access restricted") +
           (maybe_missing ? " or repo missing" : "") + " (the token from " +
           client.config().token_source + " has no access)";
  if (auto s = store.MarkUnverified(repo, author, text); !s.ok()) return s.error();
  if (options.run != 0) {
    if (auto s = store.MarkRunDone(options.run, repo); !s.ok()) return s.error();
  }
  return why;
}

}  // namespace

Result<AuditResult> AuditModel(hub::HubClient& client, store::Store& store, const hub::RepoRef& ref,
                               const AuditOptions& options) {
  MV_RETURN_IF_ERROR(hub::ValidateRepoId(ref.repo));
  auto info_r = client.GetModelInfo(ref.repo, ref.revision, true);
  if (!info_r.ok()) {
    if (IsRestricted(info_r.error()))
      return RecordRestricted(client, store, ref.repo, nullptr, options, info_r.error());
    return info_r.error();
  }
  hub::ModelInfo info = std::move(*info_r);
  // Pin the commit so the tree and every file read agree even if the branch moves meanwhile.
  std::string rev = info.sha.empty() ? ref.revision : info.sha;
  auto tree_r = client.ListTree(ref.repo, rev, /*expand=*/true, /*recursive=*/true);
  if (!tree_r.ok()) {
    if (IsRestricted(tree_r.error()))
      return RecordRestricted(client, store, ref.repo, &info, options, tree_r.error());
    return tree_r.error();
  }
  std::vector<hub::TreeEntry> tree = std::move(*tree_r);
  std::string started = options.clock();

  std::map<std::string, std::string> repo_levels;  // path -> level from securityRepoStatus
  for (const auto& fi : info.security.files_with_issues) repo_levels[fi.path] = fi.level;

  std::vector<const hub::TreeEntry*> entries;
  for (const auto& e : tree)
    if (e.is_file()) entries.push_back(&e);
  std::sort(entries.begin(), entries.end(),
            [](const hub::TreeEntry* a, const hub::TreeEntry* b) { return a->path < b->path; });

  AuditResult res;
  std::string worst_flag, worst_message;
  size_t scanned = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    const hub::TreeEntry& e = *entries[i];
    std::string repo_level = repo_levels.count(e.path) ? repo_levels[e.path] : "";
    std::string level = e.security.present ? e.security.WorstLevel() : "";
    bool flagged = hub::IsFlaggedLevel(level) || hub::IsFlaggedLevel(repo_level);
    ScannedFile sf;
    if (i < options.max_files) {
      if (options.progress)
        options.progress(fmt::format("[{}/{}] {}/{}", i + 1, entries.size(), ref.repo, e.path));
      sf = ScanOne(client, ref.repo, rev, ref.revision, e, flagged, repo_level, options);
      if (sf.fatal) {
        if (!IsRestricted(*sf.fatal)) return *sf.fatal;
        return RecordRestricted(client, store, ref.repo, &info, options, *sf.fatal);
      }
      ++scanned;
    } else {
      sf.record.path = e.path;
      sf.record.oid = e.oid;
      sf.record.sha256 = e.lfs_sha256;
      sf.record.size = e.size;
      sf.record.hub_status =
          hub::LevelRank(repo_level) > hub::LevelRank(level) ? repo_level : level;
      sf.record.summary =
          fmt::format("not analysed: over the limit of {} files per audit", options.max_files);
    }
    sf.record.model = ref.repo;
    if (sf.reproduction) res.reproductions.push_back(std::move(*sf.reproduction));
    res.bytes_read += sf.record.bytes_read;
    if (i < options.max_files) res.bytes_total += sf.size;
    if (flagged && hub::LevelRank(sf.record.hub_status) > hub::LevelRank(worst_flag)) {
      worst_flag = sf.record.hub_status;
      worst_message = sf.record.hub_message.empty() ? sf.record.path + ": " + worst_flag
                                                    : sf.record.path + ": " + sf.record.hub_message;
    }
    res.files.push_back(std::move(sf.record));
  }
  // Paths the repo status flags but the tree does not list (removed since): the hub still shows
  // the warning; they cannot be analysed.
  for (const auto& [path, level] : repo_levels) {
    // Captured through a reference: clang 14 cannot capture a structured binding.
    const std::string& wanted = path;
    bool listed = std::any_of(res.files.begin(), res.files.end(),
                              [&](const store::FileRecord& f) { return f.path == wanted; });
    if (listed || !hub::IsFlaggedLevel(level)) continue;
    store::FileRecord f;
    f.model = ref.repo;
    f.path = path;
    f.hub_status = level;
    f.hub_message = "flagged " + level + " by the hub's repo status";
    f.summary = "not analysed: listed by the hub's repo status but not in the file tree";
    if (hub::LevelRank(level) > hub::LevelRank(worst_flag)) {
      worst_flag = level;
      worst_message = path + ": " + f.hub_message;
    }
    res.files.push_back(std::move(f));
  }

  LicenseInfo lic = LicenseTable::Embedded().Classify(info.LicenseIds(), info.license_name);
  std::string finished = options.clock();

  for (int attempt = 1;; ++attempt) {
    MV_ASSIGN_OR_RETURN(std::optional<store::ModelRecord> old, store.GetModel(ref.repo));
    MV_ASSIGN_OR_RETURN(std::vector<store::Review> reviews, store.ListReviews(ref.repo, true));
    Outcome o = Decide(ToFileInputs(res.files), ToReviewInputs(reviews));

    store::AuditCommit c;
    store::ModelRecord& m = c.model;
    m.id = ref.repo;
    m.author = info.author.empty() ? ref.repo.substr(0, ref.repo.find('/')) : info.author;
    m.revision = ref.revision;
    m.sha = info.sha;
    m.downloads = info.downloads;
    m.likes = info.likes;
    m.license = lic.declared;
    m.license_risk = LicenseRiskName(lic.risk);
    m.hub_flag = worst_flag;
    m.hub_message = worst_message;
    m.last_audit = finished;
    // A reproduced payload is recorded in the history even when the status stays the same.
    std::string reproduced = ReproducedReason(res.reproductions);
    auto change = ApplyOutcome(o, old, m, finished, options.tool,
                               !o.stale_reviews.empty() || !reproduced.empty());
    if (change && !reproduced.empty()) change->reason = reproduced + "; " + change->reason;
    if (change) c.changes.push_back(*change);
    c.reproductions = res.reproductions;
    c.expected_version = old ? old->version : 0;
    c.files = res.files;
    c.scan.model = ref.repo;
    c.scan.revision = ref.revision;
    c.scan.sha = info.sha;
    c.scan.started = started;
    c.scan.finished = finished;
    c.scan.files_total = entries.size();
    c.scan.files_scanned = scanned;
    c.scan.bytes_read = res.bytes_read;
    c.scan.tool_version = options.tool;
    if (scanned < entries.size())
      c.scan.error = fmt::format("{} of {} files not analysed (limit {})", entries.size() - scanned,
                                 entries.size(), options.max_files);
    for (const auto& s : o.stale_reviews) c.superseded.push_back({s.id, finished, s.reason});
    c.run = options.run;
    c.job = options.job;

    auto id = store.CommitAudit(c);
    if (!id.ok()) {
      if (IsConflict(id.error()) && attempt < kCommitAttempts) continue;
      return id.error();
    }
    res.scan_id = *id;
    m.version = c.expected_version + 1;
    res.model = m;
    res.change = change;
    res.stale_reviews = o.stale_reviews;
    return res;
  }
}

Result<ReviewResult> ApplyReview(store::Store& store, const ReviewRequest& req,
                                 const std::function<std::string()>& clock) {
  auto blank = [](const std::string& t) {
    return t.find_first_not_of(" \t\r\n\v\f") == std::string::npos;
  };
  if (blank(req.reviewer))
    return MakeError(Errc::kUnsupported, "review: a reviewer name is required (--reviewer)");
  // Every decision records why: a blank note says nothing.
  if (blank(req.note))
    return MakeError(Errc::kMalformed, "review: a note saying why is required (--note)");
  if (req.note.size() > limits::kMaxReviewNoteBytes)
    return MakeError(Errc::kLimit, fmt::format("review: the note is longer than {} bytes",
                                               limits::kMaxReviewNoteBytes));
  if (!IsValidUtf8(req.reviewer) || !IsValidUtf8(req.note) || !IsValidUtf8(req.path))
    return MakeError(Errc::kMalformed, "review: the note, reviewer and path must be UTF-8 text");
  for (int attempt = 1;; ++attempt) {
    MV_ASSIGN_OR_RETURN(std::optional<store::ModelRecord> old, store.GetModel(req.model));
    if (!old || !old->status)
      return MakeError(Errc::kUnsupported,
                       fmt::format("review: {} has not been audited; run `modelvet audit {}` "
                                   "first",
                                   req.model, req.model));
    MV_ASSIGN_OR_RETURN(std::vector<store::FileRecord> files, store.ListFiles(req.model));
    auto it = std::find_if(files.begin(), files.end(),
                           [&](const store::FileRecord& f) { return f.path == req.path; });
    if (it == files.end()) {
      std::vector<std::string> names;
      for (const auto& f : files) names.push_back(f.path);
      return MakeError(Errc::kUnsupported,
                       fmt::format("review: {} has no file `{}` (files: {})", req.model, req.path,
                                   fmt::join(names, ", ")));
    }
    MV_ASSIGN_OR_RETURN(std::vector<store::Review> reviews, store.ListReviews(req.model, true));
    std::string now = clock();
    store::ReviewCommit rc;
    rc.review.model = req.model;
    rc.review.path = req.path;
    rc.review.decision = req.decision;
    rc.review.note = req.note;
    rc.review.reviewer = req.reviewer;
    rc.review.time = now;
    rc.review.file_sha = it->ContentId();

    std::vector<ReviewInput> inputs = ToReviewInputs(reviews);
    inputs.push_back({0, req.path, req.decision, req.reviewer, req.note, rc.review.file_sha});
    Outcome o = Decide(ToFileInputs(files), inputs);
    // Reviews of other files made stale since the audit cannot exist (files are unchanged
    // until the next audit), and the earlier review of this path is replaced by the store.
    o.stale_reviews.clear();
    rc.model = *old;
    auto change = ApplyOutcome(o, old, rc.model, now, "", /*force=*/true);
    change->source = StatusSource::kReviewer;
    change->who = req.reviewer;
    change->reason =
        fmt::format("review by {} of {}: {}{}{}", req.reviewer, req.path,
                    DecisionName(req.decision), req.note.empty() ? "" : ": ", req.note);
    if (o.status == ModelStatus::kSuspected)
      change->reason += "; still open: " + o.reason;  // the decision did not settle it
    rc.change = change;
    rc.expected_version = old->version;
    auto id = store.CommitReview(rc);
    if (!id.ok()) {
      if (IsConflict(id.error()) && attempt < kCommitAttempts) continue;
      return id.error();
    }
    ReviewResult out;
    out.model = rc.model;
    out.model.version = old->version + 1;
    out.change = *change;
    out.review_id = *id;
    return out;
  }
}

Result<std::vector<TriageCandidate>> BuildTriageQueue(
    hub::HubClient& client, store::Store* store, const TriageOptions& options,
    const std::function<void(std::string_view)>& progress) {
  hub::ListModelsQuery q;
  q.search = options.search;
  q.author = options.author;
  q.sort = "downloads";
  q.limit = options.window;
  q.page_size = std::min<uint64_t>(options.window == 0 ? 100 : options.window, 100);
  MV_ASSIGN_OR_RETURN(std::vector<hub::ModelInfo> listed, client.ListModels(q));

  std::vector<TriageCandidate> candidates;
  size_t qualifying = 0;
  for (const auto& item : listed) {
    // Ids come from the hub: one that is not a valid repo id is never looked up or stored.
    if (auto v = hub::ValidateRepoId(item.id); !v.ok()) {
      if (progress) progress(fmt::format("skipped a listed model: {}", v.error().message));
      continue;
    }
    auto info = client.GetModelInfo(item.id, "main", /*security_status=*/true);
    if (!info.ok()) {
      if (progress) progress(fmt::format("skipped {}: {}", item.id, info.error().message));
      continue;
    }
    TriageCandidate c;
    c.id = item.id;
    c.downloads = info->downloads ? info->downloads : item.downloads;
    c.likes = info->likes ? info->likes : item.likes;
    LicenseInfo lic = LicenseTable::Embedded().Classify(info->LicenseIds(), info->license_name);
    c.license = lic.declared;
    c.license_risk = LicenseRiskName(lic.risk);
    std::string worst;
    for (const auto& fi : info->security.files_with_issues) {
      if (!hub::IsFlaggedLevel(fi.level)) continue;
      c.flagged.push_back({fi.path, fi.level});
      if (hub::LevelRank(fi.level) > hub::LevelRank(worst)) {
        worst = fi.level;
        c.hub_flag = fi.level;
        c.hub_message = fi.path + ": " + fi.level;
      }
    }
    bool qualifies = Qualifies(c);
    candidates.push_back(std::move(c));
    // The listing comes most downloaded first: once `limit` models qualify, the rest cannot
    // outrank them, and each further look-up costs one call of the hub's API rate limit.
    if (qualifies && options.limit > 0 && ++qualifying >= options.limit) break;
  }
  std::vector<TriageCandidate> queue = SelectQueue(std::move(candidates), options.limit);
  if (store) {
    // Only the queue is saved: `modelvet audit --all` then audits exactly what triage chose.
    for (const TriageCandidate& c : queue) {
      store::ModelRecord m;
      m.id = c.id;
      m.downloads = c.downloads;
      m.likes = c.likes;
      m.license = c.license;
      m.license_risk = c.license_risk;
      m.author = c.id.substr(0, c.id.find('/'));
      m.hub_flag = c.hub_flag;
      m.hub_message = c.hub_message;
      MV_RETURN_IF_ERROR(store->UpsertListing(m));
    }
  }
  return queue;
}

}  // namespace mv::audit
