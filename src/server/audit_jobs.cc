#include "server/audit_jobs.h"

#include "audit/audit.h"
#include "core/limits.h"
#include "reproduce/reproduce.h"
#include "store/store.h"

namespace mv::server {

const char* JobStateName(JobState s) {
  switch (s) {
    case JobState::kQueued: return "queued";
    case JobState::kRunning: return "running";
    case JobState::kDone: return "done";
    case JobState::kFailed: return "failed";
  }
  return "failed";
}

AuditJobs::AuditJobs(AuditJobsConfig config) : config_(std::move(config)) {
  worker_ = std::thread([this] { Work(); });
}

AuditJobs::~AuditJobs() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

Result<AuditJob> AuditJobs::Submit(const hub::RepoRef& ref, const std::string& who,
                                   bool reproduce) {
  if (reproduce && !config_.allow_reproduce) return MakeError(Errc::kForbidden, kReproduceOff);
  std::lock_guard<std::mutex> lock(mu_);
  if (queue_.size() >= limits::kServerAuditQueue)
    return MakeError(Errc::kLimit, "the audit queue is full; retry later");
  AuditJob job;
  job.id = next_id_++;
  job.repo = ref.ToString();
  job.submitted_by = who;
  job.reproduce = reproduce;
  job.submitted = audit::NowUtc();
  jobs_[job.id] = job;
  refs_[job.id] = ref;
  queue_.push_back(job.id);
  // Forget the oldest finished jobs.
  while (jobs_.size() > limits::kServerAuditJobsKept) {
    auto it = std::find_if(jobs_.begin(), jobs_.end(), [](const auto& kv) {
      return kv.second.state == JobState::kDone || kv.second.state == JobState::kFailed;
    });
    if (it == jobs_.end()) break;
    refs_.erase(it->first);
    jobs_.erase(it);
  }
  cv_.notify_one();
  return job;
}

std::optional<AuditJob> AuditJobs::Get(int64_t id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second;
}

void AuditJobs::Work() {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<hub::HubClient> client;
  // Made on the first job that asks for it; kept so each loader's baseline is learned once.
  std::unique_ptr<reproduce::Reproducer> reproducer;
  for (;;) {
    int64_t id = 0;
    hub::RepoRef ref;
    bool reproduce = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      id = queue_.front();
      queue_.pop_front();
      ref = refs_[id];
      reproduce = jobs_[id].reproduce;
      jobs_[id].state = JobState::kRunning;
      jobs_[id].started = audit::NowUtc();
    }
    Status ready = OkStatus();
    if (!store) {
      auto s = store::Open(config_.db_path);
      if (s.ok())
        store = std::move(*s);
      else
        ready = s.error();
    }
    if (!client) client = std::make_unique<hub::HubClient>(config_.hub);
    std::optional<Error> error = ready.ok() ? std::nullopt : std::optional<Error>(ready.error());
    uint64_t files = 0, bytes_read = 0;
    std::optional<audit::ModelSummary> model;
    std::vector<store::Reproduction> reproductions;
    if (!error) {
      audit::AuditOptions opts;
      opts.scan.kb = config_.kb;
      opts.tool = config_.tool;
      // As `audit --reproduce` (cli/hub_cmds.cc). Submit refused it unless allowed.
      if (reproduce && config_.allow_reproduce) {
        if (!reproducer) reproducer = std::make_unique<reproduce::Reproducer>();
        opts.reproduce = [r = reproducer.get()](const std::string& path, reproduce::Loader loader) {
          return r->Reproduce(path, loader);
        };
      }
      auto r = audit::AuditModel(*client, *store, ref, opts);
      if (r.ok()) {
        files = r->files.size();
        bytes_read = r->bytes_read;
        reproductions = std::move(r->reproductions);
        auto d = audit::GetModelDetail(*store, ref.repo);
        if (!d.ok())
          error = d.error();
        else if (d->has_value())
          model = (*d)->model;
      } else {
        error = r.error();
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    AuditJob& job = jobs_[id];
    job.finished = audit::NowUtc();
    job.state = error ? JobState::kFailed : JobState::kDone;
    if (error) job.error = error->message;
    job.model = std::move(model);
    job.files = files;
    job.bytes_read = bytes_read;
    job.reproductions = std::move(reproductions);
  }
}

}  // namespace mv::server
