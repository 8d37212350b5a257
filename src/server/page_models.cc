// The AI Models table: filters and search in a GET form (so every view is a URL), sortable
// headers, pages. On narrow screens the CSS turns each row into a card (data-label names the
// cells).
#include <fmt/format.h>

#include "core/limits.h"
#include "server/labels.h"
#include "server/pages.h"
#include "server/table_query.h"

namespace mv::server {

using html::El;
using html::Node;
using html::Url;

namespace {

Node Option(std::string_view value, std::string_view label, bool selected) {
  Node o = El("option").Attr("value", value).Add(label);
  if (selected) o.Attr("selected");
  return o;
}

Node Field(const char* id, std::string_view label, Node control) {
  return El("div")
      .Class("field")
      .Add(El("label").Attr("for", id).Add(label))
      .Add(std::move(control));
}

Node FilterForm(const audit::ModelListQuery& q) {
  const audit::ModelFilter& f = q.filter;
  Node form = El("form")
                  .Class("filters")
                  .Attr("method", "get")
                  .Link("action", Url("/"))
                  .Attr("role", "search")
                  .Attr("aria-label", "Filter models");
  form.Add(Field("q", "Search",
                 El("input")
                     .Attr("type", "search")
                     .Attr("id", "q")
                     .Attr("name", "q")
                     .Attr("value", f.text)
                     .Attr("placeholder", "Model or provider, e.g. bert")
                     .Attr("autocomplete", "off")
                     .Attr("maxlength", std::to_string(limits::kServerMaxSearchBytes)))
               .Class("field-search"));

  Node status = El("select").Attr("id", "status").Attr("name", "status");
  status.Add(Option("", "Any", f.statuses.empty()));
  for (auto s : {std::optional<audit::ModelStatus>(audit::ModelStatus::kConfirmedUnsafe),
                 std::optional<audit::ModelStatus>(audit::ModelStatus::kSuspected),
                 std::optional<audit::ModelStatus>(audit::ModelStatus::kFalsePositive),
                 std::optional<audit::ModelStatus>(audit::ModelStatus::kNoFindings),
                 std::optional<audit::ModelStatus>()})
    status.Add(Option(audit::StatusOrNotAudited(s), StatusBadge(s).label,
                      f.statuses.size() == 1 && f.statuses[0] == s));
  form.Add(Field("status", "Risk Factors", std::move(status)));

  Node hub = El("select").Attr("id", "hub_flag").Attr("name", "hub_flag");
  hub.Add(Option("", "Any", f.hub_flags.empty()));
  for (auto h : {audit::HubFlag::kUnsafe, audit::HubFlag::kSuspicious, audit::HubFlag::kCaution,
                 audit::HubFlag::kNone})
    hub.Add(Option(audit::HubFlagName(h), HubFlagBadge(h).label,
                   f.hub_flags.size() == 1 && f.hub_flags[0] == h));
  form.Add(Field("hub_flag", "Hub flag", std::move(hub)));

  Node lic = El("select").Attr("id", "license_risk").Attr("name", "license_risk");
  lic.Add(Option("", "Any", f.license_risks.empty()));
  for (auto r : {audit::LicenseRisk::kPermissive, audit::LicenseRisk::kPublicDomain,
                 audit::LicenseRisk::kWeakCopyleft, audit::LicenseRisk::kStrongCopyleft,
                 audit::LicenseRisk::kUseRestricted, audit::LicenseRisk::kNonCommercial,
                 audit::LicenseRisk::kUnknown})
    lic.Add(Option(audit::LicenseRiskName(r), LicenseRiskBadge(r).label,
                   f.license_risks.size() == 1 && f.license_risks[0] == r));
  form.Add(Field("license_risk", "License risk", std::move(lic)));

  form.Add(Field("project", "Project",
                 El("input")
                     .Attr("type", "text")
                     .Attr("id", "project")
                     .Attr("name", "project")
                     .Attr("value", f.project)
                     .Attr("placeholder", "Any")
                     .Attr("autocomplete", "off")));

  Node missed = El("input")
                    .Attr("type", "checkbox")
                    .Attr("id", "missed_by_hub")
                    .Attr("name", "missed_by_hub")
                    .Attr("value", "true");
  if (f.missed_by_hub.value_or(false)) missed.Attr("checked");
  form.Add(El("div")
               .Class("field field-check")
               .Add(std::move(missed))
               .Add(El("label").Attr("for", "missed_by_hub").Add("Missed by hub only")));

  // The current order survives a filter change.
  if (q.sort != audit::ModelSort::kDownloads)
    form.Add(El("input")
                 .Attr("type", "hidden")
                 .Attr("name", "sort")
                 .Attr("value", audit::ModelSortName(q.sort)));
  if (q.descending != DefaultDescending(q.sort))
    form.Add(El("input")
                 .Attr("type", "hidden")
                 .Attr("name", "order")
                 .Attr("value", q.descending ? "desc" : "asc"));
  form.Add(El("div")
               .Class("actions")
               .Add(El("button").Attr("type", "submit").Class("button").Add("Apply"))
               .Add(El("a").Class("button button-quiet").Link("href", Url("/")).Add("Reset")));
  return form;
}

// Quick filters by status, as links (they replace the status filter, keep the rest).
Node Chips(const audit::ModelListQuery& q) {
  Node nav = El("nav").Class("chips").Attr("aria-label", "Risk Factors");
  auto chip = [&](std::string_view label, const audit::ModelListQuery& target, bool current) {
    Url u("/");
    AppendFilters(target, u);
    AppendSort(target, u);
    Node a = El("a").Class("chip").Link("href", u).Add(label);
    if (current) a.Attr("aria-current", "page");
    return a;
  };
  audit::ModelListQuery base = q;
  base.filter.statuses.clear();
  base.filter.missed_by_hub.reset();
  bool plain = q.filter.statuses.empty() && !q.filter.missed_by_hub;
  nav.Add(chip("All", base, plain));
  for (auto s : {audit::ModelStatus::kConfirmedUnsafe, audit::ModelStatus::kSuspected,
                 audit::ModelStatus::kFalsePositive, audit::ModelStatus::kNoFindings}) {
    audit::ModelListQuery t = base;
    t.filter.statuses = {s};
    Badge b = StatusBadge(s);
    nav.Add(
        chip(b.label, t,
             q.filter.statuses.size() == 1 && q.filter.statuses[0] == s && !q.filter.missed_by_hub)
            .Class(std::string("chip-") + b.tone));
  }
  audit::ModelListQuery missed = base;
  missed.filter.missed_by_hub = true;
  nav.Add(chip("Missed by hub", missed,
               q.filter.statuses.empty() && q.filter.missed_by_hub && *q.filter.missed_by_hub)
              .Class("chip-missed"));
  return nav;
}

// A sortable header: a link to the same view sorted by `sort` (toggling the order when it is
// the current sort), with aria-sort on the current one.
Node SortHeader(const audit::ModelListQuery& q, std::string_view label, audit::ModelSort sort,
                const char* cls) {
  audit::ModelListQuery t = q;
  bool current = q.sort == sort;
  t.sort = sort;
  t.descending = current ? !q.descending : DefaultDescending(sort);
  t.offset = 0;
  Url u("/");
  AppendFilters(t, u);
  AppendSort(t, u);
  Node a = El("a").Class("sort").Link("href", u).Add(label);
  if (current)
    a.Add(El("span")
              .Class("sort-mark")
              .Attr("aria-hidden", "true")
              .Add(q.descending ? "\u25BC" : "\u25B2"));
  Node th = El("th").Attr("scope", "col").Class(cls).Add(std::move(a));
  th.Attr("aria-sort", current ? (q.descending ? "descending" : "ascending") : "none");
  return th;
}

Node Cell(const char* label, Node content) {
  return El("td").Attr("data-label", label).Add(std::move(content));
}

Node Row(const audit::ModelSummary& m) {
  Node tr = El("tr");
  Badge status = StatusBadge(m.status);
  tr.Class(std::string("row-") + status.tone);

  Node model = El("div").Class("model-cell");
  model.Add(El("a").Class("model-link").Link("href", ModelUrl(m.id)).Add(m.id));
  if (!m.verification.empty()) model.Add(El("span").Class("verification").Add(m.verification));
  tr.Add(Cell("Model", std::move(model)).Class("col-model"));
  tr.Add(Cell("Provider", html::Text(m.provider)).Class("col-provider"));
  tr.Add(Cell("Downloads", html::Text(Thousands(m.downloads))).Class("num col-downloads"));

  Node projects = El("span");
  if (m.projects.empty()) {
    projects.Class("muted").Add("\u2014");
  } else {
    for (size_t i = 0; i < m.projects.size(); ++i) {
      if (i) projects.Add(", ");
      projects.Add(El("span").Class("project").Add(m.projects[i]));
    }
  }
  tr.Add(Cell("Projects", std::move(projects)).Class("col-projects"));
  // The licence and its risk class in one cell: the declared ids are often long.
  Node lic = El("div").Class("stack");
  lic.Add(BadgeNode(LicenseRiskBadge(m.license_risk)));
  lic.Add(m.license.empty() ? El("span").Class("muted license").Add("none declared")
                            : El("span").Class("license").Add(m.license));
  tr.Add(Cell("License", std::move(lic)).Class("col-license"));

  Node risk = El("div").Class("stack");
  risk.Add(BadgeNode(status));
  if (m.missed_by_hub)
    risk.Add(El("span")
                 .Class("badge badge-missed")
                 .Attr("title", "Unsafe, and the hub does not flag it")
                 .Add(El("span").Class("mark").Attr("aria-hidden", "true").Add("\u26A0"))
                 .Add("Missed by hub"));
  if (m.source == audit::StatusSource::kReviewer)
    risk.Add(El("span").Class("reviewed").Add("decided by a reviewer"));
  tr.Add(Cell("Risk Factors", std::move(risk)).Class("col-status"));

  Node vs = El("div").Class("versus");
  vs.Add(El("span")
             .Class("vs-side")
             .Add(El("span").Class("vs-who").Add("Hub"))
             .Add(BadgeNode(HubFlagBadge(m.hub_flag))));
  vs.Add(El("span")
             .Class("vs-side")
             .Add(El("span").Class("vs-who").Add("Ours"))
             .Add(BadgeNode(VerdictBadge(m.our_verdict))));
  tr.Add(Cell("Hub vs ours", std::move(vs)).Class("col-versus"));
  tr.Add(Cell("Last audit", DateNode(m.last_audit)).Class("col-audit"));
  return tr;
}

Node Pager(const audit::ModelListQuery& q, uint64_t total) {
  Node nav = El("nav").Class("pager").Attr("aria-label", "Pages");
  uint64_t size = q.limit ? q.limit : limits::kServerDefaultPageSize;
  uint64_t page = q.offset / size + 1;
  uint64_t pages = total == 0 ? 1 : (total + size - 1) / size;
  auto link = [&](uint64_t p, std::string_view label, const char* rel) {
    Url u("/");
    AppendFilters(q, u);
    AppendSort(q, u);
    if (size != limits::kServerDefaultPageSize) u.Query("limit", std::to_string(size));
    if (p > 1) u.Query("page", std::to_string(p));
    return El("a").Class("button button-quiet").Attr("rel", rel).Link("href", u).Add(label);
  };
  if (page > 1)
    nav.Add(link(page - 1, "\u2190 Previous", "prev"));
  else
    nav.Add(El("span").Class("button button-quiet disabled").Add("\u2190 Previous"));
  nav.Add(El("span").Class("page-of").Add(
      fmt::format("Page {} of {}", Thousands(page), Thousands(pages))));
  if (q.offset + size < total)
    nav.Add(link(page + 1, "Next \u2192", "next"));
  else
    nav.Add(El("span").Class("button button-quiet disabled").Add("Next \u2192"));
  return nav;
}

}  // namespace

std::string RenderModelsPage(const App& app, const std::optional<Principal>& who,
                             const audit::ModelListQuery& q, const audit::ModelList& list,
                             std::string_view here, std::string_view error) {
  Node main = El("main").Class("page").Attr("id", "main");
  main.Add(El("div")
               .Class("page-head")
               .Add(El("h1").Add("AI Models"))
               .Add(El("p").Class("lede").Add(
                   "Every model in the audit store: our verdict beside the hub's "
                   "flag, with the evidence one click away.")));
  main.Add(FilterForm(q));
  main.Add(Chips(q));
  if (!error.empty())
    main.Add(El("p").Class("alert alert-danger").Attr("role", "alert").Add(error));

  uint64_t first = list.models.empty() ? 0 : q.offset + 1;
  uint64_t last = q.offset + list.models.size();
  Node count = El("p").Class("result-count").Attr("aria-live", "polite");
  if (list.total == 0)
    count.Add("No models match these filters.");
  else
    count.Add(fmt::format("Showing {}\u2013{} of {} model{}", Thousands(first), Thousands(last),
                          Thousands(list.total), list.total == 1 ? "" : "s"));
  main.Add(std::move(count));

  if (!list.models.empty()) {
    Node thead = El("thead").Add(
        El("tr")
            .Add(SortHeader(q, "Model", audit::ModelSort::kId, "col-model"))
            .Add(El("th").Attr("scope", "col").Class("col-provider").Add("Provider"))
            .Add(SortHeader(q, "Downloads", audit::ModelSort::kDownloads, "num col-downloads"))
            .Add(El("th").Attr("scope", "col").Class("col-projects").Add("Projects"))
            .Add(El("th").Attr("scope", "col").Class("col-license").Add("License \u00B7 risk"))
            .Add(SortHeader(q, "Risk Factors", audit::ModelSort::kStatus, "col-status"))
            .Add(El("th").Attr("scope", "col").Class("col-versus").Add("Hub vs ours"))
            .Add(SortHeader(q, "Last audit", audit::ModelSort::kLastAudit, "col-audit")));
    Node tbody = El("tbody");
    for (const auto& m : list.models) tbody.Add(Row(m));
    main.Add(El("div")
                 .Class("table-wrap")
                 .Add(El("table")
                          .Class("models")
                          .Add(El("caption")
                                   .Class("visually-hidden")
                                   .Add("AI models and their risk factors"))
                          .Add(std::move(thead))
                          .Add(std::move(tbody))));
  }
  main.Add(Pager(q, list.total));
  return RenderPage(app, who, "AI Models", here, std::move(main));
}

}  // namespace mv::server
