#include "server/table_query.h"

#include <fmt/format.h>

#include <charconv>

#include "core/limits.h"

namespace mv::server {

namespace {

// Every non-empty value of `key`, comma-separated values split.
std::vector<std::string> Values(const Params& params, const std::string& key) {
  std::vector<std::string> out;
  auto [b, e] = params.equal_range(key);
  for (auto it = b; it != e; ++it) {
    std::string_view v = it->second;
    while (!v.empty()) {
      size_t comma = v.find(',');
      std::string_view part = v.substr(0, comma);
      if (!part.empty()) out.emplace_back(part);
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return out;
}

// The last non-empty value of `key`.
std::string One(const Params& params, const std::string& key) {
  std::string out;
  auto [b, e] = params.equal_range(key);
  for (auto it = b; it != e; ++it)
    if (!it->second.empty()) out = it->second;
  return out;
}

Error Bad(const std::string& key, const std::string& value, const std::string& accepted) {
  return MakeError(Errc::kMalformed,
                   fmt::format("parameter {}: `{}` is not one of: {}", key, value, accepted));
}

Result<uint64_t> Number(const std::string& key, const std::string& value) {
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || p != value.data() + value.size())
    return MakeError(Errc::kMalformed,
                     fmt::format("parameter {}: `{}` is not a whole number", key, value));
  return n;
}

}  // namespace

bool DefaultDescending(audit::ModelSort sort) {
  return sort != audit::ModelSort::kId;
}

Result<audit::ModelListQuery> ParseTableQuery(const Params& params, uint64_t default_limit) {
  audit::ModelListQuery q;
  for (const auto& v : Values(params, "status")) {
    std::optional<audit::ModelStatus> st;
    if (!audit::ParseStatusFilter(v, &st))
      return Bad("status", v,
                 "not-audited, no-findings, suspected, confirmed-unsafe, false-positive");
    q.filter.statuses.push_back(st);
  }
  for (const auto& v : Values(params, "hub_flag")) {
    auto f = audit::ParseHubFlag(v);
    if (!f) return Bad("hub_flag", v, "none, caution, suspicious, unsafe");
    q.filter.hub_flags.push_back(*f);
  }
  for (const auto& v : Values(params, "license_risk")) {
    auto r = audit::ParseLicenseRisk(v);
    if (!r)
      return Bad("license_risk", v,
                 "public-domain, permissive, weak-copyleft, strong-copyleft, use-restricted, "
                 "non-commercial, unknown");
    q.filter.license_risks.push_back(*r);
  }
  if (std::string v = One(params, "missed_by_hub"); !v.empty()) {
    if (v == "true" || v == "1")
      q.filter.missed_by_hub = true;
    else if (v == "false" || v == "0")
      q.filter.missed_by_hub = false;
    else
      return Bad("missed_by_hub", v, "true, false");
  }
  q.filter.project = One(params, "project");
  q.filter.text = One(params, "q");
  if (q.filter.text.size() > limits::kServerMaxSearchBytes)
    return MakeError(Errc::kLimit, fmt::format("parameter q: longer than {} bytes",
                                               limits::kServerMaxSearchBytes));
  if (q.filter.project.size() > limits::kServerMaxSearchBytes)
    return MakeError(Errc::kLimit, fmt::format("parameter project: longer than {} bytes",
                                               limits::kServerMaxSearchBytes));
  if (std::string v = One(params, "sort"); !v.empty()) {
    auto s = audit::ParseModelSort(v);
    if (!s) return Bad("sort", v, "downloads, last_audit, status, id");
    q.sort = *s;
  }
  q.descending = DefaultDescending(q.sort);
  if (std::string v = One(params, "order"); !v.empty()) {
    if (v != "asc" && v != "desc") return Bad("order", v, "asc, desc");
    q.descending = v == "desc";
  }
  q.limit = default_limit;
  if (std::string v = One(params, "limit"); !v.empty()) {
    MV_ASSIGN_OR_RETURN(q.limit, Number("limit", v));
    if (q.limit == 0 || q.limit > limits::kServerMaxPageSize)
      return MakeError(Errc::kLimit,
                       fmt::format("parameter limit: 1 to {}", limits::kServerMaxPageSize));
  }
  if (std::string v = One(params, "offset"); !v.empty()) {
    MV_ASSIGN_OR_RETURN(q.offset, Number("offset", v));
  } else if (std::string p = One(params, "page"); !p.empty()) {
    MV_ASSIGN_OR_RETURN(uint64_t page, Number("page", p));
    if (page == 0) return MakeError(Errc::kMalformed, "parameter page: pages start at 1");
    if (page - 1 > (UINT64_MAX / 2) / q.limit)
      return MakeError(Errc::kLimit, "parameter page: too large");
    q.offset = (page - 1) * q.limit;
  }
  return q;
}

void AppendFilters(const audit::ModelListQuery& q, html::Url& url) {
  if (!q.filter.text.empty()) url.Query("q", q.filter.text);
  for (const auto& s : q.filter.statuses) url.Query("status", audit::StatusOrNotAudited(s));
  for (auto f : q.filter.hub_flags) url.Query("hub_flag", audit::HubFlagName(f));
  for (auto r : q.filter.license_risks) url.Query("license_risk", audit::LicenseRiskName(r));
  if (q.filter.missed_by_hub)
    url.Query("missed_by_hub", *q.filter.missed_by_hub ? "true" : "false");
  if (!q.filter.project.empty()) url.Query("project", q.filter.project);
}

void AppendSort(const audit::ModelListQuery& q, html::Url& url) {
  if (q.sort != audit::ModelSort::kDownloads) url.Query("sort", audit::ModelSortName(q.sort));
  if (q.descending != DefaultDescending(q.sort)) url.Query("order", q.descending ? "desc" : "asc");
}

}  // namespace mv::server
