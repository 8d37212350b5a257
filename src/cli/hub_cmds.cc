// Hub audit commands: audit, triage, status, review. The store is --db (or $MODELVET_DB, or the
// user's data directory): an SQLite file or a PostgreSQL URL (store::Open); the hub is
// HF_ENDPOINT (default huggingface.co).
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "audit/audit_all.h"
#include "audit/model_json.h"
#include "audit/model_view.h"
#include "cli/commands.h"
#include "cli/store_arg.h"
#include "core/enum_text.h"
#include "core/text.h"
#include "core/version.h"
#include "hub/client.h"
#include "report/json_text.h"
#include "reproduce/reproduce.h"
#include "store/store.h"

namespace mv::cli {

namespace {

using nlohmann::ordered_json;

// Everything printed below may hold text a hub or a file chose (repo ids, paths, hub
// messages, licence names, notes, reviewer names, error messages quoting them): it goes
// through EscapeText (text) or report::JsonText (JSON), never out raw.
std::string E(std::string_view s) {
  return EscapeText(s);
}

void PrintError(std::string_view what) {
  std::cerr << "modelvet: " << E(what) << "\n";
}

std::string Human(uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", n) : fmt::format("{:.1f} {}", v, units[u]);
}

std::string Thousands(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string s;  // built forward: inserting "," in place makes GCC 12 -O3 warn (-Wrestrict)
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s += ',';
    s += digits[i];
  }
  return s;
}

std::string StatusLabel(const store::ModelRecord& m) {
  if (!m.status) return "not audited";
  std::string s = EnumText(*m.status);
  return m.missed_by_hub ? s + " (missed-by-hub)" : s;
}

std::string LicenseLabel(const store::ModelRecord& m) {
  std::string l = m.license.empty() ? "none" : m.license;
  return m.license_risk.empty() ? l : l + " (" + m.license_risk + ")";
}

// Plain aligned columns (cells escaped); the last column is not padded.
void PrintTable(std::ostream& out, std::vector<std::vector<std::string>> rows) {
  if (rows.empty()) return;
  for (auto& r : rows)
    for (auto& cell : r) cell = E(cell);
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& r : rows)
    for (size_t i = 0; i + 1 < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    out << line << "\n";
  }
}

Result<std::shared_ptr<const kb::KnowledgeBase>> LoadKb(const Globals& g) {
  return kb::KnowledgeBase::Load(g.rules, g.trusted_modules);
}

void PrintAuditLine(const audit::AuditResult& r) {
  std::cout << fmt::format("{}  {}  {}\n", E(r.model.id), E(StatusLabel(r.model)),
                           E(r.model.verification));
  std::cout << fmt::format(
      "    {} file{}, read {} of {}; hub: {}; license {}\n", r.files.size(),
      r.files.size() == 1 ? "" : "s", Human(r.bytes_read), Human(r.bytes_total),
      r.model.hub_flag.empty() ? "no flag" : E(r.model.hub_message), E(LicenseLabel(r.model)));
  for (const auto& s : r.stale_reviews) std::cout << "    " << E(s.reason) << "\n";
}

ordered_json AuditJson(const audit::AuditResult& r) {
  ordered_json files = ordered_json::array();
  for (const auto& f : r.files)
    files.push_back({{"path", f.path},
                     {"hub_status", f.hub_status},
                     {"verdict", f.verdict ? VerdictName(*f.verdict) : ""},
                     {"summary", f.summary},
                     {"bytes_read", f.bytes_read},
                     {"size", f.size}});
  ordered_json stale = ordered_json::array();
  for (const auto& s : r.stale_reviews) stale.push_back(s.reason);
  return {{"id", r.model.id},
          {"status", r.model.status ? EnumText(*r.model.status) : ""},
          {"missed_by_hub", r.model.missed_by_hub},
          {"status_source", r.model.status_source ? EnumText(*r.model.status_source) : ""},
          {"verification", r.model.verification},
          {"bytes_read", r.bytes_read},
          {"bytes_total", r.bytes_total},
          {"files", files},
          {"stale_reviews", stale}};
}

// Audits each ref; returns the exit code: 2 if any audit failed, else 1 if any model is
// confirmed-unsafe, else 0. `run`: the `audit --all` run the audits count towards (0: none).
int RunAudits(const std::vector<hub::RepoRef>& refs, store::Store& st, const Globals& g,
              const std::string& format, size_t max_files, bool quiet, int64_t run = 0,
              bool reproduce = false) {
  auto kb = LoadKb(g);
  if (!kb.ok()) {
    PrintError("rules: " + kb.error().message);
    return 2;
  }
  hub::HubClient client(hub::HubConfig::FromEnv());
  audit::AuditOptions opts;
  opts.scan.kb = *kb;
  opts.max_files = max_files;
  opts.tool = std::string("modelvet ") + kVersion;
  opts.run = run;
  // --reproduce: one sandbox for the whole run, so each loader's baseline is learned once.
  auto reproducer = std::make_shared<reproduce::Reproducer>();
  if (reproduce) {
    opts.reproduce = [reproducer](const std::string& path, reproduce::Loader loader) {
      return reproducer->Reproduce(path, loader);
    };
  }
  bool progress = !quiet && isatty(STDERR_FILENO);
  if (progress)
    opts.progress = [](std::string_view line) {
      std::fprintf(stderr, "\r\x1b[K%s", EscapeText(line).c_str());
    };
  int rc = 0;
  ordered_json all = ordered_json::array();
  for (const auto& ref : refs) {
    auto r = audit::AuditModel(client, st, ref, opts);
    if (progress) std::fprintf(stderr, "\r\x1b[K");
    if (!r.ok()) {
      PrintError("audit " + ref.ToString() + ": " + r.error().message);
      if (format == "json") all.push_back({{"id", ref.repo}, {"error", r.error().message}});
      rc = 2;
      continue;
    }
    if (r->model.status == store::ModelStatus::kConfirmedUnsafe && rc == 0) rc = 1;
    if (format == "json")
      all.push_back(AuditJson(*r));
    else
      PrintAuditLine(*r);
  }
  if (format == "json") std::cout << report::JsonText(all, 2) << "\n";
  return rc;
}

// ---- audit ----------------------------------------------------------------------------------

struct AuditArgs {
  std::vector<std::string> repos;
  bool all = false;
  bool restart = false;
  std::string format = "text";
  std::string db;
  size_t max_files = limits::kMaxAuditFiles;
  bool quiet = false;
  bool reproduce = false;
};

int RunAudit(const AuditArgs& a, Globals& g) {
  auto st = OpenStore(StorePath(g, a.db));
  if (!st) return 2;
  std::vector<hub::RepoRef> refs;
  for (const auto& text : a.repos) {
    auto ref = hub::RepoRef::Parse(text);
    if (!ref.ok()) {
      PrintError("audit: " + ref.error().message);
      return 2;
    }
    refs.push_back(*ref);
  }
  int rc = 0;
  int64_t run = 0;
  bool unsafe_before = false;  // a model the resumed run finished before is confirmed-unsafe
  if (a.all) {
    auto plan = audit::PlanAuditAll(*st, a.restart, audit::NowUtc());
    if (!plan.ok()) {
      PrintError(plan.error().message);
      return 2;
    }
    run = plan->run;
    unsafe_before = plan->unsafe_before;
    if (plan->resumed) {
      std::cerr << fmt::format(
          "modelvet: audit --all: resuming the run started {} ({} model{} already done; "
          "--restart to start over)\n",
          E(plan->resumed_started), plan->done, plan->done == 1 ? "" : "s");
    }
    for (const auto& why : plan->skipped) {
      PrintError("audit: skipped: " + why);
      rc = 2;
    }
    refs.insert(refs.end(), plan->refs.begin(), plan->refs.end());
    if (refs.empty() && plan->done > 0) {
      if (auto f = st->FinishAuditRun(run, audit::NowUtc()); !f.ok()) PrintError(f.error().message);
      if (a.format == "json") std::cout << "[]\n";
      return rc == 2 ? 2 : unsafe_before ? 1 : 0;
    }
  }
  if (refs.empty()) {
    std::cerr << "modelvet: audit: name ORG/NAME[@REV]… or --all (the store is empty: run "
                 "`modelvet triage` first)\n";
    return 2;
  }
  int audits = RunAudits(refs, *st, g, a.format, a.max_files, a.quiet, run, a.reproduce);
  if (run != 0) {
    if (auto f = st->FinishAuditRun(run, audit::NowUtc()); !f.ok()) {
      PrintError(f.error().message);
      return 2;
    }
  }
  if (rc == 2 || audits == 2) return 2;
  return audits == 1 || unsafe_before ? 1 : 0;
}

// ---- triage ---------------------------------------------------------------------------------

struct TriageArgs {
  size_t limit = 20;
  size_t window = 200;
  std::string search, author;
  bool audit = false;
  std::string format = "text";
  std::string db;
  bool quiet = false;
};

int RunTriage(const TriageArgs& a, Globals& g) {
  auto st = OpenStore(StorePath(g, a.db));
  if (!st) return 2;
  hub::HubClient client(hub::HubConfig::FromEnv());
  audit::TriageOptions opts;
  opts.search = a.search;
  opts.author = a.author;
  opts.limit = a.limit;
  opts.window = a.window;
  auto queue = audit::BuildTriageQueue(client, st.get(), opts, [](std::string_view line) {
    std::cerr << "modelvet: triage: " << E(line) << "\n";
  });
  if (!queue.ok()) {
    PrintError("triage: " + queue.error().message);
    return 2;
  }
  if (a.format == "json" && !a.audit) {
    ordered_json arr = ordered_json::array();
    for (const auto& c : *queue) {
      ordered_json flagged = ordered_json::array();
      for (const auto& f : c.flagged) flagged.push_back({{"path", f.path}, {"level", f.level}});
      arr.push_back({{"id", c.id},
                     {"downloads", c.downloads},
                     {"hub_flag", c.hub_flag},
                     {"flagged", flagged},
                     {"license", c.license},
                     {"license_risk", c.license_risk}});
    }
    std::cout << report::JsonText(arr, 2) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {
      {"#", "MODEL", "DOWNLOADS", "HUB FLAG", "FLAGGED FILES", "LICENSE"}};
  size_t i = 0;
  for (const auto& c : *queue) {
    std::vector<std::string> paths;
    for (const auto& f : c.flagged) paths.push_back(f.path);
    rows.push_back({std::to_string(++i), c.id, Thousands(c.downloads), c.hub_flag,
                    fmt::format("{}", fmt::join(paths, ", ")),
                    (c.license.empty() ? "none" : c.license) + " (" + c.license_risk + ")"});
  }
  std::ostream& out = a.audit ? std::cerr : std::cout;
  out << fmt::format(
      "Triage queue: {} flagged model{} (most downloaded first; "
      "training_args.bin-only flags skipped)\n",
      queue->size(), queue->size() == 1 ? "" : "s");
  PrintTable(out, rows);
  if (!a.audit) return 0;
  std::vector<hub::RepoRef> refs;
  for (const auto& c : *queue) {
    hub::RepoRef r;
    r.repo = c.id;
    refs.push_back(r);
  }
  return RunAudits(refs, *st, g, a.format, limits::kMaxAuditFiles, a.quiet);
}

// ---- status ---------------------------------------------------------------------------------

struct StatusArgs {
  std::string model;
  std::string project;
  std::string format = "text";
  std::string db;
  bool details = false;
};

// The table and the model pages come from the query layer (audit/model_view.h), the same one
// the HTTP API uses; every query's error fails the command (nothing is printed before all of it
// was read).
std::string StatusLabel(const audit::ModelSummary& m) {
  if (!m.status) return "not audited";
  std::string s = audit::StatusName(*m.status);
  return m.missed_by_hub ? s + " (missed-by-hub)" : s;
}

std::string LicenseLabel(const audit::ModelSummary& m) {
  std::string l = m.license.empty() ? "none" : m.license;
  return m.license_risk ? l + " (" + audit::LicenseRiskName(*m.license_risk) + ")" : l;
}

std::string HubFlagText(const audit::ModelSummary& m) {
  return m.hub_flag == audit::HubFlag::kNone ? "" : audit::HubFlagName(m.hub_flag);
}

void PrintDetail(const audit::ModelDetail& d) {
  const audit::ModelSummary& m = d.model;
  std::cout << "\nFiles of " << E(m.id) << (m.sha.empty() ? "" : " @ " + E(m.sha)) << ":\n";
  std::vector<std::vector<std::string>> fr = {{"PATH", "HUB", "OURS", "READ", "SUMMARY"}};
  for (const auto& f : d.files)
    fr.push_back({f.path, f.hub_status.empty() ? "-" : f.hub_status,
                  f.verdict ? VerdictName(*f.verdict) : "not analysed",
                  Human(f.bytes_read) + "/" + Human(f.size),
                  f.summary + (f.hub_message.empty() ? "" : " [hub: " + f.hub_message + "]")});
  PrintTable(std::cout, fr);
  if (!d.reviews.empty()) {
    std::cout << "\nReviews:\n";
    for (const auto& r : d.reviews)
      std::cout << fmt::format(
          "  {} {} {} on {}: {}{}\n", E(r.time), E(r.reviewer), audit::DecisionName(r.decision),
          E(r.path), E(r.note),
          r.active ? "" : " [no longer applies: " + E(r.superseded_reason) + "]");
  }
  if (!d.reproductions.empty()) {
    std::cout << "\nReproductions (sandboxed loads):\n";
    for (const auto& r : d.reproductions) {
      ordered_json observed = ordered_json::parse(r.observed_json, nullptr, false);
      std::string first =
          observed.is_array() && !observed.empty() && observed[0].is_object()
              ? E(observed[0].value("kind", "")) + ": " + E(observed[0].value("detail", ""))
              : "";
      std::cout << fmt::format("  {} {} ({}): {}{}\n", E(r.time), E(r.path), E(r.loader),
                               E(r.outcome), first.empty() ? "" : " — " + first);
    }
  }
  if (!d.history.empty()) {
    std::cout << "\nHistory:\n";
    for (const auto& c : d.history)
      std::cout << fmt::format("  {} {} -> {}{} ({}, {}): {}\n", E(c.time),
                               c.from ? audit::StatusName(*c.from) : "new", audit::StatusName(c.to),
                               c.missed_by_hub ? " (missed-by-hub)" : "",
                               audit::StatusSourceName(c.source), E(c.who), E(c.reason));
  }
}

int RunStatus(const StatusArgs& a, Globals& g) {
  if (!a.project.empty()) return RunProjectStatus(a.project, a.format, StorePath(g, a.db));
  auto st = OpenStore(StorePath(g, a.db));
  if (!st) return 2;
  std::vector<audit::ModelDetail> details;  // when details are shown
  std::vector<audit::ModelSummary> models;
  if (!a.model.empty()) {
    auto d = audit::GetModelDetail(*st, a.model);
    if (!d.ok()) {
      PrintError(d.error().message);
      return 2;
    }
    if (!d->has_value()) {
      std::cerr << "modelvet: status: " << E(a.model) << " is not in " << E(st->Describe())
                << " (run `modelvet audit " << E(a.model) << "`)\n";
      return 2;
    }
    models.push_back((*d)->model);
    details.push_back(std::move(**d));
  } else {
    auto all = audit::ListModels(*st, audit::ModelListQuery{});  // most downloaded first
    if (!all.ok()) {
      PrintError(all.error().message);
      return 2;
    }
    models = std::move(all->models);
    if (a.details)
      for (const auto& m : models) {
        auto d = audit::GetModelDetail(*st, m.id);
        if (!d.ok()) {
          PrintError("status: " + m.id + ": " + d.error().message);
          return 2;
        }
        if (d->has_value()) details.push_back(std::move(**d));
      }
  }
  bool show_details = a.details || !a.model.empty();
  if (a.format == "json") {
    ordered_json arr = ordered_json::array();
    if (show_details)
      for (const auto& d : details) arr.push_back(audit::DetailJson(d, audit::Absent::kEmptyText));
    else
      for (const auto& m : models) arr.push_back(audit::SummaryJson(m, audit::Absent::kEmptyText));
    std::cout << report::JsonText(arr, 2) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {
      {"MODEL", "STATUS", "HUB FLAG", "OURS", "DOWNLOADS", "LICENSE", "VERIFICATION"}};
  for (const auto& m : models) {
    std::string hub = HubFlagText(m);
    rows.push_back(
        {m.id, StatusLabel(m) + (m.source == audit::StatusSource::kReviewer ? " [reviewed]" : ""),
         hub.empty() ? "-" : hub, m.our_verdict ? VerdictName(*m.our_verdict) : "-",
         Thousands(m.downloads), LicenseLabel(m), m.verification});
  }
  PrintTable(std::cout, rows);
  if (models.empty()) std::cout << "(no models in " << E(st->Describe()) << ")\n";
  if (!show_details) {
    // The hub's own words, under the table (they are long).
    bool header = false;
    for (const auto& m : models) {
      if (m.hub_message.empty()) continue;
      if (!header) std::cout << "\nHub messages:\n";
      header = true;
      std::cout << "  " << E(m.id) << ": " << E(m.hub_message) << "\n";
    }
    return 0;
  }
  for (const auto& d : details) PrintDetail(d);
  return 0;
}

// ---- review ---------------------------------------------------------------------------------

struct ReviewArgs {
  std::string model, path, decision, note, reviewer, db;
  bool reviewer_given = false;  // --reviewer on the command line (even blank): no $USER fallback
};

int RunReview(const ReviewArgs& a, Globals& g) {
  audit::ReviewRequest req;
  req.model = a.model;
  req.path = a.path;
  req.decision = *EnumFromText<store::Decision>(a.decision);  // CLI11 checked the value
  req.note = a.note;
  req.reviewer = a.reviewer;
  if (!a.reviewer_given)
    if (const char* u = std::getenv("USER"); u && *u) req.reviewer = u;
  auto st = OpenStore(StorePath(g, a.db));
  if (!st) return 2;
  // ApplyReview refuses a blank note or reviewer and text that is not UTF-8, before anything
  // is stored (a bad note must never reach the audit trail).
  auto r = audit::ApplyReview(*st, req);
  if (!r.ok()) {
    PrintError(r.error().message);
    return 2;
  }
  std::cout << fmt::format("recorded: {} {} {} by {}\n", E(a.model), E(a.path), a.decision,
                           E(req.reviewer));
  std::cout << fmt::format("status: {} -> {}{}: {}\n",
                           r->change.from ? EnumText(*r->change.from) : "new",
                           EnumText(r->change.to), r->model.missed_by_hub ? " (missed-by-hub)" : "",
                           E(r->model.verification));
  return 0;
}

void AddDbOption(CLI::App* cmd, std::string& db) {
  cmd->add_option("--db", db, "Store file (default: $MODELVET_DB or the user data directory)");
}

}  // namespace

void AddAuditCommand(CLI::App& app, Globals& g) {
  auto a = std::make_shared<AuditArgs>();
  CLI::App* cmd = app.add_subcommand(
      "audit", "Validate hub repos: read the hub's flags, scan every file remotely, store status");
  cmd->add_option("repos", a->repos, "ORG/NAME[@REV]…");
  cmd->add_flag("--all", a->all,
                "Audit every model in the store (the triage queue, earlier audits); a run that "
                "was killed is resumed");
  cmd->add_flag("--restart", a->restart, "With --all: start a new run instead of resuming");
  cmd->add_option("-f,--format", a->format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_option("--max-files", a->max_files, "Files scanned per repo (more: not analysed)")
      ->capture_default_str();
  cmd->add_flag("-q,--quiet", a->quiet, "No progress on stderr");
  cmd->add_flag("--reproduce", a->reproduce,
                "Also load each unsafe or needs-review file in the sandbox (runs its code: "
                "see `modelvet reproduce`)");
  AddDbOption(cmd, a->db);
  cmd->callback([a, &g] { g.exit_code = RunAudit(*a, g); });
}

void AddTriageCommand(CLI::App& app, Globals& g) {
  auto a = std::make_shared<TriageArgs>();
  CLI::App* cmd = app.add_subcommand(
      "triage", "Hub models to validate: flagged, most downloaded first, minus training_args-only");
  cmd->add_option("--limit", a->limit, "Queue length")->capture_default_str();
  cmd->add_option("--window", a->window, "Most-downloaded models examined for flags")
      ->capture_default_str();
  cmd->add_option("--search", a->search, "Substring of the repo id");
  cmd->add_option("--author", a->author, "Org or user");
  cmd->add_flag("--audit", a->audit, "Audit every model of the queue");
  cmd->add_option("-f,--format", a->format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_flag("-q,--quiet", a->quiet, "No progress on stderr");
  AddDbOption(cmd, a->db);
  cmd->callback([a, &g] { g.exit_code = RunTriage(*a, g); });
}

void AddStatusCommand(CLI::App& app, Globals& g) {
  auto a = std::make_shared<StatusArgs>();
  CLI::App* cmd = app.add_subcommand("status", "The models table: statuses, hub flags, licenses");
  cmd->add_option("model", a->model, "ORG/NAME: one model with its files, reviews and history");
  cmd->add_option("-f,--format", a->format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_flag("--details", a->details, "Files, reviews and history of every model");
  cmd->add_option("--project", a->project, "The AI models of a project (`inventory --project`)");
  AddDbOption(cmd, a->db);
  cmd->callback([a, &g] { g.exit_code = RunStatus(*a, g); });
}

void AddReviewCommand(CLI::App& app, Globals& g) {
  auto a = std::make_shared<ReviewArgs>();
  CLI::App* cmd =
      app.add_subcommand("review", "Record a reviewer's decision on a file of an audited model");
  cmd->add_option("model", a->model, "ORG/NAME")->required();
  cmd->add_option("path", a->path, "File path in the repo")->required();
  cmd->add_option("--decision", a->decision, "confirmed-unsafe or false-positive")
      ->required()
      ->check(CLI::IsMember(EnumTexts<store::Decision>()));
  cmd->add_option("--note", a->note, "Why (required, not blank)")->required();
  CLI::Option* reviewer =
      cmd->add_option("--reviewer", a->reviewer, "Who decides (default: $USER)");
  AddDbOption(cmd, a->db);
  cmd->callback([a, reviewer, &g] {
    a->reviewer_given = reviewer->count() > 0;
    g.exit_code = RunReview(*a, g);
  });
}

}  // namespace mv::cli
