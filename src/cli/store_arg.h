// The audit store a command works on (`--db`): which one, and opening it. Every store command
// opens its store through these, so they name, open and report alike.
#pragma once

#include <memory>
#include <string>

#include "cli/commands.h"
#include "store/store.h"

namespace mv::cli {

// The command's own --db, else the global --db, else store::DefaultDbPath() ($MODELVET_DB, …).
std::string StorePath(const Globals& g, const std::string& local);

// Opens `where` (an SQLite path or a PostgreSQL URL, store::Open); on failure prints
// "modelvet: <why>" (escaped) to stderr and returns nullptr.
std::unique_ptr<store::Store> OpenStore(const std::string& where);

}  // namespace mv::cli
