// `audit --all` progress in the store: a run records the models it finished atomically with
// their audits, and a run killed before its end is found open by the next one.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "store/store.h"
#include "test_backends.h"

namespace mv::store {
namespace {

namespace fs = std::filesystem;

class AuditRunTest : public testing::OpenStoreTest {
 protected:
  static AuditCommit Audit(const std::string& id, int64_t run) {
    AuditCommit a = testing::MinimalAudit(id, ModelStatus::kNoFindings);
    a.run = run;
    return a;
  }
};

TEST_P(AuditRunTest, FinishedModelsAreRecordedWithTheirAudit) {
  auto none = store_->OpenAuditRun();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto run = store_->StartAuditRun("2026-10-06T12:00:00Z");
  ASSERT_TRUE(run.ok());
  ASSERT_TRUE(store_->CommitAudit(Audit("a/one", *run)).ok());
  ASSERT_TRUE(store_->CommitAudit(Audit("a/solo", 0)).ok());  // not part of the run
  ASSERT_TRUE(store_->MarkRunDone(*run, "a/gated").ok());
  auto open = store_->OpenAuditRun();
  ASSERT_TRUE(open.ok() && open->has_value());
  EXPECT_EQ((*open)->id, *run);
  EXPECT_EQ((*open)->started, "2026-10-06T12:00:00Z");
  EXPECT_EQ((*open)->done, (std::vector<std::string>{"a/gated", "a/one"}));
  ASSERT_TRUE(store_->FinishAuditRun(*run, "2026-10-06T13:00:00Z").ok());
  auto after = store_->OpenAuditRun();
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->has_value());
}

TEST_P(AuditRunTest, StartingARunClosesAnOpenOne) {
  auto first = store_->StartAuditRun("t1");
  auto second = store_->StartAuditRun("t2");
  ASSERT_TRUE(first.ok() && second.ok());
  auto open = store_->OpenAuditRun();
  ASSERT_TRUE(open.ok() && open->has_value());
  EXPECT_EQ((*open)->id, *second);
}

TEST_P(AuditRunTest, UnverifiedModelsKeepAnEarlierAudit) {
  ASSERT_TRUE(store_->MarkUnverified("a/gated", "a", "not verified: access restricted").ok());
  auto m = store_->GetModel("a/gated");
  ASSERT_TRUE(m.ok() && m->has_value());
  EXPECT_EQ((*m)->status, std::nullopt);
  EXPECT_EQ((*m)->verification, "not verified: access restricted");
  AuditCommit a = Audit("a/audited", 0);
  a.model.verification = "No findings";
  ASSERT_TRUE(store_->CommitAudit(a).ok());
  ASSERT_TRUE(store_->MarkUnverified("a/audited", "a", "not verified: access restricted").ok());
  auto kept = store_->GetModel("a/audited");
  ASSERT_TRUE(kept.ok() && kept->has_value());
  EXPECT_EQ((*kept)->verification, "No findings");
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditRunTest, ::testing::ValuesIn(testing::TestBackends()),
                         testing::BackendName);

}  // namespace
}  // namespace mv::store
