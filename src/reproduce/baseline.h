// The loader's own behaviour, learned by loading a benign file of the same kind in the same
// sandbox (the harness writes it with the loader's library), and removed from a real run's
// observations so that what a library normally does (caches, probes, helper processes) is
// never reported as the file's doing.
#pragma once

#include <string>
#include <vector>

#include "reproduce/observation.h"

namespace mv::reproduce {

// The comparison key: kind and detail with every run of digits replaced by `#` (process ids,
// ports and counters differ between runs); `when` is ignored.
std::string BaselineKey(const Observation& o);

// `observed` without the observations whose key the baseline run also produced.
std::vector<Observation> SubtractBaseline(std::vector<Observation> observed,
                                          const std::vector<Observation>& baseline);

}  // namespace mv::reproduce
