// The hub client against a hostile hub: the stand-in's fault modes (tests/hubstub/hubstub.py)
// serve deeply nested JSON, endless or repeating tree pages, reset connections, absurd
// Retry-After/RateLimit values and repo ids no hub issues.
#include <gtest/gtest.h>

#include <string>

#include "hub/client.h"
#include "hubstub.h"

namespace mv::hub {
namespace {

class HostileHubTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stub_ = new testing::HubStub();
    ASSERT_TRUE(stub_->Start());
  }
  static void TearDownTestSuite() {
    delete stub_;
    stub_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(stub_, nullptr);
    stub_->Config(
        "rate_limit=0&retry_after=1&page_size=50&deep_json=0&tree_page_bytes=0&tree_pages=0&"
        "tree_link_repeat=0&reset_requests=0&hostile_ids=0&stall=&retry_after_only=0");
    stub_->Reset();
  }
  static HubConfig Config() {
    HubConfig c;
    c.endpoint = stub_->endpoint();
    c.connect_timeout_ms = 2000;
    c.request_timeout_ms = 20000;
    c.backoff_initial_ms = 10;
    return c;
  }
  static inline testing::HubStub* stub_ = nullptr;
};

constexpr const char* kRepo = "examples/gpt2-flagged-malicious";

TEST_F(HostileHubTest, DeeplyNestedRepliesAreRefusedBeforeParsing) {
  stub_->Config("deep_json=100000");
  HubClient client(Config());
  auto info = client.GetModelInfo(kRepo);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code, Errc::kBadResponse);
  EXPECT_NE(info.error().message.find("kMaxHubJsonDepth"), std::string::npos)
      << info.error().message;
  EXPECT_FALSE(client.ListTree(kRepo, "main").ok());
  ListModelsQuery q;
  EXPECT_FALSE(client.ListModels(q).ok());
  // Nesting the hub really uses still parses.
  stub_->Config("deep_json=20");
  EXPECT_TRUE(client.GetModelInfo(kRepo).ok());
}

TEST_F(HostileHubTest, TreePagesAreBoundedInBytesNotOnlyEntries) {
  // 20 pages of 8 MiB each (each under the per-reply cap): the listing stops at
  // limits::kMaxHubListingBytes instead of keeping 160 MiB.
  stub_->Config("page_size=1&tree_pages=20&tree_page_bytes=8388608");
  HubClient client(Config());
  auto tree = client.ListTree(kRepo, "main");
  ASSERT_FALSE(tree.ok());
  EXPECT_NE(tree.error().message.find("kMaxHubListingBytes"), std::string::npos)
      << tree.error().message;
  EXPECT_LE(client.stats().body_bytes, (64ull << 20) + (9ull << 20));
}

TEST_F(HostileHubTest, RepeatedNextPageIsDetected) {
  stub_->Config("tree_link_repeat=1");
  HubClient client(Config());
  auto tree = client.ListTree(kRepo, "main");
  ASSERT_FALSE(tree.ok());
  EXPECT_NE(tree.error().message.find("repeats a page"), std::string::npos) << tree.error().message;
  EXPECT_LE(client.stats().requests, 2u);
}

TEST_F(HostileHubTest, TransportErrorsAreRetried) {
  stub_->Config("reset_requests=2");
  HubClient client(Config());
  auto info = client.GetModelInfo(kRepo);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(client.stats().retries, 2u);
  // A connection that keeps failing still ends, with the network error.
  stub_->Config("reset_requests=100");
  HubConfig few = Config();
  few.max_retries = 2;
  HubClient impatient(few);
  auto failed = impatient.GetModelInfo(kRepo);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, Errc::kNetwork);
  EXPECT_EQ(impatient.stats().retries, 2u);
}

TEST_F(HostileHubTest, HugeRetryAfterIsCappedNotWrappedToZero) {
  HubConfig c = Config();
  c.backoff_max_ms = 40;
  c.max_retries = 2;
  // Both Retry-After and RateLimit t= are near 2^63 (the stand-in sends the same value).
  stub_->Config("rate_limit=2&retry_after=9223372036854775807");
  HubClient client(c);
  ASSERT_TRUE(client.GetModelInfo(kRepo).ok());
  EXPECT_EQ(client.stats().retries, 2u);
  EXPECT_EQ(client.stats().waited_ms, 80u);  // two waits at the cap, not two of 0 ms
  // Values beyond uint64 saturate the same way.
  stub_->Config("rate_limit=1&retry_after=99999999999999999999999999");
  HubClient again(c);
  ASSERT_TRUE(again.GetModelInfo(kRepo).ok());
  EXPECT_EQ(again.stats().waited_ms, 40u);
  // Retry-After alone (no RateLimit header): its own branch saturates the same way.
  stub_->Config("retry_after_only=1&rate_limit=2&retry_after=9223372036854775807");
  HubClient only(c);
  ASSERT_TRUE(only.GetModelInfo(kRepo).ok());
  EXPECT_EQ(only.stats().retries, 2u);
  EXPECT_EQ(only.stats().waited_ms, 80u);
  stub_->Config("rate_limit=1&retry_after=99999999999999999999999999");
  HubClient beyond(c);
  ASSERT_TRUE(beyond.GetModelInfo(kRepo).ok());
  EXPECT_EQ(beyond.stats().waited_ms, 40u);
}

TEST(RepoIdTest, OnlyIdsTheHubCouldIssue) {
  for (const char* ok : {"gpt2", "org/name", "Org-1/Name_2.v3", "a/b"})
    EXPECT_TRUE(ValidateRepoId(ok).ok()) << ok;
  for (const char* bad : {"", "evil/x\nSAFE    forged", "evil/a'; DROP TABLE models;--",
                          "evil/\"quoted\"", "evil/\x1b[31mred", "a/b/c", "/b", "a/", "a/../b",
                          "a/b--c", "-a/b", "a/b.", "a b/c", "a/b@main"})
    EXPECT_FALSE(ValidateRepoId(bad).ok()) << bad;
  EXPECT_FALSE(ValidateRepoId("a/" + std::string(97, 'x')).ok());
  EXPECT_TRUE(ValidateRepoId("a/" + std::string(96, 'x')).ok());
  EXPECT_FALSE(RepoRef::Parse("org/name@ma\nin").ok());
  EXPECT_TRUE(RepoRef::Parse("org/name@refs/pr/1").ok());
}

}  // namespace
}  // namespace mv::hub
