// Hugging Face Hub client (libcurl): model info with the hub's security status, file trees with
// per-file scanner results, model listings with Link-cursor paging, and file metadata of
// `resolve/`. Results are plain structs; the raw JSON of each object is kept as text where a
// caller may want fields we do not model. docs/hub-api.md describes the API subset used.
//
// Conventions of huggingface_hub are honoured: HF_ENDPOINT, HF_TOKEN (or its token file),
// HF_HUB_OFFLINE. Every request has a connect and a total timeout; 408/429/5xx and transport
// failures are retried with Retry-After / `RateLimit: "…";r=0;t=N` and bounded exponential
// backoff.
//
// Replies are untrusted: JSON nesting deeper than limits::kMaxHubJsonDepth is refused before
// parsing, the pages of one listing are bounded in bytes (limits::kMaxHubListingBytes) and a
// `Link: rel="next"` back to a page already fetched is an error. Raw JSON kept beside the
// structs is written with report::JsonText (no recursion).
//
// Errors are mv::Error values whose code is the kind of failure (Errc::kOffline, kNetwork,
// kRateLimited, kUnauthorized, kGated, kForbidden, kNotFound, kHttpStatus, kBadResponse,
// kHashMismatch; core/result.h): callers branch on the code, never on the message, which names
// the repo and the fix for people.
//
// Thread safety: a HubClient is not thread-safe (one per thread); sources opened from it
// (http_source.h) own their own connection and may be used on another thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace mv::hub {

// A request budget shared beyond one client (queue/rate_gate.h: a token bucket in PostgreSQL that
// every worker draws from). Requests to the hub's own origin wait in Acquire; a 429 is reported
// so that every sharer slows down, not only the one that saw it. Buckets are the hub's own rate
// limit buckets: "api" (/api/…) and "resolvers" (/…/resolve/…); CDN requests are not counted.
// Implementations must be thread-safe.
class RequestGate {
 public:
  virtual ~RequestGate() = default;
  virtual void Acquire(std::string_view bucket) = 0;
  virtual void RateLimited(std::string_view bucket, long wait_ms) = 0;
};

struct HubConfig {
  std::string endpoint = "https://huggingface.co";  // no trailing '/'
  std::string token;                                // empty: anonymous
  std::string token_source;  // where the token came from: "HF_TOKEN", the file path, or ""
  bool offline = false;      // HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE: every call fails
  long connect_timeout_ms = 10'000;
  long request_timeout_ms = 120'000;  // total per request (a range read, a listing page)
  // A transfer slower than 1 KiB/s for this long is aborted (stalled CDN connections).
  long low_speed_timeout_s = 30;
  int max_retries = 5;              // for 408, 429, 500, 502, 503, 504 and transport errors
  long backoff_initial_ms = 1'000;  // exponential: 1, 2, 4, 8 … s
  long backoff_max_ms = 60'000;     // cap for one wait, including Retry-After / RateLimit t=
  std::string user_agent = "modelvet/0.1";
  std::shared_ptr<RequestGate> gate;  // optional: a budget shared with other clients

  // Reads HF_ENDPOINT, HF_TOKEN (then HUGGING_FACE_HUB_TOKEN), else the token file
  // ($HF_TOKEN_PATH, else $HF_HOME/token, else $XDG_CACHE_HOME/huggingface/token, else
  // ~/.cache/huggingface/token), and HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE (1/on/yes/true).
  static HubConfig FromEnv();
};

// A repo id as the hub issues them ([ORG/]NAME; letters, digits, '-', '_', '.'; each part at
// most 96 characters; no '--' or '..'; not starting or ending with '-' or '.'), as
// huggingface_hub validates them. Ids that come from the hub (listings) are checked with it too
// before they are stored or audited: a hostile hub cannot plant control characters or quotes.
Status ValidateRepoId(std::string_view id);

// `org/name` or `org/name@rev` (rev may contain '/', e.g. refs/pr/1; no spaces or control
// characters). Names without an org (`gpt2`) are accepted.
struct RepoRef {
  std::string repo;
  std::string revision = "main";
  static Result<RepoRef> Parse(std::string_view text);
  std::string ToString() const;  // "org/name@rev" (no "@main")
};

// Scanner levels used by the hub: unscanned | safe | queued | error | caution | suspicious |
// unsafe. Kept as strings (the set is not a stable contract); these helpers give an order.
// Rank: unknown/empty 0, unscanned 1, queued 2, error 3, safe 4, caution 5, suspicious 6,
// unsafe 7 — so "worse flag" comparisons are `>` among ranks >= 4.
int LevelRank(std::string_view level);
// A level the hub shows as a warning: caution, suspicious or unsafe.
bool IsFlaggedLevel(std::string_view level);

struct PickleImport {
  std::string module;  // "builtins"
  std::string name;    // "eval"
  std::string safety;  // innocuous | suspicious | dangerous (picklescan's SafetyLevel)
};

// One scanner's result inside securityFileStatus (avScan, pickleImportScan, …).
struct ScannerResult {
  bool present = false;  // the key was in the response
  std::string status;    // level, see above
  std::string message;
  std::string report_link;
  std::string version;
  std::vector<PickleImport> pickle_imports;  // pickleImportScan only
};

// Per-file security status (tree with expand=true). Also accepts the legacy `security` shape
// (safe/avScan.virusFound/pickleImportScan.highestSafetyLevel) and maps it onto these fields.
struct FileSecurityStatus {
  bool present = false;  // the entry carried securityFileStatus (or legacy `security`)
  std::string status;    // top-level level
  ScannerResult av_scan;
  ScannerResult pickle_import_scan;
  ScannerResult protect_ai_scan;
  ScannerResult jfrog_scan;
  ScannerResult virus_total_scan;
  std::string raw_json;  // the securityFileStatus object as received
  // Worst level among status and every present sub-scan (by LevelRank).
  std::string WorstLevel() const;
  // The first message of a flagged sub-scan, for "the hub's own message" in tables.
  std::string FlagMessage() const;
};

// Repo-level status (model info with securityStatus=true, or /scan).
struct RepoSecurityStatus {
  bool present = false;     // securityRepoStatus (or legacy securityStatus) was in the reply
  bool scans_done = false;  // false means "unknown", never "clean"
  struct FileIssue {
    std::string path;
    std::string level;
  };
  std::vector<FileIssue> files_with_issues;
  bool legacy = false;  // parsed from {"containsInfected", "infectionTypes"}
  std::string raw_json;
};

// Model info (GET /api/models/{repo}[/revision/{rev}]) and listing items (GET /api/models).
// Fields absent from the reply stay empty / zero.
struct ModelInfo {
  std::string id;
  std::string sha;  // commit at the requested revision
  std::string author;
  bool is_private = false;
  bool disabled = false;
  std::string gated;       // "" (not gated), "auto" or "manual"
  uint64_t downloads = 0;  // last 30 days
  uint64_t downloads_all_time = 0;
  uint64_t likes = 0;
  std::vector<std::string> tags;
  std::string pipeline_tag;
  std::string library_name;
  std::string created_at;
  std::string last_modified;
  std::vector<std::string> siblings;  // rfilename of each file
  // License as declared: cardData.license (string or list), cardData.license_name /
  // license_link, and every `license:<id>` tag (prefix stripped).
  std::vector<std::string> card_licenses;
  std::string license_name;
  std::string license_link;
  std::vector<std::string> license_tags;
  std::string card_data_json;   // cardData object as received ("" when absent)
  RepoSecurityStatus security;  // only when requested with securityStatus=true
  std::string raw_json;
  // card_licenses then license_tags, deduplicated, lowercase, in that order.
  std::vector<std::string> LicenseIds() const;
};

// One entry of the tree listing.
struct TreeEntry {
  std::string type;   // "file" | "directory" | "unknown"
  std::string path;   // repo-relative, no leading '/'
  std::string oid;    // git blob sha1 (files) / tree sha1 (directories)
  uint64_t size = 0;  // size of the content (for LFS files: of the remote file)
  bool is_lfs = false;
  std::string lfs_sha256;  // lfs.oid: sha256 hex of the content
  uint64_t lfs_size = 0;
  std::string xet_hash;  // not a sha256
  std::string last_commit_id;
  std::string last_commit_date;
  FileSecurityStatus security;  // only with expand=true, files only
  std::string raw_json;
  bool is_file() const { return type == "file"; }
};

struct ListModelsQuery {
  std::string search;
  std::string author;
  std::vector<std::string> filters;  // each sent as filter=… (AND semantics)
  std::string sort = "downloads";    // descending (the hub always sorts descending)
  uint64_t limit = 100;              // total models wanted (0: no cap; paging continues)
  uint64_t page_size = 100;          // sent as limit= per request; the server may use less
  bool full = false;                 // full=true (siblings, sha, …)
  bool card_data = true;             // cardData=true (licenses); ignored when expand is set
  std::vector<std::string> expand;   // expand=… (exclusive with full/cardData, 400 on unknown)
  uint64_t max_pages = 1000;         // safety stop against a server that pages forever
  // Optional: the listing ends, without it, at the first model this returns true for (a
  // watcher's cursor in a listing sorted by lastModified): no further page is fetched.
  std::function<bool(const ModelInfo&)> stop_before;
};

// Metadata of a file from HEAD resolve/{rev}/{path} (relative redirects followed only).
struct FileMeta {
  std::string commit;            // X-Repo-Commit
  std::string etag;              // X-Linked-Etag or ETag, without W/ and quotes: sha1 or sha256
  std::optional<uint64_t> size;  // X-Linked-Size, else Content-Length of a non-redirect
  std::string location;  // absolute URL the content is served from (after a 302), or the URL
  bool redirected_off_host = false;  // Location is on another host/port than the endpoint
};

// Counters of one client (and of sources that report into it), for tests and debug logs.
struct HttpStats {
  uint64_t requests = 0;      // requests sent, including retries and redirect hops
  uint64_t retries = 0;       // re-sent after 408/429/5xx/transport errors
  uint64_t rate_limited = 0;  // 429 responses seen
  uint64_t waited_ms = 0;     // total time slept in backoff
  uint64_t body_bytes = 0;    // response body bytes received
};

class HttpTransport;  // internal (hub/http.h)

class HubClient {
 public:
  explicit HubClient(HubConfig config);
  ~HubClient();
  HubClient(const HubClient&) = delete;
  HubClient& operator=(const HubClient&) = delete;

  const HubConfig& config() const { return config_; }

  // GET /api/models/{repo}[/revision/{rev}]?securityStatus=true (revision "" or "main" uses
  // the short path). 401/403 on gated/private repos give kGated / kPrivateOrMissing.
  Result<ModelInfo> GetModelInfo(const std::string& repo, const std::string& revision = "main",
                                 bool security_status = true);
  // GET /api/models/{repo}/scan: the repo-level status without revision.
  Result<RepoSecurityStatus> GetScan(const std::string& repo);
  // GET /api/models/{repo}/tree/{rev}[/{path}]?recursive=…&expand=…, every page (Link cursor).
  Result<std::vector<TreeEntry>> ListTree(const std::string& repo, const std::string& revision,
                                          bool expand = true, bool recursive = true,
                                          const std::string& path = "");
  // GET /api/models?… following Link rel="next" until query.limit models or the last page.
  // Models are in server order (most downloaded first with sort=downloads).
  Result<std::vector<ModelInfo>> ListModels(const ListModelsQuery& query);
  // HEAD resolve/{rev}/{path}: commit, etag, size and the URL the content is served from.
  Result<FileMeta> HeadFile(const std::string& repo, const std::string& revision,
                            const std::string& path);
  // {endpoint}/{repo}/resolve/{rev}/{path}, rev and path percent-encoded (path keeps '/').
  std::string ResolveUrl(const std::string& repo, const std::string& revision,
                         const std::string& path) const;

  HttpStats stats() const;
  // For sources opened on this client (http_source.h): a transport sharing config and stats.
  std::shared_ptr<HttpTransport> NewTransport() const;

 private:
  HubConfig config_;
  std::shared_ptr<HttpTransport> transport_;
};

// Percent-encodes every byte outside [A-Za-z0-9-._~] ("/" too unless keep_slash).
std::string UrlEncode(std::string_view s, bool keep_slash = false);

}  // namespace mv::hub
