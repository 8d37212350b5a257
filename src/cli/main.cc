// modelvet: tells which machine-learning model files are really dangerous.
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "core/version.h"

int main(int argc, char** argv) {
#ifndef MV_SERVER_COMMANDS
  if (auto rc = mv::cli::HandOffServerCommand(argc, argv)) return *rc;
#endif
  CLI::App app{"modelvet: proves model files unsafe or clears them, without running them"};
  app.set_version_flag("--version", mv::kVersion);
  app.require_subcommand(1);
  mv::cli::Globals g;
  app.add_option("--rules", g.rules, "Extra rule file or directory of *.toml (repeatable)")
      ->check(CLI::ExistingPath);
  app.add_option("--trust-module", g.trusted_modules,
                 "Trust the classes of your own module NAME (repeatable; as a [[trust]] rule)");
  app.add_option("--db", g.db,
                 "Audit store: an SQLite file or a postgresql:// URL (default: $MODELVET_DB or "
                 "~/.local/share/modelvet)");
  mv::cli::AddScanCommand(app, g);
  mv::cli::AddAuditCommand(app, g);
  mv::cli::AddTriageCommand(app, g);
  mv::cli::AddStatusCommand(app, g);
  mv::cli::AddReviewCommand(app, g);
  mv::cli::AddInventoryCommand(app, g);
  mv::cli::AddReproduceCommand(app, g);
#ifdef MV_SERVER_COMMANDS  // modelvet-serve
  mv::cli::AddServeCommand(app, g);
  mv::cli::AddUserCommand(app, g);
  mv::cli::AddTokenCommand(app, g);
#else
  mv::cli::AddServerStubs(app);
#endif
  mv::cli::AddQueueCommands(app, g);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;  // usage errors exit 2
  }
  return g.exit_code;
}
