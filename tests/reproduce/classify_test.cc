#include "reproduce/classify.h"

#include <gtest/gtest.h>

#include "reproduce/baseline.h"

namespace mv::reproduce {
namespace {

// A trace in strace's format around the harness: launcher (pid 50), canary (51), the load
// process (52) and what the payload started.
constexpr const char* kPrelude =
    "50 1.000 execve(\"/usr/bin/python3\", [\"/usr/bin/python3\", \"-I\", \"-B\", "
    "\"/modelvet/harness.py\", \"launch\", \"{}\"], 0x1 /* 9 vars */) = 0\n"
    "50 1.100 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|SIGCHLD, child_tidptr=0x1) = 2 "
    "/* 51 in strace's PID NS */\n"
    "50 1.200 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|SIGCHLD, child_tidptr=0x1) = 3 "
    "/* 52 in strace's PID NS */\n"
    "52 1.300 execve(\"/usr/bin/setpriv\", [\"/usr/bin/setpriv\", \"--\", \"/usr/bin/python3\"], "
    "0x1 /* 9 vars */) = 0\n"
    "52 1.400 execve(\"/usr/bin/python3\", [\"/usr/bin/python3\", \"-I\", \"-B\", "
    "\"/modelvet/harness.py\", \"load\", \"{}\"], 0x1 /* 9 vars */) = 0\n"
    // Before the load starts: the harness's own setup is never reported.
    "52 1.500 openat(AT_FDCWD, \"/tmp/tmpabcd1234\", O_RDWR|O_CREAT|O_EXCL, 0600) = 4\n"
    "52 1.600 unlink(\"/tmp/tmpabcd1234\") = 0\n"
    "52 2.000 openat(AT_FDCWD, \"/.modelvet-marker/load-start\", O_RDONLY|O_CLOEXEC) = -1 ENOENT "
    "(No such file or directory)\n";

constexpr const char* kHarness =
    "{\"ev\": \"canary-ready\", \"t\": 1.05, \"pid\": 1, \"dns\": true, \"ports\": [80, 4444]}\n"
    "{\"ev\": \"load-start\", \"t\": 2.0, \"pid\": 3}\n";

Classification ClassifyText(const std::string& trace, const std::string& harness) {
  Layout layout;
  return Classify(ParseTrace(trace), ParseHarnessReport(harness), layout, "pickle");
}

std::vector<std::string> Lines(const Classification& c) {
  std::vector<std::string> out;
  for (const auto& o : c.observed) {
    out.push_back(std::string(KindName(o.kind)) + " " + WhenName(o.when) + " " + o.detail);
  }
  return out;
}

TEST(Classify, ExecsOfThePayloadAndNothingBeforeTheLoad) {
  std::string trace =
      std::string(kPrelude) +
      "52 2.100 clone3({flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD}, 88) = 4 /* 53 in "
      "strace's PID NS */\n"
      "53 2.200 execve(\"/bin/sh\", [\"sh\", \"-c\", \"id\"], 0x1 /* 9 vars */) = 0\n"
      "53 2.300 vfork() = 5 /* 54 in strace's PID NS */\n"
      // A shell searching PATH: only the search's result is reported.
      "54 2.400 execve(\"/usr/local/bin/id\", [\"id\"], 0x1 /* 9 vars */) = -1 ENOENT (No such "
      "file or directory)\n"
      "54 2.410 execve(\"/usr/bin/id\", [\"id\"], 0x1 /* 9 vars */) = 0\n"
      "54 2.420 connect(3, {sa_family=AF_UNIX, sun_path=\"/var/run/nscd/socket\"}, 110) = -1 "
      "ENOENT (No such file or directory)\n"
      "53 2.500 execve(\"/usr/local/bin/curl\", [\"curl\", \"x\"], 0x1 /* 9 vars */) = -1 ENOENT "
      "(No such file or directory)\n"
      "53 2.510 execve(\"/usr/bin/curl\", [\"curl\", \"x\"], 0x1 /* 9 vars */) = -1 ENOENT (No "
      "such file or directory)\n"
      // The canary is outside the load's process tree.
      "51 2.600 execve(\"/bin/evil\", [\"evil\"], 0x1 /* 1 var */) = 0\n"
      "52 3.000 openat(AT_FDCWD, \"/.modelvet-marker/load-returned\", O_RDONLY|O_CLOEXEC) = -1 "
      "ENOENT (No such file or directory)\n"
      "52 3.100 vfork() = 6 /* 55 in strace's PID NS */\n"
      "55 3.200 execve(\"/bin/echo\", [\"echo\", \"after exit; \\33[31m\"], 0x1 /* 9 vars */) = "
      "0\n";
  Classification c = ClassifyText(trace, kHarness);
  EXPECT_EQ(Lines(c), (std::vector<std::string>{
                          "exec during-load sh -c id",
                          "exec during-load id",
                          "exec during-load curl x (not found in the sandbox)",
                          "exec after-load echo 'after exit; \\x1b[31m'",
                      }));
  EXPECT_TRUE(c.load_started);
  EXPECT_TRUE(c.traced);
}

TEST(Classify, FilesSecretsAndDevices) {
  std::string trace =
      std::string(kPrelude) +
      "52 2.100 openat(AT_FDCWD, \"/home/user/.ssh/id_rsa\", O_RDONLY|O_CLOEXEC) = 3\n"
      "52 2.110 openat(AT_FDCWD, \"/home/user/.aws\", O_RDONLY|O_NONBLOCK|O_DIRECTORY) = 3\n"
      "52 2.120 openat(AT_FDCWD, \"/usr/lib/python3.11/json/__init__.py\", O_RDONLY) = 3\n"
      "52 2.200 openat(AT_FDCWD, \"/tmp/x\", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0666) = 3\n"
      "52 2.210 openat(AT_FDCWD, \"/usr/lib/x\", O_WRONLY|O_CREAT, 0666) = -1 EROFS (Read-only "
      "file system)\n"
      "52 2.220 openat(AT_FDCWD, \"/dev/null\", O_WRONLY|O_CLOEXEC) = 3\n"
      "52 2.300 unlinkat(AT_FDCWD, \"/tmp/x\", 0) = 0\n"
      "52 2.310 rename(\"/tmp/a\", \"/home/user/.bashrc\") = 0\n";
  Classification c = ClassifyText(trace, kHarness);
  EXPECT_EQ(Lines(c), (std::vector<std::string>{
                          "read-secret during-load opened ~/.ssh/id_rsa",
                          "read-secret during-load listed ~/.aws",
                          "write during-load created or opened for writing /tmp/x",
                          "write during-load created or opened for writing /usr/lib/x (refused: "
                          "read-only in the sandbox)",
                          "delete during-load removed /tmp/x",
                          "write during-load renamed /tmp/a to ~/.bashrc",
                      }));
}

TEST(Classify, NetworkDnsAndCanaries) {
  std::string trace =
      std::string(kPrelude) +
      // getaddrinfo: DNS over a connected UDP socket, then address-sorting probes.
      "52 2.100 socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_IP) = 4\n"
      "52 2.110 connect(4, {sa_family=AF_INET, sin_port=htons(53), "
      "sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0\n"
      "52 2.120 sendmmsg(4, [{msg_hdr={msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="
      "\"\\f\\306\\1\\0\\0\\1\\0\\0\\0\\0\\0\\0\\4Evil\\7example\\0\\0\\1\\0\\1\", iov_len=30}], "
      "msg_iovlen=1, msg_controllen=0, msg_flags=0}, msg_len=30}], 1, MSG_NOSIGNAL) = 1\n"
      "52 2.130 socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC, IPPROTO_IP) = 5\n"
      "52 2.140 connect(5, {sa_family=AF_INET, sin_port=htons(4444), "
      "sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0\n"
      "52 2.200 socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_TCP) = 5\n"
      "52 2.210 connect(5, {sa_family=AF_INET, sin_port=htons(4444), "
      "sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0\n"
      "52 2.300 socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = 6\n"
      "52 2.310 connect(6, {sa_family=AF_INET, sin_port=htons(9), "
      "sin_addr=inet_addr(\"203.0.113.5\")}, 16) = -1 ENETUNREACH (Network is unreachable)\n"
      "52 2.320 socket(AF_INET, SOCK_DGRAM, IPPROTO_IP) = 7\n"
      "52 2.330 sendto(7, \"data\", 4, 0, {sa_family=AF_INET, sin_port=htons(9999), "
      "sin_addr=inet_addr(\"198.51.100.7\")}, 16) = -1 ENETUNREACH (Network is unreachable)\n"
      "52 2.400 bind(6, {sa_family=AF_INET, sin_port=htons(31337), "
      "sin_addr=inet_addr(\"0.0.0.0\")}, 16) = 0\n";
  std::string harness =
      std::string(kHarness) +
      "{\"ev\": \"dns\", \"t\": 2.125, \"pid\": 2, \"name\": \"evil.example\", \"qtype\": 1}\n"
      "{\"ev\": \"dns\", \"t\": 2.126, \"pid\": 3, \"name\": \"203.0.113.5\", \"phase\": "
      "\"load\"}\n"
      "{\"ev\": \"accept\", \"t\": 2.22, \"pid\": 2, \"port\": 4444}\n"
      "{\"ev\": \"received\", \"t\": 2.23, \"pid\": 2, \"port\": 4444, \"data\": \"hello\\n\"}\n";
  Classification c = ClassifyText(trace, harness);
  EXPECT_EQ(Lines(c),
            (std::vector<std::string>{
                "dns during-load evil.example",
                "connect during-load 127.0.0.1:4444 (accepted by the loopback canary); it sent "
                "\"hello\\n\"",
                "connect during-load 203.0.113.5:9 (unreachable: the sandbox has no network)",
                "connect during-load udp 198.51.100.7:9999 (4 bytes sent) (failed: ENETUNREACH)",
                "connect during-load listens on 0.0.0.0:31337",
            }));
}

TEST(Classify, HarnessReportsImportsAndLoadErrors) {
  std::string trace =
      std::string(kPrelude) +
      "52 2.100 openat(AT_FDCWD, \"/usr/lib/python3.11/webbrowser.py\", O_RDONLY|O_CLOEXEC) = 3\n";
  std::string harness =
      std::string(kHarness) +
      "{\"ev\": \"import\", \"t\": 2.1, \"pid\": 3, \"module\": \"webbrowser\", \"phase\": "
      "\"load\"}\n"
      "{\"ev\": \"import\", \"t\": 2.2, \"pid\": 3, \"module\": \"subprocess\", \"name\": "
      "\"Popen\", \"phase\": \"load\"}\n"
      "{\"ev\": \"load-returned\", \"t\": 2.5, \"pid\": 3, \"ok\": false, \"type\": "
      "\"ModuleNotFoundError\", \"message\": \"No module named 'absent'\", \"missing_module\": "
      "\"absent\"}\n";
  Classification c = ClassifyText(trace, harness);
  EXPECT_EQ(Lines(c), (std::vector<std::string>{
                          "import during-load webbrowser (imported; the trace shows "
                          "/usr/lib/python3.11/webbrowser.py opened)",
                          "import during-load subprocess.Popen (looked up by the loader; "
                          "reported by the harness's audit hook)",
                      }));
  ASSERT_TRUE(c.load_error.has_value());
  EXPECT_NE(c.load_error->find("ModuleNotFoundError"), std::string::npos);
  EXPECT_NE(c.load_error->find("needs the module `absent`"), std::string::npos);
  EXPECT_FALSE(c.load_ok);
}

TEST(Classify, LimitsFromTheTrace) {
  std::string trace =
      std::string(kPrelude) +
      "52 2.100 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|SIGCHLD, child_tidptr=0x1) = "
      "-1 EAGAIN (Resource temporarily unavailable)\n"
      "52 9.000 +++ killed by SIGXCPU +++\n";
  Classification c = ClassifyText(trace, kHarness);
  EXPECT_TRUE(c.observed.empty());
  EXPECT_EQ(c.limit_hit, LimitHit::kProcesses);
  ASSERT_TRUE(c.load_error.has_value());
  EXPECT_EQ(*c.load_error, "the load did not return: the loader process was killed by SIGXCPU");

  std::string cpu = std::string(kPrelude) + "52 9.000 +++ killed by SIGXCPU +++\n";
  EXPECT_EQ(ClassifyText(cpu, kHarness).limit_hit, LimitHit::kCpuTime);

  std::string harness =
      std::string(kHarness) +
      "{\"ev\": \"load-returned\", \"t\": 2.5, \"pid\": 3, \"ok\": false, \"type\": "
      "\"MemoryError\", \"message\": \"\"}\n";
  EXPECT_EQ(ClassifyText(kPrelude, harness).limit_hit, LimitHit::kMemory);
  std::string mmap_enomem =
      std::string(kHarness) +
      "{\"ev\": \"load-returned\", \"t\": 2.5, \"pid\": 3, \"ok\": false, \"type\": "
      "\"OSError\", \"message\": \"[Errno 12] Cannot allocate memory\", \"errno\": 12}\n";
  EXPECT_EQ(ClassifyText(kPrelude, mmap_enomem).limit_hit, LimitHit::kMemory);
}

TEST(Classify, BrowserCanary) {
  std::string trace =
      std::string(kPrelude) +
      "52 2.100 clone(child_stack=NULL, flags=SIGCHLD) = 4 /* 53 in strace's PID NS */\n"
      "53 2.200 execve(\"/modelvet/browser\", [\"/modelvet/browser\", "
      "\"https://example.com/x\"], 0x1 /* 9 vars */) = 0\n";
  std::string harness =
      std::string(kHarness) +
      "{\"ev\": \"browser\", \"t\": 2.1, \"pid\": 3, \"url\": \"https://example.com/x\"}\n";
  Classification c = ClassifyText(trace, harness);
  EXPECT_EQ(Lines(c), (std::vector<std::string>{"browser during-load https://example.com/x"}));
}

TEST(Classify, NothingWithoutTheLoadProcess) {
  // A trace where the harness never started the load: nothing is attributed to anyone.
  Classification c = ClassifyText(
      "60 1.0 execve(\"/bin/sh\", [\"sh\", \"-c\", \"id\"], 0x1 /* 1 var */) = 0\n", "");
  EXPECT_TRUE(c.observed.empty());
  EXPECT_FALSE(c.load_started);
  ASSERT_TRUE(c.load_error.has_value());
  // The harness says the load ran, but the trace does not show it: not traced (the caller
  // must not call such a run clean).
  c = ClassifyText("garbage line\n", kHarness);
  EXPECT_TRUE(c.load_started);
  EXPECT_FALSE(c.traced);
}

TEST(Classify, DnsQueryName) {
  std::string q(
      "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03"
      "abc\x02io\x00\x00\x01\x00\x01",
      24);
  EXPECT_EQ(DnsQueryName(q), "abc.io");
  std::string reply = q;
  reply[2] = static_cast<char>(0x81);
  EXPECT_FALSE(DnsQueryName(reply).has_value());
  EXPECT_FALSE(DnsQueryName(q.substr(0, 18)).has_value());
}

TEST(Baseline, SubtractsTheLoadersOwnBehaviourAcrossRuns) {
  std::vector<Observation> base = {
      {Kind::kWrite, "created or opened for writing /tmp/cache-1234", When::kDuringLoad}};
  std::vector<Observation> run = {
      {Kind::kWrite, "created or opened for writing /tmp/cache-98", When::kAfterLoad},
      {Kind::kWrite, "created or opened for writing /tmp/payload", When::kDuringLoad},
      {Kind::kDelete, "removed /tmp/cache-98", When::kDuringLoad},
  };
  auto left = SubtractBaseline(run, base);
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].detail, "created or opened for writing /tmp/payload");
  EXPECT_EQ(left[1].kind, Kind::kDelete);
}

}  // namespace
}  // namespace mv::reproduce
