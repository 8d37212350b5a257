#include "server/labels.h"

#include <fmt/format.h>

namespace mv::server {

Badge StatusBadge(const std::optional<audit::ModelStatus>& s) {
  if (!s) return {"Not audited", "muted", "\u25CB"};
  switch (*s) {
    case audit::ModelStatus::kConfirmedUnsafe: return {"Confirmed Unsafe", "danger", "\u2716"};
    case audit::ModelStatus::kSuspected: return {"Suspected", "warn", "\u25B2"};
    case audit::ModelStatus::kFalsePositive: return {"Known False Positive", "info", "\u25C6"};
    case audit::ModelStatus::kNoFindings: return {"No Findings", "ok", "\u2714"};
  }
  return {"Suspected", "warn", "\u25B2"};
}

Badge VerdictBadge(const std::optional<Verdict>& v) {
  if (!v) return {"Not analysed", "muted", "\u25CB"};
  switch (*v) {
    case Verdict::kUnsafe: return {"Unsafe", "danger", "\u2716"};
    case Verdict::kNeedsReview: return {"Needs review", "warn", "\u25B2"};
    case Verdict::kError: return {"Unreadable", "error", "\u25A0"};
    case Verdict::kSafe: return {"Safe", "ok", "\u2714"};
  }
  return {"Unreadable", "error", "\u25A0"};
}

Badge HubFlagBadge(audit::HubFlag f) {
  switch (f) {
    case audit::HubFlag::kUnsafe: return {"Unsafe", "danger", "\u2716"};
    case audit::HubFlag::kSuspicious: return {"Suspicious", "warn", "\u25B2"};
    case audit::HubFlag::kCaution: return {"Caution", "caution", "\u25B3"};
    case audit::HubFlag::kNone: return {"Not flagged", "muted", "\u2013"};
  }
  return {"Not flagged", "muted", "\u2013"};
}

Badge HubLevelBadge(std::string_view level) {
  if (level == "unsafe") return HubFlagBadge(audit::HubFlag::kUnsafe);
  if (level == "suspicious") return HubFlagBadge(audit::HubFlag::kSuspicious);
  if (level == "caution") return HubFlagBadge(audit::HubFlag::kCaution);
  if (level == "safe") return {"Safe", "ok-quiet", "\u2714"};
  if (level == "queued") return {"Queued", "muted", "\u25CB"};
  if (level == "error") return {"Scan error", "muted", "\u25A0"};
  if (level == "unscanned") return {"Not scanned", "muted", "\u25CB"};
  return {"Unknown", "muted", "\u25CB"};
}

Badge LicenseRiskBadge(const std::optional<audit::LicenseRisk>& r) {
  if (!r) return {"Unclassified", "muted", "\u25CB"};
  switch (*r) {
    case audit::LicenseRisk::kPublicDomain: return {"Public domain", "ok", "\u25CF"};
    case audit::LicenseRisk::kPermissive: return {"Permissive", "ok", "\u25CF"};
    case audit::LicenseRisk::kWeakCopyleft: return {"Weak copyleft", "info", "\u25D0"};
    case audit::LicenseRisk::kStrongCopyleft: return {"Strong copyleft", "violet", "\u25D1"};
    case audit::LicenseRisk::kUseRestricted: return {"Use-restricted", "warn", "\u25B2"};
    case audit::LicenseRisk::kNonCommercial: return {"Non-commercial", "danger-quiet", "\u2298"};
    case audit::LicenseRisk::kUnknown: return {"Unknown", "muted", "?"};
  }
  return {"Unknown", "muted", "?"};
}

Badge DecisionBadge(audit::Decision d) {
  return d == audit::Decision::kConfirmedUnsafe ? Badge{"Confirmed unsafe", "danger", "\u2716"}
                                                : Badge{"False positive", "info", "\u25C6"};
}

Badge SeverityBadge(Severity s) {
  switch (s) {
    case Severity::kCritical: return {"Critical", "danger", "\u2716"};
    case Severity::kHigh: return {"High", "danger-quiet", "\u25B2"};
    case Severity::kMedium: return {"Medium", "warn", "\u25B3"};
    case Severity::kLow: return {"Low", "caution", "\u25BD"};
    case Severity::kInfo: return {"Info", "muted", "\u2139"};
  }
  return {"Info", "muted", "\u2139"};
}

Badge OutcomeBadge(std::string_view outcome) {
  if (outcome == "payload-observed") return {"Payload observed", "danger", "\u2716"};
  if (outcome == "nothing-observed") return {"Nothing observed", "muted", "\u25CB"};
  if (outcome == "limit-hit") return {"Limit hit", "warn", "\u25B3"};
  if (outcome == "loader-error") return {"Loader error", "warn", "\u25B3"};
  if (outcome == "sandbox-unavailable") return {"Sandbox unavailable", "error", "\u26A0"};
  return {"Unknown outcome", "muted", "?"};
}

html::Node BadgeNode(const Badge& b) {
  return html::El("span")
      .Class("badge")
      .Class(std::string("badge-") + b.tone)
      .Add(html::El("span").Class("mark").Attr("aria-hidden", "true").Add(b.mark))
      .Add(b.label);
}

std::string Thousands(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Bytes(uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", n) : fmt::format("{:.1f} {}", v, units[u]);
}

std::string ShortTime(std::string_view iso) {
  // 2026-10-06T12:00:00Z
  if (iso.size() == 20 && iso[10] == 'T' && iso[19] == 'Z')
    return fmt::format("{} {} UTC", iso.substr(0, 10), iso.substr(11, 5));
  return std::string(iso);
}

html::Node TimeNode(std::string_view iso) {
  if (iso.empty()) return html::El("span").Class("muted").Add("never");
  return html::El("time").Attr("datetime", iso).Add(ShortTime(iso));
}

html::Node DateNode(std::string_view iso) {
  if (iso.size() < 10) return TimeNode(iso);
  return html::El("time")
      .Attr("datetime", iso)
      .Attr("title", ShortTime(iso))
      .Add(iso.substr(0, 10));
}

}  // namespace mv::server
