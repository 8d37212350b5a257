#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "store/store.h"

namespace mv::store {
namespace {

namespace fs = std::filesystem;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mv_store_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    path_ = (dir_ / "sub" / "modelvet.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<Store> Open() {
    auto s = OpenSqliteStore(path_);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return s.ok() ? std::move(*s) : nullptr;
  }

  // Reads one integer with the raw C API, bypassing the store.
  int64_t Query(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
    int64_t v = -1;
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
  }

  static AuditCommit Audit(const std::string& id, const std::string& status, int64_t expected) {
    AuditCommit a;
    a.model.id = id;
    a.model.author = id.substr(0, id.find('/'));
    a.model.downloads = 42;
    a.model.status = status;
    a.model.status_source = "automatic";
    a.model.verification = "No findings: 1 file checked";
    a.model.last_audit = "2026-10-06T12:00:00Z";
    a.expected_version = expected;
    FileRecord f;
    f.path = "pytorch_model.bin";
    f.sha256 = "aa";
    f.verdict = "safe";
    f.hub_status = "safe";
    a.files.push_back(f);
    a.scan.revision = "main";
    a.scan.sha = "c0ffee";
    a.scan.started = a.scan.finished = "2026-10-06T12:00:00Z";
    a.scan.files_total = a.scan.files_scanned = 1;
    a.scan.tool_version = "test";
    StatusChange c;
    c.time = "2026-10-06T12:00:00Z";
    c.to = status;
    c.source = "automatic";
    c.who = "modelvet test";
    c.reason = "first audit";
    a.changes.push_back(c);
    return a;
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(StoreTest, MigratesFromEmptyWithWalAndForeignKeys) {
  auto s = Open();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->Describe(), "sqlite:" + path_);
  EXPECT_TRUE(fs::exists(path_));
  EXPECT_EQ(Query("SELECT MAX(version) FROM schema_version"), SqliteSchemaVersion());
  EXPECT_EQ(Query("SELECT COUNT(*) FROM schema_version"), SqliteSchemaVersion());
  EXPECT_EQ(Query("SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name IN "
                  "('models','files','scans','status_history','reviews')"),
            5);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM sqlite_master WHERE type='index' AND name = "
                  "'models_by_downloads'"),
            1);
  // WAL is persistent in the file: a fresh connection sees it.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST_F(StoreTest, ReopeningIsIdempotentAndKeepsData) {
  {
    auto s = Open();
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->CommitAudit(Audit("org/a", "no-findings", 0)).ok());
  }
  for (int i = 0; i < 2; ++i) {
    auto s = Open();
    ASSERT_TRUE(s);
    auto m = s->GetModel("org/a");
    ASSERT_TRUE(m.ok());
    ASSERT_TRUE(m->has_value());
    EXPECT_EQ((*m)->status, "no-findings");
    EXPECT_EQ((*m)->version, 1);
  }
  EXPECT_EQ(Query("SELECT COUNT(*) FROM schema_version"), SqliteSchemaVersion());
}

TEST_F(StoreTest, RefusesNewerSchema) {
  { ASSERT_TRUE(Open()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "INSERT INTO schema_version (version) VALUES (999)", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto s = OpenSqliteStore(path_);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("schema version 999"), std::string::npos) << s.error().message;
}

TEST_F(StoreTest, AuditWritesEverythingAndReplacesFiles) {
  auto s = Open();
  ASSERT_TRUE(s);
  auto id1 = s->CommitAudit(Audit("org/a", "suspected", 0));
  ASSERT_TRUE(id1.ok()) << id1.error().message;
  auto a2 = Audit("org/a", "confirmed-unsafe", 1);
  a2.files[0].path = "model.pt";
  a2.files[0].verdict = "unsafe";
  a2.files[0].summary = "runs the shell command `ls` on load";
  a2.changes[0].from = "suspected";
  a2.changes[0].reason = "model.pt: runs the shell command `ls` on load";
  auto id2 = s->CommitAudit(a2);
  ASSERT_TRUE(id2.ok()) << id2.error().message;
  EXPECT_GT(*id2, *id1);

  auto files = s->ListFiles("org/a");
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ((*files)[0].path, "model.pt");
  EXPECT_EQ((*files)[0].verdict, "unsafe");

  auto h = s->History("org/a");
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), 2u);
  EXPECT_EQ((*h)[0].from, "");
  EXPECT_EQ((*h)[0].to, "suspected");
  EXPECT_EQ((*h)[0].scan, *id1);
  EXPECT_EQ((*h)[1].from, "suspected");
  EXPECT_EQ((*h)[1].to, "confirmed-unsafe");
  EXPECT_EQ((*h)[1].reason, "model.pt: runs the shell command `ls` on load");
  EXPECT_EQ((*h)[1].scan, *id2);

  auto scans = s->ListScans("org/a");
  ASSERT_TRUE(scans.ok());
  ASSERT_EQ(scans->size(), 2u);
  EXPECT_EQ((*scans)[1].sha, "c0ffee");
}

TEST_F(StoreTest, FailedAuditLeavesNothingHalfWritten) {
  auto s = Open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->CommitAudit(Audit("org/a", "suspected", 0)).ok());
  auto bad = Audit("org/a", "confirmed-unsafe", 1);
  bad.files.push_back(bad.files[0]);
  bad.files[1].path = "second.bin";
  bad.files[1].verdict = "bogus";  // violates the CHECK after the model row was updated
  auto r = s->CommitAudit(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("CHECK"), std::string::npos) << r.error().message;

  auto m = s->GetModel("org/a");
  ASSERT_TRUE(m.ok() && m->has_value());
  EXPECT_EQ((*m)->status, "suspected");
  EXPECT_EQ((*m)->version, 1);
  EXPECT_EQ(s->History("org/a")->size(), 1u);
  EXPECT_EQ(s->ListScans("org/a")->size(), 1u);
  EXPECT_EQ(s->ListFiles("org/a")->size(), 1u);
  // The connection is usable afterwards (the transaction was rolled back, not left open).
  EXPECT_TRUE(s->CommitAudit(Audit("org/a", "no-findings", 1)).ok());
}

TEST_F(StoreTest, StaleVersionIsAConflict) {
  auto s = Open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->CommitAudit(Audit("org/a", "suspected", 0)).ok());
  auto r = s->CommitAudit(Audit("org/a", "no-findings", 0));  // decided without reading v1
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kConflict) << r.error().message;
  EXPECT_EQ((*s->GetModel("org/a"))->status, "suspected");
}

TEST_F(StoreTest, ForeignKeysAreEnforced) {
  auto s = Open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->CommitAudit(Audit("org/a", "suspected", 0)).ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db,
                         "INSERT INTO reviews (model, path, decision, note, reviewer, time, "
                         "file_sha) VALUES ('no/such', 'x', 'false-positive', '', 'r', 't', 's')",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  // Deleting a model cascades to its rows.
  ASSERT_EQ(sqlite3_exec(db, "DELETE FROM models WHERE id = 'org/a'", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM files"), 0);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM status_history"), 0);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM scans"), 0);
}

TEST_F(StoreTest, ReviewsAreRecordedReplacedAndSuperseded) {
  auto s = Open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->CommitAudit(Audit("org/a", "suspected", 0)).ok());
  ReviewCommit rc;
  rc.review.path = "pytorch_model.bin";
  rc.review.decision = "false-positive";
  rc.review.note = "only torch reconstructors";
  rc.review.reviewer = "alice";
  rc.review.time = "2026-10-06T13:00:00Z";
  rc.review.file_sha = "aa";
  rc.model = **s->GetModel("org/a");
  rc.model.status = "false-positive";
  rc.model.status_source = "reviewer";
  rc.expected_version = rc.model.version;
  StatusChange c;
  c.time = rc.review.time;
  c.from = "suspected";
  c.to = "false-positive";
  c.source = "reviewer";
  c.who = "alice";
  c.reason = "alice: false-positive on pytorch_model.bin: only torch reconstructors";
  rc.change = c;
  auto id = s->CommitReview(rc);
  ASSERT_TRUE(id.ok()) << id.error().message;

  // A second decision on the same file replaces the first.
  rc.review.decision = "confirmed-unsafe";
  rc.review.reviewer = "bob";
  rc.model = **s->GetModel("org/a");
  rc.expected_version = rc.model.version;
  rc.change.reset();
  auto id2 = s->CommitReview(rc);
  ASSERT_TRUE(id2.ok()) << id2.error().message;
  auto all = s->ListReviews("org/a", false);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_FALSE((*all)[0].active);
  EXPECT_EQ((*all)[0].superseded_reason, "replaced by a later review by bob");
  auto active = s->ListReviews("org/a", true);
  ASSERT_EQ(active->size(), 1u);
  EXPECT_EQ((*active)[0].reviewer, "bob");

  // An audit that finds the file changed supersedes the active review atomically.
  auto a = Audit("org/a", "suspected", (*s->GetModel("org/a"))->version);
  a.superseded.push_back({*id2, "2026-10-07T00:00:00Z", "file changed: aa -> bb"});
  ASSERT_TRUE(s->CommitAudit(a).ok());
  EXPECT_TRUE(s->ListReviews("org/a", true)->empty());
  auto after = s->ListReviews("org/a", false);
  EXPECT_EQ((*after)[1].superseded_reason, "file changed: aa -> bb");
  // Superseding twice is a conflict, and the failed audit changes nothing.
  auto again = Audit("org/a", "no-findings", (*s->GetModel("org/a"))->version);
  again.superseded.push_back({*id2, "t", "again"});
  auto twice = s->CommitAudit(again);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, Errc::kConflict) << twice.error().message;
  EXPECT_EQ((*s->GetModel("org/a"))->status, "suspected");
}

TEST_F(StoreTest, ListingUpsertKeepsStatusAndOrdersByDownloads) {
  auto s = Open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->CommitAudit(Audit("org/a", "confirmed-unsafe", 0)).ok());
  ModelRecord m;
  m.id = "org/a";
  m.downloads = 10;
  m.hub_flag = "unsafe";
  ASSERT_TRUE(s->UpsertListing(m).ok());
  m.id = "org/b";
  m.downloads = 1000;
  ASSERT_TRUE(s->UpsertListing(m).ok());
  auto all = s->ListModels();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "org/b");
  EXPECT_EQ((*all)[0].status, "");
  EXPECT_EQ((*all)[1].id, "org/a");
  EXPECT_EQ((*all)[1].status, "confirmed-unsafe");
  EXPECT_EQ((*all)[1].downloads, 10u);
  EXPECT_EQ((*all)[1].hub_flag, "unsafe");
  EXPECT_EQ((*all)[1].version, 1);
}

TEST_F(StoreTest, TwoConnectionsRaceAndOneGetsAConflict) {
  auto a = Open();
  auto b = Open();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->CommitAudit(Audit("org/a", "suspected", 0)).ok());
  // Both processes read version 1 and decide; the second commit must not overwrite the first.
  auto va = (*a->GetModel("org/a"))->version;
  auto vb = (*b->GetModel("org/a"))->version;
  ASSERT_EQ(va, 1);
  ASSERT_EQ(vb, 1);
  ASSERT_TRUE(a->CommitAudit(Audit("org/a", "confirmed-unsafe", va)).ok());
  auto r = b->CommitAudit(Audit("org/a", "no-findings", vb));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kConflict) << r.error().message;
  auto m = b->GetModel("org/a");
  EXPECT_EQ((*m)->status, "confirmed-unsafe");
  EXPECT_EQ((*m)->version, 2);
  EXPECT_EQ(b->History("org/a")->size(), 2u);
}

TEST(DefaultDbPath, FollowsEnvironment) {
  std::string saved_db = std::getenv("MODELVET_DB") ? std::getenv("MODELVET_DB") : "";
  ::setenv("MODELVET_DB", "/x/y.db", 1);
  EXPECT_EQ(DefaultDbPath(), "/x/y.db");
  ::unsetenv("MODELVET_DB");
  ::setenv("XDG_DATA_HOME", "/data", 1);
  EXPECT_EQ(DefaultDbPath(), "/data/modelvet/modelvet.db");
  ::unsetenv("XDG_DATA_HOME");
  ::setenv("HOME", "/home/u", 1);
  EXPECT_EQ(DefaultDbPath(), "/home/u/.local/share/modelvet/modelvet.db");
  if (!saved_db.empty()) ::setenv("MODELVET_DB", saved_db.c_str(), 1);
}

}  // namespace
}  // namespace mv::store
