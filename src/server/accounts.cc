#include "server/accounts.h"

#include <sodium.h>

#include <cctype>
#include <semaphore>

#include "core/limits.h"
#include "core/sha256.h"

namespace mv::server {

namespace {

bool InitSodium() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

std::counting_semaphore<>& HashSlots() {
  static std::counting_semaphore<> slots(
      static_cast<std::ptrdiff_t>(limits::kServerConcurrentPasswordHashes));
  return slots;
}

struct SlotGuard {
  SlotGuard() { HashSlots().acquire(); }
  ~SlotGuard() { HashSlots().release(); }
};

// Checked when the name is unknown, so a wrong name costs what a wrong password costs.
const std::string& DummyHash() {
  static const std::string h = [] {
    auto r = HashPassword("modelvet-dummy-password-for-unknown-users");
    return r.ok() ? *r : std::string();
  }();
  return h;
}

constexpr const char* kTokenPrefix = "mvt_";

}  // namespace

Status InitCrypto() {
  if (!InitSodium())
    return MakeError(Errc::kIo, "libsodium cannot start (no entropy source for random secrets)");
  return OkStatus();
}

const char* RoleName(Role r) {
  return r == Role::kAdmin ? "admin" : "reviewer";
}

std::optional<Role> ParseRole(std::string_view s) {
  if (s == "reviewer") return Role::kReviewer;
  if (s == "admin") return Role::kAdmin;
  return std::nullopt;
}

bool MayReproduce(Role r) {
  switch (r) {
    case Role::kReviewer: return true;
    case Role::kAdmin: return true;
  }
  return false;
}

std::string RandomSecret() {
  InitSodium();
  unsigned char buf[32];
  randombytes_buf(buf, sizeof buf);
  char out[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(out, sizeof out, buf, sizeof buf, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(buf, sizeof buf);
  return out;
}

std::string HashSecret(std::string_view secret) {
  return Sha256Hex(secret);
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  InitSodium();
  return a.empty() || sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string IsoUtc(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Status ValidateUserName(std::string_view name) {
  if (name.empty() || name.size() > 64)
    return MakeError(Errc::kMalformed, "user names are 1 to 64 characters");
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
      return MakeError(Errc::kMalformed, "user names use only letters, digits, '.', '_' and '-'");
  return OkStatus();
}

Status ValidatePassword(std::string_view password) {
  if (password.size() < 8) return MakeError(Errc::kMalformed, "passwords have at least 8 bytes");
  if (password.size() > 1024)
    return MakeError(Errc::kMalformed, "passwords have at most 1024 bytes");
  return OkStatus();
}

Result<std::string> HashPassword(std::string_view password) {
  InitSodium();
  SlotGuard slot;
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return MakeError(Errc::kLimit, "password hashing ran out of memory");
  return std::string(out);
}

bool VerifyPassword(const std::string& hash, std::string_view password) {
  InitSodium();
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  SlotGuard slot;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

Status AddUser(store::Store& store, const std::string& name, Role role, std::string_view password,
               const std::string& now) {
  MV_RETURN_IF_ERROR(ValidateUserName(name));
  MV_RETURN_IF_ERROR(ValidatePassword(password));
  MV_ASSIGN_OR_RETURN(auto existing, store.GetUser(name));
  if (existing)
    return MakeError(Errc::kUnsupported,
                     "user " + name + " exists (change the password with `modelvet user passwd`)");
  MV_ASSIGN_OR_RETURN(std::string hash, HashPassword(password));
  return store.PutUser({name, RoleName(role), hash, now, false});
}

Status SetPassword(store::Store& store, const std::string& name, std::string_view password) {
  MV_RETURN_IF_ERROR(ValidatePassword(password));
  MV_ASSIGN_OR_RETURN(auto existing, store.GetUser(name));
  if (!existing) return MakeError(Errc::kUnsupported, "no user " + name);
  MV_ASSIGN_OR_RETURN(existing->password_hash, HashPassword(password));
  return store.PutUser(*existing);
}

Status RemoveUser(store::Store& store, const std::string& name) {
  MV_ASSIGN_OR_RETURN(bool removed, store.DeleteUser(name));
  if (!removed) return MakeError(Errc::kUnsupported, "no user " + name);
  return OkStatus();
}

Result<NewToken> CreateToken(store::Store& store, const std::string& user, const std::string& label,
                             const std::string& now) {
  MV_ASSIGN_OR_RETURN(auto existing, store.GetUser(user));
  if (!existing)
    return MakeError(Errc::kUnsupported, "no user " + user + " (add it with `modelvet user add`)");
  NewToken t;
  t.token = kTokenPrefix + RandomSecret();
  MV_ASSIGN_OR_RETURN(t.id, store.CreateToken({0, HashSecret(t.token), user, label, now, false}));
  return t;
}

Result<std::optional<Principal>> FromSession(store::Store& store, std::string_view cookie_value,
                                             std::time_t now) {
  if (cookie_value.empty() || cookie_value.size() > 128) return std::optional<Principal>();
  std::string hash = HashSecret(cookie_value);
  MV_ASSIGN_OR_RETURN(auto session, store.GetSession(hash, IsoUtc(now)));
  if (!session) return std::optional<Principal>();
  MV_ASSIGN_OR_RETURN(auto user, store.GetUser(session->user));
  if (!user || user->disabled) return std::optional<Principal>();
  auto role = ParseRole(user->role);
  if (!role) return std::optional<Principal>();
  return std::optional<Principal>(Principal{user->name, *role, true, session->csrf, hash});
}

Result<std::optional<Principal>> FromToken(store::Store& store, std::string_view token) {
  if (token.substr(0, 4) != kTokenPrefix || token.size() > 128) return std::optional<Principal>();
  MV_ASSIGN_OR_RETURN(auto rec, store.FindToken(HashSecret(token)));
  if (!rec) return std::optional<Principal>();
  MV_ASSIGN_OR_RETURN(auto user, store.GetUser(rec->user));
  if (!user || user->disabled) return std::optional<Principal>();
  auto role = ParseRole(user->role);
  if (!role) return std::optional<Principal>();
  return std::optional<Principal>(Principal{user->name, *role, false, "", ""});
}

Result<std::optional<NewSession>> Login(store::Store& store, const std::string& name,
                                        std::string_view password, std::time_t now) {
  MV_ASSIGN_OR_RETURN(auto user, store.GetUser(name));
  if (!user) {
    (void)VerifyPassword(DummyHash(), password);
    return std::optional<NewSession>();
  }
  auto role = ParseRole(user->role);
  if (!VerifyPassword(user->password_hash, password) || user->disabled || !role)
    return std::optional<NewSession>();
  NewSession s;
  s.cookie_value = RandomSecret();
  s.principal = Principal{user->name, *role, true, RandomSecret(), HashSecret(s.cookie_value)};
  MV_RETURN_IF_ERROR(
      store.CreateSession({s.principal.session_hash, user->name, s.principal.csrf, IsoUtc(now),
                           IsoUtc(now + limits::kSessionLifetimeSeconds)}));
  return std::optional<NewSession>(std::move(s));
}

Status Logout(store::Store& store, const Principal& p, std::time_t now) {
  if (p.session_hash.empty()) return OkStatus();
  return store.DeleteSession(p.session_hash, IsoUtc(now));
}

}  // namespace mv::server
