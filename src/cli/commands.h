// Each subcommand registers itself on the app and sets the exit code when it runs.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>

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
// The web app and API, and their accounts (serve_cmd.cc). They run in the executable
// modelvet-serve, beside modelvet: only it links the web server's libraries (cpp-httplib,
// OpenSSL's TLS, brotli, libsodium), so scanning does not load them at start-up.
void AddServeCommand(CLI::App& app, Globals& g);
void AddUserCommand(CLI::App& app, Globals& g);
void AddTokenCommand(CLI::App& app, Globals& g);
inline constexpr const char* kServeHelp =
    "Serve the AI Models web app and the JSON API from the store";
inline constexpr const char* kUserHelp = "Accounts of `modelvet serve` (reviewers, admins)";
inline constexpr const char* kTokenHelp = "API tokens for scripts (stored hashed)";
// In modelvet (handoff.cc): when the command line runs `serve`, `user` or `token`, replaces
// the process with modelvet-serve from the same directory and the same arguments (returns
// only if that failed: the exit code); nullopt for every other command. AddServerStubs lists
// those commands in modelvet's --help.
std::optional<int> HandOffServerCommand(int argc, char** argv);
void AddServerStubs(CLI::App& app);
// The work queue on PostgreSQL: enqueue, worker, queue, watch (queue_cmds.cc).
void AddQueueCommands(CLI::App& app, Globals& g);

}  // namespace mv::cli
