#include "reproduce/observation.h"

namespace mv::reproduce {

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kExec: return "exec";
    case Kind::kConnect: return "connect";
    case Kind::kDns: return "dns";
    case Kind::kBrowser: return "browser";
    case Kind::kWrite: return "write";
    case Kind::kDelete: return "delete";
    case Kind::kReadSecret: return "read-secret";
    case Kind::kImport: return "import";
  }
  return "unknown";
}

const char* WhenName(When w) {
  return w == When::kAfterLoad ? "after-load" : "during-load";
}

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kPayloadObserved: return "payload-observed";
    case Outcome::kNothingObserved: return "nothing-observed";
    case Outcome::kLimitHit: return "limit-hit";
    case Outcome::kLoaderError: return "loader-error";
    case Outcome::kSandboxUnavailable: return "sandbox-unavailable";
  }
  return "unknown";
}

int ExitCode(Outcome o) {
  switch (o) {
    case Outcome::kNothingObserved: return 0;
    case Outcome::kPayloadObserved: return 1;
    default: return 2;
  }
}

const char* LimitHitName(LimitHit l) {
  switch (l) {
    case LimitHit::kNone: return "";
    case LimitHit::kCpuTime: return "cpu-time";
    case LimitHit::kWallClock: return "wall-clock";
    case LimitHit::kMemory: return "memory";
    case LimitHit::kProcesses: return "processes";
    case LimitHit::kFileSize: return "file-size";
    case LimitHit::kTrace: return "trace-size";
  }
  return "";
}

}  // namespace mv::reproduce
