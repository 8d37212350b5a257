#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "report/report.h"
#include "scan/hf_cache.h"
#include "scan/scanner.h"

namespace mv::cli {

namespace {

struct ScanArgs {
  std::vector<std::string> paths;
  std::string format = "text";
  std::string output;
  std::string fail_on = "unsafe";
  bool sha256 = false;
  bool no_color = false;
  bool hf_cache = false;
  uint64_t time_budget_ms = limits::kDefaultFileTimeBudgetMs;
};

// Exit codes (docs/cli.md): 1 when something is unsafe (a detection wins over any error),
// 2 when only read errors occurred, 0 otherwise. --fail-on needs-review makes review exit 1.
int ExitCode(const ScanReport& r, const std::string& fail_on) {
  auto c = r.Count();
  if (c.unsafe > 0) return 1;
  if (fail_on == "needs-review" && c.needs_review > 0) return 1;
  if (c.error > 0) return 2;
  return 0;
}

int RunScan(const ScanArgs& a, Globals& g) {
  auto kb = kb::KnowledgeBase::Load(g.rules);
  if (!kb.ok()) {
    std::cerr << "modelvet: rules: " << kb.error().message << "\n";
    return 2;
  }
  scan::Options opts;
  opts.kb = *kb;
  opts.compute_sha256 = a.sha256;
  opts.time_budget_ms = a.time_budget_ms;

  if (a.paths.empty() && !a.hf_cache) {
    std::cerr << "modelvet scan: give PATH… or --hf-cache\n";
    return 2;
  }
  std::vector<std::string> files = scan::ExpandPaths(a.paths);
  // --hf-cache: every cached model snapshot file, named ORG/NAME@REV/path instead of blob paths.
  std::vector<std::string> display = files;
  if (a.hf_cache) {
    std::string dir = scan::HfCacheDir([](const char* n) { return std::getenv(n); });
    for (auto& f : scan::ListHfCache(dir)) {
      files.push_back(std::move(f.path));
      display.push_back(std::move(f.display));
    }
  }
  bool progress = isatty(STDERR_FILENO) && files.size() > 1;
  ScanReport report;
  // Repository summaries: each directory argument, and each cached snapshot (ORG/NAME@REV).
  auto repo_of = [&a](const std::string& file, const std::string& shown) -> std::string {
    for (const auto& p : a.paths) {
      if (std::filesystem::is_directory(p) && file.size() > p.size() && file.rfind(p, 0) == 0) {
        return p;
      }
    }
    size_t at = shown.find('@');
    if (a.hf_cache && at != std::string::npos) return shown.substr(0, shown.find('/', at));
    return "";
  };
  for (size_t i = 0; i < files.size(); ++i) {
    if (progress)
      std::fprintf(stderr, "\r\x1b[K[%zu/%zu] %s", i + 1, files.size(), display[i].c_str());
    report.files.push_back(scan::ScanFile(files[i], opts));
    report.files.back().path = display[i];
    if (std::string repo = repo_of(files[i], display[i]); !repo.empty()) {
      auto it = std::find_if(report.repositories.begin(), report.repositories.end(),
                             [&](const auto& g) { return g.name == repo; });
      if (it == report.repositories.end()) {
        report.repositories.push_back({repo, {}, {}});
        it = report.repositories.end() - 1;
      }
      it->files.push_back(i);
      it->counts.Add(report.files.back().verdict);
    }
  }
  if (progress) std::fprintf(stderr, "\r\x1b[K");

  std::string text;
  if (a.format == "json") {
    text = report::ToJson(report).dump(2) + "\n";
  } else if (a.format == "sarif") {
    text = report::ToSarif(report).dump(2) + "\n";
  } else {
    bool color =
        !a.no_color && a.output.empty() && isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR");
    text = report::ToText(report, color);
  }
  if (a.output.empty()) {
    std::cout << text;
  } else {
    std::ofstream out(a.output, std::ios::binary);
    out << text;
    if (!out) {
      std::cerr << "modelvet: cannot write " << a.output << "\n";
      return 2;
    }
  }
  return ExitCode(report, a.fail_on);
}

}  // namespace

void AddScanCommand(CLI::App& app, Globals& g) {
  auto a = std::make_shared<ScanArgs>();
  CLI::App* cmd = app.add_subcommand("scan", "Scan model files or directories (recursively)");
  cmd->add_option("paths", a->paths, "Files or directories");
  cmd->add_flag("--hf-cache", a->hf_cache,
                "Also scan every model in the Hugging Face cache (HF_HUB_CACHE, HF_HOME/hub, "
                "~/.cache/huggingface/hub), named ORG/NAME@REV/path");
  cmd->add_option("-f,--format", a->format, "Output format")
      ->check(CLI::IsMember({"text", "json", "sarif"}))
      ->capture_default_str();
  cmd->add_option("-o,--output", a->output, "Write the report to FILE instead of stdout");
  cmd->add_option("--fail-on", a->fail_on, "Exit 1 on: unsafe (default) or needs-review")
      ->check(CLI::IsMember({"unsafe", "needs-review"}))
      ->capture_default_str();
  cmd->add_flag("--sha256", a->sha256, "Compute each file's SHA-256 (reads every byte)");
  cmd->add_flag("--no-color", a->no_color, "No ANSI colours in text output");
  cmd->add_option("--time-budget-ms", a->time_budget_ms, "Per-file time budget (0: none)")
      ->capture_default_str();
  cmd->callback([a, &g] { g.exit_code = RunScan(*a, g); });
}

}  // namespace mv::cli
