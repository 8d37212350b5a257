#include "queue/worker.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "store/job_queue.h"

namespace mv::queue {

namespace {

using Clock = std::chrono::steady_clock;

std::string DefaultName() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = 0;
  return fmt::format("{}:{}", host[0] ? host : "localhost", getpid());
}

// Renews the lease every lease/3 seconds from its own connection until stopped.
class Heartbeat {
 public:
  Heartbeat(store::JobQueue* q, store::JobLease lease, int lease_seconds)
      : q_(q), lease_(std::move(lease)), seconds_(lease_seconds) {
    thread_ = std::thread([this] { Run(); });
  }
  ~Heartbeat() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  bool lost() const { return lost_.load(); }

 private:
  void Run() {
    auto period = std::chrono::milliseconds(std::max(1000, seconds_ * 1000 / 3));
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, period, [this] { return done_; })) {
      lock.unlock();
      auto r = q_->ExtendLease(lease_, seconds_);
      if (r.ok() && !*r) lost_ = true;
      lock.lock();
      if (lost_) return;
    }
  }

  store::JobQueue* q_;
  store::JobLease lease_;
  int seconds_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::atomic<bool> lost_{false};
  std::thread thread_;
};

struct Shared {
  const WorkerOptions* options;
  std::shared_ptr<hub::RequestGate> gate;
  std::mutex mu;
  WorkerStats stats;
  std::optional<Error> fatal;
  void Log(const std::string& line) {
    if (!options->log) return;
    std::lock_guard<std::mutex> lock(mu);
    options->log(line);
  }
  void Count(const std::function<void(WorkerStats&)>& fn) {
    std::lock_guard<std::mutex> lock(mu);
    fn(stats);
  }
};

bool Stopped(const WorkerOptions& o) {
  return o.stop && o.stop->load();
}

void Sleep(const WorkerOptions& o, double seconds) {
  auto until = Clock::now() +
               std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  while (Clock::now() < until && !Stopped(o))
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

void ProcessJob(Shared& sh, const std::string& name, store::Store& st, store::JobQueue& q,
                store::JobQueue& beat_q, hub::HubClient& client, const store::Job& job) {
  const WorkerOptions& o = *sh.options;
  std::string what =
      fmt::format("job {} {}@{} (attempt {})", job.id, job.repo, job.revision, job.attempts);
  auto complete = [&](const std::string& note) {
    auto r = q.CompleteJob(job.lease, note);
    if (r.ok() && !*r) {
      sh.Count([](WorkerStats& s) { ++s.leases_lost; });
      sh.Log(what + ": lease lost; left to the worker that took it over");
    }
    return r.ok() && *r;
  };
  // The revision the listing showed was audited through the queue already: nothing to fetch.
  if (!job.sha.empty()) {
    auto seen = q.RevisionAudited(job.repo, job.sha);
    if (seen.ok() && *seen) {
      if (complete("already audited at " + job.sha)) {
        sh.Count([](WorkerStats& s) { ++s.already_audited; });
        sh.Log(what + ": already audited at " + job.sha);
      }
      return;
    }
  }
  hub::RepoRef ref;
  ref.repo = job.repo;
  ref.revision = job.revision.empty() ? "main" : job.revision;
  audit::AuditOptions ao = o.audit;
  ao.job = job.lease;
  ao.progress = nullptr;
  ao.run = 0;
  Result<audit::AuditResult> r = MakeError(Errc::kIo, "not run");
  bool lost = false;
  {
    Heartbeat beat(&beat_q, job.lease, o.lease_seconds);
    r = audit::AuditModel(client, st, ref, ao);
    lost = beat.lost();
  }
  if (r.ok()) {
    uint64_t bytes = r->bytes_read;
    sh.Count([bytes](WorkerStats& s) {
      ++s.audited;
      s.bytes_read += bytes;
    });
    sh.Log(fmt::format("{}: {} ({} files, {} bytes read)", what,
                       r->model.status ? EnumText(*r->model.status) : "recorded", r->files.size(),
                       bytes));
    return;
  }
  const std::string& msg = r.error().message;
  if (r.error().code == Errc::kLeaseLost || lost) {
    sh.Count([](WorkerStats& s) { ++s.leases_lost; });
    sh.Log(what + ": lease lost; nothing written (" + msg + ")");
    return;
  }
  if (r.error().code == Errc::kDuplicate) {
    if (complete(msg)) {
      sh.Count([](WorkerStats& s) { ++s.already_audited; });
      sh.Log(what + ": " + msg);
    }
    return;
  }
  switch (r.error().code) {
    case Errc::kGated:
    case Errc::kUnauthorized:
    case Errc::kForbidden:
      // AuditModel recorded the model as not verified: that is the job's outcome.
      if (complete("not verified: " + msg)) {
        sh.Count([](WorkerStats& s) { ++s.unverified; });
        sh.Log(what + ": not verified: " + msg);
      }
      return;
    default: break;
  }
  int delay = RetryDelaySeconds(o, job.attempts, static_cast<uint64_t>(job.id));
  auto failed = q.FailJob(job.lease, msg, delay, o.max_attempts);
  if (!failed.ok()) {
    sh.Log(what + ": failed (" + msg + ") and could not be recorded: " + failed.error().message);
    return;
  }
  if (!*failed) {
    sh.Count([](WorkerStats& s) { ++s.leases_lost; });
    sh.Log(what + ": lease lost; nothing written (the attempt failed: " + msg + ")");
    return;
  }
  if (job.attempts >= o.max_attempts) {
    sh.Count([](WorkerStats& s) { ++s.dead_lettered; });
    sh.Log(what + ": failed for good (dead letter): " + msg);
  } else {
    sh.Count([](WorkerStats& s) { ++s.retried; });
    sh.Log(fmt::format("{}: failed, retry in {} s: {}", what, delay, msg));
  }
}

void WorkerLoop(Shared& sh, int index) {
  const WorkerOptions& o = *sh.options;
  std::string name = (o.name.empty() ? DefaultName() : o.name) + "/" + std::to_string(index);
  auto opened = store::Open(o.db);
  auto beat = store::Open(o.db);
  if (!opened.ok() || !beat.ok()) {
    std::lock_guard<std::mutex> lock(sh.mu);
    sh.fatal = opened.ok() ? beat.error() : opened.error();
    return;
  }
  store::Store& st = **opened;
  store::JobQueue* q = st.Queue();
  store::JobQueue* bq = (*beat)->Queue();
  hub::HubConfig cfg = o.hub;
  cfg.gate = sh.gate;
  hub::HubClient client(cfg);
  while (!Stopped(o)) {
    auto job = q->Claim(name, o.lease_seconds, o.max_attempts);
    if (!job.ok()) {
      sh.Log("claim: " + job.error().message);
      Sleep(o, o.idle_poll_seconds);
      continue;
    }
    if (!*job) {
      if (o.exit_when_empty) {
        auto c = q->CountJobs();
        // Jobs waiting for their backoff, or leased by a worker that may have died, are still
        // work: wait for them (an expired lease is taken over).
        if (c.ok() && c->pending == 0 && c->leased == 0) break;
      }
      Sleep(o, o.idle_poll_seconds);
      continue;
    }
    ProcessJob(sh, name, st, *q, *bq, client, **job);
  }
  uint64_t requests = client.stats().requests;
  sh.Count([requests](WorkerStats& s) { s.hub_requests += requests; });
}

}  // namespace

int RetryDelaySeconds(const WorkerOptions& o, int64_t attempt, uint64_t jitter_seed) {
  double base = o.backoff_initial_seconds;
  for (int64_t i = 1; i < attempt && base < o.backoff_max_seconds; ++i) base *= 2;
  base = std::min<double>(base, o.backoff_max_seconds);
  std::mt19937_64 rng(jitter_seed * 7919 + static_cast<uint64_t>(attempt));
  double jitter = 0.75 + 0.5 * std::uniform_real_distribution<double>(0, 1)(rng);
  return std::max(0, static_cast<int>(base * jitter));
}

Result<WorkerStats> RunWorkers(const WorkerOptions& options) {
  {
    // Fail early and clearly on a store without a queue.
    MV_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> s, store::Open(options.db));
    if (!s->Queue())
      return MakeError(Errc::kUnsupported, "the queue needs PostgreSQL (--db postgresql://…); " +
                                               s->Describe() + " is an SQLite file");
  }
  Shared sh;
  sh.options = &options;
  if (options.share_rate_budget) {
    MV_ASSIGN_OR_RETURN(auto gate, StoreRateGate::Open(options.db, options.budget));
    sh.gate = gate;
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < std::max(1, options.concurrency); ++i)
    threads.emplace_back([&sh, i] { WorkerLoop(sh, i); });
  for (auto& t : threads) t.join();
  if (sh.fatal) return *sh.fatal;
  return sh.stats;
}

}  // namespace mv::queue
