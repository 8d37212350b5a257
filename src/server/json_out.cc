#include "server/json_out.h"

#include "report/json_text.h"

namespace mv::server {

Json JobJson(const AuditJob& job) {
  Json o = {{"id", job.id},
            {"repo", job.repo},
            {"state", JobStateName(job.state)},
            {"submitted_by", job.submitted_by},
            {"reproduce", job.reproduce},
            {"submitted", job.submitted},
            {"started", job.started.empty() ? Json(nullptr) : Json(job.started)},
            {"finished", job.finished.empty() ? Json(nullptr) : Json(job.finished)},
            {"error", job.error.empty() ? Json(nullptr) : Json(job.error)},
            {"url", "/api/v1/audits/" + std::to_string(job.id)}};
  if (job.model) {
    o["model"] = SummaryJson(*job.model);
    o["files_scanned"] = job.files;
    o["bytes_read"] = job.bytes_read;
  } else {
    o["model"] = nullptr;
  }
  // The sandboxed loads this job made (reproduce: true), in file order; their observations
  // are in the model's detail.
  Json runs = Json::array();
  for (const auto& r : job.reproductions)
    runs.push_back({{"path", r.path}, {"loader", r.loader}, {"outcome", r.outcome}});
  o["reproductions"] = runs;
  return o;
}

std::string JsonText(const Json& j) {
  return report::JsonText(j);
}

}  // namespace mv::server
