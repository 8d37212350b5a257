// The harness's report: JSON lines written inside the sandbox to the report pipe (see
// harness.py). Code in the model runs in the same process as the `load` role and can forge or
// suppress these lines, so they are the harness's word, checked against the trace.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace mv::reproduce {

struct HarnessEvent {
  std::string ev;  // "load-start", "load-returned", "dns", "import", …
  double t = 0;    // seconds since the epoch (same clock as the trace)
  int pid = 0;     // in the sandbox's PID namespace (the launcher is 1)
  nlohmann::json fields;

  std::string Str(const char* key) const;  // "" when absent or not a string
};

struct HarnessReport {
  std::vector<HarnessEvent> events;
  size_t unreadable_lines = 0;
};

// Parses the report; lines that are not JSON objects with a string "ev" are counted.
HarnessReport ParseHarnessReport(std::string_view text);

}  // namespace mv::reproduce
