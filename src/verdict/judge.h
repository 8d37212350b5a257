// Policy: turns facts (pickle traces, observations, anomalies) into findings, a verdict and a
// one-line summary, using the knowledge base. The only place that decides what is dangerous.
#pragma once

#include <string>
#include <vector>

#include "core/facts.h"
#include "core/scan_result.h"
#include "kb/kb.h"
#include "pickle/value.h"

namespace mv::verdict {

// Facts about one payload inside a file (a pickle, a config, a graph).
struct PayloadFacts {
  std::string location;                  // "archive/data.pkl", "" for the file itself
  std::string format;                    // "pickle", "keras-config", "unknown", …
  std::string loader;                    // "torch.load", "pickle.load", …
  const pickle::Trace* trace = nullptr;  // pickles only
  std::vector<Observation> observations;
  std::vector<Anomaly> anomalies;
  bool unreadable = false;  // a known format that could not be parsed (needs-review)
};

struct Judgement {
  Verdict verdict = Verdict::kSafe;
  std::vector<Finding> findings;  // most severe first
  std::string summary;            // one line, plain language
};

Judgement Judge(const std::vector<PayloadFacts>& facts, const kb::KnowledgeBase& kb);

// "archive/data.pkl@30" (or "@30" for the file itself).
std::string FormatLocation(const std::string& location, uint64_t offset);

// Where the scanner puts a payload that a call at `offset` of the payload at `parent` carries
// ("archive/data.pkl!torch.fx.graph_module.reduce_graph_module@12"): nested pickles, the code
// of a torch.fx GraphModule. The judge finds that payload's facts by this name.
std::string NestedLocation(const std::string& parent, const std::string& via, uint64_t offset);

}  // namespace mv::verdict
