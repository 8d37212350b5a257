// Turns a sandboxed run's system-call trace and the harness's report into observations: what
// the processes started by the load did, from the moment the load began until the last of them
// exited. Knows the sandbox layout (layout.h); knows nothing about processes or files on the
// host. The loader's own behaviour is removed later by comparing with a baseline (baseline.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reproduce/harness_events.h"
#include "reproduce/layout.h"
#include "reproduce/observation.h"
#include "reproduce/trace.h"

namespace mv::reproduce {

struct Classification {
  std::vector<Observation> observed;  // in time order, without duplicates
  LimitHit limit_hit = LimitHit::kNone;
  bool load_started = false;    // the harness reached the loader call
  bool load_returned = false;   // the loader call returned or raised
  bool load_ok = false;         // it returned a value
  bool loader_missing = false;  // the loader library is not installed in the sandbox
  // The load process and its load-start marker were found in the trace. When the harness
  // says the load started but the trace does not show it, nothing can be concluded.
  bool traced = false;
  std::optional<std::string> load_error;  // display-safe
  std::vector<std::string> notes;         // display-safe
};

// `loader_name` names the loader in messages ("torch").
Classification Classify(const Trace& trace, const HarnessReport& report, const Layout& layout,
                        std::string_view loader_name);

// The first question's name of a DNS query packet ("evil.example"); nullopt when `packet` is
// not a query.
std::optional<std::string> DnsQueryName(std::string_view packet);

}  // namespace mv::reproduce
