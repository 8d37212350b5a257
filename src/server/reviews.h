// A reviewer's decision on a file, from the web form or the API: the same path as
// `modelvet review` (audit::ApplyReview and its validation), with the reviewer being the
// signed-in user or the API token's user, never a name the request supplies.
#pragma once

#include <optional>
#include <string>

#include "audit/audit.h"
#include "audit/model_view.h"
#include "server/accounts.h"
#include "store/store.h"

namespace mv::server {

struct ReviewSubmission {
  std::string model;
  std::string path;
  std::string decision;  // confirmed-unsafe | false-positive
  std::string note;
};

struct ReviewOutcome {
  int http_status = 201;  // 201 recorded; 400, 404, 409, 413 refused (error says why)
  std::string error;
  std::optional<audit::ReviewResult> result;
  std::optional<audit::ModelDetail> detail;  // the model after (or before, when refused)
};

ReviewOutcome SubmitReview(store::Store& store, const Principal& who, const ReviewSubmission& in);

}  // namespace mv::server
