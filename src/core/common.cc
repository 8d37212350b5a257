#include "core/enum_text.h"
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
  const char* t = EnumText(s);
  return *t ? t : "unknown";
}

const char* VerdictName(Verdict v) {
  const char* t = EnumText(v);
  return *t ? t : "unknown";
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
  // Fail closed: a file that could not be read counts as one that needs review.
  Verdict worst = WorstCounted(*this).value_or(Verdict::kSafe);
  return worst == Verdict::kError ? Verdict::kNeedsReview : worst;
}

ScanReport::Counts ScanReport::Count() const {
  Counts c;
  for (const auto& f : files) c.Add(f.verdict);
  return c;
}

}  // namespace mv
