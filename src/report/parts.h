// The pieces the JSON and SARIF documents are built from (report.cc), shared by the whole
// documents (ToJson, ToSarif) and the writers that stream them a file at a time (stream.cc),
// so both give the same bytes.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/scan_result.h"

namespace mv::report {

// The JSON report around its "files" array (given whole, or empty for the streaming writer).
nlohmann::ordered_json JsonDocument(const ScanReport& r, nlohmann::ordered_json files);

// SARIF's rules: one per distinct rule id (the category when a finding has none), in order of
// first appearance over the files' findings.
struct SarifRules {
  explicit SarifRules(const ScanReport& r);
  nlohmann::ordered_json rules;
  std::map<std::string, size_t> index;  // rule id -> position in `rules`
};
nlohmann::ordered_json SarifResult(const FileReport& f, const Finding& x, const SarifRules& rules);
nlohmann::ordered_json SarifArtifact(const FileReport& f);
nlohmann::ordered_json SarifDocument(nlohmann::ordered_json rules, nlohmann::ordered_json artifacts,
                                     nlohmann::ordered_json results);

}  // namespace mv::report
