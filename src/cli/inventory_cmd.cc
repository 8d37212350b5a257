// `modelvet inventory PATH`: the models an application uses (AI-BOM), their statuses from the
// audit store (auditing the unknown ones unless --offline), an optional CI gate, and
// `modelvet status --project NAME` for a stored project.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "cli/commands.h"
#include "cli/store_arg.h"
#include "core/text.h"
#include "core/version.h"
#include "inventory/enrich.h"
#include "inventory/gate.h"
#include "inventory/inventory.h"
#include "inventory/render.h"
#include "store/store.h"

namespace mv::cli {

namespace {

namespace inv = mv::inventory;

struct InventoryArgs {
  std::string path;
  std::string format = "text";
  std::string output;
  std::string db;
  std::string project;
  std::vector<std::string> fail_on;
  bool offline = false;
  bool queue = false;
  bool sha256 = false;
  bool quiet = false;
};

int Write(const std::string& text, const std::string& output) {
  if (output.empty()) {
    std::cout << text;
    return 0;
  }
  std::ofstream out(output, std::ios::binary);
  out << text;
  if (!out) {
    std::cerr << "modelvet: cannot write " << EscapeText(output) << "\n";
    return 2;
  }
  return 0;
}

std::string Render(const inv::Inventory& v, const std::string& format, const std::string& name) {
  if (format == "json") return inv::DumpJson(inv::ToJson(v));
  if (format == "sarif") return inv::DumpJson(inv::ToSarif(v));
  if (format == "cyclonedx") {
    inv::BomInfo info;
    info.name = name;
    info.timestamp = audit::NowUtc();
    return inv::DumpJson(inv::ToCycloneDx(v, info));
  }
  return inv::ToText(v);
}

int RunInventory(const InventoryArgs& a, Globals& g) {
  auto parsed_gate = inv::ParseGates(a.fail_on);
  if (!parsed_gate.ok()) {
    std::cerr << "modelvet inventory: " << EscapeText(parsed_gate.error().message) << "\n";
    return 2;
  }
  const std::set<inv::Gate>& gate = *parsed_gate;
  // --trust-module clears your own classes in committed model files, as for `scan`.
  auto kb = kb::KnowledgeBase::Load(g.rules, g.trusted_modules);
  if (!kb.ok()) {
    std::cerr << "modelvet: rules: " << EscapeText(kb.error().message) << "\n";
    return 2;
  }
  inv::Options opts;
  opts.scan.kb = *kb;
  opts.scan.compute_sha256 = a.sha256;
  bool progress = !a.quiet && isatty(STDERR_FILENO);
  if (progress)
    opts.progress = [](std::string_view p) {
      std::string s = EscapeText(p);
      std::fprintf(stderr, "\r\x1b[K%.*s", static_cast<int>(std::min<size_t>(s.size(), 100)),
                   s.data());
    };
  auto taken = inv::TakeInventory(a.path, opts);
  if (progress) std::fprintf(stderr, "\r\x1b[K");
  if (!taken.ok()) {
    std::cerr << "modelvet: " << EscapeText(taken.error().message) << "\n";
    return 2;
  }
  inv::Inventory& v = *taken;

  std::string name = a.project;
  if (name.empty()) {
    std::filesystem::path p = std::filesystem::absolute(a.path).lexically_normal();
    name = (p.has_filename() ? p.filename() : p.parent_path().filename()).string();
  }
  std::unique_ptr<store::Store> opened = OpenStore(StorePath(g, a.db));
  if (!opened) {
    // Without a store the inventory is still a list of models, only without statuses (a gate
    // then cannot be decided); a project needs the store.
    if (!a.project.empty()) return 2;
    if (int rc = Write(Render(v, a.format, name), a.output); rc != 0) return rc;
    return gate.empty() ? 0 : 2;
  }
  store::Store& st = *opened;
  std::unique_ptr<hub::HubClient> client;
  if (!a.offline) client = std::make_unique<hub::HubClient>(hub::HubConfig::FromEnv());
  inv::EnrichOptions eo;
  eo.queue = a.queue;
  eo.audit.scan.kb = *kb;
  eo.audit.tool = std::string("modelvet ") + kVersion;
  if (progress)
    eo.progress = [](std::string_view line) {
      std::string s = EscapeText(line);
      std::fprintf(stderr, "\r\x1b[K%.*s", static_cast<int>(std::min<size_t>(s.size(), 100)),
                   s.data());
    };
  auto enriched = inv::Enrich(v, st, client.get(), eo);
  if (progress) std::fprintf(stderr, "\r\x1b[K");
  if (!enriched.ok()) {
    std::cerr << "modelvet: " << EscapeText(enriched.error().message) << "\n";
    return 2;
  }
  if (!a.project.empty()) {
    auto c = st.CommitProject(
        inv::ToProject(v, a.project, audit::NowUtc(), std::string("modelvet ") + kVersion));
    if (!c.ok()) {
      std::cerr << "modelvet: " << EscapeText(c.error().message) << "\n";
      return 2;
    }
  }
  if (int rc = Write(Render(v, a.format, name), a.output); rc != 0) return rc;
  if (a.queue && enriched->queued > 0)
    std::cerr << fmt::format("modelvet: {} model{} queued for `modelvet audit --all`\n",
                             enriched->queued, enriched->queued == 1 ? "" : "s");
  if (gate.empty()) return 0;
  inv::GateOutcome outcome = inv::EvaluateGate(v, gate);
  if (!outcome.tripped.empty()) {
    std::cerr << fmt::format("modelvet: --fail-on: {}\n", fmt::join(outcome.tripped, ", "));
    return 1;
  }
  if (!outcome.undecided.empty()) {
    // Fail closed: the gate cannot pass what was not checked.
    for (const auto& u : outcome.undecided)
      std::cerr << "modelvet: --fail-on undecided: " << EscapeText(u) << "\n";
    return 2;
  }
  return 0;
}

}  // namespace

int RunProjectStatus(const std::string& project, const std::string& format, const std::string& db) {
  std::unique_ptr<store::Store> opened = OpenStore(db);
  if (!opened) return 2;
  store::Store& st = *opened;
  auto p = st.GetProject(project);
  if (!p.ok()) {
    std::cerr << "modelvet: " << EscapeText(p.error().message) << "\n";
    return 2;
  }
  if (!p->has_value()) {
    std::cerr << "modelvet: status: no project `" << EscapeText(project) << "` in " << st.Describe()
              << " (run `modelvet inventory PATH --project " << EscapeText(project) << "`)\n";
    return 2;
  }
  inv::Inventory v = inv::FromProject(**p);
  // Current statuses from the store (offline: nothing is audited by `status`).
  inv::EnrichOptions eo;
  auto e = inv::Enrich(v, st, nullptr, eo);
  if (!e.ok()) {
    std::cerr << "modelvet: " << EscapeText(e.error().message) << "\n";
    return 2;
  }
  auto usage = st.ListModelUsage();
  if (!usage.ok()) {
    std::cerr << "modelvet: " << EscapeText(usage.error().message) << "\n";
    return 2;
  }
  for (auto& m : v.models)
    for (const auto& u : *usage)
      if (u.provider == m.provider && u.model == m.id)
        m.projects = static_cast<uint32_t>(u.projects.size());
  if (format == "json") {
    nlohmann::ordered_json j = inv::ToJson(v);
    for (size_t i = 0; i < v.models.size(); ++i) j["models"][i]["projects"] = v.models[i].projects;
    nlohmann::ordered_json out = {{"project",
                                   {{"name", (*p)->project.name},
                                    {"root", (*p)->project.root},
                                    {"last_inventory", (*p)->project.last_inventory},
                                    {"tool_version", (*p)->project.tool_version}}}};
    out.update(j);
    std::cout << inv::DumpJson(out);
    return 0;
  }
  std::cout << fmt::format("Project {} (inventory of {} at {})\n", EscapeText(project),
                           EscapeText((*p)->project.root), (*p)->project.last_inventory);
  std::cout << inv::ToText(v);
  return 0;
}

void AddInventoryCommand(CLI::App& app, Globals& g) {
  auto a = std::make_shared<InventoryArgs>();
  CLI::App* cmd = app.add_subcommand(
      "inventory", "The models an application's code, notebooks, configs and files use (AI-BOM)");
  cmd->add_option("path", a->path, "Source tree (or one file)")->required();
  cmd->add_option("-f,--format", a->format, "Output format")
      ->check(CLI::IsMember({"text", "json", "cyclonedx", "sarif"}))
      ->capture_default_str();
  cmd->add_option("-o,--output", a->output, "Write the result to FILE instead of stdout");
  cmd->add_flag("--offline", a->offline, "No hub access: statuses come only from the store");
  cmd->add_flag("--queue", a->queue,
                "Add models the store does not know for `modelvet audit --all` instead of "
                "auditing them now");
  cmd->add_option("--project", a->project, "Store the inventory as project NAME");
  cmd->add_option("--fail-on", a->fail_on,
                  "Exit 1 on: confirmed-unsafe, suspected, unsafe-artifact (comma-separated)");
  cmd->add_flag("--sha256", a->sha256, "SHA-256 of committed model files (reads them whole)");
  cmd->add_flag("-q,--quiet", a->quiet, "No progress on stderr");
  cmd->add_option("--db", a->db, "Store file (default: $MODELVET_DB or the user data directory)");
  cmd->callback([a, &g] { g.exit_code = RunInventory(*a, g); });
}

}  // namespace mv::cli
