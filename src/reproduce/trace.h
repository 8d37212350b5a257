// Parser for the system-call trace strace writes with `-f -ttt --decode-pids=pidns` (one line
// per call: "PID SECONDS.MICROS name(args) = ret [ERRNO (text)]", split calls joined from their
// "<unfinished ...>" and "<... name resumed>" halves, and "+++ exited with N +++" /
// "+++ killed by SIG +++" lines). It turns text into values and knows nothing about what a call
// means (classify.h does). Strings an attacker chose reach this parser escaped by strace; the
// parser still treats every line as untrusted: a line it cannot read is counted, never fatal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mv::reproduce {

// One decoded argument. strace prints atoms (numbers, flag sets, constants, NULL), quoted
// strings, arrays [..], structs {key=value, ..} and calls such as htons(53) or
// inet_addr("127.0.0.1").
struct Value {
  enum class Type : uint8_t { kAtom, kString, kArray, kStruct, kCall };
  Type type = Type::kAtom;
  std::string text;        // atom text, decoded string bytes, or the call's name
  bool truncated = false;  // a string strace cut at -s (printed as "..."...)
  // Array items and call arguments (key empty), struct fields (key set). Top-level arguments
  // may carry keys too (clone prints "flags=CLONE_VM|…").
  struct Item;  // defined below: a vector may hold a type that is incomplete here (C++17)
  std::vector<Item> items;

  // The item named `key` (struct field or keyed argument), or null.
  const Value* Field(std::string_view key) const;
};

// One array item, call argument or struct field. Not a std::pair: a pair of an incomplete
// Value cannot be named inside Value (clang's libstdc++ checks refuse it).
struct Value::Item {
  Item() = default;
  Item(std::string k, Value v) : first(std::move(k)), second(std::move(v)) {}
  std::string first;  // key, or empty
  Value second;
};

struct Syscall {
  int pid = 0;       // in strace's PID namespace (the host's)
  double time = 0;   // seconds since the epoch
  std::string name;  // "openat", "execve", …
  std::vector<Value::Item> args;
  bool has_return = false;  // false for "= ?" (exit_group, execve of a vanished process)
  int64_t ret = 0;
  std::string error;             // "ENOENT" when the call failed
  std::optional<int> child_pid;  // for clone/fork/vfork: the child in strace's PID namespace
  size_t line = 0;               // 1-based line of the (first half of the) call

  const Value* Arg(size_t i) const { return i < args.size() ? &args[i].second : nullptr; }
  const Value* Arg(std::string_view key) const;
};

struct ProcessExit {
  int pid = 0;
  double time = 0;
  std::optional<int> code;  // exited with
  std::string signal;       // killed by ("SIGXCPU"); empty when it exited
};

struct Trace {
  std::vector<Syscall> calls;  // in the order they completed
  std::vector<ProcessExit> exits;
  size_t unreadable_lines = 0;   // lines the parser could not read (kept out of the result)
  std::string first_unreadable;  // the first such line (up to 200 bytes), for diagnosis
};

// Parses one strace argument list (the text between the parentheses, or a part of it).
// Returns nullopt when the text is not a well-formed list.
std::optional<std::vector<Value::Item>> ParseArgs(std::string_view text);

// Parses a whole trace. Never fails: unreadable lines are counted.
Trace ParseTrace(std::string_view text);

}  // namespace mv::reproduce
