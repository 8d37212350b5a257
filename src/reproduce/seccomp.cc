#include "reproduce/seccomp.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace mv::reproduce {

const std::vector<DeniedSyscall>& DeniedSyscalls() {
  static const std::vector<DeniedSyscall> kDenied = {
      // Other processes: the tracer sits outside the sandbox, but a payload could still
      // tamper with the harness, the canary or its own children to hide what it does.
      {"ptrace", "inspect or control another process"},
      {"process_vm_readv", "read another process's memory"},
      {"process_vm_writev", "write another process's memory"},
      {"pidfd_getfd", "take a file descriptor from another process"},
      // Namespaces and the mount table: the walls of the sandbox.
      {"unshare", "new namespaces (nested user namespaces expose kernel code to the payload)"},
      {"setns", "enter another namespace"},
      {"mount", "change the mount table"},
      {"umount2", "change the mount table"},
      {"pivot_root", "change the root"},
      {"chroot", "change the root"},
      {"move_mount", "change the mount table"},
      {"open_tree", "clone a mount"},
      {"fsopen", "create a file system context"},
      {"fsconfig", "configure a file system"},
      {"fsmount", "mount a file system"},
      {"fspick", "reconfigure a mounted file system"},
      {"mount_setattr", "change mount flags"},
      // The kernel itself.
      {"init_module", "load a kernel module"},
      {"finit_module", "load a kernel module"},
      {"delete_module", "unload a kernel module"},
      {"kexec_load", "replace the running kernel"},
      {"kexec_file_load", "replace the running kernel"},
      {"reboot", "reboot"},
      {"swapon", "configure swap"},
      {"swapoff", "configure swap"},
      {"acct", "process accounting"},
      {"quotactl", "disk quotas"},
      {"syslog", "read the kernel log"},
      {"settimeofday", "set the clock (not namespaced)"},
      {"clock_settime", "set the clock (not namespaced)"},
      {"clock_adjtime", "adjust the clock (not namespaced)"},
      {"adjtimex", "adjust the clock (not namespaced)"},
      {"iopl", "port I/O"},
      {"ioperm", "port I/O"},
      {"uselib", "obsolete library loading"},
      // Kernel interfaces with a history of privilege-escalation bugs, which no loader uses.
      {"bpf", "load BPF programs"},
      {"perf_event_open", "performance counters (kernel attack surface, side channels)"},
      {"userfaultfd", "user page-fault handling (widens kernel race windows)"},
      {"keyctl", "kernel keyrings (not namespaced)"},
      {"add_key", "kernel keyrings (not namespaced)"},
      {"request_key", "kernel keyrings (not namespaced)"},
      {"open_by_handle_at", "open files by handle, bypassing the mount namespace"},
      {"name_to_handle_at", "file handles (pairs with open_by_handle_at)"},
      {"fanotify_init", "watch file systems"},
      {"lookup_dcookie", "kernel profiling"},
      // Work the tracer cannot see: io_uring performs opens, reads, writes and connects
      // without system calls.
      {"io_uring_setup", "asynchronous I/O invisible to the tracer"},
      {"io_uring_enter", "asynchronous I/O invisible to the tracer"},
      {"io_uring_register", "asynchronous I/O invisible to the tracer"},
  };
  return kDenied;
}

namespace {

struct CtxDeleter {
  void operator()(void* c) const { seccomp_release(static_cast<scmp_filter_ctx>(c)); }
};

Error Fail(const std::string& what, int rc) {
  return MakeError(Errc::kIo, "seccomp: " + what + ": " + std::strerror(-rc));
}

}  // namespace

Result<std::string> BuildSeccompProgram() {
  std::unique_ptr<void, CtxDeleter> ctx(seccomp_init(SCMP_ACT_ALLOW));
  if (!ctx) return MakeError(Errc::kIo, "seccomp: cannot create a filter");
  scmp_filter_ctx c = ctx.get();
  int rc = seccomp_attr_set(c, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
  if (rc < 0) return Fail("bad-architecture action", rc);
  for (const auto& d : DeniedSyscalls()) {
    int nr = seccomp_syscall_resolve_name(d.name);
    if (nr == __NR_SCMP_ERROR) continue;  // not on this architecture
    rc = seccomp_rule_add_array(c, SCMP_ACT_ERRNO(EPERM), nr, 0, nullptr);
    if (rc < 0) return Fail(std::string("deny ") + d.name, rc);
  }
  // clone: threads and processes yes, new namespaces no (the flags are its first argument).
  for (uint64_t flag : {CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER,
                        CLONE_NEWPID, CLONE_NEWNET}) {
    const scmp_arg_cmp cmp[] = {SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag)};
    rc = seccomp_rule_add_array(c, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1, cmp);
    if (rc < 0) return Fail("filter clone", rc);
  }
  // clone3 passes its flags in memory a filter cannot read: ENOSYS makes the C library fall
  // back to clone, which is filtered above.
  rc = seccomp_rule_add_array(c, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0, nullptr);
  if (rc < 0) return Fail("filter clone3", rc);
  // Terminal input injection (the sandbox has no terminal; defence in depth).
  for (uint64_t req : {static_cast<uint64_t>(TIOCSTI), static_cast<uint64_t>(TIOCLINUX)}) {
    const scmp_arg_cmp cmp[] = {SCMP_A1(SCMP_CMP_MASKED_EQ, 0xFFFFFFFFu, req)};
    rc = seccomp_rule_add_array(c, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1, cmp);
    if (rc < 0) return Fail("filter ioctl", rc);
  }

  int fd = memfd_create("modelvet-seccomp", MFD_CLOEXEC);
  if (fd < 0) return MakeError(Errc::kIo, std::string("memfd_create: ") + std::strerror(errno));
  rc = seccomp_export_bpf(c, fd);
  std::string program;
  if (rc == 0) {
    off_t size = lseek(fd, 0, SEEK_END);
    program.resize(size > 0 ? static_cast<size_t>(size) : 0);
    if (pread(fd, program.data(), program.size(), 0) != static_cast<ssize_t>(program.size())) {
      rc = -EIO;
    }
  }
  close(fd);
  if (rc < 0) return Fail("export", rc);
  return program;
}

}  // namespace mv::reproduce
