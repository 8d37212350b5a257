#include "audit/triage.h"

#include <algorithm>

namespace mv::audit {

bool IsTrainingArgs(std::string_view path) {
  constexpr std::string_view kName = "training_args.bin";
  if (path == kName) return true;
  return path.size() > kName.size() && path.ends_with(kName) &&
         path[path.size() - kName.size() - 1] == '/';
}

bool Qualifies(const TriageCandidate& c) {
  return std::any_of(c.flagged.begin(), c.flagged.end(),
                     [](const FlaggedFile& f) { return !IsTrainingArgs(f.path); });
}

std::vector<TriageCandidate> SelectQueue(std::vector<TriageCandidate> candidates, size_t limit) {
  std::vector<TriageCandidate> out;
  for (auto& c : candidates)
    if (Qualifies(c)) out.push_back(std::move(c));
  std::stable_sort(out.begin(), out.end(), [](const TriageCandidate& a, const TriageCandidate& b) {
    if (a.downloads != b.downloads) return a.downloads > b.downloads;
    return a.id < b.id;
  });
  if (limit > 0 && out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace mv::audit
