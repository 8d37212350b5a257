// The store tests run against every backend: SQLite always, PostgreSQL when the ctest fixture
// started a server (tests/pg_fixture.sh starts one with scripts/pg_cluster.sh and writes its
// URL to $MODELVET_TEST_PG_URL_FILE). With MODELVET_REQUIRE_POSTGRES=1 (CI) a missing server
// fails the tests instead of leaving them to SQLite alone.
//
// Each test gets an empty store of its own: a fresh SQLite file, or a fresh PostgreSQL schema
// (search_path set through the URL) dropped at the end.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "store/store.h"

namespace mv::store::testing {

inline bool PostgresRequired() {
  const char* r = std::getenv("MODELVET_REQUIRE_POSTGRES");
  return r && std::string(r) == "1";
}

// The fixture server's URL, "" when there is none.
inline std::string PostgresUrl() {
  const char* file = std::getenv("MODELVET_TEST_PG_URL_FILE");
  if (!file || !*file) return "";
  std::ifstream in(file);
  std::string url;
  std::getline(in, url);
  return url;
}

// Both, always: ctest lists the cases when the binary is built, before any server runs. A
// postgres case without a server skips with the reason (ctest shows it as skipped), or fails
// under MODELVET_REQUIRE_POSTGRES=1.
inline std::vector<std::string> TestBackends() {
  return {"sqlite", "postgres"};
}

// Runs one statement on the server outside any store (setup, teardown, raw checks). Returns the
// first column of the first row ("" when none); errors fail the test.
inline std::string PgQuery(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  std::string out;
  if (PQstatus(c) != CONNECTION_OK) {
    ADD_FAILURE() << "cannot connect to " << url << ": " << PQerrorMessage(c);
    PQfinish(c);
    return out;
  }
  PGresult* r = PQexec(c, sql.c_str());
  auto st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
    ADD_FAILURE() << sql << ": " << PQresultErrorMessage(r);
  else if (PQntuples(r) > 0 && PQnfields(r) > 0)
    out = PQgetvalue(r, 0, 0);
  PQclear(r);
  PQfinish(c);
  return out;
}

// An empty store of one backend, removed on destruction.
class TempStore {
 public:
  TempStore() = default;
  TempStore(const TempStore&) = delete;
  TempStore& operator=(const TempStore&) = delete;
  ~TempStore() { Remove(); }

  // Where a store is opened: the SQLite path or the PostgreSQL URL (same schema every time).
  const std::string& where() const { return where_; }
  const std::string& backend() const { return backend_; }
  const std::string& server_url() const { return server_; }
  const std::string& schema() const { return schema_; }

  // Prepares a fresh location for `backend`; returns "", or why it cannot ("skip: …" when
  // PostgreSQL is not available and not required: MV_CREATE_TEST_STORE skips the test then).
  std::string Create(const std::string& backend) {
    static std::atomic<int> counter{0};
    backend_ = backend;
    std::string tag = std::to_string(::getpid()) + "_" + std::to_string(counter++);
    if (backend == "sqlite") {
      dir_ = std::filesystem::temp_directory_path() / ("mv_store_backend_" + tag);
      std::filesystem::remove_all(dir_);
      where_ = (dir_ / "modelvet.db").string();
      return "";
    }
    server_ = PostgresUrl();
    if (server_.empty()) {
      if (PostgresRequired())
        return "MODELVET_REQUIRE_POSTGRES=1 but no PostgreSQL server was started (the postgres "
               "ctest fixture, tests/pg_fixture.sh)";
      return "skip: no PostgreSQL server (the postgres ctest fixture did not start one)";
    }
    schema_ = "t_" + tag;
    PgQuery(server_, "DROP SCHEMA IF EXISTS " + schema_ + " CASCADE; CREATE SCHEMA " + schema_);
    where_ = server_ + (server_.find('?') == std::string::npos ? "?" : "&") +
             "options=-c%20search_path%3D" + schema_;
    return "";
  }

  Result<std::unique_ptr<Store>> Open() const { return store::Open(where_); }

  void Remove() {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
    if (!schema_.empty()) PgQuery(server_, "DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
    dir_.clear();
    schema_.clear();
  }

 private:
  std::string backend_, where_, server_, schema_;
  std::filesystem::path dir_;
};

// In a fixture's SetUp: prepares `db` for the test's backend, skipping or failing as above.
#define MV_CREATE_TEST_STORE(db, backend)                  \
  do {                                                     \
    std::string _why = (db).Create(backend);               \
    if (_why.rfind("skip:", 0) == 0) GTEST_SKIP() << _why; \
    ASSERT_TRUE(_why.empty()) << _why;                     \
  } while (0)

inline std::string BackendName(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

// A test of one backend (the parameter) with an empty store open in store_.
class OpenStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    MV_CREATE_TEST_STORE(db_, GetParam());
    auto s = db_.Open();
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    db_.Remove();
  }

  TempStore db_;
  std::unique_ptr<Store> store_;
};

// The smallest audit a store accepts: the model `id` with `status`, set automatically, one scan
// of main and no files (tests add what they are about).
inline AuditCommit MinimalAudit(const std::string& id, ModelStatus status) {
  AuditCommit a;
  a.model.id = id;
  a.model.status = status;
  a.model.status_source = StatusSource::kAutomatic;
  a.scan.revision = "main";
  return a;
}

// One audit of `id` as the backend tests use it: `status` (automatic) from one safe file, a scan
// of main and its history entry; `expected` is the version it was decided on.
inline AuditCommit SampleAudit(const std::string& id, ModelStatus status, int64_t expected) {
  AuditCommit a = MinimalAudit(id, status);
  a.model.author = id.substr(0, id.find('/'));
  a.model.downloads = 42;
  a.model.verification = "No findings: 1 file checked";
  a.model.last_audit = "2026-10-06T12:00:00Z";
  a.expected_version = expected;
  FileRecord f;
  f.path = "pytorch_model.bin";
  f.sha256 = "aa";
  f.verdict = Verdict::kSafe;
  f.hub_status = "safe";
  a.files.push_back(f);
  a.scan.sha = "c0ffee";
  a.scan.started = a.scan.finished = "2026-10-06T12:00:00Z";
  a.scan.files_total = a.scan.files_scanned = 1;
  a.scan.tool_version = "test";
  StatusChange c;
  c.time = "2026-10-06T12:00:00Z";
  c.to = status;
  c.who = "modelvet test";
  c.reason = "first audit";
  a.changes.push_back(c);
  return a;
}

}  // namespace mv::store::testing
