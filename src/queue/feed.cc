#include "queue/feed.h"

#include <fmt/format.h>

#include <algorithm>

namespace mv::queue {

Result<EnqueueSummary> EnqueueRepos(store::JobQueue& q, const std::vector<std::string>& repos,
                                    const std::string& source) {
  std::vector<store::EnqueueRequest> reqs;
  for (const auto& text : repos) {
    MV_ASSIGN_OR_RETURN(hub::RepoRef ref, hub::RepoRef::Parse(text));
    MV_RETURN_IF_ERROR(hub::ValidateRepoId(ref.repo));
    reqs.push_back({ref.repo, ref.revision, "", source});
  }
  EnqueueSummary s;
  s.asked = reqs.size();
  MV_ASSIGN_OR_RETURN(s.added, q.Enqueue(reqs));
  return s;
}

Result<EnqueueSummary> EnqueueFromTriage(hub::HubClient& client, store::Store& st,
                                         const audit::TriageOptions& options,
                                         const std::function<void(std::string_view)>& progress) {
  store::JobQueue* q = st.Queue();
  if (!q) return MakeError(Errc::kUnsupported, "the queue needs PostgreSQL (--db postgresql://…)");
  MV_ASSIGN_OR_RETURN(auto candidates, audit::BuildTriageQueue(client, &st, options, progress));
  std::vector<store::EnqueueRequest> reqs;
  for (const auto& c : candidates) reqs.push_back({c.id, "main", "", "triage"});
  EnqueueSummary s;
  s.asked = reqs.size();
  MV_ASSIGN_OR_RETURN(s.added, q->Enqueue(reqs));
  return s;
}

Result<WatchPass> WatchOnce(hub::HubClient& client, store::JobQueue& q, const WatchOptions& o,
                            const std::function<void(std::string_view)>& progress) {
  MV_ASSIGN_OR_RETURN(std::string cursor, q.GetCursor(o.cursor));
  hub::ListModelsQuery lq;
  lq.search = o.search;
  lq.author = o.author;
  lq.sort = "lastModified";
  lq.limit = o.max_models;
  lq.page_size = o.page_size;
  lq.expand = {"sha", "lastModified", "downloads"};
  // Same-second modifications at the cursor are listed again: queueing is idempotent, and a
  // revision already audited is completed without a fetch.
  if (!cursor.empty())
    lq.stop_before = [&cursor](const hub::ModelInfo& m) {
      return !m.last_modified.empty() && m.last_modified < cursor;
    };
  MV_ASSIGN_OR_RETURN(std::vector<hub::ModelInfo> listed, client.ListModels(lq));
  WatchPass pass;
  std::vector<store::EnqueueRequest> reqs;
  std::string newest = cursor;
  for (const auto& m : listed) {
    if (auto v = hub::ValidateRepoId(m.id); !v.ok()) {
      if (progress) progress(fmt::format("skipped a listed model: {}", v.error().message));
      continue;
    }
    ++pass.listed;
    newest = std::max(newest, m.last_modified);
    // A commit the queue audited already (listed again at the cursor's own timestamp).
    if (!m.sha.empty()) {
      MV_ASSIGN_OR_RETURN(bool seen, q.RevisionAudited(m.id, m.sha));
      if (seen) continue;
    }
    reqs.push_back({m.id, "main", m.sha, "watch"});
  }
  MV_ASSIGN_OR_RETURN(pass.added, q.Enqueue(reqs));
  // The cursor moves only after the jobs are queued: a watcher killed in between lists the
  // same models again next time.
  if (newest != cursor) MV_RETURN_IF_ERROR(q.SetCursor(o.cursor, newest));
  pass.cursor = newest;
  return pass;
}

}  // namespace mv::queue
