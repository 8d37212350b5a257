// `modelvet reproduce`: load a model with its real loader in the sandbox and report what it did.
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "core/text.h"
#include "report/json_text.h"
#include "reproduce/report.h"
#include "reproduce/reproduce.h"
#include "scan/scanner.h"

namespace mv::cli {

namespace {

struct ReproduceArgs {
  std::vector<std::string> paths;
  std::string loader = "auto";
  std::string format = "text";
  reproduce::Limits limits;
  uint64_t memory_mb = limits::kReproduceMemoryBytes >> 20;
};

// The loader a user would call for the file, from the static scan's description of it.
std::optional<reproduce::Loader> AutoLoader(const std::string& path, const scan::Options& opts,
                                            std::string& described) {
  FileReport f = scan::ScanFile(path, opts);
  described = f.format.empty() ? "unknown" : f.format;
  auto loader = reproduce::LoaderForStatic(f.format, f.loader);
  if (!loader) return loader;
  std::ifstream in(path, std::ios::binary);
  std::string head(64 << 10, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  return reproduce::RefineByContent(*loader, head);
}

int RunReproduce(const ReproduceArgs& a, Globals& g) {
  scan::Options opts;
  if (a.loader == "auto") {
    auto kb = kb::KnowledgeBase::Load(g.rules);
    if (!kb.ok()) {
      std::cerr << "modelvet: rules: " << kb.error().message << "\n";
      return 2;
    }
    opts.kb = *kb;
  }
  reproduce::Limits limits = a.limits;
  limits.memory_bytes = a.memory_mb << 20;
  reproduce::Reproducer reproducer(limits);

  std::vector<reproduce::RunReport> reports;
  for (const auto& path : a.paths) {
    std::optional<reproduce::Loader> loader;
    std::string described;
    if (a.loader == "auto") {
      loader = AutoLoader(path, opts, described);
    } else {
      loader = reproduce::ParseLoader(a.loader);
    }
    if (!loader) {
      reproduce::RunReport r;
      r.path = path;
      r.loader = "none";
      r.limits = limits;
      r.outcome = reproduce::Outcome::kLoaderError;
      r.load_error = "no loader to reproduce with: the static scan reads this file as `" +
                     described + "`, which none of the reproducible loaders opens; pass --loader";
      reports.push_back(std::move(r));
      continue;
    }
    reports.push_back(reproducer.Reproduce(path, *loader));
  }

  if (a.format == "json") {
    nlohmann::ordered_json out;
    if (reports.size() == 1) {
      out = reproduce::ToJson(reports[0]);
    } else {
      out = nlohmann::ordered_json::array();
      for (const auto& r : reports) out.push_back(reproduce::ToJson(r));
    }
    std::cout << report::JsonText(out, 2) << "\n";
  } else {
    for (const auto& r : reports) {
      if (reports.size() > 1) std::cout << "== " << EscapeText(r.path) << " (" << r.loader << ")\n";
      std::cout << reproduce::ToText(r);
    }
  }
  // 1 when any file was seen doing something (a detection wins), 2 when any run was
  // inconclusive or could not run, 0 when every load ran clean.
  int code = 0;
  for (const auto& r : reports) {
    int c = reproduce::ExitCode(r.outcome);
    if (c == 1 || (c == 2 && code == 0)) code = c;
  }
  return code;
}

}  // namespace

void AddReproduceCommand(CLI::App& app, Globals& g) {
  auto a = std::make_shared<ReproduceArgs>();
  CLI::App* cmd = app.add_subcommand(
      "reproduce",
      "Load model files with their real loader in a sandbox and report what they do (runs the "
      "file's code: opt-in)");
  cmd->add_option("files", a->paths, "Model files")->required()->check(CLI::ExistingFile);
  cmd->add_option("--loader", a->loader, "Loader to use (auto: chosen by the static scan)")
      ->check(CLI::IsMember({"auto", "torch", "pickle", "joblib", "numpy", "keras"}))
      ->capture_default_str();
  cmd->add_option("-f,--format", a->format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_option("--cpu-seconds", a->limits.cpu_seconds, "CPU seconds per process")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  cmd->add_option("--wall-seconds", a->limits.wall_seconds, "Wall-clock seconds for the sandbox")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  cmd->add_option("--memory-mb", a->memory_mb, "Address space per process, MiB")
      ->check(CLI::Range(64, 1 << 20))
      ->capture_default_str();
  cmd->add_option("--max-processes", a->limits.processes, "Processes and threads in the sandbox")
      ->check(CLI::Range(8, 65536))
      ->capture_default_str();
  cmd->callback([a, &g] { g.exit_code = RunReproduce(*a, g); });
}

}  // namespace mv::cli
