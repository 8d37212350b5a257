// The command line of one sandboxed run: strace (outside the sandbox, as the unprivileged
// sandbox user) tracing bubblewrap, which starts the harness's launcher as PID 1 of fresh
// namespaces. Pure functions of their inputs (the runner gathers the host facts), so the
// sandbox's shape can be tested without running it. docs/reproduce.md explains each choice.
#pragma once

#include <string>
#include <vector>

#include "reproduce/layout.h"
#include "reproduce/loader.h"
#include "reproduce/observation.h"

namespace mv::reproduce {

// Descriptor numbers the runner places in the child (all others are closed).
inline constexpr int kReportFd = 3;   // the harness's report pipe (write end)
inline constexpr int kSeccompFd = 4;  // the BPF program for bwrap --seccomp
inline constexpr int kModelFd = 5;    // an O_PATH descriptor of the model (bwrap --ro-bind-fd)

// How the host's top-level directories look, for a root made of read-only binds.
struct HostEntry {
  std::string path;            // "/lib"
  std::string symlink_target;  // "usr/lib" when the host entry is a symlink
  bool directory = false;      // a real directory to bind read-only
};

struct SandboxInput {
  std::string strace;  // absolute paths of the tools (outside the sandbox)
  std::string bwrap;
  std::string workdir;     // host directory holding the files below (private to the run)
  std::string trace_path;  // where strace writes the trace
  std::vector<HostEntry> root_entries;   // /bin, /lib, /lib64, … as found on the host
  std::vector<std::string> etc_entries;  // host /etc entries the runtimes need (absolute)
  std::string model_name;  // file name inside layout.model_dir; empty: no model (baseline)
  std::string model_copy;  // host path of a copy to bind; empty: bind kModelFd
  Loader loader = Loader::kPickle;
  bool baseline = false;
  Limits limits;
  Layout layout;
};

// The files the runner writes into the workdir before the run: relative path -> content.
// (harness, browser canary, the sandbox's own /etc files, the decoys).
struct WorkFile {
  std::string relative;
  std::string content;
  bool executable = false;
};
std::vector<WorkFile> WorkFiles(const Layout& layout);

// The harness's configuration (JSON) for the launcher's command line.
std::string HarnessConfig(const SandboxInput& in);

// The full argv: strace … -- bwrap … -- python3 -I -B harness.py launch CONFIG.
std::vector<std::string> SandboxCommand(const SandboxInput& in);

// A file name that is safe as a path component inside the sandbox and keeps the extension:
// characters outside [A-Za-z0-9._-] become '_'; empty or dot-leading names become "model…".
std::string SandboxFileName(const std::string& host_path);

// The system calls strace records (the classifier's input).
const char* TracedSyscalls();

}  // namespace mv::reproduce
