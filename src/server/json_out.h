// JSON of the HTTP API: the typed views of audit/model_view.h as documents (docs/openapi.yaml
// describes each), and their text.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "audit/model_json.h"
#include "audit/model_view.h"
#include "server/audit_jobs.h"

namespace mv::server {

using Json = audit::Json;

// One row of GET /api/v1/models (audit/model_json.h writes it; absent values are null).
inline Json SummaryJson(const audit::ModelSummary& m) {
  return audit::SummaryJson(m, audit::Absent::kNull);
}
// GET /api/v1/models/ORG/NAME: the row plus files, history, reviews and the last scan.
inline Json DetailJson(const audit::ModelDetail& d) {
  return audit::DetailJson(d, audit::Absent::kNull);
}
using audit::ReviewJson;
// GET /api/v1/audits/ID and the 202 of POST /api/v1/audits.
Json JobJson(const AuditJob& job);

// The text of a document: the project's JSON writer (report::JsonText), which never throws;
// bytes that are not UTF-8 become \udcXX escapes (docs/cli.md, "Output encoding").
std::string JsonText(const Json& j);

}  // namespace mv::server
