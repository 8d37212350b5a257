// Runs one command in its own process group with chosen descriptors, collects the report pipe
// and the combined stdout/stderr (bounded), and kills the whole group at the wall-clock
// deadline or when a watched file outgrows its cap. The command starts with every signal at
// its default and none blocked, whatever the caller's threads do with theirs. Knows nothing
// about sandboxes; reproduce.cc hands it the strace/bwrap command line.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mv::reproduce {

struct RunSpec {
  std::vector<std::string> argv;  // argv[0] is an absolute path
  std::vector<std::string> env;   // "NAME=value"
  // Descriptors placed in the child: (number in the child, descriptor in this process).
  // kReportFd is added by Run (the write end of the report pipe) when `report_fd` >= 0.
  std::vector<std::pair<int, int>> fds;
  int report_fd = -1;
  // Credentials to switch to before exec (when running as root); -1: keep.
  int uid = -1;
  int gid = -1;
  int wall_seconds = 0;    // 0: no deadline
  std::string watch_file;  // killed when this file grows past watch_max_bytes
  uint64_t watch_max_bytes = 0;
  uint64_t max_capture_bytes = 1 << 20;  // per pipe
};

struct RunResult {
  bool started = false;
  std::string error;  // why it did not start
  int status = 0;     // waitpid status
  bool wall_clock_killed = false;
  bool watch_file_killed = false;
  std::string report;  // what was written to the report pipe
  std::string output;  // stdout and stderr
};

RunResult Run(const RunSpec& spec);

}  // namespace mv::reproduce
