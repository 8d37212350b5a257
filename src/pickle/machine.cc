// The pickle abstract machine's VM. Mirrors CPython's C `_pickle.Unpickler` (load_* functions):
// one object stack with a mark stack (the "fence"), a memo map, find_class with the Python-2
// name maps, and the copyreg extension registry. Values are symbolic; calls go to the semantic
// follower (follow.cc). machine.h lists the other files of the machine.
#include "pickle/machine.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace mv::pickle {

namespace vm {

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
      const ValuePtr* held = in.num < 0 ? nullptr : st_.memo.Find(static_cast<uint64_t>(in.num));
      if (held == nullptr) {
        return Err("pickle.memo-missing",
                   "memo value not found at index " + std::to_string(in.num));
      }
      return Push(*held);
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
      if (st_.memo.size() >= limits::kMaxPickleMemo && st_.memo.Find(idx) == nullptr) {
        return Err("limit.memo", "memo larger than limits::kMaxPickleMemo");
      }
      st_.memo.Set(idx, st_.stack.back());
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
  Instr in;  // reused: its strings keep their storage across opcodes
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
    Status r = dis_.Next(in);
    if (!r.ok()) {
      const Error& e = r.error();
      bool trunc = e.code == Errc::kTruncated;
      Note(trunc ? "pickle.truncated" : "pickle.malformed",
           (trunc ? "pickle ends before STOP: " : "malformed pickle: ") + e.message,
           trunc ? at : e.offset, true);
      break;
    }
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

}  // namespace vm

Trace Analyze(Source& src, uint64_t begin, uint64_t end, const Options& options) {
  vm::Machine m(src, begin, end, options);
  return m.Run();
}

}  // namespace mv::pickle
