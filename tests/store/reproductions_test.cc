// Sandboxed loads (`audit --reproduce`) are stored with the audit that made them, atomically.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "store/store.h"
#include "test_backends.h"

namespace mv::store {
namespace {

namespace fs = std::filesystem;

class ReproductionStoreTest : public testing::OpenStoreTest {
 protected:
  static AuditCommit Audit(const std::string& outcome) {
    AuditCommit a = testing::MinimalAudit("org/m", ModelStatus::kConfirmedUnsafe);
    FileRecord f;
    f.path = "model.pt";
    f.sha256 = "aa";
    f.verdict = Verdict::kUnsafe;
    a.files.push_back(f);
    a.scan.started = a.scan.finished = "2026-10-06T12:00:00Z";
    Reproduction r;
    r.path = "model.pt";
    r.file_sha = "aa";
    r.time = "2026-10-06T12:00:01Z";
    r.loader = "torch";
    r.outcome = outcome;
    r.observed_json = R"([{"kind":"exec","detail":"sh -c id","when":"during-load"}])";
    r.report_json = R"({"outcome":")" + outcome + R"("})";
    a.reproductions.push_back(r);
    return a;
  }
};

TEST_P(ReproductionStoreTest, KeptWithTheScanThatMadeThem) {
  auto id = store_->CommitAudit(Audit("payload-observed"));
  ASSERT_TRUE(id.ok()) << id.error().message;
  auto list = store_->ListReproductions("org/m");
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 1u);
  const Reproduction& r = (*list)[0];
  EXPECT_EQ(r.path, "model.pt");
  EXPECT_EQ(r.file_sha, "aa");
  EXPECT_EQ(r.loader, "torch");
  EXPECT_EQ(r.outcome, "payload-observed");
  EXPECT_EQ(r.scan, *id);
  EXPECT_NE(r.observed_json.find("sh -c id"), std::string::npos);
}

TEST_P(ReproductionStoreTest, AnInvalidReproductionFailsTheWholeAudit) {
  auto bad = store_->CommitAudit(Audit("looked-fine"));
  EXPECT_FALSE(bad.ok());
  auto model = store_->GetModel("org/m");
  ASSERT_TRUE(model.ok());
  EXPECT_FALSE(model->has_value()) << "half an audit was written";
  auto list = store_->ListReproductions("org/m");
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, ReproductionStoreTest,
                         ::testing::ValuesIn(testing::TestBackends()), testing::BackendName);

}  // namespace
}  // namespace mv::store
