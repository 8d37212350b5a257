// The stable JSON document (docs/inventory.md "JSON"): extend, never break.
#include "inventory/render.h"
#include "report/json_text.h"

namespace mv::inventory {

using json = nlohmann::ordered_json;

namespace {

json OrNull(const std::optional<std::string>& s) {
  return s ? json(*s) : json(nullptr);
}

}  // namespace

json ToJson(const Inventory& inv) {
  json models = json::array();
  for (const ModelUse& m : inv.models) {
    json refs = json::array();
    for (const Reference& r : m.references)
      refs.push_back({{"path", r.path}, {"line", r.line}, {"via", r.via}});
    models.push_back({{"provider", m.provider},
                      {"id", m.id},
                      {"category", CategoryName(m.category)},
                      {"revision", m.revision.empty() ? json(nullptr) : json(m.revision)},
                      {"remote_code", m.remote_code},
                      {"references", std::move(refs)},
                      {"status", m.status ? json(EnumText(*m.status)) : json(nullptr)},
                      {"license", OrNull(m.license)},
                      {"license_risk", OrNull(m.license_risk)}});
  }
  json dynamic = json::array();
  for (const DynamicReference& d : inv.dynamic_references)
    dynamic.push_back({{"path", d.path}, {"line", d.line}, {"text", d.text}});
  json artifacts = json::array();
  for (const Artifact& a : inv.artifacts)
    artifacts.push_back({{"path", a.path},
                         {"format", a.format},
                         {"verdict", VerdictName(a.verdict)},
                         {"summary", a.summary}});
  json incomplete = json::array();
  for (const Incomplete& i : inv.incomplete)
    incomplete.push_back({{"path", i.path}, {"reason", i.reason}});
  return {{"models", std::move(models)},
          {"dynamic_references", std::move(dynamic)},
          {"artifacts", std::move(artifacts)},
          {"incomplete", std::move(incomplete)}};
}

std::string DumpJson(const json& j) {
  return report::JsonText(j, 2) + "\n";
}

}  // namespace mv::inventory
