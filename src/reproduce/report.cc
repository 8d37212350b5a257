#include "reproduce/report.h"

#include <fmt/format.h>

#include "core/text.h"

namespace mv::reproduce {

using json = nlohmann::ordered_json;

json ToJson(const RunReport& r) {
  json sandbox = {
      {"isolation",
       "bubblewrap: user, pid, net (isolated loopback), ipc, uts, cgroup namespaces; "
       "read-only root; private tmpfs /tmp and HOME; seccomp; no capabilities"},
      {"tracer", "strace (outside the sandbox)"},
      {"cpu_seconds", r.limits.cpu_seconds},
      {"wall_seconds", r.limits.wall_seconds},
      {"memory_bytes", r.limits.memory_bytes},
      {"processes", r.limits.processes},
      {"tmpfs_bytes", r.limits.tmpfs_bytes},
      {"limit_hit",
       r.limit_hit == LimitHit::kNone ? json(nullptr) : json(LimitHitName(r.limit_hit))},
      {"error", r.sandbox_error.empty() ? json(nullptr) : json(r.sandbox_error)},
  };
  json observed = ObservedJson(r.observed);
  return {
      {"path", r.path},  // exact bytes: JSON is written with report::JsonText
      {"loader", r.loader},
      {"sandbox", std::move(sandbox)},
      {"outcome", OutcomeName(r.outcome)},
      {"observed", std::move(observed)},
      {"load_error", r.load_error ? json(*r.load_error) : json(nullptr)},
      {"notes", r.notes},
  };
}

json ObservedJson(const std::vector<Observation>& observed) {
  json out = json::array();
  for (const auto& o : observed) {
    out.push_back({{"kind", KindName(o.kind)}, {"detail", o.detail}, {"when", WhenName(o.when)}});
  }
  return out;
}

std::string Sentence(const Observation& o) {
  std::string when = o.when == When::kAfterLoad ? " after the load returned" : "";
  switch (o.kind) {
    case Kind::kExec: return "loading it ran `" + o.detail + "`" + when;
    case Kind::kConnect: return "loading it made a network connection: " + o.detail + when;
    case Kind::kDns: return "loading it looked up the host `" + o.detail + "`" + when;
    case Kind::kBrowser: return "loading it opened a web browser at " + o.detail + when;
    case Kind::kWrite:
    case Kind::kDelete: return "loading it " + o.detail + when;
    case Kind::kReadSecret: return "loading it read a credential file: " + o.detail + when;
    case Kind::kImport: return "loading it imported " + o.detail + when;
  }
  return o.detail;
}

std::string ToText(const RunReport& r) {
  std::string out;
  for (const auto& o : r.observed) {
    out += fmt::format("{} ({}): {}\n", KindName(o.kind), WhenName(o.when), EscapeText(o.detail));
  }
  for (const auto& n : r.notes) out += "note: " + EscapeText(n) + "\n";
  if (r.load_error) out += "load error: " + EscapeText(*r.load_error) + "\n";
  if (r.limit_hit != LimitHit::kNone) {
    out += fmt::format("limit hit: {}\n", LimitHitName(r.limit_hit));
  }
  if (!r.sandbox_error.empty()) out += "sandbox unavailable: " + EscapeText(r.sandbox_error) + "\n";
  out += fmt::format("outcome: {}\n", OutcomeName(r.outcome));
  return out;
}

}  // namespace mv::reproduce
