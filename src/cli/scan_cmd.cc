#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "cli/commands.h"
#include "core/text.h"
#include "report/report.h"
#include "scan/hf_cache.h"
#include "scan/scan_paths.h"

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

// The plan and the report are left for the process's exit to return, all pages at once: freed
// one allocation at a time (a 3000-file report is ~40,000 of them) they cost more than the rest
// of the exit (docs/benchmarks.md). The pointer keeps them reachable, so leak checkers do not
// count them; a second scan in one process frees the first one's.
void LeaveToExit(scan::ScanPlan plan, ScanReport report) {
  struct Left {
    scan::ScanPlan plan;
    ScanReport report;
  };
  static Left* left = nullptr;
  delete left;
  left = new Left{std::move(plan), std::move(report)};
}

int RunScan(const ScanArgs& a, Globals& g) {
  auto kb = kb::KnowledgeBase::Load(g.rules, g.trusted_modules);
  if (!kb.ok()) {
    std::fprintf(stderr, "modelvet: rules: %s\n", EscapeText(kb.error().message).c_str());
    return 2;
  }
  scan::Options opts;
  opts.kb = *kb;
  opts.compute_sha256 = a.sha256;
  opts.time_budget_ms = a.time_budget_ms;

  if (a.paths.empty() && !a.hf_cache) {
    std::fputs("modelvet scan: give PATH… or --hf-cache\n", stderr);
    return 2;
  }
  // --hf-cache: every cached model snapshot file, named ORG/NAME@REV/path instead of blob paths.
  std::optional<std::string> cache;
  if (a.hf_cache) cache = scan::HfCacheDir([](const char* n) { return std::getenv(n); });
  // Many files: the scanning threads start now, so that their start-up passes during the walk.
  unsigned jobs = a.jobs != 0 ? a.jobs : scan::DefaultJobs();
  std::optional<scan::Crew> crew;
  if (jobs > 1 && scan::MayBeMany(a.paths, a.hf_cache)) crew.emplace(jobs - 1);
  scan::ScanPlan plan = scan::PlanScan(a.paths, cache);
  bool progress = isatty(STDERR_FILENO) && plan.entries.size() > 1;
  scan::Progress show;
  if (progress) {
    show = [&](size_t done, size_t i) {
      std::fprintf(stderr, "\r\x1b[K[%zu/%zu] %s", done, plan.entries.size(),
                   EscapeText(plan.Name(i)).c_str());
    };
  }
  ScanReport report = scan::ScanPlanned(plan, opts, jobs, show, crew ? &*crew : nullptr);
  if (progress) std::fprintf(stderr, "\r\x1b[K");

  // The report goes to stdout or to --output; a write that fails (a full disk) is an error, not
  // a report silently cut short. Through stdio: the scan path constructs no iostream, so the
  // standard streams and the locale are never built (docs/benchmarks.md, "Issue 12, round 8").
  std::FILE* out = a.output.empty() ? stdout : std::fopen(a.output.c_str(), "wb");
  int open_errno = out == nullptr ? errno : 0;
  auto write = [out](std::string_view piece) {
    if (out != nullptr) std::fwrite(piece.data(), 1, piece.size(), out);
  };
  if (a.format == "json") {
    report::WriteJson(report, write);
  } else if (a.format == "sarif") {
    report::WriteSarif(report, write);
  } else {
    bool color =
        !a.no_color && a.output.empty() && isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR");
    report::WriteText(report, color, write);
  }
  bool written = out != nullptr && std::fflush(out) == 0 && std::ferror(out) == 0;
  if (out != nullptr && out != stdout && std::fclose(out) != 0) written = false;
  int code = ExitCode(report, a.fail_on);
  if (!written) {
    std::fprintf(stderr, "modelvet: cannot write %s%s%s\n",
                 a.output.empty() ? "the report to standard output" : EscapeText(a.output).c_str(),
                 open_errno != 0 ? ": " : "", open_errno != 0 ? std::strerror(open_errno) : "");
    // A detection still wins (docs/cli.md): the gate fails whether or not the report was kept.
    if (code != 1) code = 2;
  }
  LeaveToExit(std::move(plan), std::move(report));
  return code;
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
