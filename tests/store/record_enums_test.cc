// The record enums (store/record_enums.h) and their one text table each: every value has a row
// and round-trips, and a stored text no row holds is an error of the read in both stores, never
// a default.
#include "store/record_enums.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "../core/enum_rows_check.h"
#include "store/store.h"
#include "test_backends.h"

namespace mv::store {
namespace {

// Every enumerator, through a switch without default (tests/core/enum_rows_check.h says why).
template <class E>
constexpr bool Listed(E v);
template <>
constexpr bool Listed(ModelStatus v) {
  switch (v) {
    case ModelStatus::kNoFindings:
    case ModelStatus::kSuspected:
    case ModelStatus::kConfirmedUnsafe:
    case ModelStatus::kFalsePositive: return true;
  }
  return false;
}
template <>
constexpr bool Listed(StatusSource v) {
  switch (v) {
    case StatusSource::kAutomatic:
    case StatusSource::kReviewer: return true;
  }
  return false;
}
template <>
constexpr bool Listed(Decision v) {
  switch (v) {
    case Decision::kConfirmedUnsafe:
    case Decision::kFalsePositive: return true;
  }
  return false;
}

TEST(RecordEnums, RowsCoverEveryValue) {
  mv::testing::ExpectOneRowPerValue<ModelStatus>([](ModelStatus v) { return Listed(v); });
  mv::testing::ExpectOneRowPerValue<StatusSource>([](StatusSource v) { return Listed(v); });
  mv::testing::ExpectOneRowPerValue<Decision>([](Decision v) { return Listed(v); });
  EXPECT_FALSE(EnumFromText<ModelStatus>("Suspected"));  // exact text, no folding
}

// The texts are the databases' (their CHECK constraints): changing one is a migration.
TEST(RecordEnums, TextsAreTheStoredOnes) {
  EXPECT_STREQ(EnumText(ModelStatus::kNoFindings), "no-findings");
  EXPECT_STREQ(EnumText(ModelStatus::kSuspected), "suspected");
  EXPECT_STREQ(EnumText(ModelStatus::kConfirmedUnsafe), "confirmed-unsafe");
  EXPECT_STREQ(EnumText(ModelStatus::kFalsePositive), "false-positive");
  EXPECT_STREQ(EnumText(StatusSource::kAutomatic), "automatic");
  EXPECT_STREQ(EnumText(StatusSource::kReviewer), "reviewer");
  EXPECT_STREQ(EnumText(Decision::kConfirmedUnsafe), "confirmed-unsafe");
  EXPECT_STREQ(EnumText(Decision::kFalsePositive), "false-positive");
  EXPECT_STREQ(EnumText(Verdict::kNeedsReview), "needs-review");
}

// A database holding a text this build does not know (written by a newer tool, or edited):
// every read of that row fails with a kind, naming the column and the text.
class UnknownStoredTextTest : public testing::OpenStoreTest {
 protected:
  // Runs SQL on the database around the store, past its CHECK constraints.
  void Raw(const std::string& sql) {
    if (GetParam() == "postgres") {
      // Each test has its own schema: dropping the checks there touches nothing else.
      testing::PgQuery(db_.where(),
                       "ALTER TABLE models DROP CONSTRAINT models_status_check; "
                       "ALTER TABLE models DROP CONSTRAINT models_status_source_check; "
                       "ALTER TABLE files DROP CONSTRAINT files_verdict_check; "
                       "ALTER TABLE status_history DROP CONSTRAINT status_history_to_status_check; "
                       "ALTER TABLE reviews DROP CONSTRAINT reviews_decision_check; " +
                           sql);
      return;
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_.where().c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    std::string all = "PRAGMA ignore_check_constraints = ON; " + sql;
    EXPECT_EQ(sqlite3_exec(db, all.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }

  void SeedModel() {
    AuditCommit a = testing::MinimalAudit("org/m", ModelStatus::kSuspected);
    FileRecord f;
    f.path = "model.bin";
    f.sha256 = "aa";
    f.verdict = Verdict::kNeedsReview;
    a.files.push_back(f);
    StatusChange c;
    c.to = ModelStatus::kSuspected;
    c.who = "test";
    a.changes.push_back(c);
    ASSERT_TRUE(store_->CommitAudit(a).ok());
    ReviewCommit rc;
    rc.review.model = "org/m";
    rc.review.path = "model.bin";
    rc.review.decision = Decision::kFalsePositive;
    rc.review.file_sha = "aa";
    rc.review.reviewer = "alice";
    rc.review.note = "checked";
    rc.model = a.model;
    rc.expected_version = 1;
    auto r = store_->CommitReview(rc);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  template <class T>
  void ExpectUnknown(const Result<T>& r, const std::string& column) {
    ASSERT_FALSE(r.ok()) << column << " read without an error";
    EXPECT_EQ(r.error().code, Errc::kMalformed);
    EXPECT_NE(r.error().message.find(column), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("`mystery`"), std::string::npos) << r.error().message;
  }
};

TEST_P(UnknownStoredTextTest, StatusIsAnError) {
  SeedModel();
  Raw("UPDATE models SET status = 'mystery'");
  ExpectUnknown(store_->GetModel("org/m"), "models.status");
  ExpectUnknown(store_->ListModels(), "models.status");
  ExpectUnknown(store_->QueryModels(ModelQuery{}), "models.status");
}

TEST_P(UnknownStoredTextTest, StatusSourceIsAnError) {
  SeedModel();
  Raw("UPDATE models SET status_source = 'mystery'");
  ExpectUnknown(store_->GetModel("org/m"), "models.status_source");
}

TEST_P(UnknownStoredTextTest, FileVerdictIsAnError) {
  SeedModel();
  Raw("UPDATE files SET verdict = 'mystery'");
  ExpectUnknown(store_->ListFiles("org/m"), "files.verdict");
  ExpectUnknown(store_->QueryModels(ModelQuery{}), "files.verdict");
}

TEST_P(UnknownStoredTextTest, HistoryStatusIsAnError) {
  SeedModel();
  Raw("UPDATE status_history SET to_status = 'mystery'");
  ExpectUnknown(store_->History("org/m"), "status_history.to_status");
}

TEST_P(UnknownStoredTextTest, ReviewDecisionIsAnError) {
  SeedModel();
  Raw("UPDATE reviews SET decision = 'mystery'");
  ExpectUnknown(store_->ListReviews("org/m", false), "reviews.decision");
}

INSTANTIATE_TEST_SUITE_P(Backends, UnknownStoredTextTest,
                         ::testing::ValuesIn(testing::TestBackends()), testing::BackendName);

}  // namespace
}  // namespace mv::store
