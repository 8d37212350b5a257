#include "server/app.h"

#include <fmt/format.h>

namespace mv::server {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string GetCookie(const httplib::Request& req, std::string_view name) {
  for (size_t i = 0; i < req.get_header_value_count("Cookie"); ++i) {
    std::string header = req.get_header_value("Cookie", i);
    std::string_view rest = header;
    while (!rest.empty()) {
      size_t semi = rest.find(';');
      std::string_view pair = Trim(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      size_t eq = pair.find('=');
      if (eq != std::string_view::npos && Trim(pair.substr(0, eq)) == name)
        return std::string(Trim(pair.substr(eq + 1)));
    }
  }
  return "";
}

std::string SetCookie(const App& app, std::string_view name, std::string_view value,
                      std::string_view path, long max_age) {
  return fmt::format("{}={}; Path={}; Max-Age={}; HttpOnly; SameSite=Strict{}", name, value, path,
                     max_age, app.config.secure_cookies ? "; Secure" : "");
}

Result<std::optional<Principal>> Authenticate(App& app, store::Store& store,
                                              const httplib::Request& req) {
  std::string auth = req.get_header_value("Authorization");
  if (!auth.empty()) {
    constexpr std::string_view kBearer = "Bearer ";
    if (auth.size() <= kBearer.size() || auth.compare(0, kBearer.size(), kBearer) != 0)
      return std::optional<Principal>();
    return FromToken(store, Trim(std::string_view(auth).substr(kBearer.size())));
  }
  std::string cookie = GetCookie(req, app.session_cookie);
  if (cookie.empty()) return std::optional<Principal>();
  return FromSession(store, cookie, std::time(nullptr));
}

bool SameOrigin(const httplib::Request& req) {
  std::string site = req.get_header_value("Sec-Fetch-Site");
  if (!site.empty() && site != "same-origin" && site != "none") return false;
  std::string origin = req.get_header_value("Origin");
  if (origin.empty()) return true;  // older browsers; the CSRF token still has to match
  std::string host = req.get_header_value("Host");
  auto scheme_end = origin.find("://");
  if (scheme_end == std::string::npos || host.empty()) return false;
  return origin.substr(scheme_end + 3) == host;
}

}  // namespace mv::server
