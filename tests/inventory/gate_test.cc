#include "inventory/gate.h"

#include <gtest/gtest.h>

namespace mv::inventory {
namespace {

ModelUse Hub(const std::string& id, std::optional<store::ModelStatus> status) {
  ModelUse m;
  m.provider = "huggingface";
  m.id = id;
  m.status = status;
  return m;
}

Artifact File(const std::string& path, Verdict v) {
  Artifact a;
  a.path = path;
  a.verdict = v;
  a.summary = "why";
  return a;
}

TEST(Gate, ParsesNamesAndListsAndRefusesUnknownOnes) {
  auto g = ParseGates({"suspected", "confirmed-unsafe,unsafe-artifact"});
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(*g, (std::set<Gate>{Gate::kConfirmedUnsafe, Gate::kSuspected, Gate::kUnsafeArtifact}));
  auto bad = ParseGates({"suspected,unsafe"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::kMalformed);
  EXPECT_NE(bad.error().message.find("`unsafe`"), std::string::npos) << bad.error().message;
  EXPECT_TRUE(ParseGates({}).ok());
  for (Gate each : {Gate::kConfirmedUnsafe, Gate::kSuspected, Gate::kUnsafeArtifact}) {
    auto round = ParseGates({EnumText(each)});
    ASSERT_TRUE(round.ok());
    EXPECT_EQ(*round, std::set<Gate>{each});
  }
}

TEST(Gate, TripsOnlyOnTheConditionsItCovers) {
  Inventory v;
  v.models = {Hub("org/bad", store::ModelStatus::kConfirmedUnsafe),
              Hub("org/odd", store::ModelStatus::kSuspected),
              Hub("org/fine", store::ModelStatus::kNoFindings)};
  v.artifacts = {File("m.pt", Verdict::kUnsafe)};
  EXPECT_EQ(EvaluateGate(v, {Gate::kConfirmedUnsafe}).tripped,
            std::vector<std::string>{"confirmed-unsafe"});
  EXPECT_EQ(EvaluateGate(v, {Gate::kSuspected}).tripped, std::vector<std::string>{"suspected"});
  EXPECT_EQ(EvaluateGate(v, {Gate::kUnsafeArtifact}).tripped,
            std::vector<std::string>{"unsafe-artifact"});
  v.models.erase(v.models.begin(), v.models.begin() + 2);
  v.artifacts[0].verdict = Verdict::kSafe;
  GateOutcome clean = EvaluateGate(v, {Gate::kConfirmedUnsafe, Gate::kUnsafeArtifact});
  EXPECT_TRUE(clean.tripped.empty());
  EXPECT_TRUE(clean.undecided.empty());
  // A known false positive passes every gate.
  v.models.push_back(Hub("org/fp", store::ModelStatus::kFalsePositive));
  EXPECT_TRUE(EvaluateGate(v, {Gate::kConfirmedUnsafe, Gate::kSuspected}).tripped.empty());
}

TEST(Gate, FailsClosedOnWhatItCovers) {
  Inventory v;
  ModelUse unaudited = Hub("org/new", std::nullopt);
  unaudited.audit_error = "network: timed out";
  v.models = {unaudited, Hub("org/plain", std::nullopt)};
  v.models[1].audit_error.clear();
  ModelUse api;
  api.provider = "openai";
  api.id = "gpt-4o";  // not a hub model: never audited, never undecided
  v.models.push_back(api);
  v.artifacts = {File("a.pkl", Verdict::kNeedsReview), File("b.bin", Verdict::kError)};

  GateOutcome statuses = EvaluateGate(v, {Gate::kSuspected});
  EXPECT_EQ(statuses.undecided,
            (std::vector<std::string>{"org/new: network: timed out", "org/plain: not audited"}));
  GateOutcome files = EvaluateGate(v, {Gate::kUnsafeArtifact});
  EXPECT_EQ(files.undecided,
            (std::vector<std::string>{"a.pkl: needs-review: why", "b.bin: error: why"}));
  v.models.clear();
  v.artifacts.clear();
  v.incomplete = {{"big.py", "limit.inventory-file-size: 9 MiB"}};
  for (Gate each : {Gate::kConfirmedUnsafe, Gate::kSuspected, Gate::kUnsafeArtifact}) {
    EXPECT_EQ(EvaluateGate(v, {each}).undecided,
              std::vector<std::string>{"big.py: limit.inventory-file-size: 9 MiB"});
  }
}

}  // namespace
}  // namespace mv::inventory
