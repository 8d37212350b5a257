// License risk: a model's declared license ids (cardData.license, `license:` tags, and
// license_name when the id is `other`) classified from data/licenses.toml (embedded at build
// time) into risk classes shown beside the security status.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/enum_text.h"
#include "core/result.h"

namespace mv::audit {

// Ordered from least to most restrictive; a model with several licenses takes the worst.
enum class LicenseRisk : uint8_t {
  kPublicDomain,
  kPermissive,
  kWeakCopyleft,
  kStrongCopyleft,
  kUseRestricted,  // RAIL / Llama / Gemma style acceptable-use restrictions
  kNonCommercial,
  kUnknown,  // custom, other, missing: needs a person to read it
};
// Text both ways through the one table below (core/enum_text.h).
const char* LicenseRiskName(LicenseRisk r);  // "public-domain", "permissive", …
std::optional<LicenseRisk> ParseLicenseRisk(std::string_view s);

struct LicenseInfo {
  std::string declared;  // "apache-2.0", "other:coqui-public-model-license", "" when none
  LicenseRisk risk = LicenseRisk::kUnknown;
  std::string why;  // "apache-2.0 is permissive", "no license declared", …
};

class LicenseTable {
 public:
  // Strict: unknown keys, unknown classes and ids listed twice are errors naming file:line.
  static Result<LicenseTable> Parse(std::string_view toml, const std::string& name);
  // data/licenses.toml as embedded in this build.
  static const LicenseTable& Embedded();

  // ids as the hub gives them (any case; "license:" prefix allowed). license_name is used
  // when an id is `other`/`unknown` or when no id is declared.
  LicenseInfo Classify(const std::vector<std::string>& ids, const std::string& license_name) const;
  std::optional<LicenseRisk> Lookup(std::string_view id) const;  // exact id, then patterns

 private:
  std::map<std::string, LicenseRisk, std::less<>> ids_;
  std::vector<std::pair<std::string, LicenseRisk>> patterns_;
};

}  // namespace mv::audit

namespace mv {

template <>
struct EnumTable<audit::LicenseRisk> {
  static constexpr EnumRow<audit::LicenseRisk> kRows[] = {
      {audit::LicenseRisk::kPublicDomain, "public-domain"},
      {audit::LicenseRisk::kPermissive, "permissive"},
      {audit::LicenseRisk::kWeakCopyleft, "weak-copyleft"},
      {audit::LicenseRisk::kStrongCopyleft, "strong-copyleft"},
      {audit::LicenseRisk::kUseRestricted, "use-restricted"},
      {audit::LicenseRisk::kNonCommercial, "non-commercial"},
      {audit::LicenseRisk::kUnknown, "unknown"}};
};

}  // namespace mv
