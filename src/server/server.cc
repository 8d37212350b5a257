#include "server/server.h"

#include <fmt/format.h>

#include <cstdio>

#include "core/limits.h"
#include "core/text.h"
#include "server/app.h"
#include "server/json_out.h"
#include "server/pages.h"
#include "server/routes.h"
#include "server/task_queue.h"

namespace mv::server {

namespace {

// Sent with every response (httplib's default headers), errors included. No inline script or
// style anywhere in the app, so the policy allows only this origin's files.
httplib::Headers SecurityHeaders(bool tls) {
  httplib::Headers h = {
      {"Content-Security-Policy",
       "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      // same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on form
      // posts, and SameOrigin() needs the real origin. Other sites get no referrer.
      {"Referrer-Policy", "same-origin"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
      {"Cross-Origin-Resource-Policy", "same-origin"},
      {"Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"},
  };
  if (tls) h.emplace("Strict-Transport-Security", "max-age=31536000");
  return h;
}

bool IsApi(const httplib::Request& req) {
  return req.path.rfind("/api/", 0) == 0 || req.path == "/healthz";
}

const char* Reason(int status) {
  switch (status) {
    case 400: return "Bad request";
    case 401: return "Sign in first";
    case 403: return "Forbidden";
    case 404: return "Not found";
    case 405: return "Method not allowed";
    case 408: return "Request timeout";
    case 413: return "Request too large";
    case 414: return "Address too long";
    case 415: return "Unsupported media type";
    case 431: return "Headers too large";
    default: return status >= 500 ? "Server error" : "Request refused";
  }
}

}  // namespace

struct Server::Impl {
  App app;
  httplib::Server http;
  int port = 0;
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::Start(ServerConfig config) {
  MV_RETURN_IF_ERROR(InitCrypto());
  auto impl = std::make_unique<Impl>();
  App& app = impl->app;
  size_t threads = config.threads ? config.threads : limits::kServerDefaultThreads;
  if (threads > limits::kServerMaxThreads)
    return MakeError(Errc::kLimit, fmt::format("at most {} threads", limits::kServerMaxThreads));
  config.threads = threads;
  app.config = std::move(config);
  MV_ASSIGN_OR_RETURN(app.stores, StorePool::Open(app.config.db_path, threads));
  app.jobs =
      std::make_unique<AuditJobs>(AuditJobsConfig{app.config.db_path, app.config.hub, app.config.kb,
                                                  app.config.tool, app.config.allow_reproduce});
  app.hub_origin = html::Url::Origin(app.config.hub.endpoint);
  app.session_cookie = app.config.secure_cookies ? "__Host-mv_session" : "mv_session";

  httplib::Server& http = impl->http;
  http.new_task_queue = [threads] {
    return new BoundedTaskQueue(threads, limits::kServerConnectionQueue);
  };
  http.set_default_headers(SecurityHeaders(app.config.secure_cookies));
  http.set_payload_max_length(limits::kServerMaxRequestBody);
  http.set_read_timeout(limits::kServerIoTimeoutSeconds, 0);
  http.set_write_timeout(limits::kServerIoTimeoutSeconds, 0);
  http.set_keep_alive_timeout(limits::kServerIoTimeoutSeconds);
  http.set_keep_alive_max_count(limits::kServerKeepAliveRequests);
  // httplib writes the headers and the body separately: with Nagle's algorithm the body waits
  // for the client's delayed ACK of the headers (~40 ms on Linux) on keep-alive connections.
  http.set_tcp_nodelay(true);
  AddWebRoutes(http, app);
  AddApiRoutes(http, app);

  // Errors without a body (no route, too large, timeouts, …) get one in the right format.
  http.set_error_handler(httplib::Server::HandlerWithResponse(
      [&app](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        res.set_header("Cache-Control", "no-store");
        if (IsApi(req)) {
          res.set_content(JsonText(Json{{"error", Reason(res.status)}}), "application/json");
        } else {
          res.set_content(RenderErrorPage(app, std::nullopt, "/", Reason(res.status),
                                          res.status == 404 ? "There is no page at this address."
                                                            : "The server could not answer this "
                                                              "request."),
                          "text/html; charset=utf-8");
        }
        return httplib::Server::HandlerResponse::Handled;
      }));
  http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.body.clear();
      });
  if (app.config.access_log)
    http.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      std::fprintf(stderr, "%s %s %d\n", EscapeText(req.method).c_str(),
                   EscapeText(req.target.empty() ? req.path : req.target).c_str(), res.status);
    });

  if (app.config.port == 0) {
    impl->port = http.bind_to_any_port(app.config.host);
    if (impl->port <= 0)
      return MakeError(Errc::kIo, "cannot listen on " + app.config.host + " (any port)");
  } else {
    if (!http.bind_to_port(app.config.host, app.config.port))
      return MakeError(Errc::kIo,
                       fmt::format("cannot listen on {}:{}", app.config.host, app.config.port));
    impl->port = app.config.port;
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

std::string Server::Url() const {
  const std::string& h = impl_->app.config.host;
  bool v6 = h.find(':') != std::string::npos;
  return fmt::format("http://{}{}{}:{}", v6 ? "[" : "", h, v6 ? "]" : "", impl_->port);
}

Status Server::Run() {
  if (!impl_->http.listen_after_bind()) return MakeError(Errc::kIo, "the server stopped listening");
  return OkStatus();
}

void Server::Stop() {
  impl_->http.stop();
}

}  // namespace mv::server
