#include "audit/status.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace mv::audit {
namespace {

constexpr auto kSafe = Verdict::kSafe;
constexpr auto kReview = Verdict::kNeedsReview;
constexpr auto kUnsafe = Verdict::kUnsafe;
constexpr auto kError = Verdict::kError;

FileInput F(std::string path, bool hub_flagged, std::optional<Verdict> ours,
            std::string summary = "", std::string sha = "sha-1") {
  return FileInput{std::move(path), std::move(sha), hub_flagged, ours, std::move(summary)};
}

ReviewInput R(int64_t id, std::string path, Decision d, std::string sha = "sha-1",
              std::string note = "", std::string who = "alice") {
  return ReviewInput{id, std::move(path), d, std::move(who), std::move(note), std::move(sha)};
}

struct Case {
  const char* name;
  std::vector<FileInput> files;
  std::vector<ReviewInput> reviews;
  ModelStatus status;
  bool missed;
  bool by_reviewer;
  const char* verification;
};

class StatusTable : public ::testing::TestWithParam<Case> {};

TEST_P(StatusTable, Decides) {
  const Case& c = GetParam();
  Outcome o = Decide(c.files, c.reviews);
  EXPECT_EQ(StatusName(o.status), std::string(StatusName(c.status))) << o.reason;
  EXPECT_EQ(o.missed_by_hub, c.missed);
  EXPECT_EQ(o.by_reviewer, c.by_reviewer);
  EXPECT_EQ(o.verification, c.verification);
}

const Decision kCU = Decision::kConfirmedUnsafe;
const Decision kFP = Decision::kFalsePositive;

INSTANTIATE_TEST_SUITE_P(
    Automatic, StatusTable,
    ::testing::Values(
        Case{"nothing_flagged_nothing_found",
             {F("config.json", false, kSafe), F("model.safetensors", false, kSafe)},
             {},
             ModelStatus::kNoFindings,
             false,
             false,
             "No findings: 2 files checked, none flagged by the hub"},
        Case{"empty_repo",
             {},
             {},
             ModelStatus::kNoFindings,
             false,
             false,
             "No findings: 0 files checked, none flagged by the hub"},
        Case{"flagged_and_proven_unsafe",
             {F("pytorch_model.bin", true, kUnsafe, "opens a web browser on load"),
              F("config.json", false, kSafe)},
             {},
             ModelStatus::kConfirmedUnsafe,
             false,
             false,
             "Verified unsafe: opens a web browser on load"},
        Case{"unflagged_unsafe_is_missed_by_hub",
             {F("model.pt", false, kUnsafe, "runs the shell command `id` on load")},
             {},
             ModelStatus::kConfirmedUnsafe,
             true,
             false,
             "Verified unsafe: runs the shell command `id` on load"},
        Case{"one_of_two_unsafe_files_missed",
             {F("a.bin", true, kUnsafe, "runs `ls`"), F("b.bin", false, kUnsafe, "runs `id`")},
             {},
             ModelStatus::kConfirmedUnsafe,
             true,
             false,
             "Verified unsafe: runs `ls` (+1 more file)"},
        Case{"unsafe_wins_over_needs_review",
             {F("a.bin", true, kReview, "calls unknown.thing"),
              F("b.bin", true, kUnsafe, "runs `ls`")},
             {},
             ModelStatus::kConfirmedUnsafe,
             false,
             false,
             "Verified unsafe: runs `ls`"},
        Case{"flagged_cleared_is_false_positive",
             {F("yolov8n.pt", true, kSafe,
                "builtins.getattr only resolves bound methods of torch modules"),
              F("README.md", false, kSafe)},
             {},
             ModelStatus::kFalsePositive,
             false,
             false,
             "False positive: builtins.getattr only resolves bound methods of torch modules"},
        Case{"flagged_needs_review_is_suspected",
             {F("model.bin", true, kReview, "calls ultralytics.nn.tasks.DetectionModel")},
             {},
             ModelStatus::kSuspected,
             false,
             false,
             "Needs review: model.bin: calls ultralytics.nn.tasks.DetectionModel"},
        Case{"flagged_not_analysed_is_suspected",
             {F("model.bin", true, std::nullopt)},
             {},
             ModelStatus::kSuspected,
             false,
             false,
             "Needs review: model.bin: not analysed"},
        Case{"flagged_read_error_is_suspected",
             {F("model.bin", true, kError, "could not be read: network: timeout")},
             {},
             ModelStatus::kSuspected,
             false,
             false,
             "Needs review: model.bin: could not be read: network: timeout"},
        Case{"flagged_cleared_but_other_file_needs_review",
             {F("a.bin", true, kSafe, "only torch"), F("b.pkl", false, kReview, "unknown call")},
             {},
             ModelStatus::kSuspected,
             false,
             false,
             "Needs review: b.pkl: unknown call"},
        Case{"hub_flagged_open_file_is_named_first",
             {F("a.pkl", false, kReview, "unknown call"), F("b.bin", true, kReview, "eval?")},
             {},
             ModelStatus::kSuspected,
             false,
             false,
             "Needs review: b.bin: eval? (+1 more file)"},
        Case{"unflagged_needs_review_is_suspected",
             {F("model.pkl", false, kReview, "calls sklearn.custom.Thing")},
             {},
             ModelStatus::kSuspected,
             false,
             false,
             "Needs review: model.pkl: calls sklearn.custom.Thing"},
        Case{"unflagged_unreadable_is_suspected_fail_closed",
             {F("model.bin", false, kError, "")},
             {},
             ModelStatus::kSuspected,
             false,
             false,
             "Needs review: model.bin: could not be read"}),
    [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Reviews, StatusTable,
    ::testing::Values(Case{"reviewer_clears_flagged_file",
                           {F("model.bin", true, kReview, "calls ultralytics.Thing")},
                           {R(1, "model.bin", kFP, "sha-1", "ultralytics model classes only")},
                           ModelStatus::kFalsePositive,
                           false,
                           true,
                           "False positive per alice: ultralytics model classes only"},
                      Case{"reviewer_confirms_needs_review_file",
                           {F("model.bin", true, kReview, "calls evil.thing")},
                           {R(1, "model.bin", kCU, "sha-1", "evil.thing downloads a payload")},
                           ModelStatus::kConfirmedUnsafe,
                           false,
                           true,
                           "Verified unsafe by alice: evil.thing downloads a payload"},
                      Case{"reviewer_overrides_our_unsafe",
                           {F("model.bin", true, kUnsafe, "runs `ls`")},
                           {R(1, "model.bin", kFP, "sha-1", "test fixture repo, documented")},
                           ModelStatus::kFalsePositive,
                           false,
                           true,
                           "False positive per alice: test fixture repo, documented"},
                      Case{"reviewer_confirms_unflagged_file_missed_by_hub",
                           {F("model.bin", false, kReview, "calls odd.thing")},
                           {R(1, "model.bin", kCU, "sha-1", "")},
                           ModelStatus::kConfirmedUnsafe,
                           true,
                           true,
                           "Verified unsafe by alice: calls odd.thing"},
                      Case{"review_on_changed_file_does_not_apply",
                           {F("model.bin", true, kReview, "calls evil.thing", "sha-2")},
                           {R(1, "model.bin", kFP, "sha-1", "fine")},
                           ModelStatus::kSuspected,
                           false,
                           false,
                           "Needs review: model.bin: calls evil.thing"},
                      Case{"review_of_one_file_other_file_still_open",
                           {F("a.bin", true, kReview, "x"), F("b.bin", true, kReview, "y")},
                           {R(1, "a.bin", kFP)},
                           ModelStatus::kSuspected,
                           false,
                           false,
                           "Needs review: b.bin: y"},
                      Case{"later_review_wins",
                           {F("a.bin", true, kReview, "x")},
                           {R(1, "a.bin", kFP, "sha-1", "ok"),
                            R(2, "a.bin", kCU, "sha-1", "no, bad", "bob")},
                           ModelStatus::kConfirmedUnsafe,
                           false,
                           true,
                           "Verified unsafe by bob: no, bad"},
                      Case{"review_of_safe_unflagged_file_changes_nothing",
                           {F("a.bin", false, kSafe, "plain tensors")},
                           {R(1, "a.bin", kFP)},
                           ModelStatus::kNoFindings,
                           false,
                           false,
                           "No findings: 1 file checked, none flagged by the hub"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(StatusEngine, StaleReviewsAreReportedWithWhy) {
  Outcome o =
      Decide({F("model.bin", true, kSafe, "only torch", "bbbbbbbbbbbbbbbbbbbb")},
             {R(7, "model.bin", kCU, "aaaaaaaaaaaaaaaaaaaa", "bad"), R(8, "gone.bin", kFP)});
  ASSERT_EQ(o.stale_reviews.size(), 2u);
  EXPECT_EQ(o.stale_reviews[0].id, 7);
  EXPECT_EQ(o.stale_reviews[0].reason,
            "review by alice of model.bin (confirmed-unsafe) no longer applies: file changed "
            "(aaaaaaaaaaaa -> bbbbbbbbbbbb)");
  EXPECT_EQ(o.stale_reviews[1].id, 8);
  EXPECT_EQ(o.stale_reviews[1].reason,
            "review by alice of gone.bin (false-positive) no longer applies: file removed");
  // Re-validated automatically.
  EXPECT_EQ(o.status, ModelStatus::kFalsePositive);
  EXPECT_FALSE(o.by_reviewer);
}

TEST(StatusEngine, UnknownHashNeverKeepsAReview) {
  Outcome o = Decide({F("model.bin", true, kReview, "x", "")}, {R(3, "model.bin", kFP, "")});
  ASSERT_EQ(o.stale_reviews.size(), 1u);
  EXPECT_NE(o.stale_reviews[0].reason.find("file hash unknown"), std::string::npos);
  EXPECT_EQ(o.status, ModelStatus::kSuspected);
}

TEST(StatusEngine, ReasonNamesDecisiveFilesAndReviewers) {
  Outcome o = Decide({F("a.bin", false, kUnsafe, "runs `id`"), F("b.bin", true, kReview, "q")},
                     {R(1, "b.bin", kCU, "sha-1", "confirmed by hand", "carol")});
  EXPECT_EQ(o.status, ModelStatus::kConfirmedUnsafe);
  EXPECT_TRUE(o.missed_by_hub);
  EXPECT_TRUE(o.by_reviewer);
  EXPECT_EQ(o.reviewers, "carol");
  EXPECT_EQ(o.reason,
            "a.bin unsafe: runs `id` (not flagged by the hub); b.bin confirmed unsafe by carol: "
            "confirmed by hand");
}

TEST(StatusEngine, NamesRoundTrip) {
  for (auto s : {ModelStatus::kNoFindings, ModelStatus::kSuspected, ModelStatus::kConfirmedUnsafe,
                 ModelStatus::kFalsePositive})
    EXPECT_EQ(EnumFromText<ModelStatus>(StatusName(s)), s);
  EXPECT_FALSE(EnumFromText<ModelStatus>("unsafe"));
  EXPECT_EQ(EnumFromText<Decision>("confirmed-unsafe"), Decision::kConfirmedUnsafe);
  EXPECT_EQ(EnumFromText<Decision>("false-positive"), Decision::kFalsePositive);
  EXPECT_FALSE(EnumFromText<Decision>("safe"));
}

}  // namespace
}  // namespace mv::audit
