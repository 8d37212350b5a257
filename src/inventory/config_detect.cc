#include "inventory/config_detect.h"

#include "inventory/env_detect.h"
#include "inventory/model_id.h"
#include "inventory/text.h"

namespace mv::inventory {

namespace {

bool Templated(std::string_view v) {
  return v.find("${") != std::string_view::npos || v.find("{{") != std::string_view::npos ||
         v.find("$(") != std::string_view::npos ||
         (v.size() > 1 && v[0] == '$' && (v[1] == '_' || (v[1] >= 'A' && v[1] <= 'Z')));
}

bool EnvStyle(std::string_view key) {
  bool upper = false;
  for (char c : key) {
    if (c >= 'a' && c <= 'z') return false;
    if (c >= 'A' && c <= 'Z') upper = true;
  }
  return upper;
}

}  // namespace

void DetectConfig(const ConfigDoc& doc, const Rules& rules, const LocalCheck& local,
                  FileFindings& out) {
  Target hub;
  hub.provider = "huggingface";
  hub.form = IdForm::kHub;
  for (const ConfigLeaf& leaf : doc.leaves) {
    std::string_view name, value;
    if (SplitAssignment(leaf.value, &name, &value)) {  // environment: [MODEL_ID=org/x]
      Possible p;
      if (Templated(value)) {
        p.dynamic = true;
      } else {
        p.literals.emplace_back(value);
      }
      DetectAssignment(name, p, leaf.line, leaf.value, rules, local, out);
      continue;
    }
    if (leaf.path.empty()) continue;
    const std::string& key = leaf.path.back();
    if (EnvStyle(key)) {
      Possible p;
      if (Templated(leaf.value)) {
        p.dynamic = true;
      } else {
        p.literals.push_back(leaf.value);
      }
      DetectAssignment(key, p, leaf.line, key + ": " + leaf.value, rules, local, out);
      continue;
    }
    std::vector<std::string> lower;
    lower.reserve(leaf.path.size());
    for (const auto& k : leaf.path) lower.push_back(Lower(k));
    if (!rules.IsConfigKey(lower)) continue;
    if (Templated(leaf.value)) {
      DynamicFound d;
      d.line = leaf.line;
      d.text = OneLine(key + ": " + leaf.value, 160);
      d.via = key;
      out.dynamic.push_back(std::move(d));
      continue;
    }
    IdResult r = ParseId(leaf.value, hub, rules);
    if (r.status != IdResult::Status::kId) continue;
    if (local && local(r.id)) continue;
    Found f;
    f.provider = hub.provider;
    f.id = r.id;
    f.revision = r.revision;
    f.line = leaf.line;
    f.via = key;
    out.models.push_back(std::move(f));
  }
  if (doc.limit && out.limit.empty()) out.limit = "limit.inventory-config-depth";
}

}  // namespace mv::inventory
