// The pickle abstract machine. Mirrors CPython's C `_pickle.Unpickler` (load_* functions):
// one object stack with a mark stack (the "fence"), a memo map, find_class with the
// Python-2 name maps, and the copyreg extension registry. Values are symbolic; every call the
// unpickler would make is recorded, and callables with known Semantics are followed so that a
// name built at load time (getattr(__import__('os'), 'system')) resolves to what runs.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "pickle/compat_names.h"
#include "pickle/decode.h"
#include "pickle/disasm.h"
#include "pickle/engine.h"

namespace mv::pickle {

std::pair<std::string, std::string> MapPy2Name(std::string_view module, std::string_view name) {
  for (const auto& e : Py2NameMapping()) {
    if (module == e.module && name == e.name) return {e.module3, e.name3};
  }
  for (const auto& e : Py2ImportMapping()) {
    if (module == e.module) return {e.module3, std::string(name)};
  }
  return {std::string(module), std::string(name)};
}

namespace {

constexpr size_t kMaxAnomalies = 200;
constexpr int kMaxCycleProbe = 256;  // container nodes visited per insertion cycle check

enum class Special : uint8_t { kNone, kAttrGetter, kItemGetter, kMethodCaller, kPartial, kBytesIO };

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

struct PickleState {
  std::vector<ValuePtr> stack;
  std::vector<size_t> marks;
  std::unordered_map<uint64_t, ValuePtr> memo;
  // Indices beyond int64 (text PUT/GET): only pickle.py, whose memo is a dict, accepts them.
  std::unordered_map<std::string, ValuePtr> big_memo;
  int proto = 0;
  bool joblib_inner = false;  // the plain pickle.load joblib runs for object arrays
  uint64_t frame_end = 0;
};

bool IsStr(const ValuePtr& v) {
  return v && v->kind == ValueKind::kStr && !v->truncated;
}
bool IsContainer(const Value& v) {
  return v.kind == ValueKind::kList || v.kind == ValueKind::kDict || v.kind == ValueKind::kTuple ||
         v.kind == ValueKind::kSet || v.kind == ValueKind::kFrozenSet;
}

const char* BuiltinTypeName(ValueKind k) {
  switch (k) {
    case ValueKind::kNone: return "builtins.NoneType";
    case ValueKind::kBool: return "builtins.bool";
    case ValueKind::kInt: return "builtins.int";
    case ValueKind::kFloat: return "builtins.float";
    case ValueKind::kStr: return "builtins.str";
    case ValueKind::kBytes: return "builtins.bytes";
    case ValueKind::kByteArray: return "builtins.bytearray";
    case ValueKind::kTuple: return "builtins.tuple";
    case ValueKind::kList: return "builtins.list";
    case ValueKind::kDict: return "builtins.dict";
    case ValueKind::kSet: return "builtins.set";
    case ValueKind::kFrozenSet: return "builtins.frozenset";
    default: return "";
  }
}

std::string FloatRepr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  for (int p = 1; p <= 17; ++p) {
    std::snprintf(buf, sizeof buf, "%.*g", p, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  std::string s = buf;
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

// Bytes of a latin-1 (Python-2 str) argument carried as UTF-8 text.
std::string Latin1ToUtf8(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (unsigned char c : raw) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

class Machine {
 public:
  Machine(Source& src, uint64_t begin, uint64_t end, const Options& o)
      : src_(src), dis_(src, begin, end), opt_(o) {}

  Trace Run();

 private:
  // ---- anomalies and errors
  void Note(const std::string& code, const std::string& msg, uint64_t off, bool incomplete) {
    if (incomplete) incomplete_ = true;
    if (trace_.anomalies.size() >= kMaxAnomalies) return;
    trace_.anomalies.push_back({code, msg, off, "", incomplete});
  }
  Error Err(std::string code, std::string msg) {
    err_code_ = std::move(code);
    return MakeError(Errc::kMalformed, std::move(msg), op_offset_);
  }

  // ---- values
  ValuePtr New(ValueKind k, std::string text = {}) {
    auto v = std::make_shared<Value>();
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
      auto ph = std::make_shared<Value>();
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
    std::string m = module, n = name;
    if (st_.proto < 3) std::tie(m, n) = MapPy2Name(module, name);
    im.resolved = m + "." + n;
    im.offset = op_offset_;
    im.opcode = opcode;
    im.pickle_index = pickle_index_;
    trace_.imports.push_back(im);
    return Global(im.resolved, via);
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
    auto it = opt_.semantics->find(name);
    return it == opt_.semantics->end() ? nullptr : &it->second;
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

  ValuePtr Invoke(const CallSpec& s, int depth);
  ValuePtr InvokeSpecial(const Extra& e, const CallSpec& s, ValuePtr result, int depth);
  void ApplySemantic(const SemanticEntry& sem, const std::string& resolved, const CallSpec& s,
                     ValuePtr& result, int depth);

  // ---- opcodes
  Status Exec(const Instr& in);
  Status Build(const ValuePtr& inst, const ValuePtr& state);
  Status AppendItems(const ValuePtr& target, std::vector<ValuePtr> items, bool single);
  Status SetItems(const ValuePtr& target, std::vector<ValuePtr> kvs);
  Status JoblibArray(const ValuePtr& wrapper, const ValuePtr& state);
  void StartPickle() { st_ = PickleState{}; }

  // An opcode that crosses its frame's end is read differently by CPython's unpicklers (and
  // versions): opcodes swallowed by the straddling argument may run (OB-13). Bytes from the
  // first plausible pickle start inside [from, to) are handed on as a nested payload.
  void FollowDivergentParse(uint64_t from, uint64_t to) {
    uint64_t stop = std::min({to, dis_.end(), from + limits::kMaxResyncScan});
    for (uint64_t p = from; p < stop; ++p) {
      // Bytes that are no opcode cannot start a pickle: skip them without a trial parse.
      auto b = src_.Read(p, 1);
      if (!b.ok() || b->empty()) return;
      if (LookupOp((*b)[0]) == nullptr || !LooksLikePickle(src_, p)) continue;
      uint64_t len = std::min<uint64_t>(dis_.end() - p, limits::kMaxDecodedPayload);
      auto r = src_.Read(p, static_cast<size_t>(len));
      if (!r.ok()) return;
      NestedPayload np;
      np.data.assign(r->begin(), r->end());
      np.via = "frame-straddle";
      np.offset = p;
      trace_.nested.push_back(std::move(np));
      Note("pickle.frame-divergence",
           "opcodes hidden inside an argument that crosses a frame end; analysed separately", p,
           false);
      return;
    }
  }

  static constexpr uint64_t kNoPickle = ~0ull;
  // Offset of the next PROTO opcode after `from` that starts a plausible pickle, searching at
  // most limits::kMaxResyncScan bytes; kNoPickle if none.
  uint64_t FindNextPickle(uint64_t from) {
    uint64_t stop = std::min(dis_.end(), from + limits::kMaxResyncScan);
    constexpr size_t kChunk = 64 << 10;
    for (uint64_t off = from; off + 1 < stop;) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(kChunk + 1, stop - off));
      auto r = src_.Read(off, want);
      if (!r.ok() || r->size() < 2) return kNoPickle;
      std::vector<uint8_t> chunk(r->begin(), r->end());  // LooksLikePickle reads the source
      for (size_t i = 0; i + 1 < chunk.size(); ++i) {
        if (chunk[i] == 0x80 && chunk[i + 1] <= 5 && LooksLikePickle(src_, off + i)) {
          return off + i;
        }
      }
      off += chunk.size() - 1;
    }
    return kNoPickle;
  }

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

ValuePtr Machine::InvokeSpecial(const Extra& e, const CallSpec& s, ValuePtr result, int depth) {
  ValuePtr obj = Arg(s.args, 0);
  switch (e.special) {
    case Special::kPartial: {
      CallSpec d{
          CallKind::kDerived, s.opcode, e.func, e.args, e.kwargs ? e.kwargs : s.kwargs, nullptr,
          e.factory};
      for (const auto& a : s.args) d.args.push_back(a);
      return Invoke(d, depth + 1);
    }
    case Special::kMethodCaller: {
      ValuePtr f = e.names.empty() ? nullptr : GetAttr(obj, e.names[0], e.factory);
      if (!f) f = New(ValueKind::kUnknown);
      CallSpec d{CallKind::kDerived, s.opcode, f, e.args, e.kwargs, nullptr, e.factory};
      return Invoke(d, depth + 1);
    }
    case Special::kAttrGetter: {
      std::vector<ValuePtr> outs;
      for (const auto& dotted : e.names) {
        ValuePtr cur = obj;
        size_t p = 0;
        while (cur && p <= dotted.size()) {
          size_t q = dotted.find('.', p);
          if (q == std::string::npos) q = dotted.size();
          cur = GetAttr(cur, dotted.substr(p, q - p), e.factory);
          p = q + 1;
        }
        outs.push_back(cur ? cur : New(ValueKind::kUnknown));
      }
      if (outs.size() == 1) return outs[0];
      if (outs.size() > 1) {
        ValuePtr t = New(ValueKind::kTuple);
        t->items = std::move(outs);
        return t;
      }
      return result;
    }
    case Special::kItemGetter: {
      ValuePtr key = e.args.empty() ? nullptr : e.args[0];
      if (obj && key && obj->kind == ValueKind::kDict) {
        // Dict values keep repeated keys; Python keeps the last value, so search backwards.
        for (size_t i = obj->items.size() / 2; i-- > 0;) {
          const ValuePtr& k = obj->items[2 * i];
          if (k && k->kind == key->kind && k->text == key->text && !k->truncated) {
            return obj->items[2 * i + 1];
          }
        }
      } else if (obj && key && key->kind == ValueKind::kInt &&
                 (obj->kind == ValueKind::kTuple || obj->kind == ValueKind::kList)) {
        long long i = std::atoll(key->text.c_str());
        long long n = static_cast<long long>(obj->items.size());
        if (i < 0) i += n;
        if (i >= 0 && i < n) return obj->items[static_cast<size_t>(i)];
      }
      return result;
    }
    default: return result;
  }
}

ValuePtr Machine::Invoke(const CallSpec& s, int depth) {
  std::string resolved = NameOf(s.callable);
  size_t idx = Record(s, resolved);
  ValuePtr result = trace_.calls[idx].result;
  ++steps_;
  if (depth >= limits::kMaxDerivedCallDepth) {
    Note("limit.derived-depth",
         "calls derived through more than limits::kMaxDerivedCallDepth "
         "resolvers",
         op_offset_, true);
    return result;
  }
  const Extra* ex = FindX(s.callable);
  if (ex && ex->special != Special::kNone) {
    Extra e = *ex;  // copy: Invoke may rehash extra_
    ValuePtr r = InvokeSpecial(e, s, result, depth);
    trace_.calls[idx].result = r;
    return r;
  }
  if (const SemanticEntry* sem = Sem(resolved)) ApplySemantic(*sem, resolved, s, result, depth);
  trace_.calls[idx].result = result;
  return result;
}

void Machine::ApplySemantic(const SemanticEntry& sem, const std::string& resolved,
                            const CallSpec& s, ValuePtr& result, int depth) {
  const auto& a = s.args;
  auto data = [&]() { return Arg(a, static_cast<size_t>(sem.data_arg)); };
  auto fidx = static_cast<size_t>(sem.func_arg);
  switch (sem.semantic) {
    case Semantic::kGetattr: {
      ValuePtr obj = Arg(a, 0);
      ValuePtr name = Arg(a, sem.data_arg > 0 ? static_cast<size_t>(sem.data_arg) : 1);
      if (IsStr(name)) {
        if (ValuePtr g = GetAttr(obj, name->text, resolved)) result = g;
      }
      break;
    }
    case Semantic::kImportModule: {
      ValuePtr name = data();
      if (IsStr(name) && !name->text.empty()) {
        std::string mod = name->text;
        // __import__('a.b') returns package `a` unless a fromlist is given.
        if (resolved == "builtins.__import__") {
          ValuePtr from = Arg(a, 3);
          bool has_from =
              from && (from->kind == ValueKind::kList || from->kind == ValueKind::kTuple)
                  ? !from->items.empty()
                  : (from && from->kind != ValueKind::kNone);
          if (!has_from) mod = mod.substr(0, mod.find('.'));
        }
        result = New(ValueKind::kModule, mod);
        result->type_name = mod;
        X(result).via = resolved;
      }
      break;
    }
    case Semantic::kResolveName: {
      ValuePtr name = data();
      if (IsStr(name) && !name->text.empty()) {
        std::string n = name->text;
        std::replace(n.begin(), n.end(), ':', '.');
        result = Global(n, resolved);
      }
      break;
    }
    case Semantic::kImportFrom: {
      ValuePtr mod = Arg(a, 0);
      ValuePtr name = Arg(a, 1);
      if (IsStr(name)) {
        if (IsStr(mod))
          result = Global(mod->text + "." + name->text, resolved);
        else if (ValuePtr g = GetAttr(mod, name->text, resolved))
          result = g;
      }
      break;
    }
    case Semantic::kAttrGetter:
    case Semantic::kItemGetter:
    case Semantic::kMethodCaller:
    case Semantic::kPartial:
    case Semantic::kBytesIO: {
      Extra& e = X(result);
      e.factory = resolved;
      if (sem.semantic == Semantic::kAttrGetter) {
        e.special = Special::kAttrGetter;
        for (const auto& v : a) e.names.push_back(IsStr(v) ? v->text : "?");
      } else if (sem.semantic == Semantic::kItemGetter) {
        e.special = Special::kItemGetter;
        e.args = a;
      } else if (sem.semantic == Semantic::kMethodCaller) {
        e.special = Special::kMethodCaller;
        if (!a.empty()) e.names.push_back(IsStr(a[0]) ? a[0]->text : "?");
        if (a.size() > 1) e.args.assign(a.begin() + 1, a.end());
        e.kwargs = s.kwargs;
      } else if (sem.semantic == Semantic::kPartial) {
        e.special = Special::kPartial;
        e.func = Arg(a, fidx) ? Arg(a, fidx) : New(ValueKind::kUnknown);
        if (a.size() > fidx + 1)
          e.args.assign(a.begin() + static_cast<ptrdiff_t>(fidx) + 1, a.end());
        e.kwargs = s.kwargs;
      } else {
        e.special = Special::kBytesIO;
        if (ValuePtr d = data()) e.args.push_back(d);
      }
      break;
    }
    case Semantic::kApply: {
      ValuePtr f = Arg(a, fidx);
      if (!f) break;
      std::vector<const Value*> iters;
      size_t n = SIZE_MAX;
      bool known = a.size() > fidx + 1;
      for (size_t i = fidx + 1; i < a.size(); ++i) {
        const Value* it = a[i].get();
        if (!it || !IsContainer(*it) || it->truncated) {
          known = false;
          break;
        }
        size_t len = it->kind == ValueKind::kDict ? it->items.size() / 2 : it->items.size();
        n = std::min(n, len);
        iters.push_back(it);
      }
      if (!known || n == 0) {
        // Items unknown (or filled later: map is lazy): f still runs on whatever they are.
        Invoke({CallKind::kDerived,
                s.opcode,
                f,
                {New(ValueKind::kUnknown)},
                nullptr,
                nullptr,
                resolved},
               depth + 1);
        break;
      }
      if (n > limits::kMaxDerivedCallsPerOp) {
        Note("limit.derived-calls", "more than limits::kMaxDerivedCallsPerOp items applied",
             op_offset_, true);
        n = limits::kMaxDerivedCallsPerOp;
      }
      for (size_t i = 0; i < n; ++i) {
        CallSpec d{CallKind::kDerived, s.opcode, f, {}, nullptr, nullptr, resolved};
        for (const Value* it : iters) {
          d.args.push_back(it->kind == ValueKind::kDict ? it->items[2 * i] : it->items[i]);
        }
        Invoke(d, depth + 1);
      }
      break;
    }
    case Semantic::kCallArg:
    case Semantic::kDeferredCall: {
      ValuePtr f = Arg(a, fidx);
      if (!f) break;
      CallSpec d{CallKind::kDerived, s.opcode, f, {}, s.kwargs, nullptr, resolved};
      if (a.size() > fidx + 1) d.args.assign(a.begin() + static_cast<ptrdiff_t>(fidx) + 1, a.end());
      ValuePtr r = Invoke(d, depth + 1);
      result = sem.semantic == Semantic::kCallArg ? r : f;
      break;
    }
    case Semantic::kDeserialize: {
      auto bytes = ConstBytes(data());
      if (!bytes) {
        Note("pickle.nested-unresolved",
             resolved + " loads data that is not a constant in the stream", op_offset_, true);
        break;
      }
      NestedPayload np;
      np.data.assign(bytes->begin(), bytes->end());
      np.via = resolved;
      np.offset = op_offset_;
      trace_.nested.push_back(std::move(np));
      break;
    }
    case Semantic::kStrJoin: {
      // Names assembled at load time ("".join(['o', 's'])) so that no literal names them.
      ValuePtr sep = Arg(a, 0);
      ValuePtr seq = Arg(a, 1);
      if (!IsStr(sep) || !seq || !IsContainer(*seq) || seq->truncated) break;
      std::string out;
      for (size_t i = 0; i < seq->items.size(); ++i) {
        const ValuePtr& it = seq->items[i];
        if (!IsStr(it)) return;
        if (i > 0) out += sep->text;
        out += it->text;
        if (out.size() > limits::kMaxKeptString) return;
      }
      result = New(ValueKind::kStr, out);
      result->length = out.size();
      break;
    }
    case Semantic::kFxGraphCode: break;  // facts for the scanner, no value to compute
    case Semantic::kConcat: {
      ValuePtr x = Arg(a, 0);
      ValuePtr y = Arg(a, 1);
      if (!x || !y || x->kind != y->kind || x->truncated || y->truncated) break;
      if (x->kind != ValueKind::kStr && x->kind != ValueKind::kBytes) break;
      if (x->text.size() + y->text.size() > limits::kMaxKeptString) break;
      result = New(x->kind, x->text + y->text);
      result->length = result->text.size();
      break;
    }
    case Semantic::kDecode: {
      auto bytes = ConstBytes(data());
      if (!bytes) break;
      std::string codec = sem.codec;
      if (codec == "by-arg") {  // codecs.decode(data, 'base64' | 'zlib_codec' | 'hex' | …)
        ValuePtr name = Arg(a, static_cast<size_t>(sem.data_arg) + 1);
        if (!IsStr(name)) break;
        std::string n = name->text;
        std::transform(n.begin(), n.end(), n.begin(), ::tolower);
        std::replace(n.begin(), n.end(), '-', '_');
        static const std::pair<const char*, const char*> kCodecs[] = {
            {"base64", "base64"}, {"base64_codec", "base64"}, {"base_64", "base64"},
            {"zlib", "zlib"},     {"zlib_codec", "zlib"},     {"zip", "zlib"},
            {"hex", "hex"},       {"hex_codec", "hex"},       {"bz2", "bz2"},
            {"bz2_codec", "bz2"}, {"base32", "base32"},
        };
        codec.clear();
        for (const auto& [k, v] : kCodecs) {
          if (n == k) codec = v;
        }
        if (codec.empty()) break;
      }
      if (ValuePtr enc = Arg(a, static_cast<size_t>(sem.data_arg) + 1);
          IsStr(enc) && (codec == "latin1-encode" || codec == "utf8-encode")) {
        std::string e = enc->text;
        std::transform(e.begin(), e.end(), e.begin(), ::tolower);
        std::replace(e.begin(), e.end(), '_', '-');
        if (e == "utf-8" || e == "utf8")
          codec = "utf8-encode";
        else if (e == "latin1" || e == "latin-1" || e == "iso-8859-1")
          codec = "latin1-encode";
      }
      ValuePtr in = data();
      // A str argument is text (UTF-8 here); the encoders turn it into bytes themselves.
      std::optional<std::string> full;
      if (in->kind == ValueKind::kStr && in->truncated && !(full = ReadBack(*in))) break;
      std::string_view raw = in->kind == ValueKind::kStr
                                 ? (full ? std::string_view(*full) : std::string_view(in->text))
                                 : std::string_view(*bytes);
      auto out = DecodeData(codec, raw, limits::kMaxDecodedPayload);
      if (!out.ok()) {
        if (out.error().code == Errc::kLimit) {
          Note("limit.decoded", resolved + ": decoded data larger than limits::kMaxDecodedPayload",
               op_offset_, true);
        }
        break;
      }
      ValuePtr b = New(ValueKind::kBytes);
      b->length = out->size();
      b->text = std::move(*out);
      X(b).via = resolved;
      result = b;
      break;
    }
  }
}

Status Machine::AppendItems(const ValuePtr& target, std::vector<ValuePtr> items, bool single) {
  if (target->kind == ValueKind::kList) {
    for (auto& i : items) Insert(target, std::move(i));
    return OkStatus();
  }
  CallSpec s{CallKind::kExtend,
             single ? "APPEND" : "APPENDS",
             nullptr,
             std::move(items),
             nullptr,
             target,
             ""};
  s.callable = GetAttr(target, single ? "append" : "extend", "");
  if (!s.callable) s.callable = New(ValueKind::kUnknown);
  Invoke(s, 0);
  return OkStatus();
}

Status Machine::SetItems(const ValuePtr& target, std::vector<ValuePtr> kvs) {
  if (target->kind == ValueKind::kDict) {
    for (auto& i : kvs) Insert(target, std::move(i));
    return OkStatus();
  }
  CallSpec s{CallKind::kSetItem,
             kvs.size() == 2 ? "SETITEM" : "SETITEMS",
             nullptr,
             std::move(kvs),
             nullptr,
             target,
             ""};
  s.callable = GetAttr(target, "__setitem__", "");
  if (!s.callable) s.callable = New(ValueKind::kUnknown);
  Invoke(s, 0);
  return OkStatus();
}

Status Machine::Build(const ValuePtr& inst, const ValuePtr& state) {
  CallSpec s{CallKind::kBuild, "BUILD", nullptr, {state}, nullptr, inst, ""};
  s.callable = GetAttr(inst, "__setstate__", "");
  if (!s.callable) s.callable = New(ValueKind::kUnknown);
  Invoke(s, 0);
  Extra& e = X(inst);
  e.state = state;
  if (e.setstate) {
    ValuePtr f = e.setstate;
    Invoke({CallKind::kDerived, "BUILD", f, {state}, nullptr, inst, "BUILD __setstate__"}, 1);
  }
  // A state dict (or the slot-state half of a 2-tuple) sets instance attributes; a
  // `__setstate__` set that way is called by the next BUILD on the same object.
  std::vector<ValuePtr> dicts;
  if (state->kind == ValueKind::kDict) dicts.push_back(state);
  if (state->kind == ValueKind::kTuple && state->items.size() == 2) {
    for (const auto& d : state->items) {
      if (d && d->kind == ValueKind::kDict) dicts.push_back(d);
    }
  }
  for (const auto& d : dicts) {
    for (size_t i = 0; i + 1 < d->items.size(); i += 2) {
      if (IsStr(d->items[i]) && d->items[i]->text == "__setstate__") {
        X(inst).setstate = d->items[i + 1];
      }
    }
  }
  // functools.partial.__setstate__((func, args, kwds, dict)) replaces what the partial calls.
  Extra& e2 = X(inst);
  if (e2.special == Special::kPartial && state->kind == ValueKind::kTuple &&
      state->items.size() >= 3) {
    e2.func = state->items[0];
    e2.args.clear();
    if (state->items[1] && state->items[1]->kind == ValueKind::kTuple)
      e2.args = state->items[1]->items;
    e2.kwargs =
        state->items[2] && state->items[2]->kind == ValueKind::kDict ? state->items[2] : nullptr;
  }
  if (opt_.joblib_arrays && !st_.joblib_inner && inst->kind == ValueKind::kObject &&
      inst->type_name == "joblib.numpy_pickle.NumpyArrayWrapper") {
    return JoblibArray(inst, state);
  }
  return OkStatus();
}

// joblib's NumpyUnpickler.load_build: after BUILD on a NumpyArrayWrapper, read the array that
// follows inline (joblib 1.2 numpy_pickle.NumpyArrayWrapper.read_array).
Status Machine::JoblibArray(const ValuePtr& /*wrapper*/, const ValuePtr& state) {
  auto field = [&](const char* key) -> ValuePtr {
    if (state->kind != ValueKind::kDict) return nullptr;
    for (size_t i = state->items.size() / 2; i-- > 0;) {  // last of a repeated key wins
      if (IsStr(state->items[2 * i]) && state->items[2 * i]->text == key)
        return state->items[2 * i + 1];
    }
    return nullptr;
  };
  auto unknown = [&](const char* why) {
    return Err("pickle.joblib-array", std::string("joblib array data cannot be located: ") + why);
  };
  ValuePtr shape = field("shape");
  ValuePtr dtype = field("dtype");
  if (!shape || !dtype || shape->kind != ValueKind::kTuple) return unknown("no shape");
  if (dtype->kind != ValueKind::kObject || dtype->call < 0) return unknown("no dtype");
  const Call& dc = trace_.calls[static_cast<size_t>(dtype->call)];
  if (dc.resolved != "numpy.dtype" || dc.args.empty() || !IsStr(dc.args[0])) {
    return unknown("dtype not made by numpy.dtype");
  }
  std::string code = dc.args[0]->text;
  int64_t elsize = -1, flags = 0;
  if (const Extra* e = FindX(dtype); e && e->state && e->state->kind == ValueKind::kTuple) {
    const auto& t = e->state->items;
    if (t.size() > 5 && t[5] && t[5]->kind == ValueKind::kInt)
      elsize = std::atoll(t[5]->text.c_str());
    if (t.size() > 7 && t[7] && t[7]->kind == ValueKind::kInt)
      flags = std::atoll(t[7]->text.c_str());
  }
  bool hasobject = (!code.empty() && code[0] == 'O') || (flags & 1) != 0;
  if (hasobject) {
    // pickle.load(file) with a plain Unpickler: analysed inline, then the outer load resumes.
    saved_.push_back(std::move(st_));
    st_ = PickleState{};
    st_.joblib_inner = true;
    return OkStatus();
  }
  int64_t itemsize = elsize;
  if (itemsize <= 0) {
    size_t p = 0;
    while (p < code.size() && !std::isdigit(static_cast<unsigned char>(code[p]))) ++p;
    itemsize = p < code.size() ? std::atoll(code.c_str() + p) : (code == "?" ? 1 : -1);
    if (!code.empty() && code[0] == 'U') itemsize *= 4;
  }
  if (itemsize <= 0) return unknown("unknown item size");
  unsigned __int128 total = static_cast<unsigned __int128>(itemsize);
  for (const auto& d : shape->items) {
    if (!d || d->kind != ValueKind::kInt || d->text.empty() || d->text[0] == '-') {
      return unknown("shape is not constant");
    }
    total *= static_cast<unsigned __int128>(std::strtoull(d->text.c_str(), nullptr, 10));
    if (total > (static_cast<unsigned __int128>(1) << 62)) return unknown("array too large");
  }
  Cursor& cur = dis_.cursor();
  ValuePtr align = field("numpy_array_alignment_bytes");
  if (align && align->kind != ValueKind::kNone) {
    auto pad = cur.U8();
    if (!pad.ok()) return Err("pickle.truncated", "joblib array padding byte missing");
    if (!cur.Skip(*pad).ok()) return Err("pickle.truncated", "joblib array padding truncated");
  }
  if (!cur.Skip(static_cast<uint64_t>(total)).ok()) {
    return Err("pickle.truncated", "joblib array data runs past the end of the file");
  }
  return OkStatus();
}

Status Machine::Exec(const Instr& in) {
  switch (in.op) {
    case Op::kInt: {
      if (in.is_bool) return Push(New(ValueKind::kBool, in.num ? "True" : "False"));
      return Push(New(ValueKind::kInt, in.big ? in.text : std::to_string(in.num)));
    }
    case Op::kBinInt:
    case Op::kBinInt1:
    case Op::kBinInt2: return Push(New(ValueKind::kInt, std::to_string(in.num)));
    case Op::kLong:
    case Op::kLong1:
    case Op::kLong4: {
      ValuePtr v = New(ValueKind::kInt, in.text);
      v->truncated = in.truncated;
      return Push(v);
    }
    case Op::kFloat:
    case Op::kBinFloat: return Push(New(ValueKind::kFloat, FloatRepr(in.fnum)));
    case Op::kString:
    case Op::kBinString:
    case Op::kShortBinString:
    case Op::kUnicode:
    case Op::kBinUnicode:
    case Op::kShortBinUnicode:
    case Op::kBinUnicode8:
    case Op::kBinBytes:
    case Op::kShortBinBytes:
    case Op::kBinBytes8:
    case Op::kByteArray8: {
      ValueKind k = ValueKind::kStr;
      std::string text = in.text;
      if (in.op == Op::kBinBytes || in.op == Op::kShortBinBytes || in.op == Op::kBinBytes8) {
        k = ValueKind::kBytes;
      } else if (in.op == Op::kByteArray8) {
        k = ValueKind::kByteArray;
      } else if (in.op == Op::kBinString || in.op == Op::kShortBinString) {
        text = Latin1ToUtf8(in.text);  // Python-2 str bytes (STRING is already decoded)
      }
      ValuePtr v = New(k, std::move(text));
      v->length = in.length;
      v->truncated = in.truncated;
      v->data_offset = in.data_offset;
      return Push(v);
    }
    case Op::kNone: return Push(New(ValueKind::kNone));
    case Op::kNewTrue: return Push(New(ValueKind::kBool, "True"));
    case Op::kNewFalse: return Push(New(ValueKind::kBool, "False"));
    case Op::kEmptyList: return Push(New(ValueKind::kList));
    case Op::kEmptyTuple: return Push(New(ValueKind::kTuple));
    case Op::kEmptyDict: return Push(New(ValueKind::kDict));
    case Op::kEmptySet: return Push(New(ValueKind::kSet));
    case Op::kAppend: {
      if (st_.stack.size() < 2 || st_.stack.size() - 1 <= Fence()) {
        return Err("pickle.stack-underflow", "APPEND needs a list and an item");
      }
      MV_ASSIGN_OR_RETURN(ValuePtr x, Pop());
      return AppendItems(st_.stack.back(), {x}, true);
    }
    case Op::kAppends: {
      MV_ASSIGN_OR_RETURN(size_t m, PopMark());
      if (m == 0) return Err("pickle.stack-underflow", "APPENDS without a list below the mark");
      if (st_.stack.size() == m) return OkStatus();
      auto items = Slice(m);
      return AppendItems(st_.stack.back(), std::move(items), false);
    }
    case Op::kList:
    case Op::kTuple:
    case Op::kFrozenSet: {
      MV_ASSIGN_OR_RETURN(size_t m, PopMark());
      ValuePtr v = New(in.op == Op::kList    ? ValueKind::kList
                       : in.op == Op::kTuple ? ValueKind::kTuple
                                             : ValueKind::kFrozenSet);
      v->items = Slice(m);
      return Push(v);
    }
    case Op::kDict: {
      MV_ASSIGN_OR_RETURN(size_t m, PopMark());
      if ((st_.stack.size() - m) % 2 != 0)
        return Err("pickle.odd-dict", "odd number of items for DICT");
      ValuePtr v = New(ValueKind::kDict);
      v->items = Slice(m);
      return Push(v);
    }
    case Op::kTuple1:
    case Op::kTuple2:
    case Op::kTuple3: {
      size_t n = in.op == Op::kTuple1 ? 1 : in.op == Op::kTuple2 ? 2 : 3;
      ValuePtr v = New(ValueKind::kTuple);
      v->items.resize(n);
      for (size_t i = n; i-- > 0;) {
        MV_ASSIGN_OR_RETURN(v->items[i], Pop());
      }
      return Push(v);
    }
    case Op::kSetItem: {
      if (st_.stack.size() < 3) return Err("pickle.stack-underflow", "SETITEM needs three items");
      size_t x = st_.stack.size() - 2;
      auto kv = Slice(x);
      return SetItems(st_.stack.back(), std::move(kv));
    }
    case Op::kSetItems: {
      MV_ASSIGN_OR_RETURN(size_t m, PopMark());
      if (m == 0) return Err("pickle.stack-underflow", "SETITEMS without a dict below the mark");
      if (st_.stack.size() == m) return OkStatus();
      if ((st_.stack.size() - m) % 2 != 0) {
        return Err("pickle.odd-dict", "odd number of items for SETITEMS");
      }
      auto kv = Slice(m);
      return SetItems(st_.stack.back(), std::move(kv));
    }
    case Op::kAddItems: {
      MV_ASSIGN_OR_RETURN(size_t m, PopMark());
      if (m == 0) return Err("pickle.stack-underflow", "ADDITEMS without a set below the mark");
      if (st_.stack.size() == m) return OkStatus();
      auto items = Slice(m);
      const ValuePtr& target = st_.stack.back();
      if (target->kind == ValueKind::kSet) {
        for (auto& i : items) Insert(target, std::move(i));
        return OkStatus();
      }
      CallSpec s{CallKind::kExtend,
                 "ADDITEMS",
                 GetAttr(target, "add", ""),
                 std::move(items),
                 nullptr,
                 target,
                 ""};
      if (!s.callable) s.callable = New(ValueKind::kUnknown);
      Invoke(s, 0);
      return OkStatus();
    }
    case Op::kPop: {
      if (!st_.marks.empty() && st_.marks.back() == st_.stack.size()) {
        st_.marks.pop_back();  // the C unpickler pops a mark that sits on top
        return OkStatus();
      }
      MV_ASSIGN_OR_RETURN(ValuePtr v, Pop());
      return OkStatus();
    }
    case Op::kPopMark: {
      MV_ASSIGN_OR_RETURN(size_t m, PopMark());
      st_.stack.resize(m);
      return OkStatus();
    }
    case Op::kDup: {
      if (st_.stack.size() <= Fence()) return Err("pickle.stack-underflow", "DUP on empty stack");
      return Push(st_.stack.back());
    }
    case Op::kMark: {
      if (st_.stack.size() + st_.marks.size() >= limits::kMaxPickleStack) {
        return Err("limit.stack", "marks deeper than limits::kMaxPickleStack");
      }
      st_.marks.push_back(st_.stack.size());
      return OkStatus();
    }
    case Op::kGet:
    case Op::kBinGet:
    case Op::kLongBinGet: {
      if (in.big) {
        auto big = st_.big_memo.find(in.text);
        if (big == st_.big_memo.end()) {
          return Err("pickle.memo-missing", "memo value not found at index " + in.text);
        }
        return Push(big->second);
      }
      auto it = st_.memo.find(static_cast<uint64_t>(in.num));
      if (in.num < 0 || it == st_.memo.end()) {
        return Err("pickle.memo-missing",
                   "memo value not found at index " + std::to_string(in.num));
      }
      return Push(it->second);
    }
    case Op::kPut:
    case Op::kBinPut:
    case Op::kLongBinPut:
    case Op::kMemoize: {
      if (st_.stack.size() <= Fence())
        return Err("pickle.stack-underflow", "memoize on empty stack");
      if (in.big || in.num < 0) {
        if (in.text.empty() || in.text[0] == '-') {
          return Err("pickle.memo-negative", "negative PUT argument");
        }
        st_.big_memo[in.text] = st_.stack.back();
        return OkStatus();
      }
      uint64_t idx = in.op == Op::kMemoize ? st_.memo.size() + st_.big_memo.size()
                                           : static_cast<uint64_t>(in.num);
      if (st_.memo.size() >= limits::kMaxPickleMemo && !st_.memo.count(idx)) {
        return Err("limit.memo", "memo larger than limits::kMaxPickleMemo");
      }
      st_.memo[idx] = st_.stack.back();
      return OkStatus();
    }
    case Op::kGlobal: return Push(FindClass(in.text, in.text2, "GLOBAL"));
    case Op::kStackGlobal: {
      MV_ASSIGN_OR_RETURN(ValuePtr name, Pop());
      MV_ASSIGN_OR_RETURN(ValuePtr module, Pop());
      if (IsStr(name) && IsStr(module))
        return Push(FindClass(module->text, name->text, "STACK_GLOBAL"));
      bool maybe_str =
          [](const ValuePtr& v) {
            return v->kind == ValueKind::kStr || v->kind == ValueKind::kObject ||
                   v->kind == ValueKind::kUnknown;
          }(name) &&
          (module->kind == ValueKind::kStr || module->kind == ValueKind::kObject ||
           module->kind == ValueKind::kUnknown);
      if (!maybe_str) return Err("pickle.stack-global-type", "STACK_GLOBAL requires str");
      Note("pickle.dynamic-global", "STACK_GLOBAL with a module or name computed at load time",
           op_offset_, true);
      Import im;
      im.module = module->kind == ValueKind::kStr ? module->text : "?";
      im.name = name->kind == ValueKind::kStr ? name->text : "?";
      im.offset = op_offset_;
      im.opcode = "STACK_GLOBAL";
      im.pickle_index = pickle_index_;
      trace_.imports.push_back(im);
      return Push(Global("", ""));
    }
    case Op::kExt1:
    case Op::kExt2:
    case Op::kExt4: {
      const char* name = in.op == Op::kExt1 ? "EXT1" : in.op == Op::kExt2 ? "EXT2" : "EXT4";
      if (in.num <= 0) return Err("pickle.ext-code", "EXT specifies code <= 0");
      char via[32];
      std::snprintf(via, sizeof via, "ext 0x%llx", static_cast<unsigned long long>(in.num));
      if (auto c = ext_cache_.find(in.num); c != ext_cache_.end()) return Push(c->second);
      auto it = ext_registry_.find(in.num);
      if (it != ext_registry_.end()) {
        ValuePtr g = FindClass(it->second.first, it->second.second, name, via);
        ext_cache_[in.num] = g;
        return Push(g);
      }
      Note("pickle.ext-unregistered",
           "extension code " + std::to_string(in.num) + " is not registered in the stream",
           op_offset_, true);
      Import im;
      im.resolved = "ext:" + std::to_string(in.num);
      im.offset = op_offset_;
      im.opcode = name;
      im.pickle_index = pickle_index_;
      trace_.imports.push_back(im);
      return Push(Global(im.resolved, via));
    }
    case Op::kReduce: {
      MV_ASSIGN_OR_RETURN(ValuePtr args, Pop());
      MV_ASSIGN_OR_RETURN(ValuePtr callable, Pop());
      CallSpec s{CallKind::kReduce, "REDUCE", callable, {}, nullptr, nullptr, ""};
      if (args->kind == ValueKind::kTuple)
        s.args = args->items;
      else
        s.args = {args};
      ValuePtr r = Invoke(s, 0);
      // copyreg.add_extension(module, name, code) registers what EXT<code> loads.
      if (NameOf(callable) == "copyreg.add_extension" && s.args.size() == 3 && IsStr(s.args[0]) &&
          IsStr(s.args[1]) && s.args[2]->kind == ValueKind::kInt) {
        ext_registry_[std::atoll(s.args[2]->text.c_str())] = {s.args[0]->text, s.args[1]->text};
      }
      return Push(r);
    }
    case Op::kNewObj:
    case Op::kNewObjEx: {
      ValuePtr kwargs;
      if (in.op == Op::kNewObjEx) {
        MV_ASSIGN_OR_RETURN(kwargs, Pop());
      }
      MV_ASSIGN_OR_RETURN(ValuePtr args, Pop());
      MV_ASSIGN_OR_RETURN(ValuePtr cls, Pop());
      CallSpec s{CallKind::kNewObj,
                 in.op == Op::kNewObj ? "NEWOBJ" : "NEWOBJ_EX",
                 cls,
                 {},
                 kwargs,
                 nullptr,
                 ""};
      if (args->kind == ValueKind::kTuple)
        s.args = args->items;
      else
        s.args = {args};
      return Push(Invoke(s, 0));
    }
    case Op::kInst: {
      MV_ASSIGN_OR_RETURN(size_t m, PopMark());
      ValuePtr cls = FindClass(in.text, in.text2, "INST");
      CallSpec s{CallKind::kInst, "INST", cls, Slice(m), nullptr, nullptr, ""};
      return Push(Invoke(s, 0));
    }
    case Op::kObj: {
      MV_ASSIGN_OR_RETURN(size_t m, PopMark());
      if (st_.stack.size() - m < 1) return Err("pickle.stack-underflow", "OBJ without a class");
      auto items = Slice(m);
      CallSpec s{CallKind::kInst, "OBJ",   items[0], {items.begin() + 1, items.end()},
                 nullptr,         nullptr, ""};
      return Push(Invoke(s, 0));
    }
    case Op::kBuild: {
      if (st_.stack.size() < 2 || st_.stack.size() - 2 < Fence()) {
        return Err("pickle.stack-underflow", "BUILD needs an object and a state");
      }
      MV_ASSIGN_OR_RETURN(ValuePtr state, Pop());
      ValuePtr inst = st_.stack.back();
      return Build(inst, state);
    }
    case Op::kPersId:
    case Op::kBinPersId: {
      ValuePtr pid;
      if (in.op == Op::kPersId) {
        pid = New(ValueKind::kStr, in.text);
        pid->length = in.length;
      } else {
        MV_ASSIGN_OR_RETURN(pid, Pop());
      }
      ValuePtr pl = Global("persistent_load", "");
      CallSpec s{CallKind::kPersistentLoad,
                 in.op == Op::kPersId ? "PERSID" : "BINPERSID",
                 pl,
                 {pid},
                 nullptr,
                 nullptr,
                 ""};
      Invoke(s, 0);
      // Legacy torch.load resolves ('module', cls, source_file, source) to cls itself; passing
      // the class on lets policy judge it when it is called.
      if (pid->kind == ValueKind::kTuple && pid->items.size() >= 2 && pid->items[0] &&
          pid->items[0]->kind == ValueKind::kStr && pid->items[0]->text == "module" &&
          pid->items[1] && pid->items[1]->kind == ValueKind::kGlobal) {
        return Push(pid->items[1]);
      }
      ValuePtr v = New(ValueKind::kPersistentId);
      v->items.push_back(pid);
      v->call = static_cast<int64_t>(trace_.calls.size() - 1);
      trace_.calls.back().result = v;
      return Push(v);
    }
    case Op::kProto: {
      if (in.num > 5)
        return Err("pickle.protocol", "unsupported pickle protocol " + std::to_string(in.num));
      st_.proto = static_cast<int>(in.num);
      trace_.protocol = std::max(trace_.protocol, st_.proto);
      return OkStatus();
    }
    case Op::kFrame: {
      if (st_.frame_end > in.offset && !warned_frame_) {
        warned_frame_ = true;
        Note("pickle.frame-nested", "FRAME before the end of the current frame", in.offset, false);
      }
      uint64_t len = static_cast<uint64_t>(in.num);
      if (len > dis_.end() - dis_.pos()) {
        return MakeError(Errc::kTruncated, "FRAME longer than the remaining data", in.offset);
      }
      st_.frame_end = dis_.pos() + len;
      return OkStatus();
    }
    case Op::kNextBuffer: {
      if (!warned_buffer_) {
        warned_buffer_ = true;
        Note("pickle.out-of-band-buffer",
             "NEXT_BUFFER: the stream refers to out-of-band data not in the file", in.offset,
             false);
      }
      return Push(New(ValueKind::kBuffer));
    }
    case Op::kReadOnlyBuffer: {
      if (st_.stack.size() <= Fence())
        return Err("pickle.stack-underflow", "READONLY_BUFFER on empty stack");
      return OkStatus();
    }
    case Op::kStop: break;  // handled by Run
  }
  return OkStatus();
}

Trace Machine::Run() {
  StartPickle();
  for (;;) {
    if (steps_ >= opt_.max_steps) {
      Note("limit.steps", "more opcodes than the step budget (limits::kMaxPickleSteps)", dis_.pos(),
           true);
      break;
    }
    if (trace_.calls.size() >= limits::kMaxPickleCalls ||
        trace_.imports.size() >= limits::kMaxPickleCalls) {
      Note("limit.calls", "more calls than limits::kMaxPickleCalls", dis_.pos(), true);
      break;
    }
    uint64_t at = dis_.pos();
    auto r = dis_.Next();
    if (!r.ok()) {
      const Error& e = r.error();
      bool trunc = e.code == Errc::kTruncated;
      Note(trunc ? "pickle.truncated" : "pickle.malformed",
           (trunc ? "pickle ends before STOP: " : "malformed pickle: ") + e.message,
           trunc ? at : e.offset, true);
      break;
    }
    const Instr& in = *r;
    op_offset_ = in.offset;
    ++steps_;
    ++trace_.opcodes;
    if (st_.frame_end > in.offset && in.end > st_.frame_end && !warned_frame_) {
      warned_frame_ = true;
      Note("pickle.frame-straddle", std::string(OpName(in.op)) + " crosses the end of its frame",
           in.offset, false);
      FollowDivergentParse(st_.frame_end, in.end);
    }
    if (in.op != Op::kStop) {
      err_code_.clear();
      Status s = Exec(in);
      if (!s.ok()) {
        const Error& e = s.error();
        std::string code = !err_code_.empty()           ? err_code_
                           : e.code == Errc::kTruncated ? "pickle.truncated"
                                                        : "pickle.malformed";
        Note(code, std::string(OpName(in.op)) + ": " + e.message, in.offset, true);
        break;
      }
      continue;
    }
    // STOP
    auto result = Pop();
    if (!result.ok()) {
      Note("pickle.stack-underflow", "STOP with an empty stack", in.offset, true);
      break;
    }
    if (!saved_.empty()) {  // a joblib object-array pickle ended: resume the outer load
      st_ = std::move(saved_.back());
      saved_.pop_back();
      continue;
    }
    ++trace_.pickles;
    if (dis_.at_end()) break;
    if (LooksLikePickle(src_, dis_.pos())) {
      if (trace_.pickles >= opt_.max_pickles) {
        Note("limit.pickles", "more pickles in one stream than limits::kMaxPicklesPerStream",
             dis_.pos(), true);
        break;
      }
      ++pickle_index_;
      StartPickle();
      continue;
    }
    if (opt_.trailing_data_expected) break;
    Note("pickle.data-after-stop",
         std::to_string(dis_.end() - dis_.pos()) + " bytes follow the pickle's STOP opcode",
         dis_.pos(), false);
    // Loaders that read several pickles, or seek, can reach a pickle hidden behind junk:
    // resynchronise on the next PROTO that starts a plausible pickle.
    uint64_t next = FindNextPickle(dis_.pos());
    if (next == kNoPickle) {
      if (dis_.end() - dis_.pos() > limits::kMaxResyncScan) {
        Note("limit.resync",
             "bytes after the pickle were searched for another one only up to "
             "limits::kMaxResyncScan",
             dis_.pos() + limits::kMaxResyncScan, true);
      }
      break;
    }
    if (trace_.pickles >= opt_.max_pickles) {
      Note("limit.pickles", "more pickles in one stream than limits::kMaxPicklesPerStream", next,
           true);
      break;
    }
    Note("pickle.hidden-after-junk", "another pickle starts after non-pickle bytes", next, false);
    dis_.Seek(next);
    ++pickle_index_;
    StartPickle();
  }
  if (!saved_.empty() || (trace_.pickles == 0 && !incomplete_)) incomplete_ = true;
  trace_.end_offset = dis_.pos();
  trace_.complete = !incomplete_;
  BreakCycles();
  extra_.clear();
  return std::move(trace_);
}

}  // namespace

Trace Analyze(Source& src, uint64_t begin, uint64_t end, const Options& options) {
  Machine m(src, begin, end, options);
  return m.Run();
}

namespace {

bool IsDottedName(std::string_view s) {
  if (s.empty() || s.size() > 200) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool IsStringOp(Op op) {
  switch (op) {
    case Op::kShortBinUnicode:
    case Op::kBinUnicode:
    case Op::kUnicode:
    case Op::kString:
    case Op::kBinString:  // Python-2 str: decoded to str (encoding='ASCII' by default)
    case Op::kShortBinString:
    case Op::kBinUnicode8: return true;
    default: return false;
  }
}

}  // namespace

// Positive evidence only, so that raw tensor bytes are not taken for pickles: a structurally
// consistent prefix (to STOP, or kMaxOps opcodes), or a find_class with a plausible dotted
// name. The second rule keeps damaged streams whose payload ran before the break (the C
// unpickler imports and calls before it meets the garbage), whatever their PROTO.
bool LooksLikePickle(Source& src, uint64_t begin) {
  constexpr int kMaxOps = 64;
  Disassembler d(src, begin, src.size());
  // Counted arguments are skipped after 256 bytes; text lines are read (and validated) up to
  // limits::kMaxKeptLine: the loader accepts any length, so a long line cannot hide a pickle.
  d.set_limits(256, limits::kMaxKeptLine);
  // What each stack slot and memo entry holds, as far as sniffing needs: a string or not.
  std::vector<bool> stack;
  std::vector<size_t> marks;
  std::unordered_map<int64_t, bool> memo;
  std::unordered_map<std::string, bool> big_memo;
  bool proto_first = false;
  bool newer_ops = false;   // protocol-2+ opcodes without a leading PROTO
  bool imported = false;    // a find_class with plausible names
  bool header_only = true;  // nothing but PROTO / FRAME so far
  for (int n = 0; n < kMaxOps; ++n) {
    uint64_t at = d.pos();
    auto r = d.Next();
    if (!r.ok()) {
      if (imported) return true;
      // A text operand longer than limits::kMaxKeptLine after a consistent prefix: the
      // unpickler reads it whole; so does the machine.
      if (r.error().code == Errc::kLimit) return proto_first || !newer_ops;
      // PROTO, then a string/bytes opcode declaring more bytes than the file holds: a damaged
      // pickle (the loader would fail or allocate), never a tensor (PROTO required first).
      if (proto_first && header_only && at < src.size()) {
        auto op = src.Read(at, 1);
        if (op.ok() && !op->empty()) {
          uint8_t b = (*op)[0];
          if (b == 'T' || b == 'X' || b == 'B' || b == 0x8d || b == 0x8e || b == 0x96) return true;
        }
      }
      // Truncated: still a (damaged) pickle if it began like one.
      return r.error().code == Errc::kTruncated && d.pos() >= src.size() && !newer_ops &&
             ((proto_first && n >= 2) || n >= 8);
    }
    const Instr& in = *r;
    const OpInfo* info = LookupOp(in.op);
    if (in.op == Op::kProto) {
      if (in.num > 5) return imported;
      if (n == 0) proto_first = true;
      continue;
    }
    if (in.op != Op::kFrame) header_only = false;
    if (!proto_first && info->protocol >= 2) newer_ops = true;
    if ((in.op == Op::kGlobal || in.op == Op::kInst) && IsDottedName(in.text) &&
        IsDottedName(in.text2)) {
      imported = true;
    }
    if (in.op == Op::kStackGlobal && stack.size() >= 2 && stack[stack.size() - 1] &&
        stack[stack.size() - 2]) {
      imported = true;
    }
    if (in.op == Op::kFrame) continue;
    if (in.op == Op::kMark) {
      marks.push_back(stack.size());
      continue;
    }
    if (in.op == Op::kPop && !marks.empty() && marks.back() == stack.size()) {
      marks.pop_back();
      continue;
    }
    if (in.op == Op::kPut || in.op == Op::kBinPut || in.op == Op::kLongBinPut ||
        in.op == Op::kMemoize) {
      if (stack.empty()) return imported;
      if (in.big) {
        big_memo[in.text] = stack.back();
        continue;
      }
      int64_t key =
          in.op == Op::kMemoize ? static_cast<int64_t>(memo.size() + big_memo.size()) : in.num;
      memo[key] = stack.back();
      continue;
    }
    if (in.op == Op::kGet || in.op == Op::kBinGet || in.op == Op::kLongBinGet) {
      if (in.big) {
        auto big = big_memo.find(in.text);
        if (big == big_memo.end()) return imported;
        stack.push_back(big->second);
        continue;
      }
      auto it = memo.find(in.num);
      if (it == memo.end()) return imported;
      stack.push_back(it->second);
      continue;
    }
    size_t fence = marks.empty() ? 0 : marks.back();
    if (info->uses_mark) {
      if (marks.empty()) return imported;
      stack.resize(marks.back());
      marks.pop_back();
      fence = 0;
    }
    if (stack.size() < fence + info->pops) return imported;
    stack.resize(stack.size() - info->pops);
    for (int i = 0; i < info->pushes; ++i) stack.push_back(IsStringOp(in.op));
    if (in.op == Op::kStop) {
      return imported || (stack.empty() && marks.empty() && !newer_ops && (proto_first || n >= 1));
    }
  }
  // kMaxOps structurally consistent opcodes: a pickle, whatever its protocol (the unpickler
  // needs no PROTO before protocol-2 opcodes).
  return true;
}

}  // namespace mv::pickle
