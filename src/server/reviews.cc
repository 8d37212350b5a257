#include "server/reviews.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/limits.h"

namespace mv::server {

namespace {

ReviewOutcome Refuse(int status, std::string error) {
  ReviewOutcome o;
  o.http_status = status;
  o.error = std::move(error);
  return o;
}

}  // namespace

ReviewOutcome SubmitReview(store::Store& store, const Principal& who, const ReviewSubmission& in) {
  auto detail = audit::GetModelDetail(store, in.model);
  if (!detail.ok()) return Refuse(500, detail.error().message);
  if (!detail->has_value()) return Refuse(404, "no model " + in.model + " in the store");
  auto refuse = [&](int status, std::string error) {
    ReviewOutcome o = Refuse(status, std::move(error));
    o.detail = **detail;
    return o;
  };
  const audit::ModelDetail& d = **detail;
  if (!d.model.status) return refuse(409, in.model + " has not been audited yet");
  auto decision = EnumFromText<audit::Decision>(in.decision);
  if (!decision) return refuse(400, "decision: choose confirmed-unsafe or false-positive");
  if (std::none_of(d.files.begin(), d.files.end(),
                   [&](const audit::FileView& f) { return f.path == in.path; }))
    return refuse(400, "path: " + in.model + " has no file `" + in.path + "`");
  if (in.note.size() > limits::kMaxReviewNoteBytes)
    return refuse(413, fmt::format("note: at most {} bytes", limits::kMaxReviewNoteBytes));

  audit::ReviewRequest req;
  req.model = in.model;
  req.path = in.path;
  req.decision = *decision;
  req.note = in.note;
  req.reviewer = who.user;
  auto r = audit::ApplyReview(store, req);
  if (!r.ok()) {
    const Error& e = r.error();
    int status = e.code == Errc::kMalformed ? 400
                 : e.code == Errc::kLimit   ? 413
                 : e.code == Errc::kIo      ? 500
                                            : 409;
    // "review: a note saying why is required" reads better without the CLI's flag name.
    std::string msg = e.message;
    if (auto p = msg.find(" (--note)"); p != std::string::npos) msg.erase(p);
    return refuse(status, msg);
  }
  ReviewOutcome o;
  o.http_status = 201;
  o.result = *r;
  auto after = audit::GetModelDetail(store, in.model);
  if (after.ok() && after->has_value()) o.detail = **after;
  return o;
}

}  // namespace mv::server
