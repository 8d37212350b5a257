// The queue library's policy: retry delays, and what `enqueue` accepts.
#include <gtest/gtest.h>

#include <string>

#include "../store/test_backends.h"
#include "queue/feed.h"
#include "queue/worker.h"
#include "store/job_queue.h"

namespace mv::queue {
namespace {

TEST(RetryDelay, DoublesPerAttemptWithinJitterAndCaps) {
  WorkerOptions o;
  o.backoff_initial_seconds = 30;
  o.backoff_max_seconds = 3600;
  for (uint64_t seed : {1u, 2u, 99u}) {
    int first = RetryDelaySeconds(o, 1, seed);
    EXPECT_GE(first, 22);  // 30 × 0.75
    EXPECT_LE(first, 37);  // 30 × 1.25
    int third = RetryDelaySeconds(o, 3, seed);
    EXPECT_GE(third, 90);  // 120 × 0.75
    EXPECT_LE(third, 150);
    int late = RetryDelaySeconds(o, 40, seed);
    EXPECT_GE(late, 2700);
    EXPECT_LE(late, 4500);
  }
  o.backoff_initial_seconds = 0;
  EXPECT_EQ(RetryDelaySeconds(o, 5, 1), 0);
}

class EnqueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MV_CREATE_TEST_STORE(db_, "postgres");
    auto s = db_.Open();
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
  }
  store::testing::TempStore db_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(EnqueueTest, ReposAreValidatedBeforeAnythingIsQueued) {
  store::JobQueue& q = *store_->Queue();
  auto bad = EnqueueRepos(q, {"org/good", "evil/x\nforged"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(q.CountJobs()->pending, 0u);
  auto ok = EnqueueRepos(q, {"org/good", "org/good@v1", "org/good"});
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->asked, 3u);
  EXPECT_EQ(ok->added, 2u);
  auto jobs = q.ListJobs("pending", 10);
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[0].revision, "v1");
  EXPECT_EQ((*jobs)[0].source, "enqueue");
}

}  // namespace
}  // namespace mv::queue
