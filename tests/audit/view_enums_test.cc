// The audit layer's own vocabularies (hub flags, licence risk, the table's sort orders) have one
// text table each (core/enum_text.h): every value has a row and round-trips, and the texts are
// the ones URLs, the API and the stored licence column use.
#include <gtest/gtest.h>

#include "../core/enum_rows_check.h"
#include "audit/license.h"
#include "audit/model_view.h"

namespace mv::audit {
namespace {

// Every enumerator, through a switch without default (tests/core/enum_rows_check.h says why).
template <class E>
constexpr bool Listed(E v);
template <>
constexpr bool Listed(HubFlag v) {
  switch (v) {
    case HubFlag::kNone:
    case HubFlag::kCaution:
    case HubFlag::kSuspicious:
    case HubFlag::kUnsafe: return true;
  }
  return false;
}
template <>
constexpr bool Listed(ModelSort v) {
  switch (v) {
    case ModelSort::kDownloads:
    case ModelSort::kLastAudit:
    case ModelSort::kStatus:
    case ModelSort::kId: return true;
  }
  return false;
}
template <>
constexpr bool Listed(LicenseRisk v) {
  switch (v) {
    case LicenseRisk::kPublicDomain:
    case LicenseRisk::kPermissive:
    case LicenseRisk::kWeakCopyleft:
    case LicenseRisk::kStrongCopyleft:
    case LicenseRisk::kUseRestricted:
    case LicenseRisk::kNonCommercial:
    case LicenseRisk::kUnknown: return true;
  }
  return false;
}

TEST(ViewEnums, RowsCoverEveryValue) {
  mv::testing::ExpectOneRowPerValue<HubFlag>([](HubFlag v) { return Listed(v); });
  mv::testing::ExpectOneRowPerValue<ModelSort>([](ModelSort v) { return Listed(v); });
  mv::testing::ExpectOneRowPerValue<LicenseRisk>([](LicenseRisk v) { return Listed(v); });
}

TEST(ViewEnums, NamesAndParsersReadTheTable) {
  EXPECT_STREQ(HubFlagName(HubFlag::kSuspicious), "suspicious");
  EXPECT_EQ(ParseHubFlag("unsafe"), HubFlag::kUnsafe);
  EXPECT_FALSE(ParseHubFlag("Unsafe"));
  EXPECT_STREQ(ModelSortName(ModelSort::kLastAudit), "last_audit");
  EXPECT_EQ(ParseModelSort("id"), ModelSort::kId);
  EXPECT_FALSE(ParseModelSort("downloads "));
  EXPECT_STREQ(LicenseRiskName(LicenseRisk::kNonCommercial), "non-commercial");
  EXPECT_EQ(ParseLicenseRisk("use-restricted"), LicenseRisk::kUseRestricted);
  EXPECT_FALSE(ParseLicenseRisk(""));
}

}  // namespace
}  // namespace mv::audit
