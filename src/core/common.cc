#include "core/facts.h"
#include "core/result.h"
#include "core/scan_result.h"

namespace mv {

const char* ErrcName(Errc c) {
  switch (c) {
    case Errc::kTruncated: return "truncated";
    case Errc::kMalformed: return "malformed";
    case Errc::kLimit: return "limit";
    case Errc::kIo: return "io";
    case Errc::kUnsupported: return "unsupported";
    case Errc::kConflict: return "conflict";
    case Errc::kLeaseLost: return "lease-lost";
    case Errc::kDuplicate: return "duplicate";
    case Errc::kOffline: return "offline";
    case Errc::kNetwork: return "network";
    case Errc::kRateLimited: return "rate-limited";
    case Errc::kUnauthorized: return "private-or-missing";
    case Errc::kGated: return "gated";
    case Errc::kForbidden: return "forbidden";
    case Errc::kNotFound: return "not-found";
    case Errc::kHttpStatus: return "http";
    case Errc::kBadResponse: return "bad-response";
    case Errc::kHashMismatch: return "hash-mismatch";
  }
  return "unknown";
}

Errc ReadErrcClass(Errc c) {
  switch (c) {
    case Errc::kTruncated:
    case Errc::kMalformed:
    case Errc::kLimit:
    case Errc::kIo:
    case Errc::kUnsupported: return c;
    default: return Errc::kIo;
  }
}

const char* SeverityName(Severity s) {
  switch (s) {
    case Severity::kInfo: return "info";
    case Severity::kLow: return "low";
    case Severity::kMedium: return "medium";
    case Severity::kHigh: return "high";
    case Severity::kCritical: return "critical";
  }
  return "unknown";
}

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kSafe: return "safe";
    case Verdict::kNeedsReview: return "needs-review";
    case Verdict::kUnsafe: return "unsafe";
    case Verdict::kError: return "error";
  }
  return "unknown";
}

void ScanReport::Counts::Add(Verdict v) {
  ++files;
  switch (v) {
    case Verdict::kSafe: ++safe; break;
    case Verdict::kNeedsReview: ++needs_review; break;
    case Verdict::kUnsafe: ++unsafe; break;
    case Verdict::kError: ++error; break;
  }
}

Verdict ScanReport::Counts::Overall() const {
  if (unsafe > 0) return Verdict::kUnsafe;
  if (needs_review > 0 || error > 0) return Verdict::kNeedsReview;
  return Verdict::kSafe;
}

ScanReport::Counts ScanReport::Count() const {
  Counts c;
  for (const auto& f : files) c.Add(f.verdict);
  return c;
}

}  // namespace mv
