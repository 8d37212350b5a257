#include "audit/model_json.h"

namespace mv::audit {

namespace {

Json Text(const char* s, Absent absent) {
  if (s && *s) return s;
  return absent == Absent::kNull ? Json(nullptr) : Json("");
}

Json FindingJson(const Finding& f) {
  Location loc = SplitLocation(f.location);
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

Json SummaryJson(const ModelSummary& m, Absent absent) {
  Json projects = Json::array();
  for (const auto& p : m.projects) projects.push_back(p);
  Json hub_flag = m.hub_flag == HubFlag::kNone && absent == Absent::kEmptyText
                      ? Json("")
                      : Json(HubFlagName(m.hub_flag));
  return {
      {"id", m.id},
      {"provider", m.provider},
      {"status", StatusOrNotAudited(m.status)},
      {"missed_by_hub", m.missed_by_hub},
      {"status_source", Text(m.source ? StatusSourceName(*m.source) : nullptr, absent)},
      {"hub_flag", hub_flag},
      {"hub_message", m.hub_message},
      {"our_verdict", Text(m.our_verdict ? VerdictName(*m.our_verdict) : nullptr, absent)},
      {"verification", m.verification},
      {"downloads", m.downloads},
      {"likes", m.likes},
      {"license", m.license},
      {"license_risk", Text(m.license_risk ? LicenseRiskName(*m.license_risk) : nullptr, absent)},
      {"last_audit", Text(m.last_audit.c_str(), absent)},
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

Json ReviewJson(const ReviewView& r) {
  return {{"id", r.id},
          {"path", r.path},
          {"decision", DecisionName(r.decision)},
          {"note", r.note},
          {"reviewer", r.reviewer},
          {"time", r.time},
          {"file_sha", r.file_sha},
          {"active", r.active},
          {"superseded_time", r.superseded_time},
          {"superseded_reason", r.superseded_reason}};
}

Json DetailJson(const ModelDetail& d, Absent absent) {
  Json o = SummaryJson(d.model, absent);
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
                     {"verdict", Text(f.verdict ? VerdictName(*f.verdict) : nullptr, absent)},
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
                       {"from", Text(h.from ? StatusName(*h.from) : nullptr, absent)},
                       {"to", StatusName(h.to)},
                       {"missed_by_hub", h.missed_by_hub},
                       {"source", StatusSourceName(h.source)},
                       {"who", h.who},
                       {"reason", h.reason},
                       {"scan", h.scan ? Json(h.scan) : Json(nullptr)}});
  o["history"] = history;
  Json reviews = Json::array();
  for (const auto& r : d.reviews) reviews.push_back(ReviewJson(r));
  o["reviews"] = reviews;
  if (d.last_scan) {
    const ScanView& s = *d.last_scan;
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

}  // namespace mv::audit
