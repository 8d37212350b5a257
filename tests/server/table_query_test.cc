// The models table's query string: one parser for the API and the web app.
#include "server/table_query.h"

#include <gtest/gtest.h>

#include "core/limits.h"

namespace mv::server {
namespace {

Result<audit::ModelListQuery> Parse(std::initializer_list<std::pair<const char*, const char*>> kv) {
  Params p;
  for (const auto& [k, v] : kv) p.emplace(k, v);
  return ParseTableQuery(p, 50);
}

TEST(TableQuery, DefaultsAndEmptyValues) {
  auto q = Parse({{"q", ""}, {"status", ""}, {"sort", ""}, {"unknown", "x"}});
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_TRUE(q->filter.statuses.empty());
  EXPECT_TRUE(q->filter.text.empty());
  EXPECT_EQ(q->sort, audit::ModelSort::kDownloads);
  EXPECT_TRUE(q->descending);
  EXPECT_EQ(q->limit, 50u);
  EXPECT_EQ(q->offset, 0u);
  // id sorts ascending unless told otherwise.
  q = Parse({{"sort", "id"}});
  EXPECT_FALSE(q->descending);
  q = Parse({{"sort", "id"}, {"order", "desc"}});
  EXPECT_TRUE(q->descending);
}

TEST(TableQuery, RepeatedAndCommaSeparatedValues) {
  auto q = Parse({{"status", "suspected,not-audited"},
                  {"status", "confirmed-unsafe"},
                  {"hub_flag", "none"},
                  {"license_risk", "non-commercial"},
                  {"missed_by_hub", "true"},
                  {"project", "shop"},
                  {"q", "bert"}});
  ASSERT_TRUE(q.ok()) << q.error().message;
  ASSERT_EQ(q->filter.statuses.size(), 3u);
  EXPECT_EQ(q->filter.statuses[0], audit::ModelStatus::kSuspected);
  EXPECT_FALSE(q->filter.statuses[1].has_value());
  EXPECT_EQ(q->filter.statuses[2], audit::ModelStatus::kConfirmedUnsafe);
  EXPECT_EQ(q->filter.hub_flags, std::vector<audit::HubFlag>{audit::HubFlag::kNone});
  EXPECT_EQ(q->filter.license_risks,
            std::vector<audit::LicenseRisk>{audit::LicenseRisk::kNonCommercial});
  EXPECT_EQ(q->filter.missed_by_hub, true);
  EXPECT_EQ(q->filter.project, "shop");
  EXPECT_EQ(q->filter.text, "bert");
}

TEST(TableQuery, PagesBecomeOffsets) {
  auto q = Parse({{"page", "3"}, {"limit", "20"}});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->offset, 40u);
  q = Parse({{"page", "3"}, {"offset", "7"}});  // offset wins
  EXPECT_EQ(q->offset, 7u);
  EXPECT_FALSE(Parse({{"page", "0"}}).ok());
  EXPECT_FALSE(Parse({{"page", "99999999999999999999"}}).ok());
  EXPECT_FALSE(Parse({{"page", "18446744073709551615"}}).ok());
}

TEST(TableQuery, BadValuesNameTheParameter) {
  for (auto [k, v] : std::vector<std::pair<const char*, const char*>>{{"status", "safe"},
                                                                      {"hub_flag", "red"},
                                                                      {"license_risk", "cheap"},
                                                                      {"missed_by_hub", "yes"},
                                                                      {"sort", "name"},
                                                                      {"order", "up"},
                                                                      {"limit", "0"},
                                                                      {"limit", "501"},
                                                                      {"limit", "1e3"},
                                                                      {"offset", "-1"},
                                                                      {"offset", "1 "}}) {
    auto q = Parse({{k, v}});
    ASSERT_FALSE(q.ok()) << k << "=" << v;
    EXPECT_NE(q.error().message.find(std::string("parameter ") + k), std::string::npos)
        << q.error().message;
  }
  std::string long_text(limits::kServerMaxSearchBytes + 1, 'x');
  Params p{{"q", long_text}};
  EXPECT_EQ(ParseTableQuery(p, 50).error().code, Errc::kLimit);
}

TEST(TableQuery, LinksRoundTrip) {
  auto q = Parse({{"status", "false-positive"},
                  {"status", "not-audited"},
                  {"q", "a&b"},
                  {"missed_by_hub", "false"},
                  {"sort", "status"},
                  {"order", "asc"}});
  ASSERT_TRUE(q.ok());
  html::Url u("/");
  AppendFilters(*q, u);
  AppendSort(*q, u);
  EXPECT_EQ(u.str(),
            "/?q=a%26b&status=false-positive&status=not-audited&missed_by_hub=false&sort=status&"
            "order=asc");
  // Defaults stay out of links.
  html::Url plain("/");
  AppendSort(*Parse({}), plain);
  EXPECT_EQ(plain.str(), "/");
}

}  // namespace
}  // namespace mv::server
