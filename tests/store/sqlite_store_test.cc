#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "store/store.h"
#include "test_backends.h"

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

TEST_F(StoreTest, ForeignKeysAreEnforced) {
  auto s = Open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->CommitAudit(testing::SampleAudit("org/a", ModelStatus::kSuspected, 0)).ok());
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
