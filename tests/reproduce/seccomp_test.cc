#include "reproduce/seccomp.h"

#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

namespace mv::reproduce {
namespace {

TEST(Seccomp, DeniesWhatReachesPastTheSandbox) {
  std::vector<std::string_view> names;
  for (const auto& d : DeniedSyscalls()) {
    names.push_back(d.name);
    EXPECT_GT(std::string_view(d.why).size(), 5u) << d.name;
  }
  for (std::string_view must :
       {"ptrace", "mount", "unshare", "setns", "init_module", "finit_module", "bpf", "keyctl",
        "perf_event_open", "userfaultfd", "io_uring_setup", "open_by_handle_at"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), must), names.end()) << must;
  }
}

// Installs the filter in a child and reports, bit by bit, which calls it refused as expected.
int ChildResults(const std::string& program) {
  sock_fprog prog;
  prog.len = static_cast<unsigned short>(program.size() / sizeof(sock_filter));
  prog.filter = reinterpret_cast<sock_filter*>(const_cast<char*>(program.data()));
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return 0x100;
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) return 0x100;
  int bits = 0;
  if (ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) == -1 && errno == EPERM) bits |= 1;
  if (unshare(CLONE_NEWUSER) == -1 && errno == EPERM) bits |= 2;
  if (mount("none", "/", nullptr, MS_REMOUNT, nullptr) == -1 && errno == EPERM) bits |= 4;
  if (syscall(SYS_clone3, nullptr, 0) == -1 && errno == ENOSYS) bits |= 8;
  if (syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0) == -1 && errno == EPERM) bits |= 16;
  // What loaders need still works: a plain fork.
  pid_t p = fork();
  if (p == 0) _exit(0);
  int st = 0;
  if (p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st)) bits |= 32;
  return bits;
}

TEST(Seccomp, TheCompiledFilterRefusesAndAllows) {
  auto program = BuildSeccompProgram();
  ASSERT_TRUE(program.ok()) << program.error().message;
  ASSERT_GT(program->size(), 0u);
  ASSERT_EQ(program->size() % sizeof(sock_filter), 0u);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) _exit(ChildResults(*program));
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 63) << "bits: 1 ptrace, 2 unshare, 4 mount, 8 clone3, "
                                        "16 clone(NEWNET), 32 fork allowed";
}

}  // namespace
}  // namespace mv::reproduce
