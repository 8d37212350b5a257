// The audit store: models, their files, scans, status history and reviews. One abstract
// interface so a PostgreSQL backend (multi-machine runs) can replace the embedded SQLite one;
// nothing here names a database type.
//
// Contract of every implementation:
// - each Commit* call is one transaction: either every row it describes is written, or none
//   (no half-written decision);
// - models carry a `version` that each commit bumps; a commit whose `expected_version` no longer
//   matches fails with Errc::kConflict (another process decided meanwhile), as does retiring a
//   review that is no longer active;
// - errors of every query are returned (a damaged database is never read as "no rows");
// - strings are UTF-8; times are ISO-8601 UTC ("2026-10-06T12:00:00Z"); json columns hold text.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/record_enums.h"

namespace mv::store {

// The enum fields are stored as their text (record_enums.h); a stored text no table row holds is
// an Errc::kMalformed error of the read, never a default.
struct ModelRecord {
  std::string id;  // "org/name"
  std::string author;
  std::string revision = "main";  // revision audited as asked ("main", a tag, a commit)
  std::string sha;                // commit the audit saw
  uint64_t downloads = 0;
  uint64_t likes = 0;
  std::string license;                // declared ids, comma-separated ("apache-2.0", "other:foo")
  std::string license_risk;           // permissive, public-domain, … (audit/license.h)
  std::string hub_flag;               // worst flagged level the hub shows ("unsafe"); "" when none
  std::string hub_message;            // the hub's own message for the worst flagged file
  std::optional<ModelStatus> status;  // nullopt: seen in a listing, never audited
  bool missed_by_hub = false;
  std::optional<StatusSource> status_source;  // nullopt while status is
  std::string verification;  // one line: "Verified unsafe: opens a web browser on load"
  std::string last_audit;    // time of the last audit; "" never audited
  int64_t version = 0;       // bumped on every commit touching the model
};

struct FileRecord {
  std::string model;
  std::string path;
  std::string sha256;  // sha256 of the content when known (LFS oid, or computed)
  std::string oid;     // git blob sha1 from the tree
  uint64_t size = 0;
  std::string hub_status;               // worst level of the hub's scanners ("" unknown)
  std::string hub_message;              // first message of a flagged hub scanner
  std::string hub_imports_json = "[]";  // [{"module","name","safety"}] from pickleImportScan
  std::optional<Verdict> verdict;       // nullopt: not analysed
  std::string summary;                  // our one-line summary
  uint64_t bytes_read = 0;
  std::string report_json = "{}";  // our FileReport as JSON (report/json)
  // The content identity reviews are pinned to: sha256 when known, else the git oid.
  std::string ContentId() const { return sha256.empty() ? oid : sha256; }
};

struct ScanRecord {
  int64_t id = 0;  // assigned by the store
  std::string model;
  std::string revision;
  std::string sha;
  std::string started;
  std::string finished;
  uint64_t files_total = 0;
  uint64_t files_scanned = 0;
  uint64_t bytes_read = 0;
  std::string tool_version;
  std::string error;  // why the audit is incomplete, "" when complete
};

struct StatusChange {
  int64_t id = 0;
  std::string model;
  std::string time;
  std::optional<ModelStatus> from;  // nullopt for the first status
  ModelStatus to = ModelStatus::kSuspected;
  bool missed_by_hub = false;
  StatusSource source = StatusSource::kAutomatic;
  std::string who;  // "modelvet 0.1.0" or the reviewer
  std::string reason;
  int64_t scan = 0;  // the scan that caused it (0: a review)
};

struct Review {
  int64_t id = 0;
  std::string model;
  std::string path;
  Decision decision = Decision::kFalsePositive;
  std::string note;
  std::string reviewer;
  std::string time;
  std::string file_sha;  // FileRecord::ContentId() when decided; the review holds while equal
  bool active = true;
  std::string superseded_time;
  std::string superseded_reason;  // "file changed: <old> -> <new>"
};

// One sandboxed load of a file (`modelvet audit --reproduce`, reproduce/): evidence of its own
// kind, kept with the static findings of the same scan.
struct Reproduction {
  int64_t id = 0;
  std::string model;
  std::string path;
  std::string file_sha;  // FileRecord::ContentId() of the file loaded
  std::string time;
  std::string loader;                // "torch", "pickle", …
  std::string outcome;               // payload-observed | nothing-observed | limit-hit | …
  std::string observed_json = "[]";  // [{"kind","detail","when"}]
  std::string report_json = "{}";    // the whole reproduce report
  int64_t scan = 0;                  // assigned by the store
};

// The lease a queue worker holds on a job (store/job_queue.h). An audit carrying one commits only
// while the lease still holds the job, and completes the job in the same transaction.
struct JobLease {
  int64_t id = 0;  // 0: not a queue job
  std::string token;
};

// One audit, written atomically: the model row (status included), its current files (they
// replace the previous set), the scan, the status changes and the reviews it invalidated.
struct AuditCommit {
  ModelRecord model;
  int64_t expected_version = 0;  // ModelRecord::version as read; 0 when the model is new
  std::vector<FileRecord> files;
  ScanRecord scan;
  std::vector<StatusChange> changes;  // scan ids are filled in by the store
  struct Supersede {
    int64_t review_id = 0;
    std::string time;
    std::string reason;
  };
  std::vector<Supersede> superseded;
  std::vector<Reproduction> reproductions;  // `audit --reproduce`; scan ids filled in by the store
  int64_t run = 0;  // the `audit --all` run this audit belongs to (AuditRun), 0 for none
  // A queue job (PostgreSQL only): the commit fails with Errc::kLeaseLost when another worker
  // took the job over, and with Errc::kDuplicate when the revision was already audited through
  // the queue (results are idempotent by repo, commit and file content).
  JobLease job;
};

// One `modelvet audit --all` run. A run killed before its end is resumed by the next one: the
// models it finished (each recorded in the same transaction as its audit) are not re-audited.
struct AuditRun {
  int64_t id = 0;
  std::string started;
  std::string finished;           // "" while the run is open
  std::vector<std::string> done;  // models finished by this run (audited or recorded unverified)
};

// One reviewer decision, written atomically with the status it leads to.
struct ReviewCommit {
  Review review;
  ModelRecord model;
  int64_t expected_version = 0;
  std::optional<StatusChange> change;
};

// A project: one application whose models `modelvet inventory --project NAME` recorded. A
// project's inventory is replaced as a whole by each run (CommitProject).
struct ProjectReference {
  std::string path;  // relative to the project's root
  int64_t line = 0;
  std::string via;  // from_pretrained, pipeline, MODEL_ID, …
};

struct ProjectModel {
  std::string provider;  // huggingface, github, openai, anthropic, …
  std::string model;     // ORG/NAME (models.id for huggingface) or the service's model name
  std::string revision;  // "" when the code does not pin one
  std::string category;  // self-hosted | ai-service
  bool remote_code = false;
  std::vector<ProjectReference> references;
};

struct ProjectArtifact {  // a model file committed in the project's tree
  std::string path;
  std::string format;
  Verdict verdict = Verdict::kError;
  std::string summary;
  std::string sha256;  // "" when not computed
  uint64_t size = 0;
};

struct ProjectDynamicReference {  // an id built at run time
  std::string path;
  int64_t line = 0;
  std::string text;
};

struct ProjectRecord {
  std::string name;
  std::string root;            // the directory inventoried (as given)
  std::string last_inventory;  // time of the last inventory
  std::string tool_version;
};

struct ProjectInventory {
  ProjectRecord project;
  std::vector<ProjectModel> models;
  std::vector<ProjectDynamicReference> dynamic_references;
  std::vector<ProjectArtifact> artifacts;
};

// Which projects use a model (any revision): a model is counted once across projects.
struct ModelUsage {
  std::string provider;
  std::string model;
  std::vector<std::string> projects;  // sorted
};

// One page of the models table (QueryModels). Filters are ANDed; an empty list or an unset value
// does not filter. hub_flags and license_risks are the columns' own strings ("" = not flagged).
struct ModelQuery {
  std::vector<std::optional<ModelStatus>> statuses;  // nullopt: never audited
  std::vector<std::string> hub_flags;
  std::vector<std::string> license_risks;
  std::optional<bool> missed_by_hub;
  std::string project;  // only the models this project uses (the inventory); "" = any
  std::string text;     // substring of the id, ASCII case-insensitive; "" = any
  std::string id;       // exactly this model; "" = any
  // kStatus orders by severity (never audited < no-findings < false-positive < suspected <
  // confirmed-unsafe), then by downloads. Every order ends with the id, in the direction that
  // makes an ascending list exactly the descending one reversed (each order is one index scan).
  enum class Sort : uint8_t { kDownloads, kLastAudit, kStatus, kId };
  Sort sort = Sort::kDownloads;
  bool descending = true;
  uint64_t limit = 0;  // 0: every matching row
  uint64_t offset = 0;
};

struct ModelRow {
  ModelRecord model;
  // How many current files have each verdict (FileRecord::verdict; nullopt = not analysed).
  std::vector<std::pair<std::optional<Verdict>, uint64_t>> verdict_counts;
  std::vector<std::string> projects;  // projects using the model (the inventory), sorted
};

struct ModelPage {
  uint64_t total = 0;  // rows matching the filters, before offset and limit
  std::vector<ModelRow> rows;
};

// Accounts of `modelvet serve`: reviewers and admins, their login sessions and API tokens.
// Secrets are never stored: passwords as a KDF string, session ids and tokens as hashes.
struct UserRecord {
  std::string name;
  std::string role;           // reviewer | admin
  std::string password_hash;  // the KDF's self-describing string (argon2id, salt, cost)
  std::string created;
  bool disabled = false;
};

struct SessionRecord {
  std::string id_hash;  // hash of the cookie value
  std::string user;
  std::string csrf;  // the token every form of this session carries
  std::string created;
  std::string expires;
};

struct TokenRecord {
  int64_t id = 0;  // assigned by the store
  std::string token_hash;
  std::string user;
  std::string label;
  std::string created;
  bool revoked = false;
};

class JobQueue;  // store/job_queue.h

class Store {
 public:
  virtual ~Store() = default;
  virtual std::string Describe() const = 0;  // "sqlite:/path/to/modelvet.db"

  virtual Result<std::optional<ModelRecord>> GetModel(const std::string& id) = 0;
  // Every model, most downloaded first (ties by id).
  virtual Result<std::vector<ModelRecord>> ListModels() = 0;
  virtual Result<std::vector<FileRecord>> ListFiles(const std::string& model) = 0;
  virtual Result<std::vector<ScanRecord>> ListScans(const std::string& model) = 0;
  // Oldest first.
  virtual Result<std::vector<StatusChange>> History(const std::string& model) = 0;
  virtual Result<std::vector<Review>> ListReviews(const std::string& model, bool active_only) = 0;

  // A model seen in a hub listing: inserts it or refreshes author, downloads, likes, license
  // and hub flag; status fields and version are left alone.
  virtual Status UpsertListing(const ModelRecord& model) = 0;
  // A model whose files this tool could not read (gated, private): inserted when absent; its
  // `verification` says why while it has no status (an audited model keeps its last audit).
  virtual Status MarkUnverified(const std::string& id, const std::string& author,
                                const std::string& verification) = 0;

  // `audit --all` progress. The latest run that has not finished, if any, with its done models.
  virtual Result<std::optional<AuditRun>> OpenAuditRun() = 0;
  // Starts a run (closing any run still open); returns its id.
  virtual Result<int64_t> StartAuditRun(const std::string& now) = 0;
  // Records that `run` finished `model` outside CommitAudit (a model recorded unverified).
  virtual Status MarkRunDone(int64_t run, const std::string& model) = 0;
  virtual Status FinishAuditRun(int64_t run, const std::string& now) = 0;
  // Returns the scan id.
  virtual Result<int64_t> CommitAudit(const AuditCommit& audit) = 0;
  // Returns the review id.
  virtual Result<int64_t> CommitReview(const ReviewCommit& review) = 0;

  // Projects (`modelvet inventory --project`). CommitProject replaces the project's models,
  // references, dynamic references and artifacts in one transaction.
  virtual Status CommitProject(const ProjectInventory& inventory) = 0;
  virtual Result<std::optional<ProjectInventory>> GetProject(const std::string& name) = 0;
  virtual Result<std::vector<ProjectRecord>> ListProjects() = 0;  // by name
  virtual Result<std::vector<ModelUsage>> ListModelUsage() = 0;   // by provider, model
  // Sandboxed loads of the model's files, oldest first.
  virtual Result<std::vector<Reproduction>> ListReproductions(const std::string& model) = 0;

  // The models table: one page and the number of matching rows.
  virtual Result<ModelPage> QueryModels(const ModelQuery& query) = 0;

  // Accounts. PutUser inserts or replaces the user (role, password, disabled); deleting a
  // user deletes their sessions and tokens. Sessions past `expires` (compared with `now`) and
  // revoked tokens are never returned.
  virtual Status PutUser(const UserRecord& user) = 0;
  virtual Result<std::optional<UserRecord>> GetUser(const std::string& name) = 0;
  virtual Result<std::vector<UserRecord>> ListUsers() = 0;
  virtual Result<bool> DeleteUser(const std::string& name) = 0;  // false: no such user
  virtual Status CreateSession(const SessionRecord& session) = 0;
  virtual Result<std::optional<SessionRecord>> GetSession(const std::string& id_hash,
                                                          const std::string& now) = 0;
  // Deletes the session, and every session expired at `now`.
  virtual Status DeleteSession(const std::string& id_hash, const std::string& now) = 0;
  virtual Result<int64_t> CreateToken(const TokenRecord& token) = 0;  // returns the id
  virtual Result<std::optional<TokenRecord>> FindToken(const std::string& token_hash) = 0;
  virtual Result<std::vector<TokenRecord>> ListTokens() = 0;
  virtual Result<bool> RevokeToken(int64_t id) = 0;  // false: no such active token

  // The shared work queue, when this backend has one (PostgreSQL); nullptr otherwise.
  virtual JobQueue* Queue() { return nullptr; }
};

// Opens the store `where` names: a postgresql:// or postgres:// URL (or a libpq conninfo string
// starting "host=", "dbname=" …) opens PostgreSQL, anything else is an SQLite path. Every command
// opens its store through this.
Result<std::unique_ptr<Store>> Open(const std::string& where);
bool IsPostgresUrl(const std::string& where);

// Connects to and migrates the PostgreSQL store at url.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url);
int PostgresSchemaVersion();

// $MODELVET_DB (a path or a PostgreSQL URL), else $XDG_DATA_HOME/modelvet/modelvet.db, else
// ~/.local/share/modelvet/modelvet.db.
std::string DefaultDbPath();

// Opens (creating it and its directory when missing) and migrates the SQLite store at path.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

// The schema version this build migrates to (for tests and `--version` style output).
int SqliteSchemaVersion();

// The SQL of QueryModels' page query (binds: the filter values, then limit and offset), so
// tests can check that every order and filter is served by an index (EXPLAIN QUERY PLAN).
std::string ModelsPageSql(const ModelQuery& query);

}  // namespace mv::store
