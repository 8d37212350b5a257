// Symbolic values of the pickle abstract machine and the call trace it records. This is the
// contract between the engine (pickle/) and policy (verdict/): facts, no judgement.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/facts.h"
#include "core/source.h"

namespace mv::pickle {

struct Value;
using ValuePtr = std::shared_ptr<Value>;

enum class ValueKind : uint8_t {
  kNone,
  kBool,
  kInt,    // text holds the decimal repr (arbitrary size)
  kFloat,  // text holds repr
  kStr,    // text holds UTF-8 (prefix when truncated)
  kBytes,  // text holds raw bytes (prefix when truncated)
  kByteArray,
  kTuple,
  kList,
  kDict,  // items: k0, v0, k1, v1, …
  kSet,
  kFrozenSet,
  kGlobal,        // a module attribute reached by name; text = "module.qualname" as the loader
                  // resolves it (Python-2 names already mapped, as Unpickler(fix_imports) does)
  kModule,        // a module object (e.g. result of __import__('os')); text = module name
  kObject,        // the result of a call the loader makes; `call` indexes Trace::calls
  kPersistentId,  // what persistent_load returns; items[0] = the pid value
  kBuffer,        // out-of-band buffer (NEXT_BUFFER) or READONLY_BUFFER view
  kUnknown,       // not determinable (e.g. after a malformed opcode)
};

struct Value {
  ValueKind kind = ValueKind::kUnknown;
  std::string text;
  bool truncated = false;       // text is a prefix of the real content
  uint64_t length = 0;          // real length of str/bytes (text may be shorter)
  uint64_t data_offset = 0;     // truncated str/bytes: where all `length` bytes start in the
                                // payload, so they can be read back when needed (0: unknown)
  std::vector<ValuePtr> items;  // containers; for kDict alternating key, value
  int64_t call = -1;            // kObject: index of the Call that produced it
  uint64_t offset = 0;          // offset of the opcode that produced the value
  // For kObject/kGlobal reached through resolvers: best-known dotted name of the class or
  // callable this value is (kGlobal) or was made by (kObject), e.g. "torch.nn.Linear".
  std::string type_name;
};

// Python-like rendering for evidence: posix.system('ls'), <torch.nn.Linear object>, b'…'.
std::string Render(const ValuePtr& v, size_t max_chars = 400);

enum class CallKind : uint8_t {
  kReduce,          // REDUCE: callable(*args)
  kNewObj,          // NEWOBJ / NEWOBJ_EX: cls.__new__(cls, *args, **kwargs)
  kInst,            // INST / OBJ: cls(*args)
  kBuild,           // BUILD: target.__setstate__(state) or __dict__ update
  kExtend,          // APPEND(S)/ADDITEMS on a non-builtin object: target.append/extend/add
  kSetItem,         // SETITEM(S) on a non-dict object: target.__setitem__
  kPersistentLoad,  // PERSID / BINPERSID: persistent_load(pid)
  kDerived,         // a call the engine infers one level down: f in map(f, …), a partial
                    // invoked, atexit.register(f, …), a __reduce__ installed by BUILD
};
const char* CallKindName(CallKind k);

struct Call {
  CallKind kind = CallKind::kReduce;
  uint64_t offset = 0;   // offset of the opcode in the payload
  ValuePtr callable;     // the callable value as it sits on the stack
  std::string resolved;  // dotted name of what runs ("posix.system"); "" when unknown
  std::string via;       // how it was reached: "" (direct), "builtins.getattr", "memo",
                         // "ext 0x1d", "functools.partial", "builtins.map", …
  std::vector<ValuePtr> args;
  ValuePtr kwargs;       // NEWOBJ_EX / partial keywords, else null
  ValuePtr target;       // kBuild/kExtend/kSetItem: the object acted on
  ValuePtr result;       // the kObject value the call produced
  int pickle_index = 0;  // which pickle of a multi-pickle stream
  std::string opcode;    // "REDUCE", "NEWOBJ", …
};

// Every find_class the loader performs, in order.
struct Import {
  std::string module;  // as written in the stream
  std::string name;
  std::string resolved;  // "module.name" after Python-2 mapping ("__builtin__"→"builtins")
  uint64_t offset = 0;
  std::string opcode;  // "GLOBAL", "STACK_GLOBAL", "INST", "EXT2", …
  int pickle_index = 0;
};

// A payload handed to a deserialiser with constant bytes (pickle.loads(b'…'), after base64 /
// zlib decoding): scanned as a payload of its own.
struct NestedPayload {
  std::vector<uint8_t> data;
  std::string via;  // "_pickle.loads", "torch.load", …
  uint64_t offset = 0;
};

struct Trace {
  std::vector<Import> imports;
  std::vector<Call> calls;
  std::vector<NestedPayload> nested;
  std::vector<Anomaly> anomalies;
  int pickles = 0;          // complete or partial pickles read
  int protocol = -1;        // highest PROTO seen, -1 if none
  uint64_t end_offset = 0;  // offset after the last byte the engine consumed
  uint64_t opcodes = 0;
  bool complete = false;  // every pickle in the stream was read to STOP without error
};

}  // namespace mv::pickle
