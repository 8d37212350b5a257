// The typed query layer over the store: rows, pages, a model's detail, and the one conversion
// of store strings (values the store should never hold are errors, not guesses).
#include "audit/model_view.h"

#include <gtest/gtest.h>

#include "audit/store_records.h"
#include "memory_store.h"

namespace mv::audit {
namespace {

store::AuditCommit Audit(const std::string& id, const std::string& status, uint64_t downloads) {
  store::AuditCommit a;
  a.model.id = id;
  a.model.author = id.substr(0, id.find('/'));
  a.model.downloads = downloads;
  a.model.status = EnumFromText<ModelStatus>(status);
  a.model.status_source = StatusSource::kAutomatic;
  a.model.license = "apache-2.0";
  a.model.license_risk = "permissive";
  a.model.last_audit = "2026-10-06T12:00:00Z";
  a.scan.revision = "main";
  a.scan.sha = "c0ffee";
  a.scan.started = a.scan.finished = a.model.last_audit;
  a.scan.files_total = a.scan.files_scanned = 2;
  a.scan.tool_version = "modelvet test";
  store::StatusChange c;
  c.time = a.model.last_audit;
  c.to = *EnumFromText<ModelStatus>(status);
  c.who = "modelvet test";
  c.reason = "first audit";
  a.changes.push_back(c);
  return a;
}

store::FileRecord File(const std::string& path, const std::string& verdict) {
  store::FileRecord f;
  f.path = path;
  f.verdict = EnumFromText<Verdict>(verdict);  // "": not analysed
  f.sha256 = "ab" + path;
  f.size = 100;
  return f;
}

TEST(ModelView, RowsAreTypedAndCarryOurVerdict) {
  auto st = MemoryStore();
  auto a = Audit("acme/evil", "confirmed-unsafe", 10);
  a.model.hub_flag = "unsafe";
  a.model.hub_message = "pytorch_model.bin: unsafe";
  a.files = {File("pytorch_model.bin", "unsafe"), File("config.json", "safe"),
             File("extra.bin", "")};
  ASSERT_TRUE(st->CommitAudit(a).ok());
  store::ModelRecord listed;
  listed.id = "acme/listed";
  listed.downloads = 99;
  ASSERT_TRUE(st->UpsertListing(listed).ok());

  auto list = ListModels(*st, ModelListQuery{});
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->total, 2u);
  const ModelSummary& l = list->models[0];
  EXPECT_EQ(l.id, "acme/listed");
  EXPECT_EQ(l.provider, "acme");  // from the id when the listing has no author
  EXPECT_FALSE(l.status.has_value());
  EXPECT_FALSE(l.source.has_value());
  EXPECT_FALSE(l.license_risk.has_value());
  EXPECT_EQ(l.hub_flag, HubFlag::kNone);
  EXPECT_FALSE(l.our_verdict.has_value());
  const ModelSummary& m = list->models[1];
  EXPECT_EQ(m.status, ModelStatus::kConfirmedUnsafe);
  EXPECT_EQ(m.source, StatusSource::kAutomatic);
  EXPECT_EQ(m.hub_flag, HubFlag::kUnsafe);
  EXPECT_EQ(m.license_risk, LicenseRisk::kPermissive);
  EXPECT_EQ(m.our_verdict, Verdict::kUnsafe);
  EXPECT_EQ(m.files.total, 3u);
  EXPECT_EQ(m.files.unsafe, 1u);
  EXPECT_EQ(m.files.safe, 1u);
  EXPECT_EQ(m.files.not_analysed, 1u);
}

TEST(ModelView, TypedFiltersReachTheStore) {
  auto st = MemoryStore();
  ASSERT_TRUE(st->CommitAudit(Audit("a/unsafe", "confirmed-unsafe", 3)).ok());
  ASSERT_TRUE(st->CommitAudit(Audit("a/fp", "false-positive", 2)).ok());
  store::ModelRecord listed;
  listed.id = "b/listed";
  listed.hub_flag = "caution";
  listed.license_risk = "non-commercial";
  ASSERT_TRUE(st->UpsertListing(listed).ok());
  auto ids = [&](const ModelListQuery& q) {
    std::vector<std::string> out;
    auto r = ListModels(*st, q);
    EXPECT_TRUE(r.ok());
    for (const auto& m : r->models) out.push_back(m.id);
    return out;
  };
  ModelListQuery q;
  q.filter.statuses = {std::nullopt, ModelStatus::kFalsePositive};
  EXPECT_EQ(ids(q), (std::vector<std::string>{"a/fp", "b/listed"}));
  q = {};
  q.filter.hub_flags = {HubFlag::kNone};
  EXPECT_EQ(ids(q), (std::vector<std::string>{"a/unsafe", "a/fp"}));
  q.filter.hub_flags = {HubFlag::kCaution};
  EXPECT_EQ(ids(q), (std::vector<std::string>{"b/listed"}));
  q = {};
  q.filter.license_risks = {LicenseRisk::kNonCommercial};
  EXPECT_EQ(ids(q), (std::vector<std::string>{"b/listed"}));
  q = {};
  q.sort = ModelSort::kStatus;
  q.limit = 2;
  EXPECT_EQ(ids(q), (std::vector<std::string>{"a/unsafe", "a/fp"}));
  q.offset = 2;
  EXPECT_EQ(ids(q), (std::vector<std::string>{"b/listed"}));
  q = {};
  q.filter.text = "A/";
  EXPECT_EQ(ids(q).size(), 2u);
}

TEST(ModelView, DetailHasFindingsReviewsHistoryAndLastScan) {
  auto st = MemoryStore();
  auto a = Audit("acme/evil", "suspected", 10);
  auto f = File("model.pkl", "unsafe");
  f.hub_status = "suspicious";
  f.hub_message = "acme_models.CustomNet";
  f.hub_imports_json = R"([{"module":"posix","name":"system","safety":"dangerous"}])";
  f.report_json = R"j({"path":"acme/evil@main/model.pkl","format":"pickle","loader":"pickle.load",
    "verdict":"unsafe","summary":"runs `ls`","findings":[{"severity":"critical",
    "category":"process","rule":"os-exec","callable":"posix.system","evidence":"posix.system('ls')",
    "location":"model.pkl@30","message":"runs a shell command"}]})j";
  a.files = {f, File("config.json", "safe")};
  a.files[1].report_json = "[]";  // valid JSON (the CHECK), not a report
  ASSERT_TRUE(st->CommitAudit(a).ok());
  store::ReviewCommit rc;
  rc.review = {0,
               "acme/evil",
               "model.pkl",
               Decision::kConfirmedUnsafe,
               "checked",
               "alice",
               "2026-10-06T13:00:00Z",
               "abmodel.pkl",
               true,
               "",
               ""};
  rc.model = **st->GetModel("acme/evil");
  rc.expected_version = rc.model.version;
  rc.model.status = ModelStatus::kConfirmedUnsafe;
  rc.model.status_source = StatusSource::kReviewer;
  rc.change = store::StatusChange{0,
                                  "acme/evil",
                                  "2026-10-06T13:00:00Z",
                                  ModelStatus::kSuspected,
                                  ModelStatus::kConfirmedUnsafe,
                                  false,
                                  StatusSource::kReviewer,
                                  "alice",
                                  "review",
                                  0};
  ASSERT_TRUE(st->CommitReview(rc).ok());

  auto d = GetModelDetail(*st, "acme/evil");
  ASSERT_TRUE(d.ok()) << d.error().message;
  ASSERT_TRUE(d->has_value());
  const ModelDetail& m = **d;
  EXPECT_EQ(m.model.status, ModelStatus::kConfirmedUnsafe);
  EXPECT_EQ(m.model.source, StatusSource::kReviewer);
  ASSERT_EQ(m.files.size(), 2u);
  const FileView& cfg = m.files[0];
  EXPECT_EQ(cfg.path, "config.json");
  EXPECT_EQ(cfg.error, "the stored report of this file cannot be read");
  EXPECT_EQ(cfg.verdict, Verdict::kSafe);
  const FileView& pkl = m.files[1];
  EXPECT_TRUE(pkl.hub_flagged);
  EXPECT_EQ(pkl.format, "pickle");
  ASSERT_EQ(pkl.findings.size(), 1u);
  EXPECT_EQ(pkl.findings[0].severity, Severity::kCritical);
  EXPECT_EQ(pkl.findings[0].evidence, "posix.system('ls')");
  ASSERT_EQ(pkl.hub_imports.size(), 1u);
  EXPECT_EQ(pkl.hub_imports[0].safety, "dangerous");
  ASSERT_TRUE(pkl.review.has_value());
  EXPECT_EQ(pkl.review->decision, Decision::kConfirmedUnsafe);
  EXPECT_EQ(pkl.review->reviewer, "alice");
  ASSERT_EQ(m.history.size(), 2u);
  EXPECT_FALSE(m.history[0].from.has_value());
  EXPECT_EQ(m.history[1].from, ModelStatus::kSuspected);
  EXPECT_EQ(m.history[1].to, ModelStatus::kConfirmedUnsafe);
  EXPECT_EQ(m.history[1].source, StatusSource::kReviewer);
  ASSERT_TRUE(m.last_scan.has_value());
  EXPECT_EQ(m.last_scan->sha, "c0ffee");

  auto none = GetModelDetail(*st, "no/such");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST(ModelView, ValuesTheStoreShouldNeverHoldAreErrors) {
  auto st = MemoryStore();
  store::ModelRecord m;
  m.id = "x/y";
  m.license_risk = "cheap";  // no CHECK on this column: the conversion must catch it
  ASSERT_TRUE(st->UpsertListing(m).ok());
  auto r = ListModels(*st, ModelListQuery{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kMalformed);
  EXPECT_EQ(r.error().message, "store: x/y has an unknown license risk `cheap`");
  m.license_risk = "";
  m.hub_flag = "none";  // "" is the store's no-flag, never the API's word
  ASSERT_TRUE(st->UpsertListing(m).ok());
  EXPECT_FALSE(ListModels(*st, ModelListQuery{}).ok());
  EXPECT_FALSE(GetModelDetail(*st, "x/y").ok());
}

TEST(ModelView, NamesRoundTrip) {
  for (HubFlag f : {HubFlag::kNone, HubFlag::kCaution, HubFlag::kSuspicious, HubFlag::kUnsafe})
    EXPECT_EQ(ParseHubFlag(HubFlagName(f)), f);
  for (ModelSort s :
       {ModelSort::kDownloads, ModelSort::kLastAudit, ModelSort::kStatus, ModelSort::kId})
    EXPECT_EQ(ParseModelSort(ModelSortName(s)), s);
  std::optional<ModelStatus> st = ModelStatus::kSuspected;
  EXPECT_TRUE(ParseStatusFilter("not-audited", &st));
  EXPECT_FALSE(st.has_value());
  EXPECT_TRUE(ParseStatusFilter("false-positive", &st));
  EXPECT_EQ(st, ModelStatus::kFalsePositive);
  EXPECT_FALSE(ParseStatusFilter("safe", &st));
  EXPECT_FALSE(ParseHubFlag("").has_value());
  EXPECT_FALSE(ParseModelSort("downloads DESC").has_value());
}

TEST(ModelView, SplitLocation) {
  auto l = SplitLocation("archive/data.pkl@30");
  EXPECT_EQ(l.member, "archive/data.pkl");
  EXPECT_EQ(l.offset, 30u);
  l = SplitLocation("a@b/c.pkl@7");
  EXPECT_EQ(l.member, "a@b/c.pkl");
  EXPECT_EQ(l.offset, 7u);
  for (const char* s : {"model.pkl", "x@", "x@1a", "x@-1", "@"}) {
    l = SplitLocation(s);
    EXPECT_EQ(l.member, s);
    EXPECT_FALSE(l.offset.has_value()) << s;
  }
}

TEST(ModelView, WorstVerdictOrder) {
  FileCounts c;
  EXPECT_FALSE(WorstVerdict(c).has_value());
  c.safe = 1;
  EXPECT_EQ(WorstVerdict(c), Verdict::kSafe);
  c.error = 1;
  EXPECT_EQ(WorstVerdict(c), Verdict::kError);
  c.needs_review = 1;
  EXPECT_EQ(WorstVerdict(c), Verdict::kNeedsReview);
  c.unsafe = 1;
  EXPECT_EQ(WorstVerdict(c), Verdict::kUnsafe);
}

}  // namespace
}  // namespace mv::audit
