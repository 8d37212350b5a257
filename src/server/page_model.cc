// A model's page: the status with its one-line verification, facts, then per file the hub's
// flag and our verdict side by side, our plain-language summary, the reconstructed calls with
// their offsets, why a flag is a false positive, the reviewer's decision and (for reviewers)
// the form to record one; then the sandboxed reproductions (for reviewers, the form that asks
// for one), every review and the status history.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/limits.h"
#include "hub/client.h"
#include "server/labels.h"
#include "server/pages.h"

namespace mv::server {

using html::El;
using html::Node;
using html::Url;

namespace {

std::string Short(std::string_view sha) {
  return std::string(sha.substr(0, 12));
}

Node Fact(std::string_view term, Node value) {
  return El("div").Class("fact").Add(El("dt").Add(term)).Add(El("dd").Add(std::move(value)));
}

Node ExternalLink(const Url& url, std::string_view label) {
  return El("a")
      .Class("external")
      .Link("href", url)
      .Attr("rel", "noopener noreferrer")
      .Add(label)
      .Add(El("span").Class("mark").Attr("aria-hidden", "true").Add(" \u2197"));
}

std::optional<Url> HubModelUrl(const App& app, std::string_view id) {
  if (!app.hub_origin) return std::nullopt;
  Url u = *app.hub_origin;
  u.Segments(id);
  return u;
}

std::optional<Url> HubFileUrl(const App& app, const audit::ModelSummary& m, std::string_view path) {
  auto u = HubModelUrl(app, m.id);
  if (!u) return std::nullopt;
  u->Segment("blob").Segment(m.sha.empty() ? m.revision : m.sha).Segments(path);
  return u;
}

Node Head(const App& app, const audit::ModelSummary& m) {
  Node head = El("header").Class("model-head");
  Node crumbs = El("nav").Class("crumbs").Attr("aria-label", "Breadcrumb");
  crumbs.Add(El("a").Link("href", Url("/")).Add("AI Models"));
  crumbs.Add(El("span").Attr("aria-hidden", "true").Add(" / "));
  Url provider("/");
  provider.Query("q", m.provider + "/");
  crumbs.Add(El("a").Link("href", provider).Add(m.provider));
  head.Add(std::move(crumbs));
  head.Add(El("h1").Class("model-id").Add(m.id));

  Badge status = StatusBadge(m.status);
  Node badges = El("div").Class("badges");
  badges.Add(BadgeNode(status).Class("badge-large"));
  if (m.missed_by_hub)
    badges.Add(El("span")
                   .Class("badge badge-missed badge-large")
                   .Add(El("span").Class("mark").Attr("aria-hidden", "true").Add("\u26A0"))
                   .Add("Missed by hub"));
  badges.Add(El("span").Class("source").Add(m.source == audit::StatusSource::kReviewer
                                                ? "decided by a reviewer"
                                            : m.source ? "decided automatically"
                                                       : "not audited yet"));
  head.Add(std::move(badges));
  if (!m.verification.empty())
    head.Add(El("p")
                 .Class(std::string("callout callout-") + status.tone)
                 .Add(El("span").Class("callout-label").Add("Verification"))
                 .Add(m.verification));
  if (auto hub = HubModelUrl(app, m.id))
    head.Add(El("p").Class("hub-link").Add(ExternalLink(*hub, "Open this model on the hub")));
  return head;
}

Node Facts(const audit::ModelDetail& d) {
  const audit::ModelSummary& m = d.model;
  Node dl = El("dl").Class("facts");
  dl.Add(Fact("Provider", html::Text(m.provider)));
  dl.Add(Fact("Downloads", html::Text(Thousands(m.downloads))));
  dl.Add(Fact("Likes", html::Text(Thousands(m.likes))));
  dl.Add(Fact("License",
              El("span")
                  .Add(El("span").Class("license-id").Add(m.license.empty() ? "none" : m.license))
                  .Add(" ")
                  .Add(BadgeNode(LicenseRiskBadge(m.license_risk)))));
  Node hub = El("span").Add(BadgeNode(HubFlagBadge(m.hub_flag)));
  if (!m.hub_message.empty()) hub.Add(" ").Add(El("span").Class("fact-note").Add(m.hub_message));
  dl.Add(Fact("Hub flag", std::move(hub)));
  dl.Add(Fact("Our verdict", BadgeNode(VerdictBadge(m.our_verdict))));
  dl.Add(Fact("Audited revision",
              m.sha.empty() ? html::Text(m.revision)
                            : El("span")
                                  .Add(m.revision + " @ ")
                                  .Add(El("code").Attr("title", m.sha).Add(Short(m.sha)))));
  dl.Add(Fact("Last audit", TimeNode(m.last_audit)));
  Node files = El("span").Add(fmt::format("{} total", m.files.total));
  if (m.files.unsafe) files.Add(fmt::format(", {} unsafe", m.files.unsafe));
  if (m.files.needs_review) files.Add(fmt::format(", {} need review", m.files.needs_review));
  if (m.files.error) files.Add(fmt::format(", {} unreadable", m.files.error));
  if (m.files.not_analysed) files.Add(fmt::format(", {} not analysed", m.files.not_analysed));
  dl.Add(Fact("Files", std::move(files)));
  Node projects = El("span");
  if (m.projects.empty()) projects.Class("muted").Add("none recorded");
  for (size_t i = 0; i < m.projects.size(); ++i) {
    if (i) projects.Add(", ");
    Url u("/");
    u.Query("project", m.projects[i]);
    projects.Add(El("a").Link("href", u).Add(m.projects[i]));
  }
  dl.Add(Fact("Projects", std::move(projects)));
  if (d.last_scan) {
    const audit::ScanView& s = *d.last_scan;
    Node scan = El("span").Add(fmt::format("{} of {} files read ({}) by {}", s.files_scanned,
                                           s.files_total, Bytes(s.bytes_read), s.tool_version));
    if (!s.error.empty()) scan.Add(El("span").Class("warn-text").Add(" \u2014 " + s.error));
    dl.Add(Fact("Last scan", std::move(scan)));
  }
  return El("section").Class("card").Attr("aria-label", "Facts").Add(std::move(dl));
}

Node Findings(const audit::FileView& f) {
  Node table = El("table").Class("findings");
  table.Add(El("caption").Class("visually-hidden").Add("Findings in " + f.path));
  table.Add(El("thead").Add(El("tr")
                                .Add(El("th").Attr("scope", "col").Add("Severity"))
                                .Add(El("th").Attr("scope", "col").Add("Reconstructed call"))
                                .Add(El("th").Attr("scope", "col").Add("Where"))
                                .Add(El("th").Attr("scope", "col").Add("Why it matters"))));
  Node body = El("tbody");
  for (const Finding& x : f.findings) {
    audit::Location loc = audit::SplitLocation(x.location);
    Node where = El("span").Class("where");
    where.Add(El("code").Add(loc.member));
    if (loc.offset)
      where.Add(El("span").Class("offset").Add(fmt::format("byte {}", Thousands(*loc.offset))));
    Node what = El("div");
    if (!x.evidence.empty()) what.Add(El("code").Class("evidence").Add(x.evidence));
    what.Add(
        El("span").Class("category").Add(x.category + (x.rule.empty() ? "" : " \u00B7 " + x.rule)));
    body.Add(
        El("tr")
            .Add(El("td").Attr("data-label", "Severity").Add(BadgeNode(SeverityBadge(x.severity))))
            .Add(El("td").Attr("data-label", "Call").Add(std::move(what)))
            .Add(El("td").Attr("data-label", "Where").Add(std::move(where)))
            .Add(El("td").Attr("data-label", "Why").Add(x.message)));
  }
  table.Add(std::move(body));
  return El("div").Class("table-wrap").Add(std::move(table));
}

Node ReviewForm(const audit::ModelSummary& m, const audit::FileView& f, const Principal& who,
                size_t index, const ReviewFormState& state) {
  bool mine = state.path == f.path;
  std::string id = fmt::format("note-{}", index);
  Node form = El("form")
                  .Class("review-form")
                  .Attr("method", "post")
                  .Attr("enctype", "multipart/form-data")
                  .Link("action", Url(ModelUrl(m.id)).Segment("reviews"));
  form.Add(El("input").Attr("type", "hidden").Attr("name", "csrf").Attr("value", who.csrf));
  form.Add(El("input").Attr("type", "hidden").Attr("name", "path").Attr("value", f.path));
  Node choices = El("fieldset").Class("choices").Add(El("legend").Add("Decision"));
  for (auto d : {audit::Decision::kConfirmedUnsafe, audit::Decision::kFalsePositive}) {
    std::string rid = fmt::format("decision-{}-{}", index, audit::DecisionName(d));
    Node radio = El("input")
                     .Attr("type", "radio")
                     .Attr("id", rid)
                     .Attr("name", "decision")
                     .Attr("value", audit::DecisionName(d))
                     .Attr("required");
    choices.Add(El("label")
                    .Class(std::string("choice choice-") + DecisionBadge(d).tone)
                    .Attr("for", rid)
                    .Add(std::move(radio))
                    .Add(DecisionBadge(d).label));
  }
  form.Add(std::move(choices));
  form.Add(El("label").Attr("for", id).Add("Why (recorded with your name and the time)"));
  form.Add(El("textarea")
               .Attr("id", id)
               .Attr("name", "note")
               .Attr("rows", "3")
               .Attr("required")
               .Attr("maxlength", std::to_string(limits::kMaxReviewNoteBytes))
               .Attr("placeholder", "What you checked and why it settles the question")
               .Add(mine ? state.note : ""));
  form.Add(El("button").Attr("type", "submit").Class("button").Add("Record decision"));
  Node details = El("details").Class("review");
  if (mine) details.Attr("open");
  details.Add(El("summary").Add("Record a decision on this file"));
  if (mine && !state.error.empty())
    details.Add(El("p").Class("alert alert-danger").Attr("role", "alert").Add(state.error));
  details.Add(std::move(form));
  return details;
}

Node FileCard(const App& app, const audit::ModelDetail& d, const audit::FileView& f, size_t index,
              const std::optional<Principal>& who, const ReviewFormState& state) {
  Badge ours = VerdictBadge(f.verdict);
  Node card = El("article")
                  .Class("file card")
                  .Class(std::string("file-") + ours.tone)
                  .Attr("id", fmt::format("file-{}", index));
  Node head = El("header").Class("file-head");
  head.Add(El("h3").Add(El("code").Class("path").Add(f.path)));
  Node meta = El("p").Class("file-meta").Add(Bytes(f.size));
  if (!f.sha256.empty())
    meta.Add(" \u00B7 sha256 ").Add(El("code").Attr("title", f.sha256).Add(Short(f.sha256)));
  if (!f.format.empty()) meta.Add(" \u00B7 " + f.format);
  if (!f.loader.empty()) meta.Add(" \u00B7 loaded by " + f.loader);
  if (auto u = HubFileUrl(app, d.model, f.path))
    meta.Add(" \u00B7 ").Add(ExternalLink(*u, "on the hub"));
  head.Add(std::move(meta));
  card.Add(std::move(head));

  // The hub's flag and our verdict side by side.
  Node hub = El("div").Class("side side-hub");
  hub.Add(El("h4").Add("The hub says"));
  hub.Add(BadgeNode(HubLevelBadge(f.hub_status)));
  if (!f.hub_message.empty()) hub.Add(El("p").Class("hub-message").Add(f.hub_message));
  if (!f.hub_imports.empty()) {
    Node list = El("ul").Class("imports").Attr("aria-label", "Imports the hub's scanner listed");
    for (const auto& i : f.hub_imports)
      list.Add(El("li")
                   .Class(std::string("import-") + (i.safety == "dangerous"    ? "danger"
                                                    : i.safety == "suspicious" ? "warn"
                                                                               : "ok"))
                   .Add(El("code").Add(i.module + "." + i.name))
                   .Add(El("span").Class("safety").Add(i.safety)));
    hub.Add(std::move(list));
  }
  Node mine = El("div").Class("side side-ours");
  mine.Add(El("h4").Add("modelvet found"));
  mine.Add(BadgeNode(ours));
  if (!f.summary.empty()) mine.Add(El("p").Class("summary").Add(f.summary));
  mine.Add(El("p").Class("read").Add(
      fmt::format("Read {} of {} without loading it.", Bytes(f.bytes_read), Bytes(f.size))));
  if (!f.error.empty()) mine.Add(El("p").Class("warn-text").Add(f.error));
  card.Add(El("div").Class("compare").Add(std::move(hub)).Add(std::move(mine)));

  // The reviewer's decision, which outranks ours; else, for a flag we clear, why.
  if (f.review) {
    const audit::ReviewView& r = *f.review;
    card.Add(El("p")
                 .Class("decision")
                 .Add(BadgeNode(DecisionBadge(r.decision)))
                 .Add("by ")
                 .Add(El("strong").Add(r.reviewer))
                 .Add(", ")
                 .Add(TimeNode(r.time))
                 .Add(El("span").Class("decision-note").Add(r.note)));
  } else if (f.verdict == Verdict::kSafe && f.hub_flagged) {
    card.Add(El("p")
                 .Class("clearing")
                 .Add(El("strong").Add("Why the hub's flag is a false positive: "))
                 .Add(f.summary));
  }
  if (!f.findings.empty()) {
    card.Add(El("h4").Add(f.verdict == Verdict::kSafe ? "What a load would do (all benign)"
                                                      : "What a load would do"));
    card.Add(Findings(f));
  }
  if (who) card.Add(ReviewForm(d.model, f, *who, index, state));
  return card;
}

// "Reproduce in sandbox": for reviewers; on a server without --allow-reproduce the button is
// disabled and the reason shown.
Node ReproduceForm(const App& app, const audit::ModelSummary& m, const Principal& who) {
  Node form = El("form")
                  .Class("reproduce-form")
                  .Attr("method", "post")
                  .Link("action", Url(ModelUrl(m.id)).Segment("reproduce"));
  form.Add(El("input").Attr("type", "hidden").Attr("name", "csrf").Attr("value", who.csrf));
  Node button = El("button").Attr("type", "submit").Class("button").Add("Reproduce in sandbox");
  if (!app.config.allow_reproduce) {
    button.Attr("disabled").Attr("aria-describedby", "reproduce-off");
    form.Add(std::move(button));
    form.Add(El("p")
                 .Class("hint")
                 .Attr("id", "reproduce-off")
                 .Add(std::string("Unavailable \u2014 ") + kReproduceOff + "."));
    return form;
  }
  form.Add(std::move(button));
  form.Add(El("p").Class("hint").Add(
      "Audits the model again and loads each file the static engine calls unsafe or needs "
      "review with its real loader, inside the sandbox on this server, recording what the "
      "load does."));
  return form;
}

Node Reproduction(const store::Reproduction& r) {
  Node item = El("li").Class("reproduction");
  item.Add(El("div")
               .Class("repro-head")
               .Add(El("code").Class("path").Add(r.path))
               .Add(BadgeNode(OutcomeBadge(r.outcome)))
               .Add(El("span")
                        .Class("repro-meta")
                        .Add("loaded by ")
                        .Add(El("span").Class("loader").Add(r.loader)))
               .Add(El("span").Class("repro-meta").Add(TimeNode(r.time))));
  auto observed = nlohmann::json::parse(r.observed_json, nullptr, false);
  auto str = [](const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  Node tbody = El("tbody");
  size_t rows = 0;
  if (observed.is_array())
    for (const auto& o : observed) {
      if (!o.is_object()) continue;
      ++rows;
      tbody.Add(El("tr")
                    .Add(El("td").Attr("data-label", "Kind").Add(str(o, "kind")))
                    .Add(El("td").Attr("data-label", "When").Add(str(o, "when")))
                    .Add(El("td")
                             .Attr("data-label", "What")
                             .Add(El("code").Class("detail").Add(str(o, "detail")))));
    }
  if (rows) {
    item.Add(
        El("div")
            .Class("table-wrap")
            .Add(El("table")
                     .Class("observations")
                     .Add(El("caption").Class("visually-hidden").Add("Observed loading " + r.path))
                     .Add(El("thead").Add(El("tr")
                                              .Add(El("th").Attr("scope", "col").Add("Kind"))
                                              .Add(El("th").Attr("scope", "col").Add("When"))
                                              .Add(El("th").Attr("scope", "col").Add("What"))))
                     .Add(std::move(tbody))));
  } else {
    item.Add(El("p").Class("muted").Add("Nothing was observed."));
  }
  // Why the run did not complete, from the whole report.
  auto report = nlohmann::json::parse(r.report_json, nullptr, false);
  if (report.is_object()) {
    if (std::string e = str(report, "load_error"); !e.empty())
      item.Add(El("p").Class("warn-text").Add("The load failed: " + e));
    if (auto sb = report.find("sandbox"); sb != report.end() && sb->is_object())
      if (std::string e = str(*sb, "error"); !e.empty())
        item.Add(El("p").Class("warn-text").Add("The sandbox could not run: " + e));
  }
  return item;
}

Node Reproductions(const App& app, const audit::ModelDetail& d,
                   const std::optional<Principal>& who) {
  Node sec = El("section").Class("card reproductions").Attr("aria-labelledby", "reproductions-h");
  sec.Add(El("h2").Attr("id", "reproductions-h").Add("Reproductions"));
  sec.Add(El("p").Class("hint").Add(
      "What loading a file with its real loader in the sandbox did. An observation confirms a "
      "payload; a quiet run never clears a file."));
  // Hub models only: a listed id no hub allows cannot be audited.
  if (who && MayReproduce(who->role) && hub::ValidateRepoId(d.model.id).ok())
    sec.Add(ReproduceForm(app, d.model, *who));
  if (d.reproductions.empty()) {
    sec.Add(El("p").Class("muted").Add("No file of this model has been loaded in the sandbox."));
    return sec;
  }
  Node list = El("ol").Class("reproduction-list").Attr("reversed");
  for (auto it = d.reproductions.rbegin(); it != d.reproductions.rend(); ++it)
    list.Add(Reproduction(*it));
  sec.Add(std::move(list));
  return sec;
}

Node Reviews(const audit::ModelDetail& d) {
  Node sec = El("section").Class("card").Attr("aria-labelledby", "reviews-h");
  sec.Add(El("h2").Attr("id", "reviews-h").Add("Reviews"));
  if (d.reviews.empty()) {
    sec.Add(El("p").Class("muted").Add("No reviewer has recorded a decision on this model."));
    return sec;
  }
  Node tbody = El("tbody");
  for (auto it = d.reviews.rbegin(); it != d.reviews.rend(); ++it) {
    const audit::ReviewView& r = *it;
    Node state = r.active
                     ? El("span").Class("ok-text").Add("applies")
                     : El("span").Class("muted").Add("no longer applies: " + r.superseded_reason);
    tbody.Add(
        El("tr")
            .Class(r.active ? "" : "inactive")
            .Add(El("td").Attr("data-label", "When").Add(TimeNode(r.time)))
            .Add(El("td").Attr("data-label", "Reviewer").Add(r.reviewer))
            .Add(El("td").Attr("data-label", "File").Add(El("code").Add(r.path)))
            .Add(El("td").Attr("data-label", "Decision").Add(BadgeNode(DecisionBadge(r.decision))))
            .Add(El("td").Attr("data-label", "Why").Add(r.note))
            .Add(El("td").Attr("data-label", "State").Add(std::move(state))));
  }
  sec.Add(El("div")
              .Class("table-wrap")
              .Add(El("table")
                       .Class("reviews")
                       .Add(El("thead").Add(El("tr")
                                                .Add(El("th").Attr("scope", "col").Add("When"))
                                                .Add(El("th").Attr("scope", "col").Add("Reviewer"))
                                                .Add(El("th").Attr("scope", "col").Add("File"))
                                                .Add(El("th").Attr("scope", "col").Add("Decision"))
                                                .Add(El("th").Attr("scope", "col").Add("Why"))
                                                .Add(El("th").Attr("scope", "col").Add("State"))))
                       .Add(std::move(tbody))));
  return sec;
}

Node History(const audit::ModelDetail& d) {
  Node sec = El("section").Class("card").Attr("aria-labelledby", "history-h");
  sec.Add(El("h2").Attr("id", "history-h").Add("Status history"));
  if (d.history.empty()) {
    sec.Add(El("p").Class("muted").Add("No status yet."));
    return sec;
  }
  Node list = El("ol").Class("timeline").Attr("reversed");
  for (auto it = d.history.rbegin(); it != d.history.rend(); ++it) {
    const audit::HistoryEntry& h = *it;
    Node change = El("div").Class("change");
    change.Add(h.from ? BadgeNode(StatusBadge(h.from)) : El("span").Class("muted").Add("new"));
    change.Add(El("span").Class("arrow").Attr("aria-label", "to").Add(" \u2192 "));
    change.Add(BadgeNode(StatusBadge(h.to)));
    if (h.missed_by_hub) change.Add(El("span").Class("badge badge-missed").Add("Missed by hub"));
    list.Add(El("li")
                 .Add(El("div")
                          .Class("when")
                          .Add(TimeNode(h.time))
                          .Add(El("span").Class("who").Add(fmt::format(
                              " \u00B7 {} \u00B7 {}", audit::StatusSourceName(h.source), h.who))))
                 .Add(std::move(change))
                 .Add(El("p").Class("reason").Add(h.reason)));
  }
  sec.Add(std::move(list));
  return sec;
}

}  // namespace

std::string RenderModelPage(const App& app, const std::optional<Principal>& who,
                            const audit::ModelDetail& d, std::string_view here,
                            const ReviewFormState& form) {
  Node main = El("main").Class("page model").Attr("id", "main");
  main.Add(Head(app, d.model));
  if (!form.notice.empty())
    main.Add(El("p").Class("alert alert-ok").Attr("role", "status").Add(form.notice));
  if (!form.error.empty() && form.path.empty())
    main.Add(El("p").Class("alert alert-danger").Attr("role", "alert").Add(form.error));
  main.Add(Facts(d));

  Node files = El("section").Class("files").Attr("aria-labelledby", "files-h");
  files.Add(El("h2").Attr("id", "files-h").Add(fmt::format("Files ({})", d.files.size())));
  if (!who && d.model.status)
    files.Add(El("p")
                  .Class("hint")
                  .Add(El("a").Link("href", Url("/login").Query("next", here)).Add("Sign in"))
                  .Add(" as a reviewer to record a decision on a file."));
  if (d.files.empty()) files.Add(El("p").Class("muted").Add("Not audited yet: no files recorded."));
  // Files that raise a question first: unsafe, needs review, unreadable, flagged by the hub.
  std::vector<size_t> order(d.files.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto rank = [&](const audit::FileView& f) {
    int r = !f.verdict                            ? 2
            : *f.verdict == Verdict::kUnsafe      ? 5
            : *f.verdict == Verdict::kNeedsReview ? 4
            : *f.verdict == Verdict::kError       ? 3
                                                  : 0;
    return r + (f.hub_flagged ? 1 : 0);
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return rank(d.files[a]) > rank(d.files[b]); });
  for (size_t i : order) files.Add(FileCard(app, d, d.files[i], i, who, form));
  main.Add(std::move(files));
  main.Add(Reproductions(app, d, who));
  main.Add(Reviews(d));
  main.Add(History(d));
  return RenderPage(app, who, d.model.id, here, std::move(main));
}

}  // namespace mv::server
