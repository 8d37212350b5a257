// `audit --all` planning: a run survives a kill and is resumed; --restart starts over; stored
// ids are checked again before use.
#include "audit/audit_all.h"

#include <gtest/gtest.h>

#include "memory_store.h"

namespace mv::audit {
namespace {

void List(store::Store& st, const std::string& id, std::optional<store::ModelStatus> status = {}) {
  store::ModelRecord m;
  m.id = id;
  m.author = id.substr(0, id.find('/'));
  ASSERT_TRUE(st.UpsertListing(m).ok());
  if (status) {
    store::AuditCommit a;
    a.model = m;
    a.model.status = status;
    a.model.status_source = store::StatusSource::kAutomatic;
    a.model.last_audit = "2026-12-05T00:00:00Z";
    a.scan.revision = "main";
    a.scan.started = a.scan.finished = a.model.last_audit;
    ASSERT_TRUE(st.CommitAudit(a).ok());
  }
}

std::vector<std::string> Repos(const AuditAllPlan& p) {
  std::vector<std::string> out;
  for (const auto& r : p.refs) out.push_back(r.repo);
  return out;
}

TEST(AuditAll, ANewRunListsEveryStoredModel) {
  auto st = MemoryStore();
  List(*st, "acme/a");
  List(*st, "acme/b");
  auto p = PlanAuditAll(*st, false, "t0");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_FALSE(p->resumed);
  EXPECT_NE(p->run, 0);
  EXPECT_EQ(Repos(*p), (std::vector<std::string>{"acme/a", "acme/b"}));
  EXPECT_EQ(p->refs[0].revision, "main");
  EXPECT_FALSE(p->unsafe_before);
}

TEST(AuditAll, AnUnfinishedRunIsResumedAndItsUnsafeModelsStillCount) {
  auto st = MemoryStore();
  List(*st, "acme/bad", store::ModelStatus::kConfirmedUnsafe);
  List(*st, "acme/next");
  auto first = PlanAuditAll(*st, false, "t0");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(st->MarkRunDone(first->run, "acme/bad").ok());  // then the process is killed

  auto resumed = PlanAuditAll(*st, false, "t1");
  ASSERT_TRUE(resumed.ok());
  EXPECT_TRUE(resumed->resumed);
  EXPECT_EQ(resumed->run, first->run);
  EXPECT_EQ(resumed->resumed_started, "t0");
  EXPECT_EQ(resumed->done, 1u);
  EXPECT_TRUE(resumed->unsafe_before);
  EXPECT_EQ(Repos(*resumed), std::vector<std::string>{"acme/next"});

  auto restarted = PlanAuditAll(*st, true, "t2");
  ASSERT_TRUE(restarted.ok());
  EXPECT_FALSE(restarted->resumed);
  EXPECT_NE(restarted->run, first->run);
  EXPECT_FALSE(restarted->unsafe_before);
  EXPECT_EQ(Repos(*restarted), (std::vector<std::string>{"acme/bad", "acme/next"}));
}

TEST(AuditAll, StoredIdsTheHubWouldRefuseAreSkippedWithTheReason) {
  auto st = MemoryStore();
  List(*st, "acme/fine");
  List(*st, "acme/../../etc");
  auto p = PlanAuditAll(*st, false, "t0");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(Repos(*p), std::vector<std::string>{"acme/fine"});
  ASSERT_EQ(p->skipped.size(), 1u);
}

}  // namespace
}  // namespace mv::audit
