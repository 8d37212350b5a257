// Each subcommand registers itself on the app and sets the exit code when it runs.
#pragma once

#include <CLI/CLI.hpp>

namespace mv::cli {

// Shared by every subcommand: extra rule files and the exit code to return.
struct Globals {
  std::vector<std::string> rules;
  std::vector<std::string> trusted_modules;  // --trust-module NAME (repeatable)
  std::string db;  // --db: the audit store (hub commands); "" = store::DefaultDbPath()
  int exit_code = 0;
};

void AddScanCommand(CLI::App& app, Globals& g);
// Hub audits (hub_cmds.cc).
void AddAuditCommand(CLI::App& app, Globals& g);
void AddTriageCommand(CLI::App& app, Globals& g);
void AddStatusCommand(CLI::App& app, Globals& g);
void AddReviewCommand(CLI::App& app, Globals& g);
// AI inventory (inventory_cmd.cc); `status --project NAME` is answered there too.
void AddInventoryCommand(CLI::App& app, Globals& g);
int RunProjectStatus(const std::string& project, const std::string& format, const std::string& db);
// Sandboxed reproduction (reproduce_cmd.cc).
void AddReproduceCommand(CLI::App& app, Globals& g);
// The web app and API, and their accounts (serve_cmd.cc).
void AddServeCommand(CLI::App& app, Globals& g);
void AddUserCommand(CLI::App& app, Globals& g);
void AddTokenCommand(CLI::App& app, Globals& g);
// The work queue on PostgreSQL: enqueue, worker, queue, watch (queue_cmds.cc).
void AddQueueCommands(CLI::App& app, Globals& g);

}  // namespace mv::cli
