// The frame around every page, the error page and the sign-in page.
#include <fmt/format.h>

#include "core/version.h"
#include "server/assets.h"
#include "server/labels.h"
#include "server/pages.h"

namespace mv::server {

using html::El;
using html::Node;
using html::Url;

namespace {

Url AssetUrl(html::LocalPath path, std::string_view name) {
  Url u(path);
  if (const Asset* a = FindAsset(name)) {
    std::string v(a->etag);
    if (v.size() >= 2) v = v.substr(1, v.size() - 2);
    u.Query("v", v);
  }
  return u;
}

}  // namespace

html::Url ModelUrl(std::string_view id) {
  return Url("/models").Segments(id);
}

std::string RenderPage(const App& app, const std::optional<Principal>& who, std::string_view title,
                       std::string_view here, Node main) {
  Node top = El("header").Class("topbar");
  top.Add(El("a")
              .Class("brand")
              .Link("href", Url("/"))
              .Add(El("span").Class("brand-mark").Attr("aria-hidden", "true").Add("\u25C6"))
              .Add("modelvet"));
  top.Add(El("nav")
              .Class("topnav")
              .Attr("aria-label", "Main")
              .Add(El("a").Link("href", Url("/")).Add("AI Models"))
              .Add(El("a").Link("href", Url("/api/v1/models")).Add("API")));
  Node account = El("div").Class("account");
  if (who) {
    account.Add(El("span").Class("who").Add(who->user));
    account.Add(El("span").Class("role").Add(RoleName(who->role)));
    account.Add(
        El("form")
            .Class("inline")
            .Attr("method", "post")
            .Link("action", Url("/logout"))
            .Add(El("input").Attr("type", "hidden").Attr("name", "csrf").Attr("value", who->csrf))
            .Add(El("button").Attr("type", "submit").Class("link-button").Add("Sign out")));
  } else {
    Url login("/login");
    if (!here.empty() && here != "/") login.Query("next", here);
    account.Add(El("a").Class("button button-quiet").Link("href", login).Add("Sign in"));
  }
  top.Add(std::move(account));

  Node footer = El("footer").Class("footer").Add(
      El("p")
          .Add(fmt::format("modelvet {} \u00B7 statuses, evidence and reviews from the audit "
                           "store \u00B7 ",
                           kVersion))
          .Add(El("a").Link("href", Url("/api/v1/models")).Add("JSON API")));

  Node body = El("div").Class("app");
  body.Add(El("a").Class("skip").Link("href", Url("/").Fragment("main")).Add("Skip to content"));
  body.Add(std::move(top)).Add(std::move(main)).Add(std::move(footer));
  return html::Document(std::string(title) + " \u00B7 modelvet",
                        AssetUrl("/static/app.css", "app.css"),
                        AssetUrl("/static/favicon.svg", "favicon.svg"),
                        AssetUrl("/static/app.js", "app.js"), std::move(body));
}

std::string RenderErrorPage(const App& app, const std::optional<Principal>& who,
                            std::string_view here, std::string_view title,
                            std::string_view message) {
  Node main = El("main").Class("page narrow").Attr("id", "main");
  main.Add(El("h1").Add(title));
  main.Add(El("p").Class("lede").Add(message));
  main.Add(El("p").Add(El("a").Link("href", Url("/")).Add("Back to AI Models")));
  return RenderPage(app, who, title, here, std::move(main));
}

std::string RenderLoginPage(const App& app, std::string_view login_token, std::string_view next,
                            std::string_view error, std::string_view user) {
  Node main = El("main").Class("page narrow").Attr("id", "main");
  Node card = El("section").Class("card login");
  card.Add(El("h1").Add("Sign in"));
  card.Add(El("p").Class("lede").Add("Reviewers sign in to record decisions on model files."));
  if (!error.empty())
    card.Add(El("p").Class("alert alert-danger").Attr("role", "alert").Add(error));
  Node form = El("form").Attr("method", "post").Link("action", Url("/login"));
  form.Add(
      El("input").Attr("type", "hidden").Attr("name", "login_token").Attr("value", login_token));
  form.Add(El("input").Attr("type", "hidden").Attr("name", "next").Attr("value", next));
  form.Add(El("label").Attr("for", "user").Add("User name"));
  form.Add(El("input")
               .Attr("id", "user")
               .Attr("name", "user")
               .Attr("autocomplete", "username")
               .Attr("value", user)
               .Attr("required")
               .Attr("autofocus"));
  form.Add(El("label").Attr("for", "password").Add("Password"));
  form.Add(El("input")
               .Attr("id", "password")
               .Attr("name", "password")
               .Attr("type", "password")
               .Attr("autocomplete", "current-password")
               .Attr("required"));
  form.Add(El("button").Attr("type", "submit").Class("button").Add("Sign in"));
  card.Add(std::move(form));
  card.Add(El("p").Class("hint").Add(
      "Accounts are created by an administrator with `modelvet user add NAME --role reviewer`."));
  main.Add(std::move(card));
  return RenderPage(app, std::nullopt, "Sign in", "", std::move(main));
}

}  // namespace mv::server
