#include "inventory/gate.h"

#include <optional>

namespace mv::inventory {

Result<std::set<Gate>> ParseGates(const std::vector<std::string>& values) {
  std::set<Gate> gate;
  for (const auto& item : values) {
    size_t b = 0;
    while (b <= item.size()) {
      size_t e = item.find(',', b);
      std::string v = item.substr(b, e == std::string::npos ? std::string::npos : e - b);
      std::optional<Gate> parsed = EnumFromText<Gate>(v);
      if (!parsed) {
        std::string msg =
            "--fail-on takes confirmed-unsafe, suspected, unsafe-artifact "
            "(comma-separated), not `";
        msg += v;
        msg += '`';
        return Error{Errc::kMalformed, std::move(msg)};
      }
      gate.insert(*parsed);
      if (e == std::string::npos) break;
      b = e + 1;
    }
  }
  return gate;
}

GateOutcome EvaluateGate(const Inventory& v, const std::set<Gate>& gate) {
  GateOutcome out;
  std::set<Gate> hit;
  for (const auto& m : v.models) {
    if (m.status == store::ModelStatus::kConfirmedUnsafe && gate.count(Gate::kConfirmedUnsafe))
      hit.insert(Gate::kConfirmedUnsafe);
    if (m.status == store::ModelStatus::kSuspected && gate.count(Gate::kSuspected))
      hit.insert(Gate::kSuspected);
  }
  if (gate.count(Gate::kUnsafeArtifact))
    for (const auto& a : v.artifacts)
      if (a.verdict == Verdict::kUnsafe) hit.insert(Gate::kUnsafeArtifact);
  for (Gate g : hit) out.tripped.emplace_back(EnumText(g));

  if (gate.count(Gate::kConfirmedUnsafe) || gate.count(Gate::kSuspected))
    for (const auto& m : v.models)
      if (m.provider == "huggingface" && !m.status) {
        std::string u = m.id;
        u += m.audit_error.empty() ? ": not audited" : ": " + m.audit_error;
        out.undecided.push_back(std::move(u));
      }
  if (gate.count(Gate::kUnsafeArtifact))
    for (const auto& a : v.artifacts)
      if (a.verdict == Verdict::kNeedsReview || a.verdict == Verdict::kError) {
        std::string u = a.path;
        u += ": ";
        u += VerdictName(a.verdict);
        u += ": ";
        u += a.summary;
        out.undecided.push_back(std::move(u));
      }
  for (const auto& i : v.incomplete) {
    std::string u = i.path;
    u += ": ";
    u += i.reason;
    out.undecided.push_back(std::move(u));
  }
  return out;
}

}  // namespace mv::inventory
