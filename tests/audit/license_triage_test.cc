#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "audit/license.h"
#include "audit/triage.h"

namespace mv::audit {
namespace {

std::string Risk(const std::vector<std::string>& ids, const std::string& name = "") {
  return LicenseRiskName(LicenseTable::Embedded().Classify(ids, name).risk);
}

TEST(License, ClassesOfHubIds) {
  EXPECT_EQ(Risk({"apache-2.0"}), "permissive");
  EXPECT_EQ(Risk({"MIT"}), "permissive");
  EXPECT_EQ(Risk({"bsl-1.0"}), "permissive");
  EXPECT_EQ(Risk({"cc0-1.0"}), "public-domain");
  EXPECT_EQ(Risk({"unlicense"}), "public-domain");
  EXPECT_EQ(Risk({"lgpl-3.0"}), "weak-copyleft");
  EXPECT_EQ(Risk({"cc-by-sa-4.0"}), "weak-copyleft");
  EXPECT_EQ(Risk({"mpl-2.0"}), "weak-copyleft");
  EXPECT_EQ(Risk({"agpl-3.0"}), "strong-copyleft");
  EXPECT_EQ(Risk({"gpl-3.0"}), "strong-copyleft");
  EXPECT_EQ(Risk({"cc-by-nc-4.0"}), "non-commercial");
  EXPECT_EQ(Risk({"cc-by-nc-sa-4.0"}), "non-commercial");
  EXPECT_EQ(Risk({"fair-noncommercial-research-license"}), "non-commercial");
  EXPECT_EQ(Risk({"creativeml-openrail-m"}), "use-restricted");
  EXPECT_EQ(Risk({"llama3.1"}), "use-restricted");
  EXPECT_EQ(Risk({"gemma"}), "use-restricted");
  EXPECT_EQ(Risk({"openrail++"}), "use-restricted");
}

TEST(License, UnknownCustomAndMissingNeedReview) {
  auto none = LicenseTable::Embedded().Classify({}, "");
  EXPECT_EQ(none.risk, LicenseRisk::kUnknown);
  EXPECT_EQ(none.why, "no license declared: needs review");
  EXPECT_EQ(none.declared, "");
  auto other = LicenseTable::Embedded().Classify({"other"}, "coqui-public-model-license");
  EXPECT_EQ(other.risk, LicenseRisk::kUnknown);
  EXPECT_EQ(other.declared, "other:coqui-public-model-license");
  EXPECT_EQ(other.why, "custom license `coqui-public-model-license`: needs review");
  EXPECT_EQ(Risk({"other"}), "unknown");
  EXPECT_EQ(Risk({"unknown"}), "unknown");
  EXPECT_EQ(Risk({"my-own-license"}), "unknown");
  // Custom names that say what they are.
  EXPECT_EQ(Risk({"other"}, "llama-3-community-license"), "use-restricted");
  EXPECT_EQ(Risk({"other"}, "acme-noncommercial"), "non-commercial");
  EXPECT_EQ(Risk({}, "deepseek-rail"), "use-restricted");
}

TEST(License, TagsAndListsTakeTheWorst) {
  auto info = LicenseTable::Embedded().Classify({"license:MIT", "cc-by-nc-4.0", "mit"}, "");
  EXPECT_EQ(info.risk, LicenseRisk::kNonCommercial);
  EXPECT_EQ(info.declared, "mit,cc-by-nc-4.0");
  EXPECT_EQ(info.why, "mit is permissive; cc-by-nc-4.0 is non-commercial");
}

TEST(License, ParseIsStrict) {
  auto good = LicenseTable::Parse("[classes.permissive]\nids = [\"x\"]\n", "t.toml");
  ASSERT_TRUE(good.ok()) << good.error().message;
  EXPECT_EQ(good->Lookup("X"), LicenseRisk::kPermissive);

  auto bad_key = LicenseTable::Parse("[classes.permissive]\nids = [\"x\"]\nidz = [1]\n", "t.toml");
  ASSERT_FALSE(bad_key.ok());
  EXPECT_EQ(bad_key.error().message, "t.toml:3: unknown key `idz`");

  auto bad_class = LicenseTable::Parse("[classes.fine]\nids = [\"x\"]\n", "t.toml");
  ASSERT_FALSE(bad_class.ok());
  EXPECT_NE(bad_class.error().message.find("unknown class `fine`"), std::string::npos);

  auto twice = LicenseTable::Parse(
      "[classes.permissive]\nids = [\"x\"]\n[classes.non-commercial]\nids = [\"X\"]\n", "t.toml");
  ASSERT_FALSE(twice.ok());
  // Tables iterate in key order: non-commercial (line 4) is read first.
  EXPECT_EQ(twice.error().message, "t.toml:2: `x` is listed twice (also at line 4)");

  auto top = LicenseTable::Parse("foo = 1\n", "t.toml");
  ASSERT_FALSE(top.ok());
  EXPECT_EQ(top.error().message, "t.toml:1: unknown key `foo`");

  auto pat = LicenseTable::Parse(
      "[classes.permissive]\nids = [\"x\"]\n[[patterns]]\ncontains = \"y\"\n", "t.toml");
  ASSERT_FALSE(pat.ok());
  EXPECT_NE(pat.error().message.find("needs `contains` and `class`"), std::string::npos);

  auto syntax = LicenseTable::Parse("[classes\n", "t.toml");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().message.rfind("t.toml:1:", 0), 0u) << syntax.error().message;
}

TEST(License, EveryHubIdIsClassified) {
  // The hub's license ids (docs/hub-api.md, Licenses), each pinned to its class. The table
  // without its [[patterns]] must classify every id too: each is listed on purpose, not caught
  // by a substring.
  const std::vector<std::pair<const char*, std::vector<const char*>>> want = {
      {"public-domain", {"cc0-1.0", "unlicense", "wtfpl", "pddl"}},
      {"permissive",
       {"apache-2.0",
        "mit",
        "afl-3.0",
        "bsl-1.0",
        "bsd",
        "bsd-2-clause",
        "bsd-3-clause",
        "bsd-3-clause-clear",
        "cc-by-2.0",
        "cc-by-2.5",
        "cc-by-3.0",
        "cc-by-4.0",
        "cdla-permissive-1.0",
        "cdla-permissive-2.0",
        "ecl-2.0",
        "etalab-2.0",
        "isc",
        "ms-pl",
        "odc-by",
        "openmdw-1.0",
        "openmdw-1.1",
        "postgresql",
        "ncsa",
        "zlib"}},
      {"weak-copyleft",
       {"artistic-2.0", "cc-by-sa-3.0", "cc-by-sa-4.0", "cdla-sharing-1.0", "epl-1.0", "epl-2.0",
        "eupl-1.1", "eupl-1.2", "gfdl", "lgpl", "lgpl-2.1", "lgpl-3.0", "lgpl-lr", "mpl-2.0",
        "ofl-1.1"}},
      {"strong-copyleft",
       {"agpl-3.0", "gpl", "gpl-2.0", "gpl-3.0", "lppl-1.3c", "osl-3.0", "odbl"}},
      {"non-commercial",
       {"c-uda", "cc-by-nc-2.0", "cc-by-nc-3.0", "cc-by-nc-4.0", "cc-by-nd-4.0", "cc-by-nc-nd-3.0",
        "cc-by-nc-nd-4.0", "cc-by-nc-sa-2.0", "cc-by-nc-sa-3.0", "cc-by-nc-sa-4.0", "h-research",
        "intel-research", "apple-ascl", "apple-amlr", "deepfloyd-if-license",
        "fair-noncommercial-research-license"}},
      {"use-restricted",
       {"openrail", "bigscience-openrail-m", "creativeml-openrail-m", "bigscience-bloom-rail-1.0",
        "bigcode-openrail-m", "openrail++", "llama2", "llama3", "llama3.1", "llama3.2", "llama3.3",
        "llama4", "grok2-community", "gemma"}},
      {"unknown", {"cc", "unknown", "other"}},
  };
  std::ifstream in(std::string(MV_SOURCE_DIR) + "/data/licenses.toml");
  std::string toml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t patterns = toml.find("\n[[patterns]]");  // the first table, not a comment
  ASSERT_NE(patterns, std::string::npos);
  auto exact = LicenseTable::Parse(toml.substr(0, patterns), "licenses.toml");
  ASSERT_TRUE(exact.ok()) << exact.error().message;
  size_t n = 0;
  for (const auto& [cls, ids] : want) {
    for (const char* id : ids) {
      ++n;
      auto embedded = LicenseTable::Embedded().Lookup(id);
      ASSERT_TRUE(embedded.has_value()) << id;
      EXPECT_EQ(LicenseRiskName(*embedded), std::string(cls)) << id;
      auto listed = exact->Lookup(id);
      ASSERT_TRUE(listed.has_value()) << id << " is classified by a pattern only";
      EXPECT_EQ(LicenseRiskName(*listed), std::string(cls)) << id;
    }
  }
  EXPECT_EQ(n, 83u);
}

TriageCandidate C(std::string id, uint64_t downloads, std::vector<std::string> flagged) {
  TriageCandidate c;
  c.id = std::move(id);
  c.downloads = downloads;
  for (auto& p : flagged) c.flagged.push_back({p, "unsafe"});
  return c;
}

TEST(Triage, TrainingArgsPaths) {
  EXPECT_TRUE(IsTrainingArgs("training_args.bin"));
  EXPECT_TRUE(IsTrainingArgs("checkpoint-500/training_args.bin"));
  EXPECT_FALSE(IsTrainingArgs("my_training_args.bin"));
  EXPECT_FALSE(IsTrainingArgs("training_args.bin.bak"));
  EXPECT_FALSE(IsTrainingArgs("training_args.binx"));
  EXPECT_FALSE(IsTrainingArgs(""));
}

TEST(Triage, OrderAndSkipping) {
  auto q = SelectQueue({C("org/small", 10, {"model.bin"}), C("org/clean", 999999, {}),
                        C("org/args-only", 500000, {"training_args.bin", "ckpt/training_args.bin"}),
                        C("org/big", 100000, {"yolov8n.pt"}),
                        C("org/args-and-model", 50000, {"training_args.bin", "pytorch_model.bin"}),
                        C("org/a-tie", 10, {"x.pkl"})},
                       0);
  std::vector<std::string> ids;
  for (auto& c : q) ids.push_back(c.id);
  EXPECT_EQ(ids,
            (std::vector<std::string>{"org/big", "org/args-and-model", "org/a-tie", "org/small"}));
  auto limited = SelectQueue({C("a/x", 1, {"m"}), C("a/y", 2, {"m"}), C("a/z", 3, {"m"})}, 2);
  ASSERT_EQ(limited.size(), 2u);
  EXPECT_EQ(limited[0].id, "a/z");
  EXPECT_EQ(limited[1].id, "a/y");
}

}  // namespace
}  // namespace mv::audit
