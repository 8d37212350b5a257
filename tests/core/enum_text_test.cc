// The engine's enum tables (core/enum_text.h): every Verdict and Severity has exactly one row,
// each text maps back to its value, and the one verdict ranking orders every worst-of.
#include "core/enum_text.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "enum_rows_check.h"

namespace mv {
namespace {

// Every enumerator, through a switch without default (enum_rows_check.h says why).
constexpr bool Listed(Verdict v) {
  switch (v) {
    case Verdict::kSafe:
    case Verdict::kNeedsReview:
    case Verdict::kUnsafe:
    case Verdict::kError: return true;
  }
  return false;
}
constexpr bool Listed(Severity v) {
  switch (v) {
    case Severity::kInfo:
    case Severity::kLow:
    case Severity::kMedium:
    case Severity::kHigh:
    case Severity::kCritical: return true;
  }
  return false;
}

TEST(EnumText, EveryVerdictAndSeverityHasOneRow) {
  testing::ExpectOneRowPerValue<Verdict>([](Verdict v) { return Listed(v); });
  testing::ExpectOneRowPerValue<Severity>([](Severity v) { return Listed(v); });
}

TEST(EnumText, NamesAreTheTablesTexts) {
  EXPECT_STREQ(VerdictName(Verdict::kNeedsReview), "needs-review");
  EXPECT_STREQ(SeverityName(Severity::kCritical), "critical");
  EXPECT_EQ(EnumTexts<Verdict>(),
            (std::vector<std::string>{"safe", "needs-review", "unsafe", "error"}));
}

TEST(EnumText, OneRankingForEveryWorstOf) {
  struct C {
    uint64_t unsafe = 0, needs_review = 0, error = 0, safe = 0;
  };
  EXPECT_EQ(WorstCounted(C{}), std::nullopt);
  EXPECT_EQ(WorstCounted(C{0, 0, 1, 1}), Verdict::kError);
  EXPECT_EQ(WorstCounted(C{0, 1, 1, 1}), Verdict::kNeedsReview);
  EXPECT_EQ(WorstCounted(C{1, 1, 1, 1}), Verdict::kUnsafe);
  // A scan's overall verdict fails closed: an unreadable file needs review.
  ScanReport::Counts k;
  EXPECT_EQ(k.Overall(), Verdict::kSafe);
  k.Add(Verdict::kSafe);
  k.Add(Verdict::kError);
  EXPECT_EQ(k.Overall(), Verdict::kNeedsReview);
  k.Add(Verdict::kUnsafe);
  EXPECT_EQ(k.Overall(), Verdict::kUnsafe);
}

}  // namespace
}  // namespace mv
