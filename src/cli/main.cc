// modelvet: tells which machine-learning model files are really dangerous.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <string>

#include "cli/command_line.h"
#include "cli/commands.h"
#include "core/version.h"

namespace {

// The subcommands, in --help order, by the function that registers them. Only the one the
// command line names is registered: building every subcommand's options with CLI11 was most of
// the instructions of a small scan (docs/benchmarks.md). --help lists them all.
struct CommandGroup {
  std::array<std::string_view, 4> names;
  void (*add)(CLI::App&, mv::cli::Globals&);
};

constexpr CommandGroup kCommands[] = {
    {{"scan"}, mv::cli::AddScanCommand},
    {{"audit"}, mv::cli::AddAuditCommand},
    {{"triage"}, mv::cli::AddTriageCommand},
    {{"status"}, mv::cli::AddStatusCommand},
    {{"review"}, mv::cli::AddReviewCommand},
    {{"inventory"}, mv::cli::AddInventoryCommand},
    {{"reproduce"}, mv::cli::AddReproduceCommand},
#ifdef MV_SERVER_COMMANDS  // modelvet-serve
    {{"serve"}, mv::cli::AddServeCommand},
    {{"user"}, mv::cli::AddUserCommand},
    {{"token"}, mv::cli::AddTokenCommand},
#else
    {{"serve", "user", "token"},
     [](CLI::App& app, mv::cli::Globals&) { mv::cli::AddServerStubs(app); }},
#endif
    {{"enqueue", "worker", "queue", "watch"}, mv::cli::AddQueueCommands},
};

}  // namespace

int main(int argc, char** argv) {
#ifndef MV_SERVER_COMMANDS
  if (auto rc = mv::cli::HandOffServerCommand(argc, argv)) return *rc;
#endif
  CLI::App app{"modelvet: proves model files unsafe or clears them, without running them"};
  app.set_version_flag("--version", mv::kVersion);
  app.require_subcommand(1);
  mv::cli::Globals g;
  app.add_option(std::string(mv::cli::kRulesOption), g.rules,
                 "Extra rule file or directory of *.toml (repeatable)")
      ->check(CLI::ExistingPath);
  app.add_option(std::string(mv::cli::kTrustModuleOption), g.trusted_modules,
                 "Trust the classes of your own module NAME (repeatable; as a [[trust]] rule)");
  app.add_option(std::string(mv::cli::kDbOption), g.db,
                 "Audit store: an SQLite file or a postgresql:// URL (default: $MODELVET_DB or "
                 "~/.local/share/modelvet)");
  std::optional<std::string_view> named = mv::cli::NamedSubcommand(argc, argv);
  auto names = [&](const CommandGroup& c) {
    return named && !named->empty() &&
           std::find(c.names.begin(), c.names.end(), *named) != c.names.end();
  };
  bool one = std::any_of(std::begin(kCommands), std::end(kCommands), names);
  if (!mv::cli::AsksOnlyForVersion(argc, argv)) {
    for (const CommandGroup& c : kCommands) {
      if (!one || names(c)) c.add(app, g);
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;  // usage errors exit 2
  }
  return g.exit_code;
}
