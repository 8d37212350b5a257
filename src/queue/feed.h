// What puts jobs in the queue: named repos (`modelvet enqueue`), the triage queue
// (`enqueue --from-triage`) and the hub's listing of recently modified models (`modelvet watch`).
// Enqueueing is idempotent while a job is open: the store keeps one pending or leased job per
// repo and revision, so any number of watchers and enqueuers can run at once.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit.h"
#include "hub/client.h"
#include "store/job_queue.h"

namespace mv::queue {

struct EnqueueSummary {
  uint64_t asked = 0;
  uint64_t added = 0;  // the rest had a job open already
};

// ORG/NAME[@REV] each; an invalid repo id is an error before anything is queued.
Result<EnqueueSummary> EnqueueRepos(store::JobQueue& q, const std::vector<std::string>& repos,
                                    const std::string& source = "enqueue");

// The triage queue (audit::BuildTriageQueue: flagged models, most downloaded first), saved in
// the store as `triage` does, then queued.
Result<EnqueueSummary> EnqueueFromTriage(hub::HubClient& client, store::Store& st,
                                         const audit::TriageOptions& options,
                                         const std::function<void(std::string_view)>& progress);

struct WatchOptions {
  std::string search, author;
  uint64_t page_size = 100;
  // Most models one pass lists. The first pass of a new cursor stops here; later passes stop
  // at the cursor (the newest modification time an earlier pass saw).
  uint64_t max_models = 1000;
  std::string cursor = "watch";  // the cursor's name in the store
};

struct WatchPass {
  uint64_t listed = 0;  // models newer than the cursor
  uint64_t added = 0;   // jobs queued (the rest were open already)
  std::string cursor;   // the cursor after the pass
};

// One pass: lists models by lastModified (newest first, paged) down to the cursor, queues each
// (repo, "main", the listed commit) unless the queue audited that commit already, and moves the
// cursor forward. Ids that are not valid repo
// ids are skipped and reported.
Result<WatchPass> WatchOnce(hub::HubClient& client, store::JobQueue& q, const WatchOptions& options,
                            const std::function<void(std::string_view)>& progress = {});

}  // namespace mv::queue
