// What a sandboxed load of a model showed: the observations, the outcome and why. This is the
// result type of reproduce/; its JSON form (report.h) is a stable interface: extend, never break.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/limits.h"

namespace mv::reproduce {

// Kinds of behaviour the sandbox records (docs/reproduce.md says what each covers).
enum class Kind : uint8_t {
  kExec,        // a program was executed (execve/execveat), with its argv
  kConnect,     // a network connection or datagram, or a listening socket
  kDns,         // a host name was looked up
  kBrowser,     // the BROWSER canary was started (the URL a browser would have opened)
  kWrite,       // a file was opened for writing, created, renamed or linked
  kDelete,      // a file or directory was removed
  kReadSecret,  // a decoy credential file in the fake HOME was opened
  kImport,      // the file imported or used a module that acts on the host
};
const char* KindName(Kind k);

enum class When : uint8_t { kDuringLoad, kAfterLoad };
const char* WhenName(When w);  // "during-load", "after-load"

struct Observation {
  Kind kind = Kind::kExec;
  std::string detail;  // display-safe text (reproduce/escape.h); attacker bytes escaped
  When when = When::kDuringLoad;
  bool operator==(const Observation&) const = default;
};

enum class Outcome : uint8_t {
  kPayloadObserved,     // at least one observation beyond the loader's own baseline
  kNothingObserved,     // the load returned, every process exited, nothing was observed
  kLimitHit,            // nothing observed, and a resource limit ended the run
  kLoaderError,         // nothing observed, and the load failed (which never means clean)
  kSandboxUnavailable,  // the sandbox could not be set up; nothing was run
};
const char* OutcomeName(Outcome o);
// 0 nothing observed; 1 payload observed; 2 everything inconclusive or failed.
int ExitCode(Outcome o);

// Resource limits of one run (defaults in core/limits.h).
struct Limits {
  int cpu_seconds = limits::kReproduceCpuSeconds;
  int wall_seconds = limits::kReproduceWallSeconds;
  uint64_t memory_bytes = limits::kReproduceMemoryBytes;
  int processes = limits::kReproduceProcesses;
  uint64_t tmpfs_bytes = limits::kReproduceTmpfsBytes;
};

// Which limit ended a run, if any.
enum class LimitHit : uint8_t {
  kNone,
  kCpuTime,    // a process was killed by SIGXCPU (RLIMIT_CPU)
  kWallClock,  // the sandbox outlived --wall-seconds and was killed
  kMemory,     // the load raised MemoryError (RLIMIT_AS)
  kProcesses,  // fork/clone failed with EAGAIN (RLIMIT_NPROC)
  kFileSize,   // a process was killed by SIGXFSZ (RLIMIT_FSIZE)
  kTrace,      // the system-call trace outgrew limits::kReproduceMaxTraceBytes
};
const char* LimitHitName(LimitHit l);  // "cpu-time", "wall-clock", …; "" for kNone

struct RunReport {
  std::string path;    // as given by the user
  std::string loader;  // "torch", "pickle", … (LoaderName)
  Limits limits;
  Outcome outcome = Outcome::kSandboxUnavailable;
  std::vector<Observation> observed;
  std::optional<std::string> load_error;  // why the load did not return normally
  LimitHit limit_hit = LimitHit::kNone;
  std::string sandbox_error;       // set with kSandboxUnavailable: what could not be set up
  std::vector<std::string> notes;  // facts about the run a reader needs (canary not bound, …)
};

}  // namespace mv::reproduce
