// The pickle abstract machine's state and class, shared by the files that implement it (one job
// each): machine.cc (the VM: stack, marks, memo, opcodes, the run loop), follow.cc (the semantic
// follower: Invoke, the callable specials, ApplySemantic), joblib_array.cc (joblib's inline numpy
// arrays) and resync.cc (frame divergence, the next-pickle search and LooksLikePickle sniffing).
// Internal to src/pickle/: the interface is engine.h.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "pickle/compat_names.h"
#include "pickle/decode.h"
#include "pickle/disasm.h"
#include "pickle/engine.h"
#include "pickle/value_pool.h"

namespace mv::pickle::vm {

constexpr size_t kMaxAnomalies = 200;
constexpr int kMaxCycleProbe = 256;  // container nodes visited per insertion cycle check

enum class Special : uint8_t {
  kNone,
  kAttrGetter,
  kItemGetter,
  kMethodCaller,
  kPartial,
  kBytesIO,
  kWrapper,    // calls func with the caller's arguments (functools.lru_cache(func))
  kVectorize,  // calls func on each element of the caller's arguments (numpy.vectorize(func))
};

// What the machine knows about a value beyond value.h's fields. Keyed by Value*, pinned.
struct Extra {
  ValuePtr pin;
  std::string via;  // how a resolved value was reached ("builtins.getattr")
  Special special = Special::kNone;
  std::string factory;  // resolved name of what made the special ("functools.partial")
  ValuePtr func;
  std::vector<ValuePtr> args;
  ValuePtr kwargs;
  std::vector<std::string> names;  // attrgetter / methodcaller name
  ValuePtr setstate;               // __setstate__ installed through a BUILD state dict
  ValuePtr state;                  // last BUILD state
};

// The unpickler's memo, index -> value. The indices picklers write (0, 1, 2 …) sit in a
// vector; any others (a hand-made LONG_BINPUT 4000000000) in a map.
class Memo {
 public:
  const ValuePtr* Find(uint64_t k) const {
    if (k < flat_.size()) return flat_[k] ? &*flat_[k] : nullptr;
    if (k < kFlatIndices) return nullptr;
    auto it = sparse_.find(k);
    return it == sparse_.end() ? nullptr : &it->second;
  }
  void Set(uint64_t k, ValuePtr v) {
    if (k < kFlatIndices) {
      if (k >= flat_.size()) {
        // Geometric, as picklers number 0, 1, 2 …: not one resize per PUT. Empty slots are
        // absent entries, so the size is no count of anything.
        size_t want = std::max<size_t>({k + 1, 32, 2 * flat_.size()});
        flat_.resize(std::min<size_t>(want, kFlatIndices));
      }
      count_ += !flat_[k].has_value();
      flat_[k] = std::move(v);
      return;
    }
    count_ += sparse_.insert_or_assign(k, std::move(v)).second;
  }
  size_t size() const { return count_; }

 private:
  static constexpr uint64_t kFlatIndices = 1 << 16;
  std::vector<std::optional<ValuePtr>> flat_;
  std::unordered_map<uint64_t, ValuePtr> sparse_;
  size_t count_ = 0;
};

struct PickleState {
  std::vector<ValuePtr> stack;
  std::vector<size_t> marks;
  Memo memo;
  // Indices beyond int64 (text PUT/GET): only pickle.py, whose memo is a dict, accepts them.
  std::unordered_map<std::string, ValuePtr> big_memo;
  int proto = 0;
  bool joblib_inner = false;  // the plain pickle.load joblib runs for object arrays
  uint64_t frame_end = 0;
};

inline bool IsStr(const ValuePtr& v) {
  return v && v->kind == ValueKind::kStr && !v->truncated;
}
// The value of the key (kind, text) in a dict value, or null: dict values keep repeated keys,
// and Python keeps the last one, so the search runs backwards. A truncated key matches nothing.
inline ValuePtr DictGet(const ValuePtr& dict, ValueKind kind, std::string_view text) {
  if (!dict || dict->kind != ValueKind::kDict) return nullptr;
  for (size_t i = dict->items.size() / 2; i-- > 0;) {
    const ValuePtr& k = dict->items[2 * i];
    if (k && k->kind == kind && !k->truncated && k->text == text) return dict->items[2 * i + 1];
  }
  return nullptr;
}
inline bool IsContainer(const Value& v) {
  return v.kind == ValueKind::kList || v.kind == ValueKind::kDict || v.kind == ValueKind::kTuple ||
         v.kind == ValueKind::kSet || v.kind == ValueKind::kFrozenSet;
}

// A value the stream wrote as data (a number, text, a container), not a callable.
inline bool IsConstant(const Value& v) {
  switch (v.kind) {
    case ValueKind::kGlobal:
    case ValueKind::kModule:
    case ValueKind::kObject:
    case ValueKind::kPersistentId:
    case ValueKind::kUnknown: return false;
    default: return true;
  }
}

// "builtins.int" … for the built-in kinds; "" for the others.
const char* BuiltinTypeName(ValueKind k);
// Python's repr() of a float.
std::string FloatRepr(double d);
// Bytes of a latin-1 (Python-2 str) argument carried as UTF-8 text.
std::string Latin1ToUtf8(std::string_view raw);

class Machine {
 public:
  Machine(Source& src, uint64_t begin, uint64_t end, const Options& o)
      : src_(src), dis_(src, begin, end), opt_(o) {
    // What a small model's pickle records, without regrowing (a Call is large).
    trace_.imports.reserve(8);
    trace_.calls.reserve(16);
  }

  Trace Run();

 private:
  // ---- anomalies and errors
  void Note(const std::string& code, const std::string& msg, uint64_t off, bool incomplete) {
    if (incomplete) incomplete_ = true;
    if (trace_.anomalies.size() >= kMaxAnomalies) return;
    trace_.anomalies.push_back(Anomaly::Defect(code, msg, off).Incomplete(incomplete));
  }
  Error Err(std::string code, std::string msg) {
    err_code_ = std::move(code);
    return MakeError(Errc::kMalformed, std::move(msg), op_offset_);
  }

  // ---- values
  ValuePtr New(ValueKind k, std::string text = {}) {
    auto v = MakePooled<Value>();
    v->kind = k;
    v->text = std::move(text);
    v->offset = op_offset_;
    return v;
  }
  Extra& X(const ValuePtr& v) {
    Extra& e = extra_[v.get()];
    if (!e.pin) e.pin = v;
    return e;
  }
  const Extra* FindX(const ValuePtr& v) const {
    auto it = extra_.find(v.get());
    return it == extra_.end() ? nullptr : &it->second;
  }
  ValuePtr Global(const std::string& name, const std::string& via) {
    ValuePtr v = New(ValueKind::kGlobal, name);
    v->type_name = name;
    if (!via.empty()) X(v).via = via;
    return v;
  }

  // ---- stack
  size_t Fence() const { return st_.marks.empty() ? 0 : st_.marks.back(); }
  Status Push(ValuePtr v) {
    if (st_.stack.size() + st_.marks.size() >= limits::kMaxPickleStack) {
      return Err("limit.stack", "stack deeper than limits::kMaxPickleStack");
    }
    st_.stack.push_back(std::move(v));
    return OkStatus();
  }
  Result<ValuePtr> Pop() {
    if (st_.stack.size() <= Fence())
      return Err("pickle.stack-underflow", "unpickling stack underflow");
    ValuePtr v = std::move(st_.stack.back());
    st_.stack.pop_back();
    return v;
  }
  Result<size_t> PopMark() {
    if (st_.marks.empty()) return Err("pickle.no-mark", "could not find MARK");
    size_t m = st_.marks.back();
    st_.marks.pop_back();
    if (m > st_.stack.size()) return Err("pickle.stack-underflow", "mark above the stack top");
    return m;
  }
  std::vector<ValuePtr> Slice(size_t from) {
    std::vector<ValuePtr> items(
        std::make_move_iterator(st_.stack.begin() + static_cast<ptrdiff_t>(from)),
        std::make_move_iterator(st_.stack.end()));
    st_.stack.resize(from);
    return items;
  }

  // Adds `item` to `c`, refusing to build reference cycles the trace could not free. Any value
  // with items can close a cycle, not only containers (a persistent id holds its pid).
  void Insert(const ValuePtr& c, ValuePtr item) {
    if (item && (item == c || (!item->items.empty() && MayReach(item, c.get())))) {
      suspicious_.push_back({c, c->items.size()});
    }
    c->items.push_back(std::move(item));
  }
  bool MayReach(const ValuePtr& from, const Value* target) {
    std::vector<const Value*> work{from.get()};
    std::unordered_set<const Value*> seen;
    int budget = kMaxCycleProbe;
    while (!work.empty()) {
      const Value* v = work.back();
      work.pop_back();
      if (v == target) return true;
      if (!seen.insert(v).second) continue;
      if (--budget < 0) return true;  // unknown: treat as a possible cycle
      for (const auto& i : v->items) {
        if (i && !i->items.empty())
          work.push_back(i.get());
        else if (i.get() == target)
          return true;
      }
    }
    return false;
  }
  void BreakCycles() {
    for (auto& [c, idx] : suspicious_) {
      if (idx >= c->items.size()) continue;
      ValuePtr& slot = c->items[idx];
      auto ph = MakePooled<Value>();
      ph->kind = slot->kind;
      ph->text = "…";
      ph->truncated = true;
      ph->offset = slot->offset;
      slot = ph;
    }
  }

  // ---- names
  std::string NameOf(const ValuePtr& v) const {
    if (!v) return "";
    if (const Extra* e = FindX(v); e && e->special != Special::kNone) return e->factory;
    switch (v->kind) {
      case ValueKind::kGlobal:
      case ValueKind::kModule: return v->text;
      case ValueKind::kObject: return v->type_name.empty() ? "" : v->type_name + ".__call__";
      default: return "";
    }
  }
  std::string ViaOf(const ValuePtr& v) const {
    const Extra* e = FindX(v);
    return e ? e->via : "";
  }
  // Dotted name of `obj.attr` as far as it is known ("" when not).
  static std::string MemberName(const ValuePtr& obj, const std::string& attr) {
    if (!obj) return "";
    switch (obj->kind) {
      case ValueKind::kGlobal:
      case ValueKind::kModule: return obj->text.empty() ? "" : obj->text + "." + attr;
      case ValueKind::kObject: return obj->type_name.empty() ? "" : obj->type_name + "." + attr;
      default: {
        std::string t = BuiltinTypeName(obj->kind);
        return t.empty() ? "" : t + "." + attr;
      }
    }
  }
  ValuePtr GetAttr(const ValuePtr& obj, const std::string& attr, const std::string& via) {
    if (const Extra* e = FindX(obj); e && e->special != Special::kNone) {
      // A partial's or wrapper's bound __call__ is its own call: getattr(partial(os.system,
      // 'id'), '__call__')() runs os.system('id'). (Not for names: Class.__call__ is the
      // instances' method, not the constructor.)
      if (attr == "__call__") return obj;
      // partial(f, …).func is f (the attribute functools documents), as is a wrapper's
      // __wrapped__ (functools.update_wrapper sets it; staticmethod has it too).
      if (e->special == Special::kPartial && attr == "func") return e->func;
      if (e->special == Special::kWrapper && attr == "__wrapped__") return e->func;
    }
    std::string n = MemberName(obj, attr);
    if (n.empty()) return nullptr;
    return Global(n, via);
  }

  // ---- find_class and friends
  ValuePtr FindClass(const std::string& module, const std::string& name, const char* opcode,
                     const std::string& via = "") {
    Import im;
    im.module = module;
    im.name = name;
    auto [m, n] = st_.proto < 3 ? MapPy2Name(module, name)
                                : std::pair<std::string_view, std::string_view>(module, name);
    im.resolved.reserve(m.size() + 1 + n.size());
    im.resolved.append(m).append(1, '.').append(n);
    im.offset = op_offset_;
    im.opcode = opcode;
    im.pickle_index = pickle_index_;
    ValuePtr g = Global(im.resolved, via);
    trace_.imports.push_back(std::move(im));
    return g;
  }

  // ---- calls
  struct CallSpec {
    CallKind kind = CallKind::kReduce;
    const char* opcode = "";
    ValuePtr callable;
    std::vector<ValuePtr> args;
    ValuePtr kwargs;
    ValuePtr target;
    std::string via;  // overrides the callable's own via (derived calls)
  };
  size_t Record(const CallSpec& s, const std::string& resolved) {
    Call c;
    c.kind = s.kind;
    c.offset = op_offset_;
    c.callable = s.callable;
    c.resolved = resolved;
    c.via = !s.via.empty() ? s.via : ViaOf(s.callable);
    c.args = s.args;
    c.kwargs = s.kwargs;
    c.target = s.target;
    c.pickle_index = pickle_index_;
    c.opcode = s.opcode;
    trace_.calls.push_back(std::move(c));
    size_t idx = trace_.calls.size() - 1;
    ValuePtr r = New(ValueKind::kObject);
    r->call = static_cast<int64_t>(idx);
    r->type_name = resolved;
    trace_.calls[idx].result = r;
    return idx;
  }
  const SemanticEntry* Sem(const std::string& name) const {
    if (opt_.semantics == nullptr || name.empty()) return nullptr;
    return opt_.semantics->Find(name);
  }
  static ValuePtr Arg(const std::vector<ValuePtr>& a, size_t i) {
    return i < a.size() ? a[i] : nullptr;
  }
  // Constant bytes of a value (bytes, bytearray, str as latin-1/utf-8, BytesIO over bytes).
  // The full bytes of a value skipped by length, read back from the payload on demand.
  std::optional<std::string> ReadBack(const Value& v) const {
    if (!v.truncated || v.data_offset == 0 || v.length > limits::kMaxDecodedPayload ||
        (v.kind != ValueKind::kBytes && v.kind != ValueKind::kByteArray &&
         v.kind != ValueKind::kStr)) {
      return std::nullopt;
    }
    auto r = src_.Read(v.data_offset, static_cast<size_t>(v.length));
    if (!r.ok() || r->size() != v.length) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(r->data()), r->size());
  }

  std::optional<std::string> ConstBytes(const ValuePtr& v) const {
    if (!v) return std::nullopt;
    if (v->truncated) {
      auto full = ReadBack(*v);
      if (!full) return std::nullopt;
      if (v->kind != ValueKind::kStr) return full;
      auto r = DecodeData("latin1-encode", *full, limits::kMaxDecodedPayload);
      if (r.ok()) return *r;
      return full;
    }
    if (v->kind == ValueKind::kBytes || v->kind == ValueKind::kByteArray) return v->text;
    if (v->kind == ValueKind::kStr) {
      auto r = DecodeData("latin1-encode", v->text, limits::kMaxKeptString);
      if (r.ok()) return *r;
      return v->text;
    }
    if (const Extra* e = FindX(v); e && e->special == Special::kBytesIO && !e->args.empty()) {
      return ConstBytes(e->args[0]);
    }
    return std::nullopt;
  }

  // The semantic follower (follow.cc): records a call and follows what is known of the callee.
  ValuePtr Invoke(const CallSpec& s, int depth);
  ValuePtr InvokeSpecial(const Extra& e, const CallSpec& s, ValuePtr result, int depth);
  void ApplySemantic(const SemanticEntry& sem, const std::string& resolved, const CallSpec& s,
                     ValuePtr& result, int depth);
  // f called on the items of the iterables, zipped (map(f, a, b)): a derived call per item;
  // `star`: each item is the argument list (itertools.starmap).
  void ApplyOver(const ValuePtr& f, const std::vector<ValuePtr>& iterables, const CallSpec& s,
                 const std::string& resolved, int depth, bool star = false);
  // More than limits::kMaxDerivedCallsPerOp calls at one opcode: notes that the rest are not
  // followed (the trace is incomplete) and returns the number that are.
  size_t CapDerivedCalls(size_t n);

  // ---- opcodes
  Status Exec(const Instr& in);
  Status Build(const ValuePtr& inst, const ValuePtr& state);
  Status AppendItems(const ValuePtr& target, std::vector<ValuePtr> items, bool single);
  Status SetItems(const ValuePtr& target, std::vector<ValuePtr> kvs);
  Status JoblibArray(const ValuePtr& wrapper, const ValuePtr& state);  // joblib_array.cc
  void StartPickle() { st_ = PickleState{}; }

  // An opcode that crosses its frame's end is read differently by CPython's unpicklers (and
  // versions): opcodes swallowed by the straddling argument may run (OB-13). Bytes from the
  // first plausible pickle start inside [from, to) are handed on as a nested payload.
  void FollowDivergentParse(uint64_t from, uint64_t to);  // resync.cc

  static constexpr uint64_t kNoPickle = ~0ull;
  // Offset of the next PROTO opcode after `from` that starts a plausible pickle, searching at
  // most limits::kMaxResyncScan bytes; kNoPickle if none.
  uint64_t FindNextPickle(uint64_t from);  // resync.cc

  Source& src_;
  Disassembler dis_;
  const Options& opt_;
  Trace trace_;
  PickleState st_;
  std::vector<PickleState> saved_;  // outer states while a joblib object-array pickle runs
  std::unordered_map<const Value*, Extra> extra_;
  std::unordered_map<int64_t, std::pair<std::string, std::string>> ext_registry_;
  // What each EXT code already loaded: the C unpickler keeps copyreg._extension_cache and
  // calls find_class only on the first EXT of a code.
  std::unordered_map<int64_t, ValuePtr> ext_cache_;
  std::vector<std::pair<ValuePtr, size_t>> suspicious_;
  uint64_t op_offset_ = 0;
  uint64_t steps_ = 0;
  int pickle_index_ = 0;
  bool incomplete_ = false;
  bool warned_buffer_ = false;
  bool warned_frame_ = false;
  std::string err_code_;
};

}  // namespace mv::pickle::vm
