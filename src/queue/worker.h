// `modelvet worker`: stateless workers that take audit jobs from the PostgreSQL queue
// (store/job_queue.h) until it is empty, or forever. Each job is one repo revision audited as
// `modelvet audit` does (audit::AuditModel); its result is committed together with the job's
// completion, only while the worker's lease still holds the job. What a worker does with each
// outcome:
//   audited                 the commit completed the job (store::AuditCommit::job)
//   revision audited before completed without fetching anything (or without writing, when the
//                           duplicate is found at commit time)
//   access restricted       recorded unverified (as `audit` does), completed
//   lease lost              nothing written; the worker that took the job over finishes it
//   any other error         retried after an exponential backoff; after max_attempts the job
//                           is failed (the dead letter) with its last error
// Leases are renewed from a heartbeat thread while a job runs, so only a dead or hung worker
// loses one.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "audit/audit.h"
#include "hub/client.h"
#include "queue/rate_gate.h"

namespace mv::queue {

struct WorkerOptions {
  std::string db;  // the store's PostgreSQL URL
  int concurrency = 1;
  int lease_seconds = 300;
  bool exit_when_empty = false;
  int max_attempts = 5;
  int backoff_initial_seconds = 30;  // first retry; doubles per attempt (±25 % jitter)
  int backoff_max_seconds = 3600;
  double idle_poll_seconds = 2;  // between claims while no job is due
  std::string name;              // "host:pid" when empty
  audit::AuditOptions audit;     // kb, tool, max_files, reproduce (progress and job are set here)
  hub::HubConfig hub;            // the gate is set here
  RateBudget budget;
  bool share_rate_budget = true;  // false: each client on its own (tests, benchmarks)
  // One line per job outcome; called from the worker threads (serialised here).
  std::function<void(std::string_view)> log;
  const std::atomic<bool>* stop = nullptr;  // set: finish the current job, then return
};

struct WorkerStats {
  uint64_t audited = 0;
  uint64_t already_audited = 0;
  uint64_t unverified = 0;
  uint64_t retried = 0;
  uint64_t dead_lettered = 0;
  uint64_t leases_lost = 0;
  uint64_t bytes_read = 0;  // from the hub, over every audited file
  uint64_t hub_requests = 0;
};

// Runs `concurrency` workers (threads, each with its own store connections and hub client) until
// the queue has nothing pending or leased (exit_when_empty) or `stop` is set. Errors: the store
// cannot be opened, or is not PostgreSQL.
Result<WorkerStats> RunWorkers(const WorkerOptions& options);

// The delay before retry number `attempt` (1-based) of a failed job.
int RetryDelaySeconds(const WorkerOptions& options, int64_t attempt, uint64_t jitter_seed);

}  // namespace mv::queue
