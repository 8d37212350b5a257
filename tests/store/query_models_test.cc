// QueryModels (the models table: filters, orders, pages, per-row file verdicts and projects),
// the indexes its orders need, and the accounts of `modelvet serve`.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "store/store.h"
#include "test_backends.h"

namespace mv::store {
namespace {

namespace fs = std::filesystem;

struct Seed {
  const char* id;
  const char* status;
  uint64_t downloads;
  const char* hub_flag;
  const char* license_risk;
  bool missed;
  const char* last_audit;
  std::vector<const char*> verdicts;  // one file per verdict
};

// Ties on purpose: two models with 500 downloads, two audited at the same time.
const std::vector<Seed> kSeeds = {
    {"acme/unsafe-a",
     "confirmed-unsafe",
     500,
     "unsafe",
     "permissive",
     false,
     "2026-10-01T00:00:00Z",
     {"unsafe", "safe"}},
    {"acme/missed",
     "confirmed-unsafe",
     90,
     "",
     "unknown",
     true,
     "2026-10-03T00:00:00Z",
     {"unsafe"}},
    {"beta/sus_1",
     "suspected",
     500,
     "suspicious",
     "use-restricted",
     false,
     "2026-10-02T00:00:00Z",
     {"needs-review", "error", ""}},
    {"beta/fp",
     "false-positive",
     7000,
     "unsafe",
     "strong-copyleft",
     false,
     "2026-10-02T00:00:00Z",
     {"safe"}},
    {"gamma/clean",
     "no-findings",
     120000,
     "",
     "permissive",
     false,
     "2026-09-30T00:00:00Z",
     {"safe", "safe"}},
    {"gamma/listed", "", 3, "caution", "non-commercial", false, "", {}},
};

class QueryModelsBase : public ::testing::Test {
 protected:
  virtual std::string Backend() const = 0;
  void SetUp() override {
    MV_CREATE_TEST_STORE(db_, Backend());
    path_ = db_.where();
    auto s = db_.Open();
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
    for (const Seed& seed : kSeeds) Add(seed);
  }
  void TearDown() override {
    store_.reset();
    db_.Remove();
  }

  void Add(const Seed& seed) {
    if (std::string(seed.status).empty()) {
      ModelRecord m;
      m.id = seed.id;
      m.downloads = seed.downloads;
      m.hub_flag = seed.hub_flag;
      m.license_risk = seed.license_risk;
      ASSERT_TRUE(store_->UpsertListing(m).ok());
      return;
    }
    AuditCommit a;
    a.model.id = seed.id;
    a.model.downloads = seed.downloads;
    a.model.status = EnumFromText<ModelStatus>(seed.status);
    a.model.status_source = StatusSource::kAutomatic;
    a.model.hub_flag = seed.hub_flag;
    a.model.license_risk = seed.license_risk;
    a.model.missed_by_hub = seed.missed;
    a.model.last_audit = seed.last_audit;
    int n = 0;
    for (const char* v : seed.verdicts) {
      FileRecord f;
      f.path = "f" + std::to_string(n++);
      f.verdict = EnumFromText<Verdict>(v);  // "": not analysed
      a.files.push_back(f);
    }
    a.scan.started = a.scan.finished = seed.last_audit;
    auto r = store_->CommitAudit(a);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  std::vector<std::string> Ids(const ModelQuery& q, uint64_t* total = nullptr) {
    auto page = store_->QueryModels(q);
    EXPECT_TRUE(page.ok()) << page.error().message;
    std::vector<std::string> ids;
    if (!page.ok()) return ids;
    for (const auto& r : page->rows) ids.push_back(r.model.id);
    if (total) *total = page->total;
    return ids;
  }

  struct Used {
    std::string provider, model, revision;
  };
  // Records a project's inventory as `modelvet inventory --project` does.
  void Inventory(const std::string& name, const std::vector<Used>& used) {
    ProjectInventory inv;
    inv.project.name = name;
    inv.project.last_inventory = "2026-10-07T00:00:00Z";
    for (const auto& u : used) {
      ProjectModel m;
      m.provider = u.provider;
      m.model = u.model;
      m.revision = u.revision;
      m.category = u.provider == "huggingface" ? "self-hosted" : "ai-service";
      inv.models.push_back(m);
    }
    auto r = store_->CommitProject(inv);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  // EXPLAIN QUERY PLAN of the page query, one detail line per row.
  std::string Plan(const ModelQuery& q) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    std::string sql = "EXPLAIN QUERY PLAN " + ModelsPageSql(q);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
    std::string plan;
    while (sqlite3_step(st) == SQLITE_ROW)
      plan += reinterpret_cast<const char*>(sqlite3_column_text(st, 3)) + std::string("\n");
    sqlite3_finalize(st);
    sqlite3_close(db);
    return plan;
  }

  void Exec(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << err;
    sqlite3_free(err);
    sqlite3_close(db);
  }

  testing::TempStore db_;
  std::string path_;  // where the store is: a file, or a PostgreSQL URL
  std::unique_ptr<Store> store_;
};

// Every backend.
class QueryModelsTest : public QueryModelsBase, public ::testing::WithParamInterface<std::string> {
 protected:
  std::string Backend() const override { return GetParam(); }
};

// SQLite's own: its query plans, its count cache.
class QueryModelsSqliteTest : public QueryModelsBase {
 protected:
  std::string Backend() const override { return "sqlite"; }
};

using Sort = ModelQuery::Sort;

TEST_P(QueryModelsTest, EveryOrderIsTotalAndAscendingIsTheExactReverse) {
  ModelQuery q;
  EXPECT_EQ(Ids(q), (std::vector<std::string>{"gamma/clean", "beta/fp", "acme/unsafe-a",
                                              "beta/sus_1", "acme/missed", "gamma/listed"}));
  q.sort = Sort::kStatus;
  EXPECT_EQ(Ids(q), (std::vector<std::string>{"acme/unsafe-a", "acme/missed", "beta/sus_1",
                                              "beta/fp", "gamma/clean", "gamma/listed"}));
  q.sort = Sort::kLastAudit;
  EXPECT_EQ(Ids(q), (std::vector<std::string>{"acme/missed", "beta/fp", "beta/sus_1",
                                              "acme/unsafe-a", "gamma/clean", "gamma/listed"}));
  q.sort = Sort::kId;
  EXPECT_EQ(Ids(q), (std::vector<std::string>{"gamma/listed", "gamma/clean", "beta/sus_1",
                                              "beta/fp", "acme/unsafe-a", "acme/missed"}));
  for (Sort sort : {Sort::kDownloads, Sort::kLastAudit, Sort::kStatus, Sort::kId}) {
    ModelQuery d;
    d.sort = sort;
    ModelQuery a = d;
    a.descending = false;
    auto desc = Ids(d), asc = Ids(a);
    std::reverse(asc.begin(), asc.end());
    EXPECT_EQ(desc, asc) << static_cast<int>(sort);
  }
}

TEST_P(QueryModelsTest, FiltersAreAndedAndTotalIgnoresThePage) {
  ModelQuery q;
  q.statuses = {ModelStatus::kConfirmedUnsafe, ModelStatus::kSuspected};
  uint64_t total = 0;
  EXPECT_EQ(Ids(q, &total),
            (std::vector<std::string>{"acme/unsafe-a", "beta/sus_1", "acme/missed"}));
  EXPECT_EQ(total, 3u);
  q.limit = 1;
  q.offset = 1;
  EXPECT_EQ(Ids(q, &total), (std::vector<std::string>{"beta/sus_1"}));
  EXPECT_EQ(total, 3u);
  q.offset = 10;
  EXPECT_TRUE(Ids(q, &total).empty());
  EXPECT_EQ(total, 3u);

  ModelQuery never;
  never.statuses = {std::nullopt};
  EXPECT_EQ(Ids(never), (std::vector<std::string>{"gamma/listed"}));
  ModelQuery flags;
  flags.hub_flags = {"unsafe"};
  flags.license_risks = {"permissive"};
  EXPECT_EQ(Ids(flags), (std::vector<std::string>{"acme/unsafe-a"}));
  ModelQuery unflagged;
  unflagged.hub_flags = {""};
  EXPECT_EQ(Ids(unflagged), (std::vector<std::string>{"gamma/clean", "acme/missed"}));
  ModelQuery one;
  one.id = "beta/fp";
  EXPECT_EQ(Ids(one), (std::vector<std::string>{"beta/fp"}));
  one.id = "beta/f";  // exact, not a prefix
  EXPECT_TRUE(Ids(one).empty());
  ModelQuery missed;
  missed.missed_by_hub = true;
  EXPECT_EQ(Ids(missed), (std::vector<std::string>{"acme/missed"}));
  missed.missed_by_hub = false;
  EXPECT_EQ(Ids(missed).size(), kSeeds.size() - 1);
}

TEST_P(QueryModelsTest, TextIsALiteralCaseInsensitiveSubstringOfTheId) {
  ModelQuery q;
  q.text = "ACME/";
  EXPECT_EQ(Ids(q), (std::vector<std::string>{"acme/unsafe-a", "acme/missed"}));
  q.text = "_";  // a LIKE wildcard elsewhere: here only the literal underscore
  EXPECT_EQ(Ids(q), (std::vector<std::string>{"beta/sus_1"}));
  q.text = "%";
  EXPECT_TRUE(Ids(q).empty());
  q.text = "E/U";
  EXPECT_EQ(Ids(q), (std::vector<std::string>{"acme/unsafe-a"}));
}

TEST_P(QueryModelsTest, RowsCarryFileVerdictCounts) {
  ModelQuery q;
  q.sort = Sort::kId;
  q.descending = false;
  auto page = store_->QueryModels(q);
  ASSERT_TRUE(page.ok());
  using V = std::vector<std::pair<std::optional<Verdict>, uint64_t>>;
  std::map<std::string, V> got;
  for (const auto& r : page->rows) got[r.model.id] = r.verdict_counts;
  EXPECT_EQ(got["acme/unsafe-a"], (V{{Verdict::kSafe, 1}, {Verdict::kUnsafe, 1}}));
  // In the stored texts' order ("" first): not analysed, error, needs-review.
  EXPECT_EQ(got["beta/sus_1"],
            (V{{std::nullopt, 1}, {Verdict::kError, 1}, {Verdict::kNeedsReview, 1}}));
  EXPECT_EQ(got["gamma/clean"], (V{{Verdict::kSafe, 2}}));
  EXPECT_TRUE(got["gamma/listed"].empty());
  // The counts follow the page, not the whole table.
  q.limit = 1;
  q.offset = 2;
  page = store_->QueryModels(q);
  ASSERT_EQ(page->rows.size(), 1u);
  EXPECT_EQ(page->rows[0].model.id, "beta/fp");
  EXPECT_EQ(page->rows[0].verdict_counts, (V{{Verdict::kSafe, 1}}));
}

TEST_F(QueryModelsSqliteTest, EveryOrderIsOneIndexScan) {
  for (Sort sort : {Sort::kDownloads, Sort::kLastAudit, Sort::kStatus, Sort::kId})
    for (bool desc : {true, false}) {
      ModelQuery q;
      q.sort = sort;
      q.descending = desc;
      std::string plan = Plan(q);
      EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
      EXPECT_NE(plan.find("INDEX"), std::string::npos) << plan;
    }
  // A filter on one value is served by its own index, in the default order.
  for (int set = 0; set < 3; ++set) {
    ModelQuery q;
    if (set == 0) q.statuses.push_back(ModelStatus::kSuspected);
    if (set == 1) q.hub_flags.push_back("x");
    if (set == 2) q.license_risks.push_back("x");
    std::string plan = Plan(q);
    EXPECT_NE(plan.find("SEARCH models USING INDEX"), std::string::npos) << plan;
    EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
  }
  // Sorted by status within one status: the status index's range, not a walk of the rank
  // index reading every row of the statuses ranked above.
  ModelQuery one;
  one.statuses = {ModelStatus::kSuspected};
  one.sort = Sort::kStatus;
  std::string plan = Plan(one);
  EXPECT_NE(plan.find("SEARCH models USING INDEX models_by_status "), std::string::npos) << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
}

TEST_P(QueryModelsTest, StatusOrderWithinOneStatusIsTheDownloadsOrder) {
  Add({"beta/sus_2", "suspected", 9000, "", "unknown", false, "2026-10-04T00:00:00Z", {}});
  Add({"beta/sus_3", "suspected", 500, "", "unknown", false, "2026-10-05T00:00:00Z", {}});
  for (bool desc : {true, false}) {
    ModelQuery all;
    all.sort = Sort::kStatus;
    all.descending = desc;
    std::vector<std::string> expected;
    for (const auto& id : Ids(all))
      if (id.rfind("beta/sus", 0) == 0) expected.push_back(id);
    ModelQuery one = all;
    one.statuses = {ModelStatus::kSuspected};
    EXPECT_EQ(Ids(one), expected);
    EXPECT_EQ(expected.size(), 3u);
  }
}

TEST_P(QueryModelsTest, RowsOfPagesLongerThanOneBoundIdListCarryTheirCountsAndProjects) {
  // More rows than one IN (…) list binds: the counts and projects of every chunk.
  constexpr int kMany = 1234;
  std::map<std::string, std::vector<Used>> projects;
  for (int i = 0; i < kMany; ++i) {
    std::string id = "bulk/m" + std::to_string(i);
    Add({id.c_str(),
         "no-findings",
         static_cast<uint64_t>(i),
         "",
         "unknown",
         false,
         "2026-10-06T00:00:00Z",
         {"safe", "safe"}});
    projects["p" + std::to_string(i % 3)].push_back({"huggingface", id, ""});
  }
  for (const auto& [name, used] : projects) Inventory(name, used);
  ModelQuery q;  // limit 0: every model
  auto page = store_->QueryModels(q);
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->rows.size(), kSeeds.size() + kMany);
  int bulk = 0;
  for (const auto& r : page->rows) {
    if (r.model.id.rfind("bulk/m", 0) != 0) continue;
    ++bulk;
    int i = std::stoi(r.model.id.substr(6));
    EXPECT_EQ(r.verdict_counts,
              (std::vector<std::pair<std::optional<Verdict>, uint64_t>>{{Verdict::kSafe, 2}}))
        << r.model.id;
    EXPECT_EQ(r.projects, std::vector<std::string>{"p" + std::to_string(i % 3)}) << r.model.id;
  }
  EXPECT_EQ(bulk, kMany);
}

TEST_P(QueryModelsTest, ProjectsComeFromTheInventory) {
  ModelQuery q;
  q.project = "shop";
  EXPECT_TRUE(Ids(q).empty());  // no inventory yet
  // Two revisions of one model in a project count once; another provider's model of the same
  // name is not the hub's.
  Inventory("shop", {{"huggingface", "gamma/clean", ""},
                     {"huggingface", "gamma/clean", "v2"},
                     {"huggingface", "acme/missed", ""},
                     {"openai", "beta/fp", ""}});
  Inventory("blog", {{"huggingface", "gamma/clean", ""}});
  uint64_t total = 0;
  EXPECT_EQ(Ids(q, &total), (std::vector<std::string>{"gamma/clean", "acme/missed"}));
  EXPECT_EQ(total, 2u);
  auto page = store_->QueryModels(ModelQuery{});
  ASSERT_TRUE(page.ok());
  std::map<std::string, std::vector<std::string>> projects;
  for (const auto& r : page->rows) projects[r.model.id] = r.projects;
  EXPECT_EQ(projects["gamma/clean"], (std::vector<std::string>{"blog", "shop"}));
  EXPECT_EQ(projects["acme/missed"], (std::vector<std::string>{"shop"}));
  EXPECT_TRUE(projects["beta/fp"].empty());  // another provider's model of the same name
}

TEST_F(QueryModelsSqliteTest, CachedCountsFollowEveryWrite) {
  auto other = OpenSqliteStore(path_);
  ASSERT_TRUE(other.ok());
  ModelQuery q;
  q.limit = 1;
  uint64_t total = 0;
  Ids(q, &total);
  EXPECT_EQ(total, kSeeds.size());
  Ids(q, &total);  // served from the cache
  EXPECT_EQ(total, kSeeds.size());
  // Another connection (another process) writes: data_version moves.
  ModelRecord m;
  m.id = "other/new";
  ASSERT_TRUE((*other)->UpsertListing(m).ok());
  Ids(q, &total);
  EXPECT_EQ(total, kSeeds.size() + 1);
  // This connection writes: its change counter moves.
  m.id = "this/new";
  ASSERT_TRUE(store_->UpsertListing(m).ok());
  Ids(q, &total);
  EXPECT_EQ(total, kSeeds.size() + 2);
  // A status change moves a model between filters without changing the row count.
  ModelQuery suspected;
  suspected.statuses = {ModelStatus::kSuspected};
  Ids(suspected, &total);
  EXPECT_EQ(total, 1u);
  AuditCommit a;
  a.model.id = "beta/fp";
  a.model.status = ModelStatus::kSuspected;
  a.model.status_source = StatusSource::kAutomatic;
  a.expected_version = (*(*other)->GetModel("beta/fp"))->version;
  ASSERT_TRUE((*other)->CommitAudit(a).ok());
  Ids(suspected, &total);
  EXPECT_EQ(total, 2u);
}

TEST_P(QueryModelsTest, AccountsSessionsAndTokens) {
  UserRecord u{"alice", "reviewer", "$argon2id$v=19$x", "2026-10-06T12:00:00Z", false};
  ASSERT_TRUE(store_->PutUser(u).ok());
  u.role = "admin";
  ASSERT_TRUE(store_->PutUser(u).ok());                                  // replaces
  EXPECT_FALSE(store_->PutUser({"bob", "root", "h", "t", false}).ok());  // CHECK on role
  auto got = store_->GetUser("alice");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->role, "admin");
  EXPECT_FALSE(store_->GetUser("nobody")->has_value());
  EXPECT_EQ(store_->ListUsers()->size(), 1u);

  ASSERT_TRUE(
      store_
          ->CreateSession({"h1", "alice", "csrf1", "2026-10-06T12:00:00Z", "2026-10-07T00:00:00Z"})
          .ok());
  ASSERT_TRUE(
      store_
          ->CreateSession({"h2", "alice", "csrf2", "2026-10-06T12:00:00Z", "2026-10-06T13:00:00Z"})
          .ok());
  EXPECT_FALSE(store_->CreateSession({"h3", "nobody", "c", "t", "u"}).ok());  // foreign key
  EXPECT_EQ((*store_->GetSession("h1", "2026-10-06T20:00:00Z"))->csrf, "csrf1");
  EXPECT_FALSE(store_->GetSession("h2", "2026-10-06T20:00:00Z")->has_value());  // expired
  ASSERT_TRUE(store_->DeleteSession("h1", "2026-10-06T20:00:00Z").ok());
  EXPECT_FALSE(store_->GetSession("h1", "2026-10-06T12:30:00Z")->has_value());
  EXPECT_FALSE(store_->GetSession("h2", "2026-10-06T12:30:00Z")->has_value());  // purged

  auto id = store_->CreateToken({0, "th", "alice", "ci", "2026-10-06T12:00:00Z", false});
  ASSERT_TRUE(id.ok());
  EXPECT_EQ((*store_->FindToken("th"))->user, "alice");
  EXPECT_TRUE(*store_->RevokeToken(*id));
  EXPECT_FALSE(*store_->RevokeToken(*id));
  EXPECT_FALSE(store_->FindToken("th")->has_value());
  EXPECT_TRUE((*store_->ListTokens())[0].revoked);

  ASSERT_TRUE(store_->CreateToken({0, "th2", "alice", "", "t", false}).ok());
  ASSERT_TRUE(store_->CreateSession({"h4", "alice", "c", "t", "9999"}).ok());
  EXPECT_TRUE(*store_->DeleteUser("alice"));
  EXPECT_FALSE(*store_->DeleteUser("alice"));
  EXPECT_FALSE(store_->FindToken("th2")->has_value());
  EXPECT_FALSE(store_->GetSession("h4", "0")->has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, QueryModelsTest, ::testing::ValuesIn(testing::TestBackends()),
                         testing::BackendName);

}  // namespace
}  // namespace mv::store
