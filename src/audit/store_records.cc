#include "audit/store_records.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "hub/client.h"

namespace mv::audit {

namespace {

using nlohmann::json;

Error Bad(const std::string& model, const char* column, const std::string& value) {
  return MakeError(Errc::kMalformed,
                   fmt::format("store: {} has an unknown {} `{}`", model, column, value));
}

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

store::ModelQuery ToStoreQuery(const ModelListQuery& q) {
  store::ModelQuery s;
  s.statuses = q.filter.statuses;
  for (HubFlag f : q.filter.hub_flags)
    s.hub_flags.push_back(f == HubFlag::kNone ? "" : HubFlagName(f));
  for (LicenseRisk r : q.filter.license_risks) s.license_risks.push_back(LicenseRiskName(r));
  s.missed_by_hub = q.filter.missed_by_hub;
  s.project = q.filter.project;
  s.text = q.filter.text;
  switch (q.sort) {
    case ModelSort::kDownloads: s.sort = store::ModelQuery::Sort::kDownloads; break;
    case ModelSort::kLastAudit: s.sort = store::ModelQuery::Sort::kLastAudit; break;
    case ModelSort::kStatus: s.sort = store::ModelQuery::Sort::kStatus; break;
    case ModelSort::kId: s.sort = store::ModelQuery::Sort::kId; break;
  }
  s.descending = q.descending;
  s.limit = q.limit;
  s.offset = q.offset;
  return s;
}

Result<ModelSummary> FromStore(const store::ModelRow& row) {
  const store::ModelRecord& m = row.model;
  ModelSummary out;
  out.id = m.id;
  out.provider = m.author.empty() ? m.id.substr(0, m.id.find('/')) : m.author;
  out.revision = m.revision;
  out.sha = m.sha;
  out.downloads = m.downloads;
  out.likes = m.likes;
  out.license = m.license;
  if (!m.license_risk.empty()) {
    auto r = ParseLicenseRisk(m.license_risk);
    if (!r) return Bad(m.id, "license risk", m.license_risk);
    out.license_risk = *r;
  }
  if (!m.hub_flag.empty()) {
    auto f = ParseHubFlag(m.hub_flag);
    if (!f || *f == HubFlag::kNone) return Bad(m.id, "hub flag", m.hub_flag);
    out.hub_flag = *f;
  }
  out.hub_message = m.hub_message;
  out.status = m.status;
  out.missed_by_hub = m.missed_by_hub;
  out.source = m.status_source;
  out.verification = m.verification;
  out.last_audit = m.last_audit;
  out.version = m.version;
  for (const auto& [verdict, n] : row.verdict_counts) {
    out.files.total += n;
    if (!verdict) {
      out.files.not_analysed += n;
      continue;
    }
    switch (*verdict) {
      case Verdict::kUnsafe: out.files.unsafe += n; break;
      case Verdict::kNeedsReview: out.files.needs_review += n; break;
      case Verdict::kError: out.files.error += n; break;
      case Verdict::kSafe: out.files.safe += n; break;
    }
  }
  out.our_verdict = WorstVerdict(out.files);
  out.projects = row.projects;
  return out;
}

FileView FromStore(const store::FileRecord& f) {
  FileView out;
  out.path = f.path;
  out.size = f.size;
  out.sha256 = f.sha256;
  out.oid = f.oid;
  out.hub_status = f.hub_status;
  out.hub_flagged = hub::IsFlaggedLevel(f.hub_status);  // as the status engine reads it
  out.hub_message = f.hub_message;
  out.verdict = f.verdict;
  out.summary = f.summary;
  out.bytes_read = f.bytes_read;

  json imports = json::parse(f.hub_imports_json, nullptr, false);
  if (imports.is_array())
    for (const auto& i : imports)
      if (i.is_object())
        out.hub_imports.push_back({Str(i, "module"), Str(i, "name"), Str(i, "safety")});

  json report = json::parse(f.report_json, nullptr, false);
  if (report.is_discarded() || !report.is_object()) {
    out.error = "the stored report of this file cannot be read";
    return out;
  }
  out.format = Str(report, "format");
  out.loader = Str(report, "loader");
  out.error = Str(report, "error");
  if (auto it = report.find("findings"); it != report.end() && it->is_array()) {
    for (const auto& x : *it) {
      if (!x.is_object()) continue;
      Finding fd;
      fd.severity = EnumFromText<Severity>(Str(x, "severity")).value_or(Severity::kInfo);
      fd.category = Str(x, "category");
      fd.rule = Str(x, "rule");
      fd.callable = Str(x, "callable");
      fd.evidence = Str(x, "evidence");
      fd.location = Str(x, "location");
      fd.message = Str(x, "message");
      out.findings.push_back(std::move(fd));
    }
  }
  return out;
}

ReviewView FromStore(const store::Review& r) {
  return ReviewView{r.id,
                    r.path,
                    r.decision,
                    r.note,
                    r.reviewer,
                    r.time,
                    r.file_sha,
                    r.active,
                    r.superseded_time,
                    r.superseded_reason};
}

HistoryEntry FromStore(const store::StatusChange& c) {
  return HistoryEntry{c.id,     c.time, c.from,   c.to,  c.missed_by_hub,
                      c.source, c.who,  c.reason, c.scan};
}

ScanView FromStore(const store::ScanRecord& s) {
  return ScanView{s.id,          s.revision,      s.sha,        s.started,      s.finished,
                  s.files_total, s.files_scanned, s.bytes_read, s.tool_version, s.error};
}

}  // namespace mv::audit
