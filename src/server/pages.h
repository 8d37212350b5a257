// The web app's pages, each a whole HTML document built with html.h (so every dynamic value is
// escaped). Forms work without JavaScript; /static/app.js only enhances them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "audit/model_view.h"
#include "server/accounts.h"
#include "server/app.h"

namespace mv::server {

// The page frame: top bar (the signed-in user and a sign-out form, or a sign-in link that
// returns to `here`), `main`, footer.
std::string RenderPage(const App& app, const std::optional<Principal>& who, std::string_view title,
                       std::string_view here, html::Node main);

// The AI Models table. `error` (a bad filter) is shown above it.
std::string RenderModelsPage(const App& app, const std::optional<Principal>& who,
                             const audit::ModelListQuery& query, const audit::ModelList& list,
                             std::string_view here, std::string_view error);

// A model's page. `notice` confirms a recorded review; `form_error` explains a refused one
// (for the file `form_path`, whose form is shown open with the note kept).
struct ReviewFormState {
  std::string notice;
  std::string error;
  std::string path;
  std::string note;
};
std::string RenderModelPage(const App& app, const std::optional<Principal>& who,
                            const audit::ModelDetail& detail, std::string_view here,
                            const ReviewFormState& form);

// The sign-in form; `login_token` is echoed in a hidden field and in the mv_login cookie.
std::string RenderLoginPage(const App& app, std::string_view login_token, std::string_view next,
                            std::string_view error, std::string_view user);

std::string RenderErrorPage(const App& app, const std::optional<Principal>& who,
                            std::string_view here, std::string_view title,
                            std::string_view message);

// The path of a model's page: /models/ORG/NAME (each part percent-encoded).
html::Url ModelUrl(std::string_view id);

}  // namespace mv::server
