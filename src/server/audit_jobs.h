// Audits requested over HTTP (POST /api/v1/audits) run here, one at a time on one background
// thread, with a bounded queue (limits::kServerAuditQueue; beyond it Submit fails with kLimit
// and the API answers 503). The audit is the CLI's: audit::AuditModel with the server's rules
// and hub settings, committed atomically to the store. Jobs are remembered in memory (the last
// limits::kServerAuditJobsKept) for GET /api/v1/audits/ID; the result itself is in the store.
// A job may ask for reproduction (`serve --allow-reproduce` only): the thread then loads the
// files the static engine calls unsafe or needs-review in the sandbox, exactly as
// `audit --reproduce` does, with one reproduce::Reproducer kept for the server's life (each
// loader's baseline is learned once). Where the sandbox cannot run, each such file's run says
// `sandbox-unavailable`; nothing ever runs outside it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "audit/model_view.h"
#include "core/result.h"
#include "hub/client.h"
#include "kb/kb.h"
#include "store/store.h"

namespace mv::server {

enum class JobState : uint8_t { kQueued, kRunning, kDone, kFailed };
const char* JobStateName(JobState s);  // "queued", "running", "done", "failed"

struct AuditJob {
  int64_t id = 0;
  std::string repo;  // as requested: "org/name" or "org/name@rev"
  std::string submitted_by;
  bool reproduce = false;  // load unsafe and needs-review files in the sandbox
  std::string submitted;
  std::string started;
  std::string finished;
  JobState state = JobState::kQueued;
  std::string error;  // when failed
  // When done: the model as committed (read back through the query layer), the files scanned
  // and the bytes read over the network.
  std::optional<audit::ModelSummary> model;
  uint64_t files = 0;
  uint64_t bytes_read = 0;
  std::vector<store::Reproduction> reproductions;  // the sandboxed loads of this job
};

// Why a reproduction request is refused on a server started without --allow-reproduce.
inline constexpr const char* kReproduceOff =
    "reproduction is off on this server: it loads model files with their real loaders on the "
    "server's host (inside the sandbox); an operator allows it with "
    "`modelvet serve --allow-reproduce`";

struct AuditJobsConfig {
  std::string db_path;
  hub::HubConfig hub;
  std::shared_ptr<const kb::KnowledgeBase> kb;
  std::string tool;  // "who" of automatic history entries
  // `serve --allow-reproduce`: jobs may load model files in the sandbox. Off: Submit refuses
  // them (Errc::kForbidden).
  bool allow_reproduce = false;
};

class AuditJobs {
 public:
  explicit AuditJobs(AuditJobsConfig config);
  // Stops taking jobs and waits for the running audit (its commit is atomic either way).
  ~AuditJobs();
  AuditJobs(const AuditJobs&) = delete;
  AuditJobs& operator=(const AuditJobs&) = delete;

  // Errors: kLimit when the queue is full, kForbidden for `reproduce` when not allowed.
  Result<AuditJob> Submit(const hub::RepoRef& ref, const std::string& who, bool reproduce = false);
  bool AllowsReproduce() const { return config_.allow_reproduce; }
  std::optional<AuditJob> Get(int64_t id) const;

 private:
  void Work();
  AuditJobsConfig config_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<int64_t> queue_;
  std::map<int64_t, AuditJob> jobs_;
  std::map<int64_t, hub::RepoRef> refs_;
  int64_t next_id_ = 1;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace mv::server
