#include "store/pg_conn.h"

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>

namespace mv::store::pg {

Params& Params::Add(double v) {
  return Add(fmt::format("{:.17g}", v));
}

std::string Rows::Text(int row, int col) const {
  const char* p = PQgetvalue(r_.get(), row, col);
  return p ? std::string(p, static_cast<size_t>(PQgetlength(r_.get(), row, col))) : std::string();
}

int64_t Rows::Int(int row, int col) const {
  if (IsNull(row, col)) return 0;
  return std::strtoll(PQgetvalue(r_.get(), row, col), nullptr, 10);
}

double Rows::Double(int row, int col) const {
  if (IsNull(row, col)) return 0;
  return std::strtod(PQgetvalue(r_.get(), row, col), nullptr);
}

uint64_t Rows::affected() const {
  const char* n = PQcmdTuples(r_.get());
  return n && *n ? std::strtoull(n, nullptr, 10) : 0;
}

std::string NumberParams(const std::string& sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;
  for (char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?') {
      out += '$' + std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

std::string RedactUrl(const std::string& url) {
  // scheme://[user[:password]@]host…: drop the password; conninfo strings lose password=….
  auto scheme = url.find("://");
  if (scheme != std::string::npos) {
    auto at = url.find('@', scheme + 3);
    auto slash = url.find('/', scheme + 3);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      auto colon = url.find(':', scheme + 3);
      if (colon != std::string::npos && colon < at) return url.substr(0, colon) + url.substr(at);
    }
    auto q = url.find("password=");
    if (q != std::string::npos) {
      auto end = url.find('&', q);
      return url.substr(0, q) + "password=***" + (end == std::string::npos ? "" : url.substr(end));
    }
    return url;
  }
  auto q = url.find("password");
  if (q == std::string::npos) return url;
  return url.substr(0, q) + "password=***";
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& url) {
  PGconn* c = PQconnectdb(url.c_str());
  std::string redacted = RedactUrl(url);
  if (!c) {
    // libpq returns null only when out of memory; its lazy shim also when the library (the
    // libpq5 package) cannot be loaded.
    return MakeError(Errc::kIo, "store: cannot connect to " + redacted +
                                    ": libpq (libpq5) cannot be loaded, or out of memory");
  }
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    PQfinish(c);
    return MakeError(Errc::kIo, "store: cannot connect to " + redacted + ": " + msg);
  }
  // Notices (e.g. "relation already exists, skipping") are not errors: keep them off stderr.
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<Connection>(new Connection(c, std::move(redacted)));
}

Connection::~Connection() {
  PQfinish(c_);
}

bool Connection::EnsureConnected() {
  if (PQstatus(c_) == CONNECTION_OK) return true;
  PQreset(c_);
  return PQstatus(c_) == CONNECTION_OK;
}

bool Connection::in_transaction() const {
  auto s = PQtransactionStatus(c_);
  return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

bool Connection::Retryable() const {
  if (last_.connection_lost) return true;
  const std::string& s = last_.sqlstate;
  // serialization_failure, deadlock_detected, admin/crash shutdown, cannot connect now, and
  // the connection exception class.
  return s == "40001" || s == "40P01" || s.starts_with("57P") || s.starts_with("08");
}

Result<Rows> Connection::Run(const std::string& sql, const Params& params) {
  last_ = PgError{};
  if (!EnsureConnected()) {
    last_.connection_lost = true;
    std::string msg = PQerrorMessage(c_);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return MakeError(Errc::kIo, "store: lost the connection to " + redacted_ + ": " + msg);
  }
  std::string numbered = NumberParams(sql);
  std::vector<const char*> values;
  values.reserve(params.values().size());
  for (const auto& p : params.values()) values.push_back(p ? p->c_str() : nullptr);
  PGresult* r = PQexecParams(c_, numbered.c_str(), static_cast<int>(values.size()), nullptr,
                             values.data(), nullptr, nullptr, 0);
  ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Rows(r);
  std::string msg;
  if (r) {
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    last_.sqlstate = state ? state : "";
    msg = PQresultErrorMessage(r);
    PQclear(r);
  }
  if (msg.empty()) msg = PQerrorMessage(c_);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  if (PQstatus(c_) != CONNECTION_OK) last_.connection_lost = true;
  return MakeError(Errc::kIo, "store: " + msg);
}

Status Connection::ExecScript(const std::string& sql) {
  last_ = PgError{};
  if (!EnsureConnected()) {
    last_.connection_lost = true;
    return MakeError(Errc::kIo, "store: lost the connection to " + redacted_);
  }
  PGresult* r = PQexec(c_, sql.c_str());
  ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
    PQclear(r);
    return OkStatus();
  }
  std::string msg = r ? PQresultErrorMessage(r) : PQerrorMessage(c_);
  if (r) {
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    last_.sqlstate = state ? state : "";
    PQclear(r);
  }
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  if (PQstatus(c_) != CONNECTION_OK) last_.connection_lost = true;
  return MakeError(Errc::kIo, "store: " + msg);
}

Status Connection::Exec(const std::string& sql, const Params& params) {
  auto r = Run(sql, params);
  if (!r.ok()) return r.error();
  return OkStatus();
}

}  // namespace mv::store::pg
