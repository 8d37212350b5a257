#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "core/text.h"
#include "report/json_text.h"
#include "report/report.h"
#include "scan/batch.h"
#include "scan/hf_cache.h"
#include "scan/scanner.h"
#include "scan/walk.h"

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
  unsigned jobs = 0;  // 0: one per CPU
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
  auto kb = kb::KnowledgeBase::Load(g.rules, g.trusted_modules);
  if (!kb.ok()) {
    std::cerr << "modelvet: rules: " << EscapeText(kb.error().message) << "\n";
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
  // Every entry found is reported: files are scanned, what could not be walked is an error.
  std::vector<scan::PathEntry> entries = scan::ExpandPaths(a.paths);
  // --hf-cache: every cached model snapshot file, named ORG/NAME@REV/path instead of blob paths.
  std::vector<std::string> display;
  for (const auto& e : entries) display.push_back(e.path);
  if (a.hf_cache) {
    std::string dir = scan::HfCacheDir([](const char* n) { return std::getenv(n); });
    for (auto& f : scan::ListHfCache(dir)) {
      // Each cached snapshot is a repository: ORG/NAME@REV.
      size_t at = f.display.find('@');
      std::string repo =
          at == std::string::npos ? "" : f.display.substr(0, f.display.find('/', at));
      entries.push_back(
          {std::move(f.path), std::move(repo), std::move(f.error), std::move(f.limit)});
      display.push_back(std::move(f.display));
    }
  }
  bool progress = isatty(STDERR_FILENO) && entries.size() > 1;
  scan::Progress show;
  if (progress) {
    show = [&](size_t done, size_t i) {
      std::fprintf(stderr, "\r\x1b[K[%zu/%zu] %s", done, entries.size(),
                   EscapeText(display[i]).c_str());
    };
  }
  ScanReport report;
  // Files are scanned on a.jobs threads; the reports come back in argument order.
  report.files = scan::ScanEntries(entries, opts, a.jobs, show);
  for (size_t i = 0; i < entries.size(); ++i) {
    const scan::PathEntry& e = entries[i];
    report.files[i].path = display[i];
    // Repository summaries: each directory argument, and each cached snapshot.
    if (!e.root.empty()) {
      auto it = std::find_if(report.repositories.begin(), report.repositories.end(),
                             [&](const auto& g) { return g.name == e.root; });
      if (it == report.repositories.end()) {
        report.repositories.push_back({e.root, {}, {}});
        it = report.repositories.end() - 1;
      }
      it->files.push_back(i);
      it->counts.Add(report.files[i].verdict);
    }
  }
  if (progress) std::fprintf(stderr, "\r\x1b[K");

  std::string text;
  if (a.format == "json") {
    text = report::JsonText(report::ToJson(report), 2) + "\n";
  } else if (a.format == "sarif") {
    text = report::JsonText(report::ToSarif(report), 2) + "\n";
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
      std::cerr << "modelvet: cannot write " << EscapeText(a.output) << "\n";
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
  cmd->add_option("-j,--jobs", a->jobs,
                  "Files scanned at once (default 0: one per CPU); output order is unchanged");
  cmd->add_flag("--no-color", a->no_color, "No ANSI colours in text output");
  cmd->add_option("--time-budget-ms", a->time_budget_ms, "Per-file time budget (0: none)")
      ->capture_default_str();
  cmd->callback([a, &g] { g.exit_code = RunScan(*a, g); });
}

}  // namespace mv::cli
