#include "reproduce/trace.h"

#include <gtest/gtest.h>

namespace mv::reproduce {
namespace {

TEST(Trace, ExecveArgvWithEscapes) {
  Trace t = ParseTrace(
      "100 1700000000.123456 execve(\"/bin/sh\", [\"sh\", \"-c\", \"echo "
      "\\\"hi\\\"\\n\\tx\\303\\251\"], "
      "0x7ffc /* 5 vars */) = 0\n");
  ASSERT_EQ(t.calls.size(), 1u);
  const Syscall& c = t.calls[0];
  EXPECT_EQ(c.pid, 100);
  EXPECT_DOUBLE_EQ(c.time, 1700000000.123456);
  EXPECT_EQ(c.name, "execve");
  ASSERT_TRUE(c.has_return);
  EXPECT_EQ(c.ret, 0);
  ASSERT_EQ(c.Arg(1)->items.size(), 3u);
  EXPECT_EQ(c.Arg(1)->items[2].second.text, "echo \"hi\"\n\tx\xc3\xa9");
  EXPECT_EQ(t.unreadable_lines, 0u);
}

TEST(Trace, JoinsUnfinishedAndResumedHalvesAndTranslatesChildPids) {
  Trace t = ParseTrace(
      "10 1.0 clone3({flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD, stack=0x7f, "
      "stack_size=0x9000}, 88 <unfinished ...>\n"
      "11 1.5 execve(\"/usr/bin/id\", [\"id\"], 0x55 /* 5 vars */) = 0\n"
      "10 2.0 <... clone3 resumed>) = 3 /* 11 in strace's PID NS */\n"
      "11 2.5 +++ exited with 0 +++\n"
      "12 3.0 +++ killed by SIGXCPU +++\n");
  ASSERT_EQ(t.calls.size(), 2u);
  EXPECT_EQ(t.calls[0].name, "execve");
  const Syscall& clone = t.calls[1];
  EXPECT_EQ(clone.name, "clone3");
  EXPECT_DOUBLE_EQ(clone.time, 1.0);  // the time the call started
  ASSERT_TRUE(clone.child_pid.has_value());
  EXPECT_EQ(*clone.child_pid, 11);
  EXPECT_EQ(clone.Arg(0)->Field("flags")->text, "CLONE_VM|CLONE_VFORK");
  ASSERT_EQ(t.exits.size(), 2u);
  EXPECT_EQ(t.exits[0].code, 0);
  EXPECT_EQ(t.exits[1].signal, "SIGXCPU");
}

TEST(Trace, PaddedPidColumn) {
  // strace pads short pids to a column: two spaces before the time.
  Trace t = ParseTrace(
      "8105  1796448909.002714 execve(\"/bin/true\", [\"true\"], 0x1 /* 1 var */) = 0\n"
      "42    1.5 +++ exited with 3 +++\n");
  ASSERT_EQ(t.calls.size(), 1u);
  EXPECT_EQ(t.calls[0].pid, 8105);
  EXPECT_DOUBLE_EQ(t.calls[0].time, 1796448909.002714);
  ASSERT_EQ(t.exits.size(), 1u);
  EXPECT_EQ(t.exits[0].pid, 42);
  EXPECT_EQ(t.unreadable_lines, 0u);
}

TEST(Trace, FailedCallsKeepTheirErrno) {
  Trace t = ParseTrace(
      "7 1.0 openat(AT_FDCWD, \"/usr/x\", O_WRONLY|O_CREAT|O_TRUNC, 0666) = -1 EROFS "
      "(Read-only file system)\n");
  ASSERT_EQ(t.calls.size(), 1u);
  EXPECT_EQ(t.calls[0].ret, -1);
  EXPECT_EQ(t.calls[0].error, "EROFS");
  EXPECT_EQ(t.calls[0].Arg(2)->text, "O_WRONLY|O_CREAT|O_TRUNC");
}

TEST(Trace, SocketAddresses) {
  Trace t = ParseTrace(
      "7 1.0 connect(4, {sa_family=AF_INET, sin_port=htons(4444), "
      "sin_addr=inet_addr(\"203.0.113.5\")}, 16) = -1 ENETUNREACH (Network is unreachable)\n"
      "7 1.1 connect(4, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), "
      "inet_pton(AF_INET6, \"::1\", &sin6_addr), sin6_scope_id=0}, 28) = 0\n"
      "7 1.2 connect(5, {sa_family=AF_UNIX, sun_path=@\"abstract\"}, 110) = -1 ECONNREFUSED "
      "(Connection refused)\n");
  ASSERT_EQ(t.calls.size(), 3u);
  const Value* a = t.calls[0].Arg(1);
  EXPECT_EQ(a->Field("sa_family")->text, "AF_INET");
  EXPECT_EQ(a->Field("sin_port")->type, Value::Type::kCall);
  EXPECT_EQ(a->Field("sin_port")->items[0].second.text, "4444");
  EXPECT_EQ(a->Field("sin_addr")->items[0].second.text, "203.0.113.5");
  const Value* b = t.calls[1].Arg(1);
  bool found = false;
  for (const auto& [k, v] : b->items) {
    if (v.type == Value::Type::kCall && v.text == "inet_pton") {
      found = v.items[1].second.text == "::1";
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(t.calls[2].Arg(1)->Field("sun_path")->text, "@abstract");
}

TEST(Trace, NestedMessageBuffers) {
  Trace t = ParseTrace(
      "9 1.0 sendmmsg(4, [{msg_hdr={msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="
      "\"\\f\\306\\1\\0\\0\\1\\0\\0\\0\\0\\0\\0\\4evil\\7example\\0\\0\\1\\0\\1\", iov_len=30}], "
      "msg_iovlen=1, msg_controllen=0, msg_flags=0}, msg_len=30}], 1, MSG_NOSIGNAL) = 1\n");
  ASSERT_EQ(t.calls.size(), 1u);
  const Value* msgs = t.calls[0].Arg(1);
  ASSERT_EQ(msgs->type, Value::Type::kArray);
  const Value* iov = msgs->items[0].second.Field("msg_hdr")->Field("msg_iov");
  const std::string& packet = iov->items[0].second.Field("iov_base")->text;
  EXPECT_EQ(packet.size(), 30u);
  EXPECT_EQ(packet.substr(13, 4), "evil");
}

TEST(Trace, TruncatedStringsAndAbbreviations) {
  Trace t = ParseTrace(
      "5 1.0 execve(\"/usr/bin/python3\", [\"python3\", \"-c\", \"import os\"...], 0x1 /* 3 vars "
      "*/) = 0\n"
      "5 1.1 sendto(3, [{nlmsg_len=20, nlmsg_type=0x16 /* NLMSG_??? */, nlmsg_pid=0}, "
      "\"\\x00\\x00\"], 20, 0, {sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}, 12) = 20\n");
  ASSERT_EQ(t.calls.size(), 2u);
  EXPECT_TRUE(t.calls[0].Arg(1)->items[2].second.truncated);
  EXPECT_EQ(t.calls[1].Arg(4)->Field("sa_family")->text, "AF_NETLINK");
}

TEST(Trace, UnreadableLinesAreCountedNotFatal) {
  Trace t = ParseTrace(
      "garbage\n"
      "12 notatime execve(\"x\") = 0\n"
      "12 1.0 execve(\"unterminated, [], 0) = 0\n"
      "12 1.0 <... openat resumed>) = 3\n"
      "12 1.0 execve(\"/bin/true\", [\"true\"], 0x1) = 0\n");
  EXPECT_EQ(t.calls.size(), 1u);
  EXPECT_EQ(t.unreadable_lines, 4u);
}

TEST(Trace, CallCutByAKillIsKept) {
  Trace t = ParseTrace(
      "8 1.0 connect(3, {sa_family=AF_INET, sin_port=htons(80), "
      "sin_addr=inet_addr(\"198.51.100.1\")}, 16 <unfinished ...>\n"
      "8 9.0 +++ killed by SIGKILL +++\n");
  ASSERT_EQ(t.calls.size(), 1u);
  EXPECT_EQ(t.calls[0].name, "connect");
  EXPECT_FALSE(t.calls[0].has_return);
  ASSERT_EQ(t.exits.size(), 1u);
  EXPECT_EQ(t.exits[0].signal, "SIGKILL");
}

}  // namespace
}  // namespace mv::reproduce
