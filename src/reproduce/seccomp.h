// The seccomp filter every process in the sandbox runs under (built with libseccomp, handed to
// bubblewrap as a BPF program). It allows everything a loader needs and denies, with EPERM,
// the system calls that reach past the sandbox or widen the kernel's attack surface. Each
// entry of DeniedSyscalls() says why; docs/reproduce.md lists them.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace mv::reproduce {

struct DeniedSyscall {
  const char* name;
  const char* why;
};

// The system calls denied outright (clone is filtered by its flags and clone3 answers ENOSYS;
// ioctl is filtered by its request).
const std::vector<DeniedSyscall>& DeniedSyscalls();

// The compiled BPF program (struct sock_filter[]) for the native architecture; system calls of
// any other architecture (32-bit int 0x80, x32) kill the calling process.
Result<std::string> BuildSeccompProgram();

}  // namespace mv::reproduce
