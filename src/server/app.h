// What every request handler shares: the configuration, the store connections, the audit
// queue and the embedded static files.
#pragma once

#include <httplib.h>

#include <ctime>
#include <memory>
#include <optional>
#include <string>

#include "server/accounts.h"
#include "server/assets.h"
#include "server/audit_jobs.h"
#include "server/html.h"
#include "server/server.h"
#include "server/store_pool.h"

namespace mv::server {

struct App {
  ServerConfig config;
  std::unique_ptr<StorePool> stores;
  std::unique_ptr<AuditJobs> jobs;
  std::optional<html::Url> hub_origin;  // links back to the hub; nullopt: not a http(s) origin
  std::string session_cookie;           // "mv_session", or "__Host-mv_session" when secure
};

// Who the request acts for: an `Authorization: Bearer mvt_…` API token, else the session
// cookie; nullopt when neither is valid.
Result<std::optional<Principal>> Authenticate(App& app, store::Store& store,
                                              const httplib::Request& req);

// The request comes from a page of this server: its Origin (when sent) names the Host it was
// sent to, and Sec-Fetch-Site (when sent) is not cross-site. Checked on every state change made
// with a session cookie, in addition to the CSRF token.
bool SameOrigin(const httplib::Request& req);

// A cookie's value from the Cookie header; "" when absent.
std::string GetCookie(const httplib::Request& req, std::string_view name);
// Set-Cookie values: HttpOnly, SameSite=Strict, Path, Max-Age; Secure when configured.
std::string SetCookie(const App& app, std::string_view name, std::string_view value,
                      std::string_view path, long max_age);

}  // namespace mv::server
