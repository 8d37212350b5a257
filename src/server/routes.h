// The server's routes: the web app (pages, forms, sign-in, static files) and the JSON API.
// docs/server.md lists them; docs/openapi.yaml describes the API.
#pragma once

#include <httplib.h>

#include "server/app.h"

namespace mv::server {

void AddWebRoutes(httplib::Server& http, App& app);
void AddApiRoutes(httplib::Server& http, App& app);

// Shared by both: the principal of a request that reads. When reading requires a login and
// there is none, `allowed` is false (the caller answers 401 or redirects to the sign-in page).
struct Reader {
  std::optional<Principal> who;
  bool allowed = true;
};
Result<Reader> ReaderOf(App& app, store::Store& store, const httplib::Request& req);

}  // namespace mv::server
