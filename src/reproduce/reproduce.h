// `modelvet reproduce`: loads a model with its real loader inside a sandbox and reports what
// the load did. Opt-in and dynamic: the only place modelvet runs model content. Never falls
// back to running outside the sandbox: when the sandbox cannot be set up the outcome is
// `sandbox-unavailable` and nothing runs. docs/reproduce.md describes the design.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reproduce/layout.h"
#include "reproduce/loader.h"
#include "reproduce/observation.h"

namespace mv::reproduce {

class Reproducer {
 public:
  explicit Reproducer(Limits limits = {}, Layout layout = {});

  // Loads `path` with `loader` in the sandbox. The first run per loader also loads a benign
  // file of the loader's kind (the baseline), kept for later runs. Costs two interpreter
  // starts the first time (torch: ~3 s each) and one afterwards.
  RunReport Reproduce(const std::string& path, Loader loader);

  // Why the sandbox cannot run here (tool missing, namespaces refused), or nullopt when it
  // can. Probed once per Reproducer.
  const std::optional<std::string>& SandboxProblem();

 private:
  struct Once;
  Once RunOnce(const std::string& path, Loader loader, bool baseline);
  const std::vector<Observation>& Baseline(Loader loader, std::vector<std::string>& notes);

  Limits limits_;
  Layout layout_;
  bool probed_ = false;
  std::optional<std::string> problem_;
  std::string strace_, bwrap_;
  struct BaselineRun {
    std::vector<Observation> observed;
    std::vector<std::string> notes;
  };
  std::map<Loader, BaselineRun> baselines_;
  int keep_counter_ = 0;
};

}  // namespace mv::reproduce
