// Internal to store/: one PostgreSQL connection through libpq, with positional parameters
// written `?` (as in the SQLite statements; turned into $1, $2 … outside quoted text), results
// as values, and reconnection: when the server went away (restart, failover, a dropped TCP
// connection) the next Run() resets the connection, so a caller that retries its transaction
// goes on once the server is back.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace mv::store::pg {

// One bound value: text, or SQL NULL.
using Param = std::optional<std::string>;

class Params {
 public:
  Params& Add(const std::string& v) {
    v_.emplace_back(v);
    return *this;
  }
  Params& Add(const char* v) { return Add(std::string(v)); }
  Params& Add(int64_t v) { return Add(std::to_string(v)); }
  Params& Add(uint64_t v) { return Add(std::to_string(v)); }
  Params& Add(int v) { return Add(std::to_string(v)); }
  Params& Add(double v);
  Params& Add(bool v) { return Add(std::string(v ? "1" : "0")); }
  Params& Null() {
    v_.emplace_back(std::nullopt);
    return *this;
  }
  Params& NullIfZero(int64_t v) { return v == 0 ? Null() : Add(v); }
  const std::vector<Param>& values() const { return v_; }

 private:
  std::vector<Param> v_;
};

// A query's result rows (text format).
class Rows {
 public:
  explicit Rows(PGresult* r) : r_(r, PQclear) {}
  int size() const { return PQntuples(r_.get()); }
  bool empty() const { return size() == 0; }
  std::string Text(int row, int col) const;
  int64_t Int(int row, int col) const;
  double Double(int row, int col) const;
  bool IsNull(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  uint64_t affected() const;  // rows changed by INSERT/UPDATE/DELETE

 private:
  std::shared_ptr<PGresult> r_;
};

// Errors of a statement: "store: …" messages; SQLSTATE kept to tell retryable ones apart.
struct PgError {
  std::string sqlstate;  // "" for connection-level failures
  bool connection_lost = false;
};

// `?` → `$n` outside '…' and "…" (no `?` operators are used in modelvet's SQL).
std::string NumberParams(const std::string& sql);

class Connection {
 public:
  // Connects (libpq conninfo or postgresql:// URL); the error names the server, never the
  // password.
  static Result<std::unique_ptr<Connection>> Open(const std::string& url);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement. On failure returns the error and fills last_error().
  Result<Rows> Run(const std::string& sql, const Params& params = {});
  Status Exec(const std::string& sql, const Params& params = {});
  // Runs several statements without parameters (a migration step).
  Status ExecScript(const std::string& sql);
  const PgError& last_error() const { return last_; }
  // True when the last failure is worth retrying the whole transaction for: the connection
  // was lost (and has been reset), a serialization failure or a deadlock.
  bool Retryable() const;
  bool in_transaction() const;
  // Reconnects when the connection is bad; returns whether it is usable now.
  bool EnsureConnected();
  const std::string& redacted() const { return redacted_; }

 private:
  Connection(PGconn* c, std::string redacted) : c_(c), redacted_(std::move(redacted)) {}
  PGconn* c_;
  std::string redacted_;
  PgError last_;
};

// `postgresql://user:secret@host/db` → `postgresql://user@host/db` (for messages and Describe).
std::string RedactUrl(const std::string& url);

}  // namespace mv::store::pg
