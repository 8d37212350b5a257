// SQLite implementation of Store: WAL journal, foreign keys on, a busy timeout so concurrent
// modelvet processes wait instead of failing, ordered schema migrations recorded in
// schema_version, and every multi-row change inside BEGIN IMMEDIATE … COMMIT.
#include <fmt/format.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "store/models_sql.h"
#include "store/rows.h"
#include "store/store.h"

namespace mv::store {
namespace {

// Concurrent writers (several audits at once) wait this long for the lock. An audit commit
// takes milliseconds; a whole minute means something is stuck.
constexpr int kBusyTimeoutMs = 60'000;
// Largest part of the database file read through mmap (address space, not memory: pages are
// shared with the OS page cache). Larger stores read the rest with read().
constexpr int64_t kMmapBytes = int64_t{1} << 30;
// Ids bound into one IN (…) list (SQLite allows 32,766 parameters; a page has at most 500).
constexpr size_t kIdsPerQuery = 500;

// Ordered migrations: step i brings the schema from version i to i+1. Never edit a released
// step; append a new one.
constexpr const char* kMigrations[] = {
    // v1: the tables.
    R"sql(
CREATE TABLE models (
  id            TEXT PRIMARY KEY NOT NULL,
  author        TEXT NOT NULL DEFAULT '',
  revision      TEXT NOT NULL DEFAULT 'main',
  sha           TEXT NOT NULL DEFAULT '',
  downloads     INTEGER NOT NULL DEFAULT 0,
  likes         INTEGER NOT NULL DEFAULT 0,
  license       TEXT NOT NULL DEFAULT '',
  license_risk  TEXT NOT NULL DEFAULT '',
  hub_flag      TEXT NOT NULL DEFAULT '',
  hub_message   TEXT NOT NULL DEFAULT '',
  status        TEXT NOT NULL DEFAULT '' CHECK (status IN
                  ('', 'no-findings', 'suspected', 'confirmed-unsafe', 'false-positive')),
  missed_by_hub INTEGER NOT NULL DEFAULT 0 CHECK (missed_by_hub IN (0, 1)),
  status_source TEXT NOT NULL DEFAULT '' CHECK (status_source IN ('', 'automatic', 'reviewer')),
  verification  TEXT NOT NULL DEFAULT '',
  last_audit    TEXT NOT NULL DEFAULT '',
  version       INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE scans (
  id            INTEGER PRIMARY KEY,
  model         TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  revision      TEXT NOT NULL,
  sha           TEXT NOT NULL,
  started       TEXT NOT NULL,
  finished      TEXT NOT NULL,
  files_total   INTEGER NOT NULL,
  files_scanned INTEGER NOT NULL,
  bytes_read    INTEGER NOT NULL,
  tool_version  TEXT NOT NULL,
  error         TEXT NOT NULL DEFAULT ''
);
CREATE TABLE files (
  model       TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  path        TEXT NOT NULL,
  scan        INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
  sha256      TEXT NOT NULL DEFAULT '',
  oid         TEXT NOT NULL DEFAULT '',
  size        INTEGER NOT NULL DEFAULT 0,
  hub_status  TEXT NOT NULL DEFAULT '',
  hub_message TEXT NOT NULL DEFAULT '',
  hub_imports TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(hub_imports)),
  verdict     TEXT NOT NULL DEFAULT '' CHECK (verdict IN
                ('', 'safe', 'needs-review', 'unsafe', 'error')),
  summary     TEXT NOT NULL DEFAULT '',
  bytes_read  INTEGER NOT NULL DEFAULT 0,
  report      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(report)),
  PRIMARY KEY (model, path)
);
CREATE TABLE status_history (
  id            INTEGER PRIMARY KEY,
  model         TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  time          TEXT NOT NULL,
  from_status   TEXT NOT NULL,
  to_status     TEXT NOT NULL CHECK (to_status IN
                  ('no-findings', 'suspected', 'confirmed-unsafe', 'false-positive')),
  missed_by_hub INTEGER NOT NULL CHECK (missed_by_hub IN (0, 1)),
  source        TEXT NOT NULL CHECK (source IN ('automatic', 'reviewer')),
  who           TEXT NOT NULL,
  reason        TEXT NOT NULL,
  scan          INTEGER REFERENCES scans(id) ON DELETE SET NULL
);
CREATE TABLE reviews (
  id                INTEGER PRIMARY KEY,
  model             TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  path              TEXT NOT NULL,
  decision          TEXT NOT NULL CHECK (decision IN ('confirmed-unsafe', 'false-positive')),
  note              TEXT NOT NULL,
  reviewer          TEXT NOT NULL CHECK (reviewer <> ''),
  time              TEXT NOT NULL,
  file_sha          TEXT NOT NULL,
  active            INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  superseded_time   TEXT NOT NULL DEFAULT '',
  superseded_reason TEXT NOT NULL DEFAULT ''
);
)sql",
    // v2: indexes for the per-model queries and the table order.
    R"sql(
CREATE INDEX models_by_downloads ON models(downloads DESC, id);
CREATE INDEX history_by_model ON status_history(model, id);
CREATE INDEX reviews_by_model ON reviews(model, path, active);
CREATE INDEX scans_by_model ON scans(model, id);
)sql",
    // v3: progress of `audit --all` runs, so a killed run is resumed without repeating work.
    R"sql(
CREATE TABLE audit_runs (
  id       INTEGER PRIMARY KEY,
  started  TEXT NOT NULL,
  finished TEXT NOT NULL DEFAULT ''
);
CREATE TABLE audit_run_done (
  run   INTEGER NOT NULL REFERENCES audit_runs(id) ON DELETE CASCADE,
  model TEXT NOT NULL,
  PRIMARY KEY (run, model)
);
)sql",
    // v4: projects (`modelvet inventory --project`): the models an application uses, where,
    // and the model files committed in it.
    R"sql(
CREATE TABLE projects (
  name           TEXT PRIMARY KEY NOT NULL CHECK (name <> ''),
  root           TEXT NOT NULL DEFAULT '',
  last_inventory TEXT NOT NULL,
  tool_version   TEXT NOT NULL DEFAULT ''
);
CREATE TABLE project_models (
  project     TEXT NOT NULL REFERENCES projects(name) ON DELETE CASCADE,
  provider    TEXT NOT NULL CHECK (provider <> ''),
  model       TEXT NOT NULL CHECK (model <> ''),
  revision    TEXT NOT NULL DEFAULT '',
  category    TEXT NOT NULL CHECK (category IN ('self-hosted', 'ai-service')),
  remote_code INTEGER NOT NULL DEFAULT 0 CHECK (remote_code IN (0, 1)),
  PRIMARY KEY (project, provider, model, revision)
);
CREATE TABLE project_references (
  project  TEXT NOT NULL,
  provider TEXT NOT NULL,
  model    TEXT NOT NULL,
  revision TEXT NOT NULL,
  path     TEXT NOT NULL,
  line     INTEGER NOT NULL,
  via      TEXT NOT NULL DEFAULT '',
  FOREIGN KEY (project, provider, model, revision)
    REFERENCES project_models(project, provider, model, revision) ON DELETE CASCADE
);
CREATE TABLE project_dynamic_references (
  project TEXT NOT NULL REFERENCES projects(name) ON DELETE CASCADE,
  path    TEXT NOT NULL,
  line    INTEGER NOT NULL,
  text    TEXT NOT NULL
);
CREATE TABLE project_artifacts (
  project TEXT NOT NULL REFERENCES projects(name) ON DELETE CASCADE,
  path    TEXT NOT NULL,
  format  TEXT NOT NULL,
  verdict TEXT NOT NULL CHECK (verdict IN ('safe', 'needs-review', 'unsafe', 'error')),
  summary TEXT NOT NULL DEFAULT '',
  sha256  TEXT NOT NULL DEFAULT '',
  size    INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (project, path)
);
CREATE INDEX project_models_by_model ON project_models(provider, model);
CREATE INDEX project_references_by_model ON project_references(project, provider, model, revision);
CREATE INDEX project_dynamic_by_project ON project_dynamic_references(project);
)sql",
    // v5: sandboxed loads (`audit --reproduce`), kept with the scan that made them.
    R"sql(
CREATE TABLE reproductions (
  id        INTEGER PRIMARY KEY,
  model     TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  path      TEXT NOT NULL,
  file_sha  TEXT NOT NULL,
  time      TEXT NOT NULL,
  loader    TEXT NOT NULL,
  outcome   TEXT NOT NULL CHECK (outcome IN ('payload-observed', 'nothing-observed',
              'limit-hit', 'loader-error', 'sandbox-unavailable')),
  observed  TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(observed)),
  report    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(report)),
  scan      INTEGER REFERENCES scans(id) ON DELETE SET NULL
);
CREATE INDEX reproductions_by_model ON reproductions(model, id);
)sql",
    // v6: the models table's orders and filters (QueryModels: every sort is one index scan; the
    // status rank expression must stay the same as kStatusRank), and the accounts of
    // `modelvet serve`. IF NOT EXISTS: steps added by concurrent branches may be reordered.
    R"sql(
CREATE INDEX IF NOT EXISTS models_by_last_audit ON models(last_audit DESC, id);
CREATE INDEX IF NOT EXISTS models_by_status_rank ON models((CASE status
  WHEN 'confirmed-unsafe' THEN 4 WHEN 'suspected' THEN 3 WHEN 'false-positive' THEN 2
  WHEN 'no-findings' THEN 1 ELSE 0 END) DESC, downloads DESC, id);
CREATE INDEX IF NOT EXISTS models_by_status ON models(status, downloads DESC, id);
CREATE INDEX IF NOT EXISTS models_by_hub_flag ON models(hub_flag, downloads DESC, id);
CREATE INDEX IF NOT EXISTS models_by_license_risk ON models(license_risk, downloads DESC, id);
CREATE INDEX IF NOT EXISTS models_by_missed ON models(missed_by_hub, downloads DESC, id);
CREATE TABLE IF NOT EXISTS users (
  name          TEXT PRIMARY KEY NOT NULL CHECK (name <> ''),
  role          TEXT NOT NULL CHECK (role IN ('reviewer', 'admin')),
  password_hash TEXT NOT NULL CHECK (password_hash <> ''),
  created       TEXT NOT NULL,
  disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))
);
CREATE TABLE IF NOT EXISTS sessions (
  id_hash TEXT PRIMARY KEY NOT NULL,
  user    TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
  csrf    TEXT NOT NULL CHECK (csrf <> ''),
  created TEXT NOT NULL,
  expires TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions(expires);
CREATE TABLE IF NOT EXISTS api_tokens (
  id         INTEGER PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  user       TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
  label      TEXT NOT NULL DEFAULT '',
  created    TEXT NOT NULL,
  revoked    INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
);
)sql",
    // v7: the work queue of `modelvet worker` (postgres_store.cc has its twin; the queue runs on
    // PostgreSQL only, the tables exist here too so both dialects have one schema).
    R"sql(
CREATE TABLE IF NOT EXISTS jobs (
  id            INTEGER PRIMARY KEY,
  repo          TEXT NOT NULL CHECK (repo <> ''),
  revision      TEXT NOT NULL DEFAULT 'main',
  sha           TEXT NOT NULL DEFAULT '',
  source        TEXT NOT NULL DEFAULT '',
  state         TEXT NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'leased', 'done', 'failed')),
  attempts      INTEGER NOT NULL DEFAULT 0,
  not_before    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  lease_token   TEXT NOT NULL DEFAULT '',
  leased_by     TEXT NOT NULL DEFAULT '',
  lease_expires TEXT,
  last_error    TEXT NOT NULL DEFAULT '',
  note          TEXT NOT NULL DEFAULT '',
  enqueued      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  finished      TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_one_open ON jobs(repo, revision)
  WHERE state IN ('pending', 'leased');
CREATE INDEX IF NOT EXISTS jobs_due ON jobs(not_before, id) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS jobs_leases ON jobs(lease_expires) WHERE state = 'leased';
CREATE TABLE IF NOT EXISTS queue_audits (
  job   INTEGER PRIMARY KEY NOT NULL,
  model TEXT NOT NULL,
  sha   TEXT NOT NULL,
  scan  INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS queue_audits_by_revision ON queue_audits(model, sha);
CREATE TABLE IF NOT EXISTS queue_results (
  model      TEXT NOT NULL,
  sha        TEXT NOT NULL,
  path       TEXT NOT NULL,
  content_id TEXT NOT NULL,
  verdict    TEXT NOT NULL,
  job        INTEGER NOT NULL,
  scan       INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
  PRIMARY KEY (model, sha, path, content_id)
);
CREATE TABLE IF NOT EXISTS rate_buckets (
  name         TEXT PRIMARY KEY NOT NULL,
  tokens       REAL NOT NULL,
  updated      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  paused_until TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  limited      INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS watch_cursors (
  name    TEXT PRIMARY KEY NOT NULL,
  value   TEXT NOT NULL,
  updated TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
)sql",
};
constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));

constexpr const char* kQueueNeedsPostgres =
    "store: the queue needs PostgreSQL (--db postgresql://…); this store is an SQLite file";

Error DbError(sqlite3* db, std::string_view what) {
  return MakeError(Errc::kIo, std::string("store: ") + std::string(what) + ": " +
                                  (db ? sqlite3_errmsg(db) : "out of memory"));
}

// A prepared statement with positional binds; finalised on destruction.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &st_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(st_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool prepared() const { return rc_ == SQLITE_OK; }
  Stmt& Bind(const std::string& v) {
    sqlite3_bind_text(st_, ++n_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(const char* v) { return Bind(std::string(v)); }
  Stmt& Bind(int64_t v) {
    sqlite3_bind_int64(st_, ++n_, v);
    return *this;
  }
  Stmt& Bind(uint64_t v) { return Bind(static_cast<int64_t>(v)); }
  Stmt& Bind(bool v) { return Bind(static_cast<int64_t>(v ? 1 : 0)); }
  Stmt& BindNullIfZero(int64_t v) {
    if (v == 0) {
      sqlite3_bind_null(st_, ++n_);
      return *this;
    }
    return Bind(v);
  }
  // SQLITE_ROW → true, SQLITE_DONE → false; other codes are errors.
  // Reads every row with read(*this) (returning T or Result<T>); the first error is returned.
  template <class T, class Fn>
  Result<std::vector<T>> Collect(Fn read) {
    std::vector<T> out;
    for (;;) {
      auto row = Step();
      if (!row.ok()) return row.error();
      if (!*row) return out;
      if constexpr (std::is_same_v<std::invoke_result_t<Fn, Stmt&>, Result<T>>) {
        Result<T> v = read(*this);
        if (!v.ok()) return v.error();
        out.push_back(std::move(*v));
      } else {
        out.push_back(read(*this));
      }
    }
  }

  Result<bool> Step() {
    if (!prepared()) return DbError(db_, "prepare");
    int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return DbError(db_, "step");
  }
  Status Run() {
    auto r = Step();
    if (!r.ok()) return r.error();
    return OkStatus();
  }
  std::string Text(int col) const {
    const unsigned char* p = sqlite3_column_text(st_, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<size_t>(sqlite3_column_bytes(st_, col)))
             : std::string();
  }
  int64_t Int(int col) const { return sqlite3_column_int64(st_, col); }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
  int rc_ = SQLITE_ERROR;
  int n_ = 0;
};

Status Exec(sqlite3* db, const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string m = msg ? msg : "unknown error";
    sqlite3_free(msg);
    return MakeError(Errc::kIo, "store: " + m);
  }
  return OkStatus();
}

// BEGIN IMMEDIATE on construction (takes the write lock up front, so the busy timeout applies
// here and not half-way through); ROLLBACK unless Commit() succeeded.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) { begun_ = Exec(db, "BEGIN IMMEDIATE"); }
  ~Transaction() {
    if (begun_.ok() && !done_) (void)Exec(db_, "ROLLBACK");
  }
  const Status& begun() const { return begun_; }
  Status Commit() {
    auto s = Exec(db_, "COMMIT");
    if (s.ok()) done_ = true;
    return s;
  }

 private:
  sqlite3* db_;
  Status begun_ = OkStatus();
  bool done_ = false;
};

// BEGIN (deferred) … COMMIT around reads that must see one snapshot (a count and its page).
class ReadTransaction {
 public:
  explicit ReadTransaction(sqlite3* db) : db_(db) { begun_ = Exec(db, "BEGIN"); }
  ~ReadTransaction() {
    if (begun_.ok()) (void)Exec(db_, "COMMIT");
  }
  const Status& begun() const { return begun_; }

 private:
  sqlite3* db_;
  Status begun_ = OkStatus();
};

#define MV_STORE_STEP(stmt)          \
  do {                               \
    auto _s = (stmt).Run();          \
    if (!_s.ok()) return _s.error(); \
  } while (0)

UserRecord ReadUser(Stmt& s) {
  return UserRecord{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4) != 0};
}

TokenRecord ReadToken(Stmt& s) {
  return TokenRecord{s.Int(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Int(5) != 0};
}

class SqliteStore final : public Store {
 public:
  SqliteStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteStore() override { sqlite3_close_v2(db_); }

  std::string Describe() const override { return "sqlite:" + path_; }

  Status Init() {
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    sqlite3_extended_result_codes(db_, 1);
    MV_RETURN_IF_ERROR(Exec(db_, "PRAGMA foreign_keys = ON"));
    {
      Stmt fk(db_, "PRAGMA foreign_keys");
      auto row = fk.Step();
      if (!row.ok()) return row.error();
      if (!*row || fk.Int(0) != 1)
        return MakeError(Errc::kUnsupported, "store: this SQLite cannot enforce foreign keys");
    }
    {
      Stmt wal(db_, "PRAGMA journal_mode = WAL");
      auto row = wal.Step();
      if (!row.ok()) return row.error();
      // In-memory databases answer "memory"; files must be in WAL.
      if (*row && wal.Text(0) != "wal" && path_ != ":memory:")
        return MakeError(Errc::kIo,
                         "store: cannot switch " + path_ + " to WAL mode (" + wal.Text(0) + ")");
    }
    MV_RETURN_IF_ERROR(Exec(db_, "PRAGMA synchronous = NORMAL"));
    // Reads through a shared memory map instead of a read() per page into each connection's
    // own cache: the server's pooled connections share the OS page cache, and a table page
    // that visits thousands of index entries (sorts, offsets) makes no system calls.
    MV_RETURN_IF_ERROR(Exec(db_, fmt::format("PRAGMA mmap_size = {}", kMmapBytes).c_str()));
    MV_RETURN_IF_ERROR(Migrate());
    MV_RETURN_IF_ERROR(RefreshStatistics());
    return OkStatus();
  }

  Result<std::optional<ModelRecord>> GetModel(const std::string& id) override {
    Stmt s(db_, (std::string("SELECT ") + kModelColumns + " FROM models WHERE id = ?").c_str());
    s.Bind(id);
    auto row = s.Step();
    if (!row.ok()) return row.error();
    if (!*row) return std::optional<ModelRecord>();
    MV_ASSIGN_OR_RETURN(ModelRecord m, ReadModelRow(s));
    return std::optional<ModelRecord>(std::move(m));
  }

  Result<std::vector<ModelRecord>> ListModels() override {
    Stmt s(db_,
           (std::string("SELECT ") + kModelColumns + " FROM models ORDER BY downloads DESC, id")
               .c_str());
    return s.Collect<ModelRecord>([](Stmt& s) { return ReadModelRow(s); });
  }

  Result<std::vector<FileRecord>> ListFiles(const std::string& model) override {
    Stmt s(db_,
           fmt::format("SELECT {} FROM files WHERE model = ? ORDER BY path", kFileColumns).c_str());
    s.Bind(model);
    return s.Collect<FileRecord>([](Stmt& s) { return ReadFileRow(s); });
  }

  Result<std::vector<ScanRecord>> ListScans(const std::string& model) override {
    Stmt s(db_,
           fmt::format("SELECT {} FROM scans WHERE model = ? ORDER BY id", kScanColumns).c_str());
    s.Bind(model);
    return s.Collect<ScanRecord>([](Stmt& s) { return ReadScanRow(s); });
  }

  Result<std::vector<StatusChange>> History(const std::string& model) override {
    Stmt s(db_,
           fmt::format("SELECT {} FROM status_history WHERE model = ? ORDER BY id", kChangeColumns)
               .c_str());
    s.Bind(model);
    return s.Collect<StatusChange>([](Stmt& s) { return ReadChangeRow(s); });
  }

  Result<std::vector<Review>> ListReviews(const std::string& model, bool active_only) override {
    Stmt s(db_, fmt::format("SELECT {} FROM reviews WHERE model = ?{} ORDER BY id", kReviewColumns,
                            active_only ? " AND active = 1" : "")
                    .c_str());
    s.Bind(model);
    return s.Collect<Review>([](Stmt& s) { return ReadReviewRow(s); });
  }

  Result<ModelPage> QueryModels(const ModelQuery& q) override {
    ModelsWhere w = BuildModelsWhere(q, Dialect::kSqlite);
    ReadTransaction tx(db_);
    if (!tx.begun().ok()) return tx.begun().error();
    ModelPage page;
    MV_ASSIGN_OR_RETURN(page.total, CountModels(w));

    Stmt rows(db_, ModelsPageSql(q).c_str());
    for (const auto& b : w.binds) rows.Bind(b);
    rows.Bind(q.limit == 0 ? int64_t{-1} : static_cast<int64_t>(q.limit)).Bind(q.offset);
    MV_ASSIGN_OR_RETURN(std::vector<ModelRecord> models,
                        rows.Collect<ModelRecord>([](Stmt& s) { return ReadModelRow(s); }));
    std::unordered_map<std::string, size_t> index;
    for (auto& m : models) {
      index.emplace(m.id, page.rows.size());
      page.rows.push_back(ModelRow{std::move(m), {}, {}});
    }

    // The rows' file verdicts and projects, by the page's ids (bound in chunks: running the
    // filtered, sorted and offset page query again as a subquery costs as much as the page).
    for (size_t from = 0; from < page.rows.size(); from += kIdsPerQuery) {
      size_t n = std::min(kIdsPerQuery, page.rows.size() - from);
      std::string ids = "?";
      for (size_t k = 1; k < n; ++k) ids += ",?";
      auto bind_ids = [&](Stmt& st) {
        for (size_t k = 0; k < n; ++k) st.Bind(page.rows[from + k].model.id);
      };
      Stmt counts(db_, ("SELECT model, verdict, COUNT(*) FROM files WHERE model IN (" + ids +
                        ") GROUP BY model, verdict ORDER BY model, verdict")
                           .c_str());
      bind_ids(counts);
      for (;;) {
        auto r = counts.Step();
        if (!r.ok()) return r.error();
        if (!*r) break;
        if (auto it = index.find(counts.Text(0)); it != index.end()) {
          MV_ASSIGN_OR_RETURN(std::optional<Verdict> v,
                              FromOptionalColumn<Verdict>("files.verdict", counts.Text(1)));
          page.rows[it->second].verdict_counts.emplace_back(v,
                                                            static_cast<uint64_t>(counts.Int(2)));
        }
      }
      Stmt projects(db_, ("SELECT DISTINCT model, project FROM project_models WHERE provider = "
                          "'huggingface' AND model IN (" +
                          ids + ") ORDER BY model, project")
                             .c_str());
      bind_ids(projects);
      for (;;) {
        auto r = projects.Step();
        if (!r.ok()) return r.error();
        if (!*r) break;
        if (auto it = index.find(projects.Text(0)); it != index.end())
          page.rows[it->second].projects.push_back(projects.Text(1));
      }
    }
    return page;
  }

  // Table statistics for the query planner. Without them a filter that matches most models
  // (hub_flag "none") is served from its own index and sorted, 1.5 s at 100,000 models, instead
  // of walking the sort's index. ANALYZE (0.5 s at 100,000 models; a sampled one is too coarse
  // to fix that plan) runs when the models table has reached kAnalyzeFrom rows and has no
  // statistics, or has doubled since they were taken: a handful of times in a store's life.
  // max(rowid) estimates the size for free.
  Status RefreshStatistics() {
    constexpr int64_t kAnalyzeFrom = 1000;
    Stmt size(db_, "SELECT IFNULL(MAX(rowid), 0) FROM models");
    auto row = size.Step();
    if (!row.ok()) return row.error();
    int64_t rows = *row ? size.Int(0) : 0;
    if (rows < kAnalyzeFrom) return OkStatus();
    int64_t analyzed = 0;
    Stmt has(db_, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'");
    row = has.Step();
    if (!row.ok()) return row.error();
    if (*row) {
      Stmt stat(db_, "SELECT MAX(CAST(stat AS INTEGER)) FROM sqlite_stat1 WHERE tbl = 'models'");
      row = stat.Step();
      if (!row.ok()) return row.error();
      if (*row) analyzed = stat.Int(0);
    }
    if (analyzed > 0 && rows < 2 * analyzed) return OkStatus();
    return Exec(db_, "ANALYZE");
  }

  // The number of models matching `w`, inside the caller's read transaction. Counting 100,000
  // rows costs tens of milliseconds and the table asks for the same counts over and over, so
  // they are kept until the database changes: PRAGMA data_version moves when another
  // connection commits, sqlite3_total_changes64 when this one writes.
  Result<uint64_t> CountModels(const ModelsWhere& w) {
    Stmt dv(db_, "PRAGMA data_version");
    auto v = dv.Step();
    if (!v.ok()) return v.error();
    int64_t version = *v ? dv.Int(0) : -1;
    int64_t changes = sqlite3_total_changes64(db_);
    if (version != count_version_ || changes != count_changes_ ||
        counts_.size() >= kMaxCachedCounts) {
      counts_.clear();
      count_version_ = version;
      count_changes_ = changes;
    }
    std::string key = w.sql;
    for (const auto& b : w.binds) key += std::string("\0", 1) + b;
    if (auto it = counts_.find(key); it != counts_.end()) return it->second;
    Stmt count(db_, ("SELECT COUNT(*) FROM models" + w.sql).c_str());
    for (const auto& b : w.binds) count.Bind(b);
    auto row = count.Step();
    if (!row.ok()) return row.error();
    uint64_t n = *row ? static_cast<uint64_t>(count.Int(0)) : 0;
    counts_.emplace(std::move(key), n);
    return n;
  }

  // ---- accounts ---------------------------------------------------------------------------

  Status PutUser(const UserRecord& u) override {
    Stmt s(db_,
           "INSERT INTO users (name, role, password_hash, created, disabled) VALUES (?,?,?,?,?) "
           "ON CONFLICT(name) DO UPDATE SET role = excluded.role, "
           "password_hash = excluded.password_hash, disabled = excluded.disabled");
    s.Bind(u.name).Bind(u.role).Bind(u.password_hash).Bind(u.created).Bind(u.disabled);
    return s.Run();
  }

  Result<std::optional<UserRecord>> GetUser(const std::string& name) override {
    Stmt s(db_, "SELECT name, role, password_hash, created, disabled FROM users WHERE name = ?");
    s.Bind(name);
    MV_ASSIGN_OR_RETURN(auto users, s.Collect<UserRecord>(ReadUser));
    if (users.empty()) return std::optional<UserRecord>();
    return std::optional<UserRecord>(std::move(users[0]));
  }

  Result<std::vector<UserRecord>> ListUsers() override {
    Stmt s(db_, "SELECT name, role, password_hash, created, disabled FROM users ORDER BY name");
    return s.Collect<UserRecord>(ReadUser);
  }

  Result<bool> DeleteUser(const std::string& name) override {
    Stmt s(db_, "DELETE FROM users WHERE name = ?");
    s.Bind(name);
    MV_STORE_STEP(s);
    return sqlite3_changes(db_) == 1;
  }

  Status CreateSession(const SessionRecord& r) override {
    Stmt s(db_, "INSERT INTO sessions (id_hash, user, csrf, created, expires) VALUES (?,?,?,?,?)");
    s.Bind(r.id_hash).Bind(r.user).Bind(r.csrf).Bind(r.created).Bind(r.expires);
    return s.Run();
  }

  Result<std::optional<SessionRecord>> GetSession(const std::string& id_hash,
                                                  const std::string& now) override {
    Stmt s(db_,
           "SELECT id_hash, user, csrf, created, expires FROM sessions WHERE id_hash = ? AND "
           "expires > ?");
    s.Bind(id_hash).Bind(now);
    MV_ASSIGN_OR_RETURN(auto found, s.Collect<SessionRecord>([](Stmt& st) {
      return SessionRecord{st.Text(0), st.Text(1), st.Text(2), st.Text(3), st.Text(4)};
    }));
    if (found.empty()) return std::optional<SessionRecord>();
    return std::optional<SessionRecord>(std::move(found[0]));
  }

  Status DeleteSession(const std::string& id_hash, const std::string& now) override {
    Stmt s(db_, "DELETE FROM sessions WHERE id_hash = ? OR expires <= ?");
    s.Bind(id_hash).Bind(now);
    return s.Run();
  }

  Result<int64_t> CreateToken(const TokenRecord& t) override {
    Stmt s(db_, "INSERT INTO api_tokens (token_hash, user, label, created) VALUES (?,?,?,?)");
    s.Bind(t.token_hash).Bind(t.user).Bind(t.label).Bind(t.created);
    MV_STORE_STEP(s);
    return static_cast<int64_t>(sqlite3_last_insert_rowid(db_));
  }

  Result<std::optional<TokenRecord>> FindToken(const std::string& token_hash) override {
    Stmt s(db_,
           "SELECT id, token_hash, user, label, created, revoked FROM api_tokens WHERE "
           "token_hash = ? AND revoked = 0");
    s.Bind(token_hash);
    MV_ASSIGN_OR_RETURN(auto found, s.Collect<TokenRecord>(ReadToken));
    if (found.empty()) return std::optional<TokenRecord>();
    return std::optional<TokenRecord>(std::move(found[0]));
  }

  Result<std::vector<TokenRecord>> ListTokens() override {
    Stmt s(db_, "SELECT id, token_hash, user, label, created, revoked FROM api_tokens ORDER BY id");
    return s.Collect<TokenRecord>(ReadToken);
  }

  Result<bool> RevokeToken(int64_t id) override {
    Stmt s(db_, "UPDATE api_tokens SET revoked = 1 WHERE id = ? AND revoked = 0");
    s.Bind(id);
    MV_STORE_STEP(s);
    return sqlite3_changes(db_) == 1;
  }

  Status UpsertListing(const ModelRecord& m) override {
    Stmt s(db_,
           "INSERT INTO models (id, author, downloads, likes, license, license_risk, hub_flag, "
           "hub_message) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
           "author = excluded.author, downloads = excluded.downloads, likes = excluded.likes, "
           "license = excluded.license, license_risk = excluded.license_risk, "
           "hub_flag = excluded.hub_flag, hub_message = excluded.hub_message");
    s.Bind(m.id)
        .Bind(m.author)
        .Bind(m.downloads)
        .Bind(m.likes)
        .Bind(m.license)
        .Bind(m.license_risk)
        .Bind(m.hub_flag)
        .Bind(m.hub_message);
    return s.Run();
  }

  Status MarkUnverified(const std::string& id, const std::string& author,
                        const std::string& verification) override {
    Stmt s(db_,
           "INSERT INTO models (id, author, verification) VALUES (?, ?, ?) ON CONFLICT(id) DO "
           "UPDATE SET verification = excluded.verification WHERE models.status = ''");
    s.Bind(id).Bind(author).Bind(verification);
    return s.Run();
  }

  Result<std::optional<AuditRun>> OpenAuditRun() override {
    Stmt s(db_,
           "SELECT id, started, finished FROM audit_runs WHERE finished = '' ORDER BY id DESC "
           "LIMIT 1");
    auto row = s.Step();
    if (!row.ok()) return row.error();
    if (!*row) return std::optional<AuditRun>();
    AuditRun run;
    run.id = s.Int(0);
    run.started = s.Text(1);
    run.finished = s.Text(2);
    Stmt d(db_, "SELECT model FROM audit_run_done WHERE run = ? ORDER BY model");
    d.Bind(run.id);
    MV_ASSIGN_OR_RETURN(run.done, d.Collect<std::string>([](Stmt& s) { return s.Text(0); }));
    return std::optional<AuditRun>(std::move(run));
  }

  Result<int64_t> StartAuditRun(const std::string& now) override {
    Transaction tx(db_);
    if (!tx.begun().ok()) return tx.begun().error();
    Stmt close(db_, "UPDATE audit_runs SET finished = ? WHERE finished = ''");
    close.Bind(now);
    MV_STORE_STEP(close);
    Stmt ins(db_, "INSERT INTO audit_runs (started) VALUES (?)");
    ins.Bind(now);
    MV_STORE_STEP(ins);
    int64_t id = sqlite3_last_insert_rowid(db_);
    MV_RETURN_IF_ERROR(tx.Commit());
    return id;
  }

  Status MarkRunDone(int64_t run, const std::string& model) override {
    Stmt s(db_, "INSERT OR IGNORE INTO audit_run_done (run, model) VALUES (?, ?)");
    s.Bind(run).Bind(model);
    return s.Run();
  }

  Status FinishAuditRun(int64_t run, const std::string& now) override {
    Stmt s(db_, "UPDATE audit_runs SET finished = ? WHERE id = ?");
    s.Bind(now).Bind(run);
    return s.Run();
  }

  Result<int64_t> CommitAudit(const AuditCommit& a) override {
    if (a.job.id != 0) return MakeError(Errc::kUnsupported, kQueueNeedsPostgres);
    Transaction tx(db_);
    if (!tx.begun().ok()) return tx.begun().error();
    MV_RETURN_IF_ERROR(WriteModel(a.model, a.expected_version));

    Stmt scan(db_,
              "INSERT INTO scans (model, revision, sha, started, finished, files_total, "
              "files_scanned, bytes_read, tool_version, error) VALUES (?,?,?,?,?,?,?,?,?,?)");
    scan.Bind(a.model.id)
        .Bind(a.scan.revision)
        .Bind(a.scan.sha)
        .Bind(a.scan.started)
        .Bind(a.scan.finished)
        .Bind(a.scan.files_total)
        .Bind(a.scan.files_scanned)
        .Bind(a.scan.bytes_read)
        .Bind(a.scan.tool_version)
        .Bind(a.scan.error);
    MV_STORE_STEP(scan);
    int64_t scan_id = sqlite3_last_insert_rowid(db_);

    Stmt del(db_, "DELETE FROM files WHERE model = ?");
    del.Bind(a.model.id);
    MV_STORE_STEP(del);
    for (const FileRecord& f : a.files) {
      Stmt ins(db_,
               "INSERT INTO files (model, path, scan, sha256, oid, size, hub_status, "
               "hub_message, hub_imports, verdict, summary, bytes_read, report) "
               "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
      ins.Bind(a.model.id)
          .Bind(f.path)
          .Bind(scan_id)
          .Bind(f.sha256)
          .Bind(f.oid)
          .Bind(f.size)
          .Bind(f.hub_status)
          .Bind(f.hub_message)
          .Bind(f.hub_imports_json)
          .Bind(ColumnText(f.verdict))
          .Bind(f.summary)
          .Bind(f.bytes_read)
          .Bind(f.report_json);
      MV_STORE_STEP(ins);
    }
    for (const auto& sup : a.superseded) {
      Stmt up(db_,
              "UPDATE reviews SET active = 0, superseded_time = ?, superseded_reason = ? "
              "WHERE id = ? AND model = ? AND active = 1");
      up.Bind(sup.time).Bind(sup.reason).Bind(sup.review_id).Bind(a.model.id);
      MV_STORE_STEP(up);
      if (sqlite3_changes(db_) != 1)
        return MakeError(Errc::kConflict, "conflict: review " + std::to_string(sup.review_id) +
                                              " of " + a.model.id + " is no longer active");
    }
    for (const StatusChange& c : a.changes) MV_RETURN_IF_ERROR(WriteChange(c, a.model.id, scan_id));
    for (const Reproduction& r : a.reproductions) {
      Stmt ins(db_,
               "INSERT INTO reproductions (model, path, file_sha, time, loader, outcome, "
               "observed, report, scan) VALUES (?,?,?,?,?,?,?,?,?)");
      ins.Bind(a.model.id)
          .Bind(r.path)
          .Bind(r.file_sha)
          .Bind(r.time)
          .Bind(r.loader)
          .Bind(r.outcome)
          .Bind(r.observed_json)
          .Bind(r.report_json)
          .Bind(scan_id);
      MV_STORE_STEP(ins);
    }
    if (a.run != 0) MV_RETURN_IF_ERROR(MarkRunDone(a.run, a.model.id));
    MV_RETURN_IF_ERROR(tx.Commit());
    return scan_id;
  }

  Result<std::vector<Reproduction>> ListReproductions(const std::string& model) override {
    Stmt s(db_, fmt::format("SELECT {} FROM reproductions WHERE model = ? ORDER BY id",
                            kReproductionColumns)
                    .c_str());
    s.Bind(model);
    return s.Collect<Reproduction>([](Stmt& s) { return ReadReproductionRow(s); });
  }

  Result<int64_t> CommitReview(const ReviewCommit& r) override {
    Transaction tx(db_);
    if (!tx.begun().ok()) return tx.begun().error();
    MV_RETURN_IF_ERROR(WriteModel(r.model, r.expected_version));
    // A new decision on the same file replaces the previous one.
    Stmt old(db_,
             "UPDATE reviews SET active = 0, superseded_time = ?, superseded_reason = ? "
             "WHERE model = ? AND path = ? AND active = 1");
    old.Bind(r.review.time)
        .Bind("replaced by a later review by " + r.review.reviewer)
        .Bind(r.model.id)
        .Bind(r.review.path);
    MV_STORE_STEP(old);
    Stmt ins(db_,
             "INSERT INTO reviews (model, path, decision, note, reviewer, time, file_sha) "
             "VALUES (?,?,?,?,?,?,?)");
    ins.Bind(r.model.id)
        .Bind(r.review.path)
        .Bind(ColumnText(r.review.decision))
        .Bind(r.review.note)
        .Bind(r.review.reviewer)
        .Bind(r.review.time)
        .Bind(r.review.file_sha);
    MV_STORE_STEP(ins);
    int64_t id = sqlite3_last_insert_rowid(db_);
    if (r.change) MV_RETURN_IF_ERROR(WriteChange(*r.change, r.model.id, 0));
    MV_RETURN_IF_ERROR(tx.Commit());
    return id;
  }

  Status CommitProject(const ProjectInventory& inv) override {
    const ProjectRecord& pr = inv.project;
    Transaction tx(db_);
    if (!tx.begun().ok()) return tx.begun().error();
    Stmt up(db_,
            "INSERT INTO projects (name, root, last_inventory, tool_version) VALUES (?,?,?,?) "
            "ON CONFLICT(name) DO UPDATE SET root = excluded.root, "
            "last_inventory = excluded.last_inventory, tool_version = excluded.tool_version");
    up.Bind(pr.name).Bind(pr.root).Bind(pr.last_inventory).Bind(pr.tool_version);
    MV_STORE_STEP(up);
    for (const char* sql : {"DELETE FROM project_models WHERE project = ?",
                            "DELETE FROM project_dynamic_references WHERE project = ?",
                            "DELETE FROM project_artifacts WHERE project = ?"}) {
      Stmt del(db_, sql);
      del.Bind(pr.name);
      MV_STORE_STEP(del);
    }
    for (const ProjectModel& m : inv.models) {
      Stmt ins(db_,
               "INSERT INTO project_models (project, provider, model, revision, category, "
               "remote_code) VALUES (?,?,?,?,?,?)");
      ins.Bind(pr.name)
          .Bind(m.provider)
          .Bind(m.model)
          .Bind(m.revision)
          .Bind(m.category)
          .Bind(m.remote_code);
      MV_STORE_STEP(ins);
      for (const ProjectReference& r : m.references) {
        Stmt ref(db_,
                 "INSERT INTO project_references (project, provider, model, revision, path, line, "
                 "via) VALUES (?,?,?,?,?,?,?)");
        ref.Bind(pr.name)
            .Bind(m.provider)
            .Bind(m.model)
            .Bind(m.revision)
            .Bind(r.path)
            .Bind(r.line)
            .Bind(r.via);
        MV_STORE_STEP(ref);
      }
    }
    for (const ProjectDynamicReference& d : inv.dynamic_references) {
      Stmt ins(db_,
               "INSERT INTO project_dynamic_references (project, path, line, text) VALUES "
               "(?,?,?,?)");
      ins.Bind(pr.name).Bind(d.path).Bind(d.line).Bind(d.text);
      MV_STORE_STEP(ins);
    }
    for (const ProjectArtifact& a : inv.artifacts) {
      Stmt ins(db_,
               "INSERT INTO project_artifacts (project, path, format, verdict, summary, sha256, "
               "size) VALUES (?,?,?,?,?,?,?)");
      ins.Bind(pr.name)
          .Bind(a.path)
          .Bind(a.format)
          .Bind(ColumnText(a.verdict))
          .Bind(a.summary)
          .Bind(a.sha256)
          .Bind(a.size);
      MV_STORE_STEP(ins);
    }
    return tx.Commit();
  }

  Result<std::optional<ProjectInventory>> GetProject(const std::string& name) override {
    Stmt ps(db_, "SELECT name, root, last_inventory, tool_version FROM projects WHERE name = ?");
    ps.Bind(name);
    auto row = ps.Step();
    if (!row.ok()) return row.error();
    if (!*row) return std::optional<ProjectInventory>();
    ProjectInventory inv;
    inv.project = ReadProject(ps);
    Stmt ms(db_,
            "SELECT provider, model, revision, category, remote_code FROM project_models "
            "WHERE project = ? ORDER BY provider, model, revision");
    ms.Bind(name);
    MV_ASSIGN_OR_RETURN(inv.models, ms.Collect<ProjectModel>([](Stmt& s) {
      ProjectModel m;
      m.provider = s.Text(0);
      m.model = s.Text(1);
      m.revision = s.Text(2);
      m.category = s.Text(3);
      m.remote_code = s.Int(4) != 0;
      return m;
    }));
    for (ProjectModel& m : inv.models) {
      Stmt rs(db_,
              "SELECT path, line, via FROM project_references WHERE project = ? AND provider = ? "
              "AND model = ? AND revision = ? ORDER BY path, line, via");
      rs.Bind(name).Bind(m.provider).Bind(m.model).Bind(m.revision);
      MV_ASSIGN_OR_RETURN(m.references, rs.Collect<ProjectReference>([](Stmt& s) {
        return ProjectReference{s.Text(0), s.Int(1), s.Text(2)};
      }));
    }
    Stmt ds(db_,
            "SELECT path, line, text FROM project_dynamic_references WHERE project = ? "
            "ORDER BY path, line, text");
    ds.Bind(name);
    MV_ASSIGN_OR_RETURN(inv.dynamic_references, ds.Collect<ProjectDynamicReference>([](Stmt& s) {
      return ProjectDynamicReference{s.Text(0), s.Int(1), s.Text(2)};
    }));
    Stmt as(db_, fmt::format("SELECT {} FROM project_artifacts WHERE project = ? ORDER BY path",
                             kArtifactColumns)
                     .c_str());
    as.Bind(name);
    MV_ASSIGN_OR_RETURN(inv.artifacts,
                        as.Collect<ProjectArtifact>([](Stmt& s) { return ReadArtifactRow(s); }));
    return std::optional<ProjectInventory>(std::move(inv));
  }

  Result<std::vector<ProjectRecord>> ListProjects() override {
    Stmt s(db_, "SELECT name, root, last_inventory, tool_version FROM projects ORDER BY name");
    return s.Collect<ProjectRecord>([](Stmt& st) { return ReadProject(st); });
  }

  Result<std::vector<ModelUsage>> ListModelUsage() override {
    Stmt s(db_,
           "SELECT DISTINCT provider, model, project FROM project_models "
           "ORDER BY provider, model, project");
    std::vector<ModelUsage> out;
    for (;;) {
      auto row = s.Step();
      if (!row.ok()) return row.error();
      if (!*row) return out;
      std::string provider = s.Text(0), model = s.Text(1);
      if (out.empty() || out.back().provider != provider || out.back().model != model)
        out.push_back({provider, model, {}});
      out.back().projects.push_back(s.Text(2));
    }
  }

 private:
  static ProjectRecord ReadProject(const Stmt& s) {
    return ProjectRecord{s.Text(0), s.Text(1), s.Text(2), s.Text(3)};
  }

  // Inserts the model (expected_version 0 and absent) or updates it when its version is still
  // expected_version; bumps the version either way.
  Status WriteModel(const ModelRecord& m, int64_t expected_version) {
    Stmt up(db_,
            "UPDATE models SET author = ?, revision = ?, sha = ?, downloads = ?, likes = ?, "
            "license = ?, license_risk = ?, hub_flag = ?, hub_message = ?, status = ?, "
            "missed_by_hub = ?, status_source = ?, verification = ?, last_audit = ?, "
            "version = version + 1 WHERE id = ? AND version = ?");
    up.Bind(m.author)
        .Bind(m.revision)
        .Bind(m.sha)
        .Bind(m.downloads)
        .Bind(m.likes)
        .Bind(m.license)
        .Bind(m.license_risk)
        .Bind(m.hub_flag)
        .Bind(m.hub_message)
        .Bind(ColumnText(m.status))
        .Bind(m.missed_by_hub)
        .Bind(ColumnText(m.status_source))
        .Bind(m.verification)
        .Bind(m.last_audit)
        .Bind(m.id)
        .Bind(expected_version);
    MV_STORE_STEP(up);
    if (sqlite3_changes(db_) == 1) return OkStatus();
    Stmt exists(db_, "SELECT version FROM models WHERE id = ?");
    exists.Bind(m.id);
    auto row = exists.Step();
    if (!row.ok()) return row.error();
    if (*row)
      return MakeError(Errc::kConflict, "conflict: " + m.id + " changed meanwhile (version " +
                                            std::to_string(exists.Int(0)) + ", expected " +
                                            std::to_string(expected_version) + "); retry");
    if (expected_version != 0)
      return MakeError(Errc::kConflict, "conflict: " + m.id + " was deleted meanwhile");
    Stmt ins(db_, (std::string("INSERT INTO models (") + kModelColumns +
                   ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1)")
                      .c_str());
    ins.Bind(m.id)
        .Bind(m.author)
        .Bind(m.revision)
        .Bind(m.sha)
        .Bind(m.downloads)
        .Bind(m.likes)
        .Bind(m.license)
        .Bind(m.license_risk)
        .Bind(m.hub_flag)
        .Bind(m.hub_message)
        .Bind(ColumnText(m.status))
        .Bind(m.missed_by_hub)
        .Bind(ColumnText(m.status_source))
        .Bind(m.verification)
        .Bind(m.last_audit);
    return ins.Run();
  }

  Status WriteChange(const StatusChange& c, const std::string& model, int64_t scan_id) {
    Stmt s(db_,
           "INSERT INTO status_history (model, time, from_status, to_status, missed_by_hub, "
           "source, who, reason, scan) VALUES (?,?,?,?,?,?,?,?,?)");
    s.Bind(model)
        .Bind(c.time)
        .Bind(ColumnText(c.from))
        .Bind(ColumnText(c.to))
        .Bind(c.missed_by_hub)
        .Bind(ColumnText(c.source))
        .Bind(c.who)
        .Bind(c.reason)
        .BindNullIfZero(scan_id);
    return s.Run();
  }

  Status Migrate() {
    MV_RETURN_IF_ERROR(Exec(db_,
                            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER "
                            "NOT NULL, applied TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT"
                            "%H:%M:%SZ', 'now')))"));
    for (;;) {
      Transaction tx(db_);
      if (!tx.begun().ok()) return tx.begun().error();
      Stmt cur(db_, "SELECT IFNULL(MAX(version), 0) FROM schema_version");
      auto row = cur.Step();
      if (!row.ok()) return row.error();
      int64_t v = *row ? cur.Int(0) : 0;
      if (v > kSchemaVersion)
        return MakeError(Errc::kUnsupported,
                         "store: " + path_ + " has schema version " + std::to_string(v) +
                             ", newer than this modelvet knows (" + std::to_string(kSchemaVersion) +
                             "); upgrade modelvet");
      if (v == kSchemaVersion) return OkStatus();
      // Another process may have migrated between our check and our lock: the check above
      // ran inside the write lock, so v is current.
      MV_RETURN_IF_ERROR(Exec(db_, kMigrations[v]));
      Stmt rec(db_, "INSERT INTO schema_version (version) VALUES (?)");
      rec.Bind(v + 1);
      MV_STORE_STEP(rec);
      MV_RETURN_IF_ERROR(tx.Commit());
    }
  }

  sqlite3* db_;
  std::string path_;
  // CountModels' cache: valid while data_version and this connection's changes stay put.
  static constexpr size_t kMaxCachedCounts = 256;
  std::unordered_map<std::string, uint64_t> counts_;
  int64_t count_version_ = -1;
  int64_t count_changes_ = -1;
};

}  // namespace

std::string ModelsPageSql(const ModelQuery& q) {
  return std::string("SELECT ") + kModelColumns + " FROM models" +
         BuildModelsWhere(q, Dialect::kSqlite).sql + " ORDER BY " + OrderBy(q) +
         " LIMIT ? OFFSET ?";
}

int SqliteSchemaVersion() {
  return kSchemaVersion;
}

std::string DefaultDbPath() {
  if (const char* p = std::getenv("MODELVET_DB"); p && *p) return p;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x)
    return std::string(x) + "/modelvet/modelvet.db";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.local/share/modelvet/modelvet.db";
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  if (path != ":memory:") {
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec)
      return MakeError(Errc::kIo, "store: cannot create " + parent.string() + ": " + ec.message());
  }
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error e = DbError(db, "cannot open " + path);
    sqlite3_close_v2(db);
    return e;
  }
  auto store = std::make_unique<SqliteStore>(db, path);
  MV_RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace mv::store
