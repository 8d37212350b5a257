#include "verdict/judge.h"

namespace mv::verdict {

std::string FormatLocation(const std::string& location, uint64_t offset) {
  return location + "@" + std::to_string(offset);
}

// Placeholder until policy lands: fail closed.
Judgement Judge(const std::vector<PayloadFacts>& facts, const kb::KnowledgeBase&) {
  Judgement j;
  j.verdict = Verdict::kNeedsReview;
  j.summary = "policy not implemented";
  for (const auto& f : facts) {
    for (const auto& a : f.anomalies) {
      j.findings.push_back({Severity::kLow, "anomaly", a.code, "", "",
                            FormatLocation(a.location, a.offset), a.message});
    }
  }
  return j;
}

}  // namespace mv::verdict
