// The work queue on PostgreSQL (docs/scale.md): `enqueue`, `worker`, `queue` and `watch`. The
// logic is queue/ and store/job_queue.h; this file parses options and prints.
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "audit/audit.h"
#include "cli/commands.h"
#include "cli/store_arg.h"
#include "core/text.h"
#include "core/version.h"
#include "hub/client.h"
#include "kb/kb.h"
#include "queue/feed.h"
#include "queue/worker.h"
#include "report/json_text.h"
#include "store/job_queue.h"
#include "store/store.h"

namespace mv::cli {

namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) {
  g_stop = true;
}

void PrintError(std::string_view what) {
  std::cerr << "modelvet: " << EscapeText(what) << "\n";
}

// The store and its queue, or nullptr after printing why (an SQLite store has no queue).
std::unique_ptr<store::Store> OpenQueue(const std::string& where) {
  std::unique_ptr<store::Store> s = OpenStore(where);
  if (s && !s->Queue()) {
    PrintError("the queue needs PostgreSQL: pass --db postgresql://… (or set MODELVET_DB); " +
               s->Describe() + " is an SQLite file");
    return nullptr;
  }
  return s;
}

// ---- enqueue --------------------------------------------------------------------------------

struct EnqueueArgs {
  std::vector<std::string> repos;
  bool from_triage = false;
  size_t limit = 20;
  size_t window = 200;
  std::string search, author, db;
};

int RunEnqueue(const EnqueueArgs& a, const Globals& g) {
  if (a.repos.empty() == !a.from_triage) {
    PrintError("enqueue: name ORG/NAME[@REV]… or --from-triage (not both)");
    return 2;
  }
  auto st = OpenQueue(StorePath(g, a.db));
  if (!st) return 2;
  Result<queue::EnqueueSummary> r = queue::EnqueueSummary{};
  if (a.from_triage) {
    hub::HubClient client(hub::HubConfig::FromEnv());
    audit::TriageOptions o;
    o.limit = a.limit;
    o.window = a.window;
    o.search = a.search;
    o.author = a.author;
    r = queue::EnqueueFromTriage(client, *st, o, [](std::string_view line) {
      std::cerr << "modelvet: triage: " << EscapeText(line) << "\n";
    });
  } else {
    r = queue::EnqueueRepos(*st->Queue(), a.repos);
  }
  if (!r.ok()) {
    PrintError("enqueue: " + r.error().message);
    return 2;
  }
  std::cout << fmt::format("queued {} of {} (the others have a job pending already)\n", r->added,
                           r->asked);
  return 0;
}

// ---- worker ---------------------------------------------------------------------------------

struct WorkerArgs {
  int concurrency = 1;
  int lease_seconds = 300;
  bool exit_when_empty = false;
  int max_attempts = 5;
  int backoff_seconds = 30;
  double api_quota = 500;
  double resolver_quota = 3000;
  double poll_seconds = 2;
  std::string db;
  bool quiet = false;
};

int RunWorker(const WorkerArgs& a, const Globals& g) {
  auto kb = kb::KnowledgeBase::Load(g.rules);
  if (!kb.ok()) {
    PrintError("rules: " + kb.error().message);
    return 2;
  }
  queue::WorkerOptions o;
  o.db = StorePath(g, a.db);
  o.concurrency = a.concurrency;
  o.lease_seconds = a.lease_seconds;
  o.exit_when_empty = a.exit_when_empty;
  o.max_attempts = a.max_attempts;
  o.backoff_initial_seconds = a.backoff_seconds;
  o.idle_poll_seconds = a.poll_seconds;
  o.audit.scan.kb = *kb;
  o.audit.tool = std::string("modelvet ") + kVersion;
  o.hub = hub::HubConfig::FromEnv();
  o.budget.api_per_window = a.api_quota;
  o.budget.resolvers_per_window = a.resolver_quota;
  if (!a.quiet)
    o.log = [](std::string_view line) {
      std::cerr << "modelvet: worker: " << EscapeText(line) << "\n";
    };
  o.stop = &g_stop;
  // SIGTERM / SIGINT: finish the job in hand, then stop (a second signal kills as usual).
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sa.sa_flags = static_cast<int>(SA_RESETHAND);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  auto r = queue::RunWorkers(o);
  if (!r.ok()) {
    PrintError("worker: " + r.error().message);
    return 2;
  }
  std::cerr << fmt::format(
      "modelvet: worker: {} audited, {} already audited, {} not verified, {} retried, {} failed "
      "for good, {} leases lost; {} hub requests, {} bytes read\n",
      r->audited, r->already_audited, r->unverified, r->retried, r->dead_lettered, r->leases_lost,
      r->hub_requests, r->bytes_read);
  return 0;
}

// ---- queue ----------------------------------------------------------------------------------

struct QueueArgs {
  std::string format = "text";
  std::string db;
  size_t failed = 10;
};

int RunQueue(const QueueArgs& a, const Globals& g) {
  auto st = OpenQueue(StorePath(g, a.db));
  if (!st) return 2;
  auto c = st->Queue()->CountJobs();
  if (!c.ok()) {
    PrintError(c.error().message);
    return 2;
  }
  if (a.format == "json") {
    nlohmann::ordered_json o = {{"pending", c->pending},
                                {"leased", c->leased},
                                {"done", c->done},
                                {"failed", c->failed},
                                {"duplicate_results", c->duplicate_results}};
    std::cout << report::JsonText(o, 2) << "\n";
    return 0;
  }
  std::cout << fmt::format("pending {}  leased {}  done {}  failed {}  duplicate results {}\n",
                           c->pending, c->leased, c->done, c->failed, c->duplicate_results);
  if (c->failed > 0 && a.failed > 0) {
    auto jobs = st->Queue()->ListJobs("failed", a.failed);
    if (!jobs.ok()) {
      PrintError(jobs.error().message);
      return 2;
    }
    std::cout << "failed jobs (most recent first):\n";
    for (const auto& j : *jobs)
      std::cout << fmt::format("  {} {}@{} after {} attempts: {}\n", j.id, EscapeText(j.repo),
                               EscapeText(j.revision), j.attempts, EscapeText(j.last_error));
  }
  return 0;
}

// ---- watch ----------------------------------------------------------------------------------

struct WatchArgs {
  std::string search, author, db;
  uint64_t max_models = 1000;
  double interval = 300;
  bool once = false;
};

int RunWatch(const WatchArgs& a, const Globals& g) {
  auto st = OpenQueue(StorePath(g, a.db));
  if (!st) return 2;
  hub::HubClient client(hub::HubConfig::FromEnv());
  queue::WatchOptions o;
  o.search = a.search;
  o.author = a.author;
  o.max_models = a.max_models;
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sa.sa_flags = static_cast<int>(SA_RESETHAND);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  for (;;) {
    auto pass = queue::WatchOnce(client, *st->Queue(), o, [](std::string_view line) {
      std::cerr << "modelvet: watch: " << EscapeText(line) << "\n";
    });
    if (!pass.ok()) {
      PrintError("watch: " + pass.error().message);
      if (a.once) return 2;
    } else {
      std::cout << fmt::format("watch: {} modified model{} listed, {} queued; cursor {}\n",
                               pass->listed, pass->listed == 1 ? "" : "s", pass->added,
                               EscapeText(pass->cursor))
                << std::flush;
    }
    if (a.once) return 0;
    auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(a.interval);
    while (std::chrono::steady_clock::now() < until && !g_stop)
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (g_stop) return 0;
  }
}

}  // namespace

void AddQueueCommands(CLI::App& app, Globals& g) {
  auto ea = std::make_shared<EnqueueArgs>();
  auto* e = app.add_subcommand("enqueue", "Queue hub audits for `modelvet worker` (PostgreSQL)");
  e->add_option("repos", ea->repos, "ORG/NAME[@REV] to audit");
  e->add_flag("--from-triage", ea->from_triage,
              "Queue the triage queue (flagged, most downloaded)");
  e->add_option("--limit", ea->limit, "With --from-triage: queue length wanted")
      ->capture_default_str();
  e->add_option("--window", ea->window, "With --from-triage: most downloaded models examined")
      ->capture_default_str();
  e->add_option("--search", ea->search, "With --from-triage: model id substring");
  e->add_option("--author", ea->author, "With --from-triage: organisation or user");
  e->add_option("--db", ea->db, "Store (a postgresql:// URL)");
  e->callback([ea, &g] { g.exit_code = RunEnqueue(*ea, g); });

  auto wa = std::make_shared<WorkerArgs>();
  auto* w = app.add_subcommand("worker", "Take audit jobs from the queue (PostgreSQL)");
  w->add_option("--concurrency", wa->concurrency, "Jobs audited at once")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  w->add_option("--lease-seconds", wa->lease_seconds,
                "A job not renewed this long is taken over by another worker")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  w->add_flag("--exit-when-empty", wa->exit_when_empty,
              "Stop once nothing is pending or leased (default: wait for jobs forever)");
  w->add_option("--max-attempts", wa->max_attempts, "Attempts before a job is failed for good")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  w->add_option("--backoff-seconds", wa->backoff_seconds, "First retry delay (doubles each time)")
      ->check(CLI::Range(0, 86400))
      ->capture_default_str();
  w->add_option("--hub-api-quota", wa->api_quota,
                "Hub API requests per 5 minutes, shared by every worker")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  w->add_option("--hub-resolver-quota", wa->resolver_quota,
                "Hub file (resolve) requests per 5 minutes, shared by every worker")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  w->add_option("--poll-seconds", wa->poll_seconds, "Wait between claims while nothing is due")
      ->check(CLI::Range(0.05, 3600.0))
      ->capture_default_str();
  w->add_flag("-q,--quiet", wa->quiet, "No line per job");
  w->add_option("--db", wa->db, "Store (a postgresql:// URL)");
  w->callback([wa, &g] { g.exit_code = RunWorker(*wa, g); });

  auto qa = std::make_shared<QueueArgs>();
  auto* q = app.add_subcommand("queue", "Counts of the audit queue (PostgreSQL)");
  q->add_option("--format", qa->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  q->add_option("--failed", qa->failed, "Failed jobs listed (text)")->capture_default_str();
  q->add_option("--db", qa->db, "Store (a postgresql:// URL)");
  q->callback([qa, &g] { g.exit_code = RunQueue(*qa, g); });

  auto wt = std::make_shared<WatchArgs>();
  auto* t = app.add_subcommand("watch", "Queue models the hub shows as modified (PostgreSQL)");
  t->add_option("--search", wt->search, "Model id substring");
  t->add_option("--author", wt->author, "Organisation or user");
  t->add_option("--max-models", wt->max_models, "Most models listed per pass")
      ->capture_default_str();
  t->add_option("--interval", wt->interval, "Seconds between passes")
      ->check(CLI::Range(1.0, 86400.0))
      ->capture_default_str();
  t->add_flag("--once", wt->once, "One pass, then exit");
  t->add_option("--db", wt->db, "Store (a postgresql:// URL)");
  t->callback([wt, &g] { g.exit_code = RunWatch(*wt, g); });
}

}  // namespace mv::cli
