// The store's contract on every backend (SQLite, and PostgreSQL when the postgres ctest fixture
// runs a server): atomic audits and reviews, version conflicts between connections, the same
// schema in both dialects, and the PostgreSQL work queue (claims, leases, retries, the dead
// letter, idempotent results, the shared rate budget).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>

#include "store/job_queue.h"
#include "store/store.h"
#include "test_backends.h"

namespace mv::store {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class BackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { MV_CREATE_TEST_STORE(db_, GetParam()); }
  void TearDown() override { db_.Remove(); }

  std::unique_ptr<Store> Open() {
    auto s = db_.Open();
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return s.ok() ? std::move(*s) : nullptr;
  }

  // One integer read around the store.
  int64_t Query(const std::string& sql) {
    if (GetParam() == "postgres") {
      std::string v = testing::PgQuery(db_.where(), sql);
      return v.empty() ? -1 : std::stoll(v);
    }
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(db_.where().c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
    int64_t v = -1;
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
  }

  testing::TempStore db_;
};

TEST_P(BackendTest, ReopeningIsIdempotentAndKeepsData) {
  {
    auto s = Open();
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->CommitAudit(testing::SampleAudit("org/a", ModelStatus::kNoFindings, 0)).ok());
  }
  for (int i = 0; i < 2; ++i) {
    auto s = Open();
    ASSERT_TRUE(s);
    auto m = s->GetModel("org/a");
    ASSERT_TRUE(m.ok());
    ASSERT_TRUE(m->has_value());
    EXPECT_EQ((*m)->status, ModelStatus::kNoFindings);
    EXPECT_EQ((*m)->version, 1);
  }
  EXPECT_EQ(Query("SELECT COUNT(*) FROM schema_version"), SqliteSchemaVersion());
}

TEST_P(BackendTest, AuditWritesEverythingAndReplacesFiles) {
  auto s = Open();
  ASSERT_TRUE(s);
  auto id1 = s->CommitAudit(testing::SampleAudit("org/a", ModelStatus::kSuspected, 0));
  ASSERT_TRUE(id1.ok()) << id1.error().message;
  auto a2 = testing::SampleAudit("org/a", ModelStatus::kConfirmedUnsafe, 1);
  a2.files[0].path = "model.pt";
  a2.files[0].verdict = Verdict::kUnsafe;
  a2.files[0].summary = "runs the shell command `ls` on load";
  a2.changes[0].from = ModelStatus::kSuspected;
  a2.changes[0].reason = "model.pt: runs the shell command `ls` on load";
  auto id2 = s->CommitAudit(a2);
  ASSERT_TRUE(id2.ok()) << id2.error().message;
  EXPECT_GT(*id2, *id1);

  auto files = s->ListFiles("org/a");
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ((*files)[0].path, "model.pt");
  EXPECT_EQ((*files)[0].verdict, Verdict::kUnsafe);

  auto h = s->History("org/a");
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), 2u);
  EXPECT_EQ((*h)[0].from, std::nullopt);
  EXPECT_EQ((*h)[0].to, ModelStatus::kSuspected);
  EXPECT_EQ((*h)[0].scan, *id1);
  EXPECT_EQ((*h)[1].from, ModelStatus::kSuspected);
  EXPECT_EQ((*h)[1].to, ModelStatus::kConfirmedUnsafe);
  EXPECT_EQ((*h)[1].reason, "model.pt: runs the shell command `ls` on load");
  EXPECT_EQ((*h)[1].scan, *id2);

  auto scans = s->ListScans("org/a");
  ASSERT_TRUE(scans.ok());
  ASSERT_EQ(scans->size(), 2u);
  EXPECT_EQ((*scans)[1].sha, "c0ffee");
}

TEST_P(BackendTest, FailedAuditLeavesNothingHalfWritten) {
  auto s = Open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->CommitAudit(testing::SampleAudit("org/a", ModelStatus::kSuspected, 0)).ok());
  auto bad = testing::SampleAudit("org/a", ModelStatus::kConfirmedUnsafe, 1);
  bad.files.push_back(bad.files[0]);
  bad.files[1].path = "second.bin";
  // No status (its text is ""): violates the CHECK after the model row was updated.
  bad.changes[0].to = static_cast<ModelStatus>(200);
  auto r = s->CommitAudit(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(Lower(r.error().message).find("check") != std::string::npos) << r.error().message;

  auto m = s->GetModel("org/a");
  ASSERT_TRUE(m.ok() && m->has_value());
  EXPECT_EQ((*m)->status, ModelStatus::kSuspected);
  EXPECT_EQ((*m)->version, 1);
  EXPECT_EQ(s->History("org/a")->size(), 1u);
  EXPECT_EQ(s->ListScans("org/a")->size(), 1u);
  EXPECT_EQ(s->ListFiles("org/a")->size(), 1u);
  // The connection is usable afterwards (the transaction was rolled back, not left open).
  EXPECT_TRUE(s->CommitAudit(testing::SampleAudit("org/a", ModelStatus::kNoFindings, 1)).ok());
}

TEST_P(BackendTest, StaleVersionIsAConflict) {
  auto s = Open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->CommitAudit(testing::SampleAudit("org/a", ModelStatus::kSuspected, 0)).ok());
  auto r = s->CommitAudit(
      testing::SampleAudit("org/a", ModelStatus::kNoFindings, 0));  // decided without reading v1
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kConflict) << r.error().message;
  EXPECT_EQ((*s->GetModel("org/a"))->status, ModelStatus::kSuspected);
}

TEST_P(BackendTest, ReviewsAreRecordedReplacedAndSuperseded) {
  auto s = Open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->CommitAudit(testing::SampleAudit("org/a", ModelStatus::kSuspected, 0)).ok());
  ReviewCommit rc;
  rc.review.path = "pytorch_model.bin";
  rc.review.decision = Decision::kFalsePositive;
  rc.review.note = "only torch reconstructors";
  rc.review.reviewer = "alice";
  rc.review.time = "2026-10-06T13:00:00Z";
  rc.review.file_sha = "aa";
  rc.model = **s->GetModel("org/a");
  rc.model.status = ModelStatus::kFalsePositive;
  rc.model.status_source = StatusSource::kReviewer;
  rc.expected_version = rc.model.version;
  StatusChange c;
  c.time = rc.review.time;
  c.from = ModelStatus::kSuspected;
  c.to = ModelStatus::kFalsePositive;
  c.source = StatusSource::kReviewer;
  c.who = "alice";
  c.reason = "alice: false-positive on pytorch_model.bin: only torch reconstructors";
  rc.change = c;
  auto id = s->CommitReview(rc);
  ASSERT_TRUE(id.ok()) << id.error().message;

  // A second decision on the same file replaces the first.
  rc.review.decision = Decision::kConfirmedUnsafe;
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
  auto a = testing::SampleAudit("org/a", ModelStatus::kSuspected, (*s->GetModel("org/a"))->version);
  a.superseded.push_back({*id2, "2026-10-07T00:00:00Z", "file changed: aa -> bb"});
  ASSERT_TRUE(s->CommitAudit(a).ok());
  EXPECT_TRUE(s->ListReviews("org/a", true)->empty());
  auto after = s->ListReviews("org/a", false);
  EXPECT_EQ((*after)[1].superseded_reason, "file changed: aa -> bb");
  // Superseding twice is a conflict, and the failed audit changes nothing.
  auto again =
      testing::SampleAudit("org/a", ModelStatus::kNoFindings, (*s->GetModel("org/a"))->version);
  again.superseded.push_back({*id2, "t", "again"});
  EXPECT_FALSE(s->CommitAudit(again).ok());
  EXPECT_EQ((*s->GetModel("org/a"))->status, ModelStatus::kSuspected);
}

TEST_P(BackendTest, ListingUpsertKeepsStatusAndOrdersByDownloads) {
  auto s = Open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->CommitAudit(testing::SampleAudit("org/a", ModelStatus::kConfirmedUnsafe, 0)).ok());
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
  EXPECT_EQ((*all)[0].status, std::nullopt);
  EXPECT_EQ((*all)[1].id, "org/a");
  EXPECT_EQ((*all)[1].status, ModelStatus::kConfirmedUnsafe);
  EXPECT_EQ((*all)[1].downloads, 10u);
  EXPECT_EQ((*all)[1].hub_flag, "unsafe");
  EXPECT_EQ((*all)[1].version, 1);
}

TEST_P(BackendTest, TwoConnectionsRaceAndOneGetsAConflict) {
  auto a = Open();
  auto b = Open();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->CommitAudit(testing::SampleAudit("org/a", ModelStatus::kSuspected, 0)).ok());
  // Both processes read version 1 and decide; the second commit must not overwrite the first.
  auto va = (*a->GetModel("org/a"))->version;
  auto vb = (*b->GetModel("org/a"))->version;
  ASSERT_EQ(va, 1);
  ASSERT_EQ(vb, 1);
  ASSERT_TRUE(
      a->CommitAudit(testing::SampleAudit("org/a", ModelStatus::kConfirmedUnsafe, va)).ok());
  auto r = b->CommitAudit(testing::SampleAudit("org/a", ModelStatus::kNoFindings, vb));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kConflict) << r.error().message;
  auto m = b->GetModel("org/a");
  EXPECT_EQ((*m)->status, ModelStatus::kConfirmedUnsafe);
  EXPECT_EQ((*m)->version, 2);
  EXPECT_EQ(b->History("org/a")->size(), 2u);
}

// Both dialects' migration lists reach the same version with the same tables, columns and
// (named) indexes: a step added to one list and not the other fails here.
TEST(SchemaParity, BothDialectsHaveTheSameTablesColumnsAndIndexes) {
  EXPECT_EQ(SqliteSchemaVersion(), PostgresSchemaVersion());
  testing::TempStore lite, pg;
  ASSERT_EQ(lite.Create("sqlite"), "");
  std::string why = pg.Create("postgres");
  if (why.rfind("skip:", 0) == 0) GTEST_SKIP() << why;
  ASSERT_EQ(why, "");
  {
    auto a = lite.Open();
    ASSERT_TRUE(a.ok()) << a.error().message;
    auto b = pg.Open();
    ASSERT_TRUE(b.ok()) << b.error().message;
  }
  std::set<std::string> sqlite_cols, sqlite_indexes;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(lite.where().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT m.name || '.' || p.name FROM sqlite_master m, "
                               "pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name "
                               "NOT LIKE 'sqlite_%'",
                               -1, &st, nullptr),
            SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW)
    sqlite_cols.insert(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  sqlite3_finalize(st);
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT "
                               "LIKE 'sqlite_autoindex%'",
                               -1, &st, nullptr),
            SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW)
    sqlite_indexes.insert(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  sqlite3_finalize(st);
  sqlite3_close(db);

  auto split = [](const std::string& s) {
    std::set<std::string> out;
    size_t from = 0;
    while (from <= s.size() && !s.empty()) {
      size_t comma = s.find(',', from);
      out.insert(s.substr(from, comma == std::string::npos ? std::string::npos : comma - from));
      if (comma == std::string::npos) break;
      from = comma + 1;
    }
    return out;
  };
  std::set<std::string> pg_cols =
      split(testing::PgQuery(pg.server_url(),
                             "SELECT string_agg(table_name || '.' || column_name, ',') FROM "
                             "information_schema.columns WHERE table_schema = '" +
                                 pg.schema() + "'"));
  // Primary keys and UNIQUE columns are indexes SQLite names sqlite_autoindex_*: left out.
  std::set<std::string> pg_indexes = split(testing::PgQuery(
      pg.server_url(), "SELECT string_agg(indexname, ',') FROM pg_indexes WHERE schemaname = '" +
                           pg.schema() +
                           "' AND indexname NOT LIKE '%\\_pkey' AND indexname NOT "
                           "LIKE '%\\_key'"));
  EXPECT_EQ(sqlite_cols, pg_cols);
  EXPECT_EQ(sqlite_indexes, pg_indexes);
  EXPECT_GT(sqlite_cols.size(), 50u);
  EXPECT_EQ(testing::PgQuery(pg.server_url(),
                             "SELECT MAX(version) FROM " + pg.schema() + ".schema_version"),
            std::to_string(PostgresSchemaVersion()));
}

TEST(OpenFactory, UrlsSelectPostgresAndPathsSqlite) {
  EXPECT_TRUE(IsPostgresUrl("postgresql://u@h/db"));
  EXPECT_TRUE(IsPostgresUrl("postgres://h:5432/db?sslmode=require"));
  EXPECT_TRUE(IsPostgresUrl("host=db1 dbname=modelvet"));
  EXPECT_FALSE(IsPostgresUrl("/var/lib/modelvet/modelvet.db"));
  EXPECT_FALSE(IsPostgresUrl("postgresql.db"));
  EXPECT_FALSE(IsPostgresUrl(":memory:"));
  // An unreachable server is an error naming it without its password.
  auto s = Open("postgresql://u:hunter2@127.0.0.1:1/none?connect_timeout=2");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message.find("hunter2"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("127.0.0.1"), std::string::npos) << s.error().message;
}

// ---- the queue ----------------------------------------------------------------------------

class QueueTest : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    store_ = Open();
    ASSERT_TRUE(store_);
    q_ = store_->Queue();
  }
  void TearDown() override {
    store_.reset();
    BackendTest::TearDown();
  }
  bool Sqlite() const { return GetParam() == "sqlite"; }
  JobCounts Counts() {
    auto c = q_->CountJobs();
    EXPECT_TRUE(c.ok()) << c.error().message;
    return c.ok() ? *c : JobCounts{};
  }
  // An audit of `job` as a worker commits it.
  static AuditCommit JobAudit(const Job& job, const std::string& sha, int64_t expected = 0) {
    AuditCommit a = testing::SampleAudit(job.repo, ModelStatus::kNoFindings, expected);
    a.scan.sha = a.model.sha = sha;
    a.job = job.lease;
    return a;
  }

  std::unique_ptr<Store> store_;
  JobQueue* q_ = nullptr;
};

TEST_P(QueueTest, SqliteHasNoQueueAndRefusesJobCommits) {
  if (!Sqlite()) {
    EXPECT_NE(q_, nullptr);
    return;
  }
  EXPECT_EQ(q_, nullptr);
  AuditCommit a = testing::SampleAudit("org/a", ModelStatus::kNoFindings, 0);
  a.job = JobLease{1, "t"};
  auto r = store_->CommitAudit(a);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("the queue needs PostgreSQL"), std::string::npos);
}

TEST_P(QueueTest, OneOpenJobPerRepoRevision) {
  if (Sqlite()) return;
  auto n = q_->Enqueue({{"org/a", "main", "", "enqueue"},
                        {"org/a", "main", "", "watch"},
                        {"org/b", "main", "", "enqueue"},
                        {"org/a", "v2", "", "enqueue"}});
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 3u);
  // A second connection (another watcher) adds nothing while the jobs are open.
  auto other = Open();
  EXPECT_EQ(*other->Queue()->Enqueue({{"org/a", "main", "", "watch"}}), 0u);
  EXPECT_EQ(Counts().pending, 3u);
  // Once done, the same revision may be queued again (a new commit on main).
  auto j = q_->Claim("w1", 60, 5);
  ASSERT_TRUE(j.ok() && j->has_value());
  EXPECT_EQ((*j)->repo, "org/a");
  ASSERT_TRUE(*q_->CompleteJob((*j)->lease, "test"));
  EXPECT_EQ(*q_->Enqueue({{"org/a", "main", "", "watch"}}), 1u);
}

TEST_P(QueueTest, ConcurrentClaimsNeverTakeTheSameJob) {
  if (Sqlite()) return;
  std::vector<EnqueueRequest> reqs;
  for (int i = 0; i < 6; ++i) reqs.push_back({"org/m" + std::to_string(i), "main", "", "t"});
  ASSERT_TRUE(q_->Enqueue(reqs).ok());
  auto other = Open();
  std::set<int64_t> seen;
  for (int i = 0; i < 3; ++i) {
    auto a = q_->Claim("w1", 60, 5);
    auto b = other->Queue()->Claim("w2", 60, 5);
    ASSERT_TRUE(a.ok() && a->has_value() && b.ok() && b->has_value());
    EXPECT_TRUE(seen.insert((*a)->id).second);
    EXPECT_TRUE(seen.insert((*b)->id).second);
  }
  EXPECT_FALSE(q_->Claim("w1", 60, 5)->has_value());
  EXPECT_EQ(Counts().leased, 6u);
}

TEST_P(QueueTest, AWorkerWhoseLeaseWasTakenOverWritesNothing) {
  if (Sqlite()) return;
  ASSERT_TRUE(q_->Enqueue({{"org/a", "main", "", "t"}}).ok());
  auto a = q_->Claim("dead-worker", 0, 5);  // a lease that has already expired
  ASSERT_TRUE(a.ok() && a->has_value());
  auto other = Open();
  auto b = other->Queue()->Claim("w2", 60, 5);
  ASSERT_TRUE(b.ok() && b->has_value()) << "the expired lease was not taken over";
  EXPECT_EQ((*b)->id, (*a)->id);
  EXPECT_EQ((*b)->attempts, 2);
  // The first worker wakes up and commits: refused, nothing written.
  auto late = store_->CommitAudit(JobAudit(**a, "s1"));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().message.rfind("lease lost:", 0), 0u) << late.error().message;
  EXPECT_FALSE(store_->GetModel("org/a")->has_value());
  EXPECT_FALSE(*q_->ExtendLease((*a)->lease, 60));
  EXPECT_FALSE(*q_->FailJob((*a)->lease, "x", 0, 5));
  // The new holder commits, and the job is done in the same transaction.
  auto ok = other->CommitAudit(JobAudit(**b, "s1"));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  JobCounts c = Counts();
  EXPECT_EQ(c.done, 1u);
  EXPECT_EQ(c.leased, 0u);
  EXPECT_EQ(c.duplicate_results, 0u);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM queue_results"), 1);
}

TEST_P(QueueTest, ARevisionIsAuditedOnceThroughTheQueue) {
  if (Sqlite()) return;
  ASSERT_TRUE(q_->Enqueue({{"org/a", "main", "", "t"}}).ok());
  auto j1 = q_->Claim("w1", 60, 5);
  ASSERT_TRUE(store_->CommitAudit(JobAudit(**j1, "s1")).ok());
  EXPECT_TRUE(*q_->RevisionAudited("org/a", "s1"));
  EXPECT_FALSE(*q_->RevisionAudited("org/a", "s2"));
  ASSERT_EQ(*q_->Enqueue({{"org/a", "main", "", "t"}}), 1u);
  auto j2 = q_->Claim("w1", 60, 5);
  auto dup = store_->CommitAudit(JobAudit(**j2, "s1", 1));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().message.rfind("duplicate:", 0), 0u) << dup.error().message;
  ASSERT_TRUE(*q_->CompleteJob((*j2)->lease, "already audited"));
  EXPECT_EQ(Query("SELECT COUNT(*) FROM scans"), 1);
  // A new commit is a new revision: audited again.
  ASSERT_EQ(*q_->Enqueue({{"org/a", "main", "", "t"}}), 1u);
  auto j3 = q_->Claim("w1", 60, 5);
  ASSERT_TRUE(store_->CommitAudit(JobAudit(**j3, "s2", 1)).ok());
  JobCounts c = Counts();
  EXPECT_EQ(c.done, 3u);
  EXPECT_EQ(c.duplicate_results, 0u);
}

TEST_P(QueueTest, FailuresRetryAfterTheirBackoffThenGoToTheDeadLetter) {
  if (Sqlite()) return;
  ASSERT_TRUE(q_->Enqueue({{"org/a", "main", "", "t"}}).ok());
  auto j = q_->Claim("w1", 60, 2);
  ASSERT_TRUE(*q_->FailJob((*j)->lease, "network: reset", 3600, 2));
  EXPECT_EQ(Counts().pending, 1u);
  EXPECT_FALSE(q_->Claim("w1", 60, 2)->has_value()) << "claimed before its backoff";
  ASSERT_GE(Query("UPDATE jobs SET not_before = now() RETURNING 1"), 1);
  j = q_->Claim("w1", 60, 2);
  ASSERT_TRUE(j.ok() && j->has_value());
  EXPECT_EQ((*j)->attempts, 2);
  EXPECT_EQ((*j)->last_error, "network: reset");
  ASSERT_TRUE(*q_->FailJob((*j)->lease, "http 500: again", 0, 2));
  JobCounts c = Counts();
  EXPECT_EQ(c.failed, 1u);
  EXPECT_EQ(c.pending, 0u);
  auto failed = q_->ListJobs("failed", 10);
  ASSERT_EQ(failed->size(), 1u);
  EXPECT_EQ((*failed)[0].last_error, "http 500: again");
  EXPECT_FALSE(q_->Claim("w1", 60, 2)->has_value());
}

TEST_P(QueueTest, AJobWhoseWorkersKeepDyingGoesToTheDeadLetter) {
  if (Sqlite()) return;
  ASSERT_TRUE(q_->Enqueue({{"org/a", "main", "", "t"}}).ok());
  ASSERT_TRUE(q_->Claim("w1", 0, 2)->has_value());
  ASSERT_TRUE(q_->Claim("w2", 0, 2)->has_value());  // took over the expired lease: attempt 2
  EXPECT_FALSE(q_->Claim("w3", 0, 2)->has_value());
  auto failed = q_->ListJobs("failed", 10);
  ASSERT_EQ(failed->size(), 1u);
  EXPECT_NE((*failed)[0].last_error.find("lease expired 2 times"), std::string::npos)
      << (*failed)[0].last_error;
}

TEST_P(QueueTest, TheRateBudgetIsSharedAndA429PausesEveryone) {
  if (Sqlite()) return;
  auto other = Open();
  JobQueue* q2 = other->Queue();
  // 1 token/s, burst 2: two immediate tokens between the two workers, then a wait.
  EXPECT_EQ(*q_->TakeToken("api", 1.0, 2.0), 0.0);
  EXPECT_EQ(*q2->TakeToken("api", 1.0, 2.0), 0.0);
  double wait = *q_->TakeToken("api", 1.0, 2.0);
  EXPECT_GT(wait, 0.5);
  EXPECT_LE(wait, 1.0);
  // Another bucket is independent.
  EXPECT_EQ(*q2->TakeToken("resolvers", 10.0, 5.0), 0.0);
  // A 429 seen by one worker pauses the bucket for all.
  ASSERT_TRUE(q2->PauseBucket("resolvers", 30).ok());
  double paused = *q_->TakeToken("resolvers", 10.0, 5.0);
  EXPECT_GT(paused, 25.0);
  EXPECT_EQ(*q_->BucketLimited("resolvers"), 1u);
  EXPECT_EQ(*q_->BucketLimited("api"), 0u);
}

TEST_P(QueueTest, CursorsOnlyMoveForward) {
  if (Sqlite()) return;
  EXPECT_EQ(*q_->GetCursor("watch"), "");
  ASSERT_TRUE(q_->SetCursor("watch", "2026-10-06T12:00:00.000Z").ok());
  ASSERT_TRUE(q_->SetCursor("watch", "2026-10-05T00:00:00.000Z").ok());
  EXPECT_EQ(*q_->GetCursor("watch"), "2026-10-06T12:00:00.000Z");
}

INSTANTIATE_TEST_SUITE_P(Backends, BackendTest, ::testing::ValuesIn(testing::TestBackends()),
                         testing::BackendName);
INSTANTIATE_TEST_SUITE_P(Backends, QueueTest, ::testing::ValuesIn(testing::TestBackends()),
                         testing::BackendName);

}  // namespace
}  // namespace mv::store
