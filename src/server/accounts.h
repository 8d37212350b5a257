// Accounts of `modelvet serve`: reviewers and admins with Argon2id passwords (libsodium's
// crypto_pwhash_str), login sessions and API tokens. Secrets are random 32-byte values from
// libsodium's CSPRNG; the store keeps only their SHA-256 (they are high-entropy, so a fast hash
// is enough) and the password KDF strings. Used by the CLI (`modelvet user`, `modelvet token`)
// and by the server.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/store.h"

namespace mv::server {

// Starts libsodium; an error when the system has no entropy source. Call before the others.
Status InitCrypto();

// reviewer: records reviews and requests audits; admin: the same, and lists accounts.
enum class Role : uint8_t { kReviewer, kAdmin };
const char* RoleName(Role r);  // "reviewer", "admin"
std::optional<Role> ParseRole(std::string_view s);
// Who may ask for a sandboxed reproduction, which loads model files on the server's host:
// reviewers and admins. Every role is named in it, so a new role must decide (-Wswitch).
bool MayReproduce(Role r);

// 32 random bytes, base64url without padding (43 characters).
std::string RandomSecret();
// SHA-256 hex of a secret (session cookie value, API token): what the store keeps.
std::string HashSecret(std::string_view secret);
bool ConstantTimeEqual(std::string_view a, std::string_view b);

// Names: 1-64 of [A-Za-z0-9._-] (they appear in history and review records). Passwords: 8 to
// 1024 bytes.
Status ValidateUserName(std::string_view name);
Status ValidatePassword(std::string_view password);
// Argon2id at libsodium's interactive cost; at most limits::kServerConcurrentPasswordHashes run
// at once (each takes 64 MiB).
Result<std::string> HashPassword(std::string_view password);
bool VerifyPassword(const std::string& hash, std::string_view password);

// `modelvet user add` (an existing name is an error), `user passwd`, `user remove`.
Status AddUser(store::Store& store, const std::string& name, Role role, std::string_view password,
               const std::string& now);
Status SetPassword(store::Store& store, const std::string& name, std::string_view password);
Status RemoveUser(store::Store& store, const std::string& name);

// `modelvet token create USER`: the token (shown once; "mvt_" + RandomSecret()) and its id.
struct NewToken {
  int64_t id = 0;
  std::string token;
};
Result<NewToken> CreateToken(store::Store& store, const std::string& user, const std::string& label,
                             const std::string& now);

// Who a request acts for.
struct Principal {
  std::string user;
  Role role = Role::kReviewer;
  bool via_session = false;  // a browser session: unsafe methods need its CSRF token
  std::string csrf;          // the session's CSRF token ("" for API tokens)
  std::string session_hash;  // for logout
};

// The principal of a session cookie value or an API token; nullopt when unknown, expired,
// revoked, or the user is disabled or gone.
Result<std::optional<Principal>> FromSession(store::Store& store, std::string_view cookie_value,
                                             std::time_t now);
Result<std::optional<Principal>> FromToken(store::Store& store, std::string_view token);

// Checks the password and opens a session lasting limits::kSessionLifetimeSeconds; nullopt
// when the name or password is wrong or the user is disabled (the same answer and about the
// same time for each: an unknown name is checked against a dummy hash).
struct NewSession {
  std::string cookie_value;
  Principal principal;
};
Result<std::optional<NewSession>> Login(store::Store& store, const std::string& user,
                                        std::string_view password, std::time_t now);
Status Logout(store::Store& store, const Principal& p, std::time_t now);

// ISO-8601 UTC, second precision (the store's time format).
std::string IsoUtc(std::time_t t);

}  // namespace mv::server
