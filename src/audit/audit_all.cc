#include "audit/audit_all.h"

#include <set>

namespace mv::audit {

Result<AuditAllPlan> PlanAuditAll(store::Store& st, bool restart, const std::string& now) {
  AuditAllPlan plan;
  std::set<std::string> done;
  auto open = st.OpenAuditRun();
  if (!open.ok()) return open.error();
  if (*open && !restart) {
    plan.run = (*open)->id;
    plan.resumed = true;
    plan.resumed_started = (*open)->started;
    done.insert((*open)->done.begin(), (*open)->done.end());
    plan.done = done.size();
  } else {
    auto started = st.StartAuditRun(now);
    if (!started.ok()) return started.error();
    plan.run = *started;
  }
  auto models = st.ListModels();
  if (!models.ok()) return models.error();
  for (const auto& m : *models) {
    if (done.count(m.id)) {
      if (m.status == store::ModelStatus::kConfirmedUnsafe) plan.unsafe_before = true;
      continue;
    }
    if (auto v = hub::ValidateRepoId(m.id); !v.ok()) {
      plan.skipped.push_back(v.error().message);
      continue;
    }
    hub::RepoRef r;
    r.repo = m.id;
    r.revision = m.revision.empty() ? "main" : m.revision;
    plan.refs.push_back(std::move(r));
  }
  return plan;
}

}  // namespace mv::audit
