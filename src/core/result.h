// Errors as values. The library never prints or exits; only cli/ and server/ do I/O.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace mv {

// Closed set of reasons an operation can fail. Callers branch on the kind, never on the text of
// the message (which is for people and may change).
enum class Errc : uint8_t {
  // Untrusted bytes and the machine reading them:
  kTruncated,    // input ended before a structure was complete
  kMalformed,    // bytes violate the format
  kLimit,        // a limit from limits.h was hit
  kIo,           // the OS or network did not deliver bytes that should exist
  kUnsupported,  // well-formed but not handled by this reader
  // The store:
  kConflict,   // a conditional write lost a race: another writer decided meanwhile
  kLeaseLost,  // a queue job's lease passed to another worker: nothing was written
  kDuplicate,  // the work was recorded already (the same revision audited by another job)
  // A remote service (the hub, hub/client.h):
  kOffline,       // HF_HUB_OFFLINE is set: no request was sent
  kNetwork,       // DNS, connect, TLS, timeout, reset
  kRateLimited,   // 429 still returned after all retries
  kUnauthorized,  // 401 without a GatedRepo code: the repo is private or missing
  kGated,         // GatedRepo 401/403: accept the conditions on the repo page
  kForbidden,     // other 403, or a 401 rejecting the token
  kNotFound,      // 404: RepoNotFound / RevisionNotFound / EntryNotFound
  kHttpStatus,    // any other unexpected HTTP status
  kBadResponse,   // unparsable reply, missing 206/Content-Range, size mismatch
  kHashMismatch,  // content does not match X-Linked-Etag / the LFS sha256
};

// Stable lower-case name of a kind ("truncated", "rate-limited", "private-or-missing" …).
const char* ErrcName(Errc c);

// The class a reader names in anomaly codes (`<format>.<class>`): to a reader every store and
// remote kind is an I/O failure of its source; the first five kinds are their own class.
Errc ReadErrcClass(Errc c);

struct Error {
  Errc code;
  std::string message;  // names the defect; the caller adds file and location
  uint64_t offset = 0;  // offset in the view where the defect was found
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error e) : v_(std::move(e)) {}      // NOLINT(google-explicit-constructor)
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;
inline Status OkStatus() {
  return Ok{};
}

inline Error MakeError(Errc code, std::string message, uint64_t offset = 0) {
  return Error{code, std::move(message), offset};
}

}  // namespace mv

// Propagates an error from an expression returning Result<T>; binds the value otherwise.
#define MV_CONCAT_INNER(a, b) a##b
#define MV_CONCAT(a, b) MV_CONCAT_INNER(a, b)
#define MV_ASSIGN_OR_RETURN(lhs, expr) \
  MV_ASSIGN_OR_RETURN_IMPL(MV_CONCAT(_mv_r_, __LINE__), lhs, expr)
#define MV_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.error();             \
  lhs = std::move(tmp).value()
#define MV_RETURN_IF_ERROR(expr)           \
  do {                                     \
    auto _mv_s = (expr);                   \
    if (!_mv_s.ok()) return _mv_s.error(); \
  } while (0)
