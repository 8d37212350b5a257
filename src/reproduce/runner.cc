#include "reproduce/runner.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace mv::reproduce {

namespace {

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  void Close() {
    if (fd >= 0) close(fd);
    fd = -1;
  }
};

bool MakePipe(Fd& r, Fd& w) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return false;
  r.fd = p[0];
  w.fd = p[1];
  return true;
}

// In the child, between fork and exec: only async-signal-safe calls.
[[noreturn]] void Child(const RunSpec& spec, const std::vector<std::pair<int, int>>& fds,
                        int out_fd, char* const* argv, char* const* envp, int err_fd) {
  setpgid(0, 0);
  // A clean signal state: exec keeps the blocked mask and ignored signals, and the caller's
  // may differ from a shell's (`modelvet serve` blocks SIGINT and SIGTERM in every thread for
  // its sigwait thread, and ignores SIGPIPE). Inherited, a blocked SIGTERM keeps the
  // harness's BROWSER canary alive after the harness ends it, so the run never finishes.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  // Move every source descriptor above the highest target first, so dup2 cannot clobber one.
  int high = 64;
  std::pair<int, int> moved[32];
  size_t n = 0;
  for (const auto& [target, source] : fds) {
    if (n >= 32) break;
    int m = fcntl(source, F_DUPFD_CLOEXEC, high);
    moved[n++] = {target, m};
  }
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0) {
    _exit(127);
  }
  for (size_t i = 0; i < n; ++i) {
    if (moved[i].second < 0 || dup2(moved[i].second, moved[i].first) < 0) _exit(127);
  }
  // Everything else closes on exec (the error pipe must stay open until then): the targets
  // above were dup2'ed without CLOEXEC, so marking all others is enough.
  for (int fd = 3; fd < 64; ++fd) {
    bool target = false;
    for (size_t i = 0; i < n; ++i) target = target || moved[i].first == fd;
    if (!target) fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  if (syscall(SYS_close_range, 64, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    for (int fd = 64; fd < 65536; ++fd) fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  if (spec.gid >= 0) {
    if (setgroups(0, nullptr) != 0 || setresgid(spec.gid, spec.gid, spec.gid) != 0) _exit(126);
  }
  if (spec.uid >= 0 && setresuid(spec.uid, spec.uid, spec.uid) != 0) _exit(126);
  // If modelvet dies, so does the tracer, and bwrap --die-with-parent ends the sandbox.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  execve(argv[0], argv, envp);
  int e = errno;
  (void)!write(err_fd, &e, sizeof e);
  _exit(127);
}

uint64_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

}  // namespace

RunResult Run(const RunSpec& spec) {
  RunResult res;
  Fd report_r, report_w, out_r, out_w, err_r, err_w;
  if (!MakePipe(out_r, out_w) || !MakePipe(err_r, err_w) ||
      (spec.report_fd >= 0 && !MakePipe(report_r, report_w))) {
    res.error = std::string("pipe: ") + std::strerror(errno);
    return res;
  }
  std::vector<std::pair<int, int>> fds = spec.fds;
  if (spec.report_fd >= 0) fds.emplace_back(spec.report_fd, report_w.fd);

  std::vector<char*> argv, envp;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) {
    res.error = std::string("fork: ") + std::strerror(errno);
    return res;
  }
  if (pid == 0) Child(spec, fds, out_w.fd, argv.data(), envp.data(), err_w.fd);
  setpgid(pid, pid);  // also in the parent: no window where a kill misses the group
  report_w.Close();
  out_w.Close();
  err_w.Close();
  int exec_errno = 0;
  if (read(err_r.fd, &exec_errno, sizeof exec_errno) == sizeof exec_errno) {
    waitpid(pid, &res.status, 0);
    res.error = spec.argv[0] + ": " + std::strerror(exec_errno);
    return res;
  }
  res.started = true;

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(spec.wall_seconds);
  bool exited = false, killed = false;
  pollfd pfd[2] = {{out_r.fd, POLLIN, 0}, {report_r.fd, POLLIN, 0}};
  int open_pipes = spec.report_fd >= 0 ? 2 : 1;
  if (spec.report_fd < 0) pfd[1].fd = -1;
  char buf[65536];
  for (;;) {
    if (!exited) {
      pid_t w = waitpid(pid, &res.status, WNOHANG);
      if (w == pid) exited = true;
    }
    // After the tracer exits every sandbox process is gone (bwrap --die-with-parent and the
    // PID namespace), so the pipes reach EOF; the group kill covers anything left.
    if (exited && open_pipes == 0) break;
    if (!killed) {
      bool late = spec.wall_seconds > 0 && std::chrono::steady_clock::now() >= deadline;
      bool big = !spec.watch_file.empty() && FileSize(spec.watch_file) > spec.watch_max_bytes;
      if (late || big || (exited && open_pipes > 0)) {
        if (late) res.wall_clock_killed = true;
        if (big && !late) res.watch_file_killed = true;
        kill(-pid, SIGKILL);
        killed = true;
        if (exited) {
          // Writers left in the group are gone now; drain what is buffered and stop.
          deadline = std::chrono::steady_clock::now();
        }
      }
    }
    int rc = poll(pfd, 2, 50);
    if (rc < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(pfd[i].fd, buf, sizeof buf);
      if (n <= 0) {
        pfd[i].fd = -1;
        --open_pipes;
        continue;
      }
      std::string& dst = i == 0 ? res.output : res.report;
      size_t room = spec.max_capture_bytes > dst.size() ? spec.max_capture_bytes - dst.size() : 0;
      dst.append(buf, std::min(room, static_cast<size_t>(n)));
    }
    if (killed && exited) {
      // Drain without blocking, then stop even if a pipe is still held somewhere.
      if (open_pipes == 0 || rc == 0) break;
    }
  }
  if (!exited) waitpid(pid, &res.status, 0);
  return res;
}

}  // namespace mv::reproduce
