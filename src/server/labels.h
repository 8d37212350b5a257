// How the web app names and colours statuses, verdicts, hub flags and licence risks. Every
// badge carries its meaning as text (and a shape mark), never by colour alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "audit/model_view.h"
#include "server/html.h"

namespace mv::server {

struct Badge {
  const char* label;  // "Confirmed Unsafe"
  const char* tone;   // CSS modifier: danger, warn, info, ok, muted, …
  const char* mark;   // a shape shown before the label (decorative)
};

Badge StatusBadge(const std::optional<audit::ModelStatus>& s);
Badge VerdictBadge(const std::optional<Verdict>& v);
Badge HubFlagBadge(audit::HubFlag f);
Badge HubLevelBadge(std::string_view level);  // a file's level (hub/client.h)
Badge LicenseRiskBadge(const std::optional<audit::LicenseRisk>& r);
Badge DecisionBadge(audit::Decision d);
Badge SeverityBadge(Severity s);
// A sandboxed load's outcome as stored ("payload-observed", …; reproduce/observation.h).
Badge OutcomeBadge(std::string_view outcome);

// <span class="badge badge-TONE"><span class="mark" aria-hidden="true">MARK</span>LABEL</span>
html::Node BadgeNode(const Badge& b);

std::string Thousands(uint64_t n);  // 1,234,567
std::string Bytes(uint64_t n);      // 3.2 MiB
// "2026-10-06T12:00:00Z" -> "2026-10-06 12:00 UTC"; other text unchanged.
std::string ShortTime(std::string_view iso);
// <time datetime="ISO">2026-10-06 12:00 UTC</time>, or "never" for "".
html::Node TimeNode(std::string_view iso);
// The same with the date only (the time is in the title).
html::Node DateNode(std::string_view iso);

}  // namespace mv::server
