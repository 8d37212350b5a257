#include "report/report.h"

#include <fmt/format.h>

#include <map>

#include "core/text.h"
#include "core/version.h"
#include "report/parts.h"

namespace mv::report {

using json = nlohmann::ordered_json;

nlohmann::ordered_json FileToJson(const FileReport& f) {
  json j;
  j["path"] = f.path;
  j["format"] = f.format;
  j["loader"] = f.loader;
  j["size"] = f.size;
  j["bytes_read"] = f.bytes_read;
  if (f.sha256) j["sha256"] = *f.sha256;
  j["verdict"] = VerdictName(f.verdict);
  j["summary"] = f.summary;
  json findings = json::array();
  for (const auto& x : f.findings) {
    findings.push_back({{"severity", SeverityName(x.severity)},
                        {"category", x.category},
                        {"rule", x.rule},
                        {"callable", x.callable},
                        {"evidence", x.evidence},
                        {"location", x.location},
                        {"message", x.message}});
  }
  j["findings"] = std::move(findings);
  if (!f.error.empty()) j["error"] = f.error;
  return j;
}

nlohmann::ordered_json JsonDocument(const ScanReport& r, nlohmann::ordered_json files) {
  auto counts = [](const ScanReport::Counts& c) {
    return json{{"files", c.files},
                {"unsafe", c.unsafe},
                {"needs_review", c.needs_review},
                {"safe", c.safe},
                {"error", c.error}};
  };
  json out = {{"tool", "modelvet"},
              {"version", kVersion},
              {"files", std::move(files)},
              {"summary", counts(r.Count())}};
  if (!r.repositories.empty()) {
    json repos = json::array();
    for (const auto& g : r.repositories) {
      json e = {{"name", g.name}, {"verdict", VerdictName(g.counts.Overall())}};
      e.update(counts(g.counts));
      repos.push_back(std::move(e));
    }
    out["repositories"] = std::move(repos);
  }
  return out;
}

nlohmann::ordered_json ToJson(const ScanReport& r) {
  json files = json::array();
  for (const auto& f : r.files) files.push_back(FileToJson(f));
  return JsonDocument(r, std::move(files));
}

// An artifact URI (RFC 3986 relative or absolute-path reference): every byte outside the
// unreserved set and '/' is percent-encoded, so `#`, `?`, spaces, `%` and non-UTF-8 bytes in a
// file name cannot change what the URI designates.
std::string SarifUri(std::string_view path) {
  std::string out;
  for (unsigned char c : path) {
    bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
    if (keep) {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

namespace {

const char* SarifLevel(Severity s) {
  switch (s) {
    case Severity::kCritical:
    case Severity::kHigh: return "error";
    case Severity::kMedium:
    case Severity::kLow: return "warning";
    case Severity::kInfo: return "note";
  }
  return "none";
}

// A finding's SARIF rule id: its rule, or its category when it has none.
const std::string& SarifRuleId(const Finding& x) {
  return x.rule.empty() ? x.category : x.rule;
}

}  // namespace

SarifRules::SarifRules(const ScanReport& r) : rules(json::array()) {
  for (const auto& f : r.files) {
    for (const auto& x : f.findings) {
      const std::string& id = SarifRuleId(x);
      if (index.count(id)) continue;
      index[id] = rules.size();
      rules.push_back({{"id", id},
                       {"shortDescription", {{"text", x.category}}},
                       {"properties", {{"category", x.category}}}});
    }
  }
}

nlohmann::ordered_json SarifResult(const FileReport& f, const Finding& x, const SarifRules& rules) {
  const std::string& id = SarifRuleId(x);
  size_t index = rules.index.at(id);
  return {
      {"ruleId", id},
      {"ruleIndex", index},
      {"level", SarifLevel(x.severity)},
      {"message", {{"text", x.evidence.empty() ? x.message : x.evidence + ": " + x.message}}},
      {"locations",
       json::array({{{"physicalLocation", {{"artifactLocation", {{"uri", SarifUri(f.path)}}}}},
                     {"logicalLocations",
                      json::array({{{"fullyQualifiedName", x.location}, {"kind", "member"}}})}}})},
      {"properties",
       {{"severity", SeverityName(x.severity)},
        {"callable", x.callable},
        {"verdict", VerdictName(f.verdict)}}}};
}

nlohmann::ordered_json SarifArtifact(const FileReport& f) {
  json a = {{"location", {{"uri", SarifUri(f.path)}}},
            {"length", f.size},
            {"properties",
             {{"verdict", VerdictName(f.verdict)}, {"summary", f.summary}, {"format", f.format}}}};
  if (f.sha256) a["hashes"] = {{"sha-256", *f.sha256}};
  return a;
}

nlohmann::ordered_json SarifDocument(nlohmann::ordered_json rules, nlohmann::ordered_json artifacts,
                                     nlohmann::ordered_json results) {
  return json{{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
              {"version", "2.1.0"},
              {"runs", json::array({{{"tool",
                                      {{"driver",
                                        {{"name", "modelvet"},
                                         {"version", kVersion},
                                         {"informationUri", "https://github.com/modelvet/modelvet"},
                                         {"rules", std::move(rules)}}}}},
                                     {"artifacts", std::move(artifacts)},
                                     {"results", std::move(results)}}})}};
}

nlohmann::ordered_json ToSarif(const ScanReport& r) {
  SarifRules rules(r);
  json results = json::array();
  for (const auto& f : r.files) {
    for (const auto& x : f.findings) results.push_back(SarifResult(f, x, rules));
  }
  json artifacts = json::array();
  for (const auto& f : r.files) artifacts.push_back(SarifArtifact(f));
  return SarifDocument(std::move(rules.rules), std::move(artifacts), std::move(results));
}

}  // namespace mv::report
