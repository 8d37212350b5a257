#include "reproduce/runner.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <string>

namespace mv::reproduce {
namespace {

// The command starts with a clean signal state even when the calling thread blocks and
// ignores signals (as `modelvet serve` does): nothing blocked, nothing ignored.
TEST(Runner, ChildStartsWithDefaultSignals) {
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &block, &old), 0);
  struct sigaction ign {
  }, old_pipe{};
  ign.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGPIPE, &ign, &old_pipe), 0);

  RunSpec spec;
  spec.argv = {"/usr/bin/grep", "-E", "^Sig(Blk|Ign):", "/proc/self/status"};
  spec.wall_seconds = 60;
  RunResult r = reproduce::Run(spec);

  sigaction(SIGPIPE, &old_pipe, nullptr);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ASSERT_TRUE(r.started) << r.error;
  ASSERT_TRUE(WIFEXITED(r.status));
  EXPECT_EQ(WEXITSTATUS(r.status), 0) << r.output;
  EXPECT_EQ(r.output, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

}  // namespace
}  // namespace mv::reproduce
