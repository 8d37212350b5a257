#include "reproduce/reproduce.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "reproduce/baseline.h"
#include "reproduce/classify.h"
#include "reproduce/escape.h"
#include "reproduce/harness_events.h"
#include "reproduce/runner.h"
#include "reproduce/sandbox.h"
#include "reproduce/seccomp.h"
#include "reproduce/trace.h"

namespace mv::reproduce {

namespace fs = std::filesystem;

namespace {

// The unprivileged user a root caller runs the sandbox as (nobody/nogroup): the sandbox's
// uid 0 then maps to it, never to the host's root.
constexpr int kSandboxUid = 65534;
constexpr int kSandboxGid = 65534;

// Host /etc entries the interpreter and the loaders need (dynamic linker cache, Debian's
// alternatives, which choose the BLAS library numpy links, time zone, TLS roots, service
// names); everything else in the host's /etc stays out of the sandbox.
constexpr const char* kEtcEntries[] = {"alternatives",  "ld.so.cache", "ld.so.conf", "ld.so.conf.d",
                                       "localtime",     "ssl/certs",   "mime.types", "protocols",
                                       "services",      "host.conf",   "gai.conf",   "os-release",
                                       "debian_version"};

// The tool from the environment variable `env` (an absolute path, e.g. MODELVET_BWRAP), else
// from the system directories; never from PATH, which may hold shims.
std::string FindTool(const char* name, const char* env) {
  if (const char* p = std::getenv(env); p && *p) return p[0] == '/' ? p : "";
  for (const char* dir : {"/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"}) {
    std::string p = std::string(dir) + "/" + name;
    if (access(p.c_str(), X_OK) == 0) return p;
  }
  return {};
}

std::vector<HostEntry> RootEntries() {
  std::vector<HostEntry> out;
  for (const char* p : {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}) {
    std::error_code ec;
    auto st = fs::symlink_status(p, ec);
    if (ec) continue;
    if (fs::is_symlink(st)) {
      out.push_back({p, fs::read_symlink(p, ec).string(), false});
    } else if (fs::is_directory(st)) {
      out.push_back({p, "", true});
    }
  }
  return out;
}

std::vector<std::string> EtcEntries() {
  std::vector<std::string> out;
  for (const char* e : kEtcEntries) {
    std::string p = std::string("/etc/") + e;
    if (access(p.c_str(), F_OK) == 0) out.push_back(p);
  }
  std::error_code ec;
  for (const auto& d : fs::directory_iterator("/etc", ec)) {
    std::string n = d.path().filename().string();
    if (n.rfind("python3", 0) == 0) out.push_back(d.path().string());  // sitecustomize
  }
  return out;
}

std::vector<std::string> ToolEnv() {
  return {"PATH=/usr/bin:/bin", "LANG=C.UTF-8"};
}

bool RunningAsRoot() {
  return geteuid() == 0;
}

// Whether a user with no rights of its own can reach and read `path`: the file readable by
// others and every directory above it searchable by others. bubblewrap (as the sandbox user)
// resolves the model's bind source even through a descriptor, so both matter.
bool OthersCanRead(const std::string& path, const struct stat& file) {
  if (!(file.st_mode & S_IROTH)) return false;
  std::error_code ec;
  fs::path dir = fs::absolute(path, ec).parent_path();
  if (ec) return false;
  for (;;) {
    struct stat st;
    if (stat(dir.c_str(), &st) != 0 || !(st.st_mode & S_IXOTH)) return false;
    if (dir == dir.root_path() || dir.empty()) return true;
    dir = dir.parent_path();
  }
}

std::string Tail(const std::string& s, size_t n = 600) {
  std::string t = s.size() > n ? s.substr(s.size() - n) : s;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  return DisplayText(t, n);
}

// A private directory for one run; removed on destruction.
class WorkDir {
 public:
  WorkDir() {
    // The sandbox user reads the run's files by path: as root, a TMPDIR that others cannot
    // traverse (a private /root/tmp) would hide them, so /tmp is used instead.
    const char* env = std::getenv("TMPDIR");
    std::string base = env && *env ? env : "/tmp";
    struct stat st;
    if (RunningAsRoot() && (stat(base.c_str(), &st) != 0 || !(st.st_mode & S_IXOTH))) {
      base = "/tmp";
    }
    std::string tmpl = base + "/modelvet-reproduce-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data())) path_ = buf.data();
  }
  ~WorkDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

bool WriteFile(const std::string& path, const std::string& content, mode_t mode) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << content;
    if (!f) return false;
  }
  return chmod(path.c_str(), mode) == 0;
}

// Gives the sandbox user the run's directory (when root drops to it).
void ChownTree(const std::string& dir) {
  std::error_code ec;
  (void)!chown(dir.c_str(), kSandboxUid, kSandboxGid);
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
    (void)!lchown(e.path().c_str(), kSandboxUid, kSandboxGid);
  }
}

// The seccomp program in a memory file, for bwrap --seccomp (which reads it to the end).
struct SeccompFd {
  int fd = -1;
  std::string error;
  SeccompFd() {
    auto program = BuildSeccompProgram();
    if (!program.ok()) {
      error = program.error().message;
      return;
    }
    fd = memfd_create("modelvet-seccomp", MFD_CLOEXEC);
    if (fd < 0 ||
        write(fd, program->data(), program->size()) != static_cast<ssize_t>(program->size()) ||
        lseek(fd, 0, SEEK_SET) != 0) {
      error = std::string("memfd: ") + std::strerror(errno);
    }
  }
  ~SeccompFd() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

struct Reproducer::Once {
  bool sandbox_failed = false;
  std::string sandbox_error;
  Classification cls;
  RunResult run;
};

Reproducer::Reproducer(Limits limits, Layout layout)
    : limits_(limits), layout_(std::move(layout)) {}

const std::optional<std::string>& Reproducer::SandboxProblem() {
  if (probed_) return problem_;
  probed_ = true;
  strace_ = FindTool("strace", "MODELVET_STRACE");
  bwrap_ = FindTool("bwrap", "MODELVET_BWRAP");
  if (bwrap_.empty()) return problem_ = "bubblewrap (bwrap) is not installed";
  if (strace_.empty()) return problem_ = "strace is not installed";
  for (const std::string& p : {bwrap_, strace_}) {
    if (access(p.c_str(), X_OK) != 0) return problem_ = p + " is not executable";
  }
  for (const std::string& p : {layout_.python, layout_.setpriv}) {
    if (access(p.c_str(), X_OK) != 0) return problem_ = p + " is not installed";
  }
  SeccompFd sec;
  if (!sec.error.empty()) return problem_ = sec.error;
  // The real sandbox's namespaces, capabilities and seccomp filter, under the tracer.
  RunSpec spec;
  spec.argv = {strace_,
               "-f",
               "-qq",
               "-e",
               "trace=none",
               "-o",
               "/dev/null",
               "--",
               bwrap_,
               "--unshare-all",
               "--unshare-user",
               "--uid",
               "0",
               "--gid",
               "0",
               "--die-with-parent",
               "--as-pid-1",
               "--cap-add",
               "CAP_NET_BIND_SERVICE",
               "--cap-add",
               "CAP_SETPCAP",
               "--seccomp",
               std::to_string(kSeccompFd),
               "--ro-bind",
               "/usr",
               "/usr"};
  for (const auto& e : RootEntries()) {
    if (!e.symlink_target.empty()) {
      spec.argv.insert(spec.argv.end(), {"--symlink", e.symlink_target, e.path});
    } else {
      spec.argv.insert(spec.argv.end(), {"--ro-bind", e.path, e.path});
    }
  }
  spec.argv.insert(spec.argv.end(), {"--proc", "/proc", "--dev", "/dev", "--", "/usr/bin/true"});
  spec.env = ToolEnv();
  spec.fds = {{kSeccompFd, sec.fd}};
  if (RunningAsRoot()) spec.uid = kSandboxUid, spec.gid = kSandboxGid;
  spec.wall_seconds = 30;
  RunResult r = Run(spec);
  if (!r.started) return problem_ = "cannot start strace: " + r.error;
  if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0) {
    return problem_ = "the sandbox could not be created here (bubblewrap under strace failed: " +
                      Tail(r.output) + ")";
  }
  return problem_;
}

Reproducer::Once Reproducer::RunOnce(const std::string& path, Loader loader, bool baseline) {
  Once once;
  auto fail = [&](std::string why) {
    once.sandbox_failed = true;
    once.sandbox_error = std::move(why);
    return std::move(once);
  };
  WorkDir work;
  if (work.path().empty()) return fail(std::string("mkdtemp: ") + std::strerror(errno));

  SandboxInput in;
  in.strace = strace_;
  in.bwrap = bwrap_;
  in.workdir = work.path();
  in.trace_path = work.path() + "/trace";
  in.root_entries = RootEntries();
  in.etc_entries = EtcEntries();
  in.loader = loader;
  in.baseline = baseline;
  in.limits = limits_;
  in.layout = layout_;
  for (const auto& f : WorkFiles(layout_)) {
    if (!WriteFile(work.path() + "/" + f.relative, f.content, f.executable ? 0755 : 0644)) {
      return fail("cannot write " + work.path() + "/" + f.relative);
    }
  }

  int model_fd = -1;
  struct Closer {
    int& fd;
    ~Closer() {
      if (fd >= 0) close(fd);
    }
  } closer{model_fd};
  if (!baseline) {
    model_fd = open(path.c_str(), O_PATH | O_CLOEXEC);
    struct stat st;
    if (model_fd < 0 || fstat(model_fd, &st) != 0) {
      return fail("cannot open " + DisplayText(path) + ": " + std::strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) return fail(DisplayText(path) + " is not a regular file");
    in.model_name = SandboxFileName(path);
    if (RunningAsRoot() && !OthersCanRead(path, st)) {
      // The sandbox user cannot read it (or reach it): give it a copy, never more privileges.
      if (static_cast<uint64_t>(st.st_size) > limits::kReproduceMaxCopyBytes) {
        return fail(
            "the file is readable only by root and larger than the copy limit; make it and "
            "its directories readable by others to reproduce it");
      }
      in.model_copy = work.path() + "/model-copy";
      std::error_code ec;
      fs::copy_file(path, in.model_copy, ec);
      if (ec || chmod(in.model_copy.c_str(), 0644) != 0) {
        return fail("cannot copy " + DisplayText(path) + ": " + ec.message());
      }
    }
  }

  SeccompFd sec;
  if (!sec.error.empty()) return fail(sec.error);
  if (RunningAsRoot()) ChownTree(work.path());
  if (RunningAsRoot()) chmod(work.path().c_str(), 0700);

  RunSpec spec;
  spec.argv = SandboxCommand(in);
  spec.env = ToolEnv();
  spec.fds = {{kSeccompFd, sec.fd}};
  if (model_fd >= 0 && in.model_copy.empty()) spec.fds.emplace_back(kModelFd, model_fd);
  spec.report_fd = kReportFd;
  if (RunningAsRoot()) spec.uid = kSandboxUid, spec.gid = kSandboxGid;
  spec.wall_seconds = limits_.wall_seconds;
  spec.watch_file = in.trace_path;
  spec.watch_max_bytes = limits::kReproduceMaxTraceBytes;
  spec.max_capture_bytes = limits::kReproduceMaxOutputBytes;
  once.run = Run(spec);
  if (!once.run.started) return fail("cannot start strace: " + once.run.error);

  HarnessReport report = ParseHarnessReport(once.run.report);
  bool launched = false;
  for (const auto& e : report.events) launched = launched || e.ev == "canary-ready";
  if (!launched && !once.run.wall_clock_killed) {
    return fail("the sandbox did not start: " + Tail(once.run.output));
  }

  std::string trace_text;
  {
    std::ifstream f(in.trace_path, std::ios::binary);
    trace_text.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    if (trace_text.size() > limits::kReproduceMaxTraceBytes) {
      trace_text.resize(limits::kReproduceMaxTraceBytes);
    }
  }
  if (const char* keep = std::getenv("MODELVET_REPRODUCE_KEEP"); keep && *keep) {
    // Debugging aid (docs/reproduce.md): keep the raw trace and report of every run.
    std::string stem = std::string(keep) + "/" + (baseline ? "baseline-" : "") +
                       std::string(LoaderName(loader)) + "-" + std::to_string(getpid()) + "-" +
                       std::to_string(++keep_counter_);
    std::ofstream(stem + ".trace", std::ios::binary) << trace_text;
    std::ofstream(stem + ".report", std::ios::binary) << once.run.report;
    std::ofstream(stem + ".output", std::ios::binary) << once.run.output;
  }
  Trace trace = ParseTrace(trace_text);
  once.cls = Classify(trace, report, layout_, LoaderName(loader));
  if (once.cls.load_started && !once.cls.traced && !once.run.wall_clock_killed &&
      !once.run.watch_file_killed) {
    // The load ran but the trace does not show it: never report such a run as clean.
    std::string why = "the system-call trace of the load could not be read";
    for (const auto& n : once.cls.notes) why += "; " + n;
    return fail(why);
  }
  if (once.run.wall_clock_killed && once.cls.load_error &&
      *once.cls.load_error == "the load did not return") {
    *once.cls.load_error += ": the sandbox was stopped at the wall-clock limit";
  }
  if (once.cls.loader_missing) {
    *once.cls.load_error += std::string(" (") + LoaderInstallHint(loader) + ")";
  }
  if (once.run.wall_clock_killed && once.cls.limit_hit == LimitHit::kNone) {
    once.cls.limit_hit = LimitHit::kWallClock;
  }
  if (once.run.watch_file_killed && once.cls.limit_hit == LimitHit::kNone) {
    once.cls.limit_hit = LimitHit::kTrace;
  }
  return once;
}

const std::vector<Observation>& Reproducer::Baseline(Loader loader,
                                                     std::vector<std::string>& notes) {
  auto it = baselines_.find(loader);
  if (it == baselines_.end()) {
    BaselineRun b;
    Once once = RunOnce("", loader, /*baseline=*/true);
    if (once.sandbox_failed) {
      b.notes.push_back("the baseline run failed (" + once.sandbox_error +
                        "): the loader's own behaviour was not subtracted");
    } else {
      b.observed = once.cls.observed;
      if (!once.cls.loader_missing &&
          (!once.cls.load_ok || once.cls.limit_hit != LimitHit::kNone)) {
        b.notes.push_back("the baseline load of a benign " + std::string(LoaderName(loader)) +
                          " file did not complete cleanly" +
                          (once.cls.load_error ? " (" + *once.cls.load_error + ")" : "") +
                          ": the loader's own behaviour may be only partly subtracted");
      }
    }
    it = baselines_.emplace(loader, std::move(b)).first;
  }
  notes.insert(notes.end(), it->second.notes.begin(), it->second.notes.end());
  return it->second.observed;
}

RunReport Reproducer::Reproduce(const std::string& path, Loader loader) {
  RunReport r;
  r.path = path;
  r.loader = LoaderName(loader);
  r.limits = limits_;
  if (const auto& problem = SandboxProblem()) {
    r.outcome = Outcome::kSandboxUnavailable;
    r.sandbox_error = *problem;
    return r;
  }
  const auto& normal = Baseline(loader, r.notes);
  Once once = RunOnce(path, loader, /*baseline=*/false);
  if (once.sandbox_failed) {
    r.outcome = Outcome::kSandboxUnavailable;
    r.sandbox_error = once.sandbox_error;
    return r;
  }
  Classification& c = once.cls;
  r.observed = SubtractBaseline(std::move(c.observed), normal);
  r.limit_hit = c.limit_hit;
  r.load_error = c.load_error;
  r.notes.insert(r.notes.end(), c.notes.begin(), c.notes.end());
  if (!r.observed.empty()) {
    r.outcome = Outcome::kPayloadObserved;
  } else if (r.limit_hit != LimitHit::kNone) {
    r.outcome = Outcome::kLimitHit;
  } else if (r.load_error || !c.load_ok) {
    r.outcome = Outcome::kLoaderError;
    if (!r.load_error) r.load_error = "the load did not complete";
  } else {
    r.outcome = Outcome::kNothingObserved;
  }
  return r;
}

}  // namespace mv::reproduce
