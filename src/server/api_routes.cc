// The JSON API (/api/v1/…; docs/openapi.yaml). Reads follow the read-access setting; writes
// need an API token (`Authorization: Bearer mvt_…`) or a session cookie with its CSRF token in
// X-CSRF-Token from a same-origin page. 401 without credentials, 403 with the wrong ones.
#include <fmt/format.h>

#include "core/limits.h"
#include "core/version.h"
#include "server/json_out.h"
#include "server/reviews.h"
#include "server/routes.h"
#include "server/table_query.h"

namespace mv::server {

namespace {

constexpr const char* kJson = "application/json";

void Send(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(JsonText(body), kJson);
}

void Fail(httplib::Response& res, int status, const std::string& message) {
  if (status == 401) res.set_header("WWW-Authenticate", "Bearer realm=\"modelvet\"");
  Send(res, status, Json{{"error", message}});
}

// The principal allowed to change something, or an answer already written (401/403).
std::optional<Principal> Writer(App& app, store::Store& store, const httplib::Request& req,
                                httplib::Response& res) {
  auto who = Authenticate(app, store, req);
  if (!who.ok()) {
    Fail(res, 500, who.error().message);
    return std::nullopt;
  }
  if (!*who) {
    Fail(res, 401, "sign in or send an API token (Authorization: Bearer mvt_…)");
    return std::nullopt;
  }
  if ((*who)->via_session &&
      (!SameOrigin(req) ||
       !ConstantTimeEqual(req.get_header_value("X-CSRF-Token"), (*who)->csrf))) {
    Fail(res, 403, "a session needs its CSRF token in X-CSRF-Token, sent from this site");
    return std::nullopt;
  }
  return **who;
}

// The JSON object body of a write, or an answer already written (415/400).
std::optional<Json> Body(const httplib::Request& req, httplib::Response& res) {
  std::string type = req.get_header_value("Content-Type");
  if (type.rfind("application/json", 0) != 0) {
    Fail(res, 415, "send a JSON body (Content-Type: application/json)");
    return std::nullopt;
  }
  Json body = Json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    Fail(res, 400, "the body is not a JSON object");
    return std::nullopt;
  }
  return body;
}

std::string Str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Reads need a principal only when the server says so; false: answered 401 (or 500).
bool CanRead(App& app, store::Store& store, const httplib::Request& req, httplib::Response& res) {
  auto r = ReaderOf(app, store, req);
  if (!r.ok()) {
    Fail(res, 500, r.error().message);
    return false;
  }
  if (!r->allowed) {
    Fail(res, 401, "this server requires a login or an API token to read");
    return false;
  }
  return true;
}

}  // namespace

void AddApiRoutes(httplib::Server& http, App& app) {
  http.Get("/api/v1/version", [](const httplib::Request&, httplib::Response& res) {
    Send(res, 200,
         Json{{"name", "modelvet"},
              {"version", kVersion},
              {"api", "v1"},
              {"schema", store::SqliteSchemaVersion()}});
  });

  http.Get("/api/v1/models", [&app](const httplib::Request& req, httplib::Response& res) {
    auto store = app.stores->Acquire();
    if (!CanRead(app, *store, req, res)) return;
    auto q = ParseTableQuery(req.params, limits::kServerDefaultPageSize);
    if (!q.ok()) return Fail(res, 400, q.error().message);
    auto list = audit::ListModels(*store, *q);
    if (!list.ok()) return Fail(res, 500, list.error().message);
    Json models = Json::array();
    for (const auto& m : list->models) models.push_back(SummaryJson(m));
    Send(res, 200,
         Json{{"total", list->total},
              {"limit", q->limit},
              {"offset", q->offset},
              {"sort", audit::ModelSortName(q->sort)},
              {"order", q->descending ? "desc" : "asc"},
              {"models", std::move(models)}});
  });

  http.Get(R"(/api/v1/models/(.+))", [&app](const httplib::Request& req, httplib::Response& res) {
    auto store = app.stores->Acquire();
    if (!CanRead(app, *store, req, res)) return;
    auto d = audit::GetModelDetail(*store, req.matches[1]);
    if (!d.ok()) return Fail(res, 500, d.error().message);
    if (!d->has_value())
      return Fail(res, 404, "no model " + req.matches[1].str() + " in the store");
    Send(res, 200, DetailJson(**d));
  });

  http.Post(R"(/api/v1/models/(.+)/reviews)",
            [&app](const httplib::Request& req, httplib::Response& res) {
              auto store = app.stores->Acquire();
              auto who = Writer(app, *store, req, res);
              if (!who) return;
              auto body = Body(req, res);
              if (!body) return;
              ReviewSubmission in{req.matches[1], Str(*body, "path"), Str(*body, "decision"),
                                  Str(*body, "note")};
              ReviewOutcome out = SubmitReview(*store, *who, in);
              if (out.http_status != 201) return Fail(res, out.http_status, out.error);
              Json o{{"review_id", out.result->review_id}, {"reviewer", who->user}};
              if (out.detail) {
                o["status"] = audit::StatusOrNotAudited(out.detail->model.status);
                for (const auto& r : out.detail->reviews)
                  if (r.id == out.result->review_id) o["review"] = ReviewJson(r);
                o["model"] = SummaryJson(out.detail->model);
              }
              Send(res, 201, o);
            });

  http.Post("/api/v1/audits", [&app](const httplib::Request& req, httplib::Response& res) {
    std::optional<Principal> who;
    {
      auto store = app.stores->Acquire();
      who = Writer(app, *store, req, res);
    }
    if (!who) return;
    auto body = Body(req, res);
    if (!body) return;
    auto ref = hub::RepoRef::Parse(Str(*body, "repo"));
    if (!ref.ok()) return Fail(res, 400, "repo: " + ref.error().message);
    // "reproduce": true loads the files the static engine calls unsafe or needs-review in the
    // sandbox (as `audit --reproduce`): reviewers and admins, on a server that allows it.
    bool reproduce = false;
    if (auto it = body->find("reproduce"); it != body->end()) {
      if (!it->is_boolean()) return Fail(res, 400, "reproduce: true or false");
      reproduce = it->get<bool>();
    }
    if (reproduce && !MayReproduce(who->role))
      return Fail(res, 403, "only reviewers and admins may ask for reproduction");
    if (reproduce && !app.jobs->AllowsReproduce()) return Fail(res, 403, kReproduceOff);
    auto job = app.jobs->Submit(*ref, who->user, reproduce);
    if (!job.ok()) {
      if (job.error().code == Errc::kForbidden) return Fail(res, 403, job.error().message);
      res.set_header("Retry-After", "30");
      return Fail(res, 503, job.error().message);
    }
    res.set_header("Location", "/api/v1/audits/" + std::to_string(job->id));
    Send(res, 202, JobJson(*job));
  });

  http.Get(R"(/api/v1/audits/(\d{1,18}))",
           [&app](const httplib::Request& req, httplib::Response& res) {
             {
               auto store = app.stores->Acquire();
               if (!CanRead(app, *store, req, res)) return;
             }
             auto job = app.jobs->Get(std::stoll(req.matches[1]));
             if (!job) return Fail(res, 404, "no audit job " + req.matches[1].str());
             Send(res, 200, JobJson(*job));
           });

  http.Get("/api/v1/users", [&app](const httplib::Request& req, httplib::Response& res) {
    auto store = app.stores->Acquire();
    auto who = Authenticate(app, *store, req);
    if (!who.ok()) return Fail(res, 500, who.error().message);
    if (!*who) return Fail(res, 401, "sign in or send an API token");
    if ((*who)->role != Role::kAdmin) return Fail(res, 403, "admins only");
    auto users = store->ListUsers();
    if (!users.ok()) return Fail(res, 500, users.error().message);
    Json arr = Json::array();
    for (const auto& u : *users)
      arr.push_back(
          {{"name", u.name}, {"role", u.role}, {"created", u.created}, {"disabled", u.disabled}});
    Send(res, 200, Json{{"users", arr}});
  });
}

}  // namespace mv::server
