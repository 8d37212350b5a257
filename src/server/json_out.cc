#include "server/json_out.h"

#include "report/json_text.h"

namespace mv::server {

namespace {

Json Nullable(const char* s) {
  return s ? Json(s) : Json(nullptr);
}

Json FindingJson(const Finding& f) {
  audit::Location loc = audit::SplitLocation(f.location);
  return {{"severity", SeverityName(f.severity)},
          {"category", f.category},
          {"rule", f.rule},
          {"callable", f.callable},
          {"evidence", f.evidence},
          {"location", f.location},
          {"member", loc.member},
          {"offset", loc.offset ? Json(*loc.offset) : Json(nullptr)},
          {"message", f.message}};
}

}  // namespace

Json SummaryJson(const audit::ModelSummary& m) {
  Json projects = Json::array();
  for (const auto& p : m.projects) projects.push_back(p);
  return {{"id", m.id},
          {"provider", m.provider},
          {"status", audit::StatusOrNotAudited(m.status)},
          {"missed_by_hub", m.missed_by_hub},
          {"status_source", Nullable(m.source ? audit::StatusSourceName(*m.source) : nullptr)},
          {"hub_flag", audit::HubFlagName(m.hub_flag)},
          {"hub_message", m.hub_message},
          {"our_verdict", Nullable(m.our_verdict ? VerdictName(*m.our_verdict) : nullptr)},
          {"verification", m.verification},
          {"downloads", m.downloads},
          {"likes", m.likes},
          {"license", m.license},
          {"license_risk",
           Nullable(m.license_risk ? audit::LicenseRiskName(*m.license_risk) : nullptr)},
          {"last_audit", m.last_audit.empty() ? Json(nullptr) : Json(m.last_audit)},
          {"revision", m.revision},
          {"sha", m.sha},
          {"files",
           {{"total", m.files.total},
            {"unsafe", m.files.unsafe},
            {"needs_review", m.files.needs_review},
            {"error", m.files.error},
            {"safe", m.files.safe},
            {"not_analysed", m.files.not_analysed}}},
          {"projects", projects}};
}

Json ReviewJson(const audit::ReviewView& r) {
  return {{"id", r.id},
          {"path", r.path},
          {"decision", audit::DecisionName(r.decision)},
          {"note", r.note},
          {"reviewer", r.reviewer},
          {"time", r.time},
          {"file_sha", r.file_sha},
          {"active", r.active},
          {"superseded_time", r.superseded_time},
          {"superseded_reason", r.superseded_reason}};
}

Json DetailJson(const audit::ModelDetail& d) {
  Json o = SummaryJson(d.model);
  Json files = Json::array();
  for (const auto& f : d.files) {
    Json imports = Json::array();
    for (const auto& i : f.hub_imports)
      imports.push_back({{"module", i.module}, {"name", i.name}, {"safety", i.safety}});
    Json findings = Json::array();
    for (const auto& x : f.findings) findings.push_back(FindingJson(x));
    files.push_back({{"path", f.path},
                     {"size", f.size},
                     {"sha256", f.sha256},
                     {"oid", f.oid},
                     {"hub_status", f.hub_status},
                     {"hub_flagged", f.hub_flagged},
                     {"hub_message", f.hub_message},
                     {"hub_imports", imports},
                     {"verdict", Nullable(f.verdict ? VerdictName(*f.verdict) : nullptr)},
                     {"summary", f.summary},
                     {"format", f.format},
                     {"loader", f.loader},
                     {"bytes_read", f.bytes_read},
                     {"error", f.error},
                     {"findings", findings},
                     {"review", f.review ? ReviewJson(*f.review) : Json(nullptr)}});
  }
  o["files"] = files;
  Json history = Json::array();
  for (const auto& h : d.history)
    history.push_back({{"time", h.time},
                       {"from", Nullable(h.from ? audit::StatusName(*h.from) : nullptr)},
                       {"to", audit::StatusName(h.to)},
                       {"missed_by_hub", h.missed_by_hub},
                       {"source", audit::StatusSourceName(h.source)},
                       {"who", h.who},
                       {"reason", h.reason},
                       {"scan", h.scan ? Json(h.scan) : Json(nullptr)}});
  o["history"] = history;
  Json reviews = Json::array();
  for (const auto& r : d.reviews) reviews.push_back(ReviewJson(r));
  o["reviews"] = reviews;
  if (d.last_scan) {
    const audit::ScanView& s = *d.last_scan;
    o["last_scan"] = {{"id", s.id},
                      {"revision", s.revision},
                      {"sha", s.sha},
                      {"started", s.started},
                      {"finished", s.finished},
                      {"files_total", s.files_total},
                      {"files_scanned", s.files_scanned},
                      {"bytes_read", s.bytes_read},
                      {"tool_version", s.tool_version},
                      {"error", s.error}};
  } else {
    o["last_scan"] = nullptr;
  }
  Json reproductions = Json::array();  // sandboxed loads (`audit --reproduce`), oldest first
  for (const auto& r : d.reproductions) {
    Json observed = Json::parse(r.observed_json, nullptr, false);
    if (observed.is_discarded()) observed = Json::array();
    reproductions.push_back({{"path", r.path},
                             {"file_sha", r.file_sha},
                             {"time", r.time},
                             {"loader", r.loader},
                             {"outcome", r.outcome},
                             {"observed", observed}});
  }
  o["reproductions"] = reproductions;
  return o;
}

Json JobJson(const AuditJob& job) {
  Json o = {{"id", job.id},
            {"repo", job.repo},
            {"state", JobStateName(job.state)},
            {"submitted_by", job.submitted_by},
            {"reproduce", job.reproduce},
            {"submitted", job.submitted},
            {"started", job.started.empty() ? Json(nullptr) : Json(job.started)},
            {"finished", job.finished.empty() ? Json(nullptr) : Json(job.finished)},
            {"error", job.error.empty() ? Json(nullptr) : Json(job.error)},
            {"url", "/api/v1/audits/" + std::to_string(job.id)}};
  if (job.model) {
    o["model"] = SummaryJson(*job.model);
    o["files_scanned"] = job.files;
    o["bytes_read"] = job.bytes_read;
  } else {
    o["model"] = nullptr;
  }
  // The sandboxed loads this job made (reproduce: true), in file order; their observations
  // are in the model's detail.
  Json runs = Json::array();
  for (const auto& r : job.reproductions)
    runs.push_back({{"path", r.path}, {"loader", r.loader}, {"outcome", r.outcome}});
  o["reproductions"] = runs;
  return o;
}

std::string JsonText(const Json& j) {
  return report::JsonText(j);
}

}  // namespace mv::server
