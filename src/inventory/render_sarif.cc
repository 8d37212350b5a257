// SARIF 2.1.0: a result at every source line that loads a suspected or confirmed-unsafe model,
// and at every unsafe committed model file.
#include <fmt/format.h>

#include "core/version.h"
#include "inventory/render.h"
#include "report/report.h"

namespace mv::inventory {

using json = nlohmann::ordered_json;

json ToSarif(const Inventory& inv) {
  const json rules = json::array(
      {{{"id", "inventory.confirmed-unsafe-model"},
        {"shortDescription", {{"text", "Loads a model confirmed unsafe by an audit"}}},
        {"defaultConfiguration", {{"level", "error"}}}},
       {{"id", "inventory.suspected-model"},
        {"shortDescription", {{"text", "Loads a model with findings that need a review"}}},
        {"defaultConfiguration", {{"level", "warning"}}}},
       {{"id", "inventory.unsafe-artifact"},
        {"shortDescription", {{"text", "A committed model file is unsafe to load"}}},
        {"defaultConfiguration", {{"level", "error"}}}}});
  json results = json::array();
  for (const ModelUse& m : inv.models) {
    if (m.status != store::ModelStatus::kConfirmedUnsafe &&
        m.status != store::ModelStatus::kSuspected)
      continue;
    bool unsafe = m.status == store::ModelStatus::kConfirmedUnsafe;
    std::string text = fmt::format("loads {} ({}), {}{}", m.id, m.provider,
                                   unsafe ? "confirmed unsafe" : "suspected",
                                   m.verification.empty() ? "" : ": " + m.verification);
    for (const Reference& r : m.references) {
      results.push_back(
          {{"ruleId", unsafe ? "inventory.confirmed-unsafe-model" : "inventory.suspected-model"},
           {"ruleIndex", unsafe ? 0 : 1},
           {"level", unsafe ? "error" : "warning"},
           {"message", {{"text", text}}},
           {"locations",
            json::array({{{"physicalLocation",
                           {{"artifactLocation", {{"uri", report::SarifUri(r.path)}}},
                            {"region", {{"startLine", std::max<uint32_t>(r.line, 1)}}}}}}})},
           {"properties",
            {{"model", m.id},
             {"provider", m.provider},
             {"status", EnumText(*m.status)},
             {"via", r.via}}}});
    }
  }
  for (const Artifact& a : inv.artifacts) {
    if (a.verdict != Verdict::kUnsafe) continue;
    results.push_back(
        {{"ruleId", "inventory.unsafe-artifact"},
         {"ruleIndex", 2},
         {"level", "error"},
         {"message", {{"text", fmt::format("{} ({}): {}", a.path, a.format, a.summary)}}},
         {"locations",
          json::array({{{"physicalLocation",
                         {{"artifactLocation", {{"uri", report::SarifUri(a.path)}}}}}}})},
         {"properties", {{"format", a.format}, {"verdict", VerdictName(a.verdict)}}}});
  }
  return {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
          {"version", "2.1.0"},
          {"runs", json::array({{{"tool",
                                  {{"driver",
                                    {{"name", "modelvet"},
                                     {"version", kVersion},
                                     {"informationUri", "https://github.com/modelvet/modelvet"},
                                     {"rules", rules}}}}},
                                 {"results", std::move(results)}}})}};
}

}  // namespace mv::inventory
