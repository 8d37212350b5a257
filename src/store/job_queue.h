// The shared work queue of `modelvet worker` (PostgreSQL only: claims need row locks that skip
// locked rows, which an SQLite file cannot give several machines). The primitives only; the
// policy (backoff, dead-letter threshold, lease renewal, the hub's rate budget) is queue/.
//
// Jobs move pending → leased → done, or back to pending after a failure (not before its
// backoff), or to failed (the dead letter, keeping the last error) after too many attempts. A
// lease is a random token with an expiry: a worker that dies (SIGKILL, a lost machine) stops
// renewing it, and once it expires another worker claims the job. Every completion checks the
// token, so a worker whose lease was taken over writes nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/store.h"

namespace mv::store {

struct Job {
  int64_t id = 0;
  std::string repo;
  std::string revision = "main";
  std::string sha;     // commit seen when enqueued ("" unknown)
  std::string source;  // enqueue | triage | watch
  std::string state;   // pending | leased | done | failed
  int64_t attempts = 0;
  std::string last_error;
  std::string note;
  std::string leased_by;
  JobLease lease;  // filled by Claim
};

struct JobCounts {
  uint64_t pending = 0;
  uint64_t leased = 0;
  uint64_t done = 0;
  uint64_t failed = 0;
  // Repo revisions the queue audited more than once: the invariant the queue keeps at 0.
  uint64_t duplicate_results = 0;
};

struct EnqueueRequest {
  std::string repo;
  std::string revision = "main";
  std::string sha;  // "" unknown
  std::string source;
};

class JobQueue {
 public:
  virtual ~JobQueue() = default;

  // Adds a pending job per request unless one is already pending or leased for the same repo
  // and revision (a unique index: two watchers cannot double-enqueue). Returns how many were
  // added.
  virtual Result<uint64_t> Enqueue(const std::vector<EnqueueRequest>& jobs) = 0;

  // Takes the oldest due job — pending and past its backoff, or leased with an expired lease —
  // with FOR UPDATE SKIP LOCKED, so concurrent workers never take the same one. A job whose
  // lease expired max_attempts times goes to failed instead (a worker that keeps dying on it).
  virtual Result<std::optional<Job>> Claim(const std::string& worker, int lease_seconds,
                                           int max_attempts) = 0;
  // Renews the lease; false when it was lost (taken over after expiring).
  virtual Result<bool> ExtendLease(const JobLease& lease, int lease_seconds) = 0;
  // A failed attempt: back to pending after retry_in_seconds, or failed when attempts reached
  // max_attempts; the error is kept. false when the lease was lost.
  virtual Result<bool> FailJob(const JobLease& lease, const std::string& error,
                               int retry_in_seconds, int max_attempts) = 0;
  // Done without an audit of its own (recorded unverified, or the revision was audited
  // already); the note says which. false when the lease was lost.
  virtual Result<bool> CompleteJob(const JobLease& lease, const std::string& note) = 0;

  // Whether the queue already audited this repo at this commit.
  virtual Result<bool> RevisionAudited(const std::string& repo, const std::string& sha) = 0;

  virtual Result<JobCounts> CountJobs() = 0;
  // Jobs in one state ("" any), most recent first.
  virtual Result<std::vector<Job>> ListJobs(const std::string& state, uint64_t limit) = 0;

  // The hub's rate budget, one token bucket row per name shared by every worker: takes one
  // token (refilled at `per_second`, at most `burst`) and returns 0, or returns the seconds to
  // wait before asking again (no token, or the bucket is paused after a 429).
  virtual Result<double> TakeToken(const std::string& bucket, double per_second, double burst) = 0;
  // A 429: pauses the bucket for every worker for `seconds`.
  virtual Status PauseBucket(const std::string& bucket, double seconds) = 0;
  // How many 429s the bucket has recorded (for tests and `queue`).
  virtual Result<uint64_t> BucketLimited(const std::string& bucket) = 0;

  // Named cursors (`modelvet watch`: the newest modification time seen).
  virtual Result<std::string> GetCursor(const std::string& name) = 0;
  virtual Status SetCursor(const std::string& name, const std::string& value) = 0;
};

}  // namespace mv::store
