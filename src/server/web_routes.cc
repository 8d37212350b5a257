// The web app's routes. Pages are rendered by pages.h; forms post multipart (reviews) or
// urlencoded (sign-in, sign-out) bodies; every state change made with the session cookie needs
// the session's CSRF token and a same-origin request.
#include <fmt/format.h>

#include "core/limits.h"
#include "server/assets.h"
#include "server/pages.h"
#include "server/reviews.h"
#include "server/routes.h"
#include "server/table_query.h"

namespace mv::server {

namespace {

constexpr const char* kHtml = "text/html; charset=utf-8";
constexpr const char* kLoginCookie = "mv_login";
constexpr long kLoginFormSeconds = 1800;

// The request target to come back to after signing in (path and query as received).
std::string Here(const httplib::Request& req) {
  return req.target.empty() ? req.path : req.target;
}

// A local path to redirect to: "/…" but not "//…" or "/\\…", without control bytes; else "/".
std::string SafeNext(const std::string& next) {
  if (next.size() < 1 || next[0] != '/' || next.size() > 2048) return "/";
  if (next.size() > 1 && (next[1] == '/' || next[1] == '\\')) return "/";
  for (unsigned char c : next)
    if (c < 0x21 || c == 0x7F || c == '\\') return "/";
  return next;
}

void Html(httplib::Response& res, int status, std::string body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(std::move(body), kHtml);
}

void Redirect(httplib::Response& res, const std::string& to) {
  res.status = 303;
  res.set_header("Location", to);
  res.set_header("Cache-Control", "no-store");
}

// The value of a form field: multipart parts, else urlencoded parameters.
std::string Field(const httplib::Request& req, const std::string& name) {
  if (req.is_multipart_form_data())
    return req.has_file(name) ? req.get_file_value(name).content : "";
  return req.get_param_value(name);
}

void LoginRedirect(httplib::Response& res, const httplib::Request& req) {
  html::Url u("/login");
  u.Query("next", Here(req));
  Redirect(res, u.str());
}

// The signed-in principal of a form post that changes something, or nullopt with the answer
// written: 401 without a session (`signed_out` says what needs one), 403 when the form does
// not carry the session's CSRF token or was not sent from this site.
std::optional<Principal> FormWriter(App& app, store::Store& store, const httplib::Request& req,
                                    httplib::Response& res, const std::string& back,
                                    std::string_view signed_out) {
  auto who = Authenticate(app, store, req);
  if (!who.ok()) {
    Html(res, 500, RenderErrorPage(app, std::nullopt, "/", "Store error", who.error().message));
    return std::nullopt;
  }
  if (!*who) {
    res.set_header("WWW-Authenticate", "Cookie realm=\"modelvet\"");
    Html(res, 401, RenderErrorPage(app, std::nullopt, back, "Sign in first", signed_out));
    return std::nullopt;
  }
  if (!(*who)->via_session || !SameOrigin(req) ||
      !ConstantTimeEqual(Field(req, "csrf"), (*who)->csrf)) {
    Html(res, 403,
         RenderErrorPage(app, *who, back, "Request refused",
                         "The form was not sent from this site's page (its "
                         "security token does not match). Reload the page "
                         "and try again."));
    return std::nullopt;
  }
  return **who;
}

}  // namespace

Result<Reader> ReaderOf(App& app, store::Store& store, const httplib::Request& req) {
  Reader r;
  MV_ASSIGN_OR_RETURN(r.who, Authenticate(app, store, req));
  r.allowed = r.who || app.config.read_access == ReadAccess::kOpen;
  return r;
}

void AddWebRoutes(httplib::Server& http, App& app) {
  http.Get("/", [&app](const httplib::Request& req, httplib::Response& res) {
    auto store = app.stores->Acquire();
    auto reader = ReaderOf(app, *store, req);
    if (!reader.ok())
      return Html(res, 500,
                  RenderErrorPage(app, std::nullopt, "/", "Store error", reader.error().message));
    if (!reader->allowed) return LoginRedirect(res, req);
    int status = 200;
    std::string error;
    auto q = ParseTableQuery(req.params, limits::kServerDefaultPageSize);
    audit::ModelListQuery query;
    if (q.ok()) {
      query = *q;
    } else {
      status = 400;
      error = q.error().message;
      query.limit = limits::kServerDefaultPageSize;
    }
    auto list = audit::ListModels(*store, query);
    if (!list.ok())
      return Html(
          res, 500,
          RenderErrorPage(app, reader->who, Here(req), "Store error", list.error().message));
    Html(res, status, RenderModelsPage(app, reader->who, query, *list, Here(req), error));
  });

  http.Get(R"(/models/(.+))", [&app](const httplib::Request& req, httplib::Response& res) {
    auto store = app.stores->Acquire();
    auto reader = ReaderOf(app, *store, req);
    if (!reader.ok())
      return Html(res, 500,
                  RenderErrorPage(app, std::nullopt, "/", "Store error", reader.error().message));
    if (!reader->allowed) return LoginRedirect(res, req);
    std::string id = req.matches[1];
    auto d = audit::GetModelDetail(*store, id);
    if (!d.ok())
      return Html(res, 500,
                  RenderErrorPage(app, reader->who, Here(req), "Store error", d.error().message));
    if (!d->has_value())
      return Html(res, 404,
                  RenderErrorPage(app, reader->who, Here(req), "No such model",
                                  "This model is not in the audit store. Run "
                                  "`modelvet audit " +
                                      id + "` to add it."));
    ReviewFormState form;
    if (req.has_param("recorded")) form.notice = "Your decision was recorded.";
    if (req.has_param("reproducing")) {
      std::string job = req.get_param_value("reproducing");
      bool digits = !job.empty() && job.size() <= 18 &&
                    job.find_first_not_of("0123456789") == std::string::npos;
      form.notice = digits ? "Reproduction requested (audit job " + job +
                                 "): the model is audited again and its unsafe or needs-review "
                                 "files are loaded in the sandbox. Reload this page to see the "
                                 "result."
                           : "";
    }
    Html(res, 200, RenderModelPage(app, reader->who, **d, Here(req), form));
  });

  http.Post(R"(/models/(.+)/reviews)", [&app](const httplib::Request& req, httplib::Response& res) {
    auto store = app.stores->Acquire();
    std::string id = req.matches[1];
    std::string back = ModelUrl(id).str();
    auto who =
        FormWriter(app, *store, req, res, back, "Only signed-in reviewers can record decisions.");
    if (!who) return;
    ReviewSubmission in{id, Field(req, "path"), Field(req, "decision"), Field(req, "note")};
    ReviewOutcome out = SubmitReview(*store, *who, in);
    if (out.http_status == 201) {
      html::Url to = ModelUrl(id);
      to.Query("recorded", "1");
      return Redirect(res, to.str());
    }
    if (!out.detail)
      return Html(res, out.http_status,
                  RenderErrorPage(app, who, back, "Decision not recorded", out.error));
    ReviewFormState form;
    form.error = out.error;
    form.path = in.path;
    form.note = in.note;
    bool known = std::any_of(out.detail->files.begin(), out.detail->files.end(),
                             [&](const audit::FileView& f) { return f.path == in.path; });
    if (!known) form.path.clear();  // shown above the files instead
    Html(res, out.http_status, RenderModelPage(app, who, *out.detail, back, form));
  });

  // "Reproduce in sandbox" on a model page: an audit job with reproduction (POST /api/v1/audits
  // with "reproduce": true), for reviewers on a server started with --allow-reproduce.
  http.Post(R"(/models/(.+)/reproduce)", [&app](const httplib::Request& req,
                                                httplib::Response& res) {
    std::string id = req.matches[1];
    std::string back = ModelUrl(id).str();
    std::optional<Principal> who;
    std::optional<audit::ModelDetail> detail;
    {
      auto store = app.stores->Acquire();
      who = FormWriter(app, *store, req, res, back,
                       "Only signed-in reviewers can ask for a reproduction.");
      if (!who) return;
      auto d = audit::GetModelDetail(*store, id);
      if (!d.ok())
        return Html(res, 500, RenderErrorPage(app, who, back, "Store error", d.error().message));
      if (!d->has_value())
        return Html(res, 404,
                    RenderErrorPage(app, who, back, "No such model",
                                    "This model is not in the audit store."));
      detail = std::move(**d);
    }
    if (!MayReproduce(who->role))
      return Html(res, 403,
                  RenderErrorPage(app, who, back, "Request refused",
                                  "Only reviewers and admins may ask for a reproduction."));
    if (!app.jobs->AllowsReproduce())
      return Html(res, 403, RenderErrorPage(app, who, back, "Reproduction is off", kReproduceOff));
    hub::RepoRef ref;
    ref.repo = id;
    if (!detail->model.revision.empty()) ref.revision = detail->model.revision;
    if (auto v = hub::ValidateRepoId(ref.repo); !v.ok())
      return Html(res, 400, RenderErrorPage(app, who, back, "Not a hub model", v.error().message));
    auto job = app.jobs->Submit(ref, who->user, true);
    if (!job.ok())
      return Html(res, job.error().code == Errc::kForbidden ? 403 : 503,
                  RenderErrorPage(app, who, back, "Reproduction not started", job.error().message));
    html::Url to = ModelUrl(id);
    to.Query("reproducing", std::to_string(job->id));
    Redirect(res, to.str());
  });

  http.Get("/login", [&app](const httplib::Request& req, httplib::Response& res) {
    std::string token = RandomSecret();
    res.set_header("Set-Cookie", SetCookie(app, kLoginCookie, token, "/login", kLoginFormSeconds));
    Html(res, 200, RenderLoginPage(app, token, SafeNext(req.get_param_value("next")), "", ""));
  });

  http.Post("/login", [&app](const httplib::Request& req, httplib::Response& res) {
    std::string next = SafeNext(Field(req, "next"));
    std::string user = Field(req, "user");
    std::string form_token = Field(req, "login_token");
    std::string cookie = GetCookie(req, kLoginCookie);
    if (cookie.empty() || !SameOrigin(req) || !ConstantTimeEqual(form_token, cookie)) {
      std::string token = RandomSecret();
      res.set_header("Set-Cookie",
                     SetCookie(app, kLoginCookie, token, "/login", kLoginFormSeconds));
      return Html(res, 403,
                  RenderLoginPage(app, token, next,
                                  "The sign-in form expired or was not sent from this "
                                  "site. Please try again.",
                                  user));
    }
    auto store = app.stores->Acquire();
    auto session = Login(*store, user, Field(req, "password"), std::time(nullptr));
    if (!session.ok())
      return Html(res, 500,
                  RenderErrorPage(app, std::nullopt, "/", "Store error", session.error().message));
    if (!*session)
      return Html(res, 401,
                  RenderLoginPage(app, form_token, next, "Wrong user name or password.", user));
    res.set_header("Set-Cookie", SetCookie(app, app.session_cookie, (*session)->cookie_value, "/",
                                           limits::kSessionLifetimeSeconds));
    res.set_header("Set-Cookie", SetCookie(app, kLoginCookie, "", "/login", 0));
    Redirect(res, next);
  });

  http.Post("/logout", [&app](const httplib::Request& req, httplib::Response& res) {
    auto store = app.stores->Acquire();
    auto who = Authenticate(app, *store, req);
    if (who.ok() && *who && (*who)->via_session) {
      if (!SameOrigin(req) || !ConstantTimeEqual(Field(req, "csrf"), (*who)->csrf))
        return Html(res, 403,
                    RenderErrorPage(app, *who, "/", "Request refused",
                                    "The sign-out form was not sent from this site."));
      (void)Logout(*store, **who, std::time(nullptr));
    }
    res.set_header("Set-Cookie", SetCookie(app, app.session_cookie, "", "/", 0));
    Redirect(res, "/");
  });

  http.Get(R"(/static/([A-Za-z0-9._-]+))", [](const httplib::Request& req, httplib::Response& res) {
    const Asset* a = FindAsset(req.matches[1].str());
    if (!a) {
      res.status = 404;
      return;
    }
    res.set_header("ETag", a->etag);
    res.set_header("Cache-Control",
                   req.has_param("v") ? "public, max-age=31536000, immutable" : "no-cache");
    if (req.get_header_value("If-None-Match") == a->etag) {
      res.status = 304;
      return;
    }
    res.set_content(std::string(a->body), a->content_type);
  });

  http.Get("/healthz", [&app](const httplib::Request&, httplib::Response& res) {
    auto store = app.stores->Acquire();
    audit::ModelListQuery q;
    q.limit = 1;
    auto ok = audit::ListModels(*store, q);
    res.set_header("Cache-Control", "no-store");
    res.status = ok.ok() ? 200 : 503;
    res.set_content(ok.ok() ? "{\"status\":\"ok\"}" : "{\"status\":\"store unavailable\"}",
                    "application/json");
  });
}

}  // namespace mv::server
