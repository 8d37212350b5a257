// The semantic follower of the pickle machine: every call the unpickler would make is recorded,
// and callables with known Semantics (rules/*.toml) or special shapes (functools.partial,
// operator.attrgetter/itemgetter/methodcaller, io.BytesIO) are followed so that a name built at
// load time (getattr(__import__('os'), 'system')) resolves to what runs.
#include <algorithm>
#include <cstdlib>

#include "pickle/machine.h"

namespace mv::pickle::vm {

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
    case Special::kWrapper: {
      CallSpec d{CallKind::kDerived, s.opcode, e.func, s.args, s.kwargs, nullptr, e.factory};
      return Invoke(d, depth + 1);
    }
    case Special::kVectorize: {
      // numpy.vectorize(f)(items, …): f runs on each element, scalars broadcast to every call.
      size_t n = SIZE_MAX;
      for (const auto& arg : s.args) {
        if (!arg || arg->truncated) {  // elements unknown: f still runs on whatever they are
          Invoke({CallKind::kDerived,
                  s.opcode,
                  e.func,
                  {New(ValueKind::kUnknown)},
                  nullptr,
                  nullptr,
                  e.factory},
                 depth + 1);
          return result;
        }
        if (IsContainer(*arg) && arg->kind != ValueKind::kDict) n = std::min(n, arg->items.size());
      }
      n = CapDerivedCalls(n == SIZE_MAX ? 1 : n);  // all scalars: one call
      for (size_t i = 0; i < n; ++i) {
        CallSpec d{CallKind::kDerived, s.opcode, e.func, {}, nullptr, nullptr, e.factory};
        for (const auto& arg : s.args) {
          bool container = IsContainer(*arg) && arg->kind != ValueKind::kDict;
          d.args.push_back(container ? arg->items[i] : arg);
        }
        Invoke(d, depth + 1);
      }
      return result;
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
        if (ValuePtr v = DictGet(obj, key->kind, key->text)) return v;
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

size_t Machine::CapDerivedCalls(size_t n) {
  if (n <= limits::kMaxDerivedCallsPerOp) return n;
  Note("limit.derived-calls", "more than limits::kMaxDerivedCallsPerOp items applied", op_offset_,
       true);
  return limits::kMaxDerivedCallsPerOp;
}

void Machine::ApplyOver(const ValuePtr& f, const std::vector<ValuePtr>& iterables,
                        const CallSpec& s, const std::string& resolved, int depth, bool star) {
  // filter(None, items) tests the items themselves: nothing is called.
  if (f->kind == ValueKind::kNone) return;
  std::vector<const Value*> iters;
  size_t n = SIZE_MAX;
  bool known = !iterables.empty();
  for (const ValuePtr& v : iterables) {
    const Value* it = v.get();
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
    Invoke(
        {CallKind::kDerived, s.opcode, f, {New(ValueKind::kUnknown)}, nullptr, nullptr, resolved},
        depth + 1);
    return;
  }
  n = CapDerivedCalls(n);
  for (size_t i = 0; i < n; ++i) {
    CallSpec d{CallKind::kDerived, s.opcode, f, {}, nullptr, nullptr, resolved};
    for (const Value* it : iters) {
      d.args.push_back(it->kind == ValueKind::kDict ? it->items[2 * i] : it->items[i]);
    }
    // starmap(f, [(a, b)]) calls f(a, b): a tuple or list item is the argument list.
    if (star && d.args.size() == 1 && d.args[0] && !d.args[0]->truncated &&
        (d.args[0]->kind == ValueKind::kTuple || d.args[0]->kind == ValueKind::kList)) {
      std::vector<ValuePtr> unpacked = d.args[0]->items;
      d.args = std::move(unpacked);
    }
    Invoke(d, depth + 1);
  }
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
    case Semantic::kApply:
    case Semantic::kStarApply: {
      // The iterables are the other positional arguments: after the function (map(f, a, b)),
      // or before it (itertools.groupby(iterable, key)).
      ValuePtr f = Arg(a, fidx);
      if (!f) break;
      std::vector<ValuePtr> iterables;
      for (size_t i = 0; i < a.size(); ++i) {
        if (i != fidx) iterables.push_back(a[i]);
      }
      ApplyOver(f, iterables, s, resolved, depth, sem.semantic == Semantic::kStarApply);
      break;
    }
    case Semantic::kFold: {
      // reduce(f, items[, initial]): f(acc, item) per item; one item and no initial calls
      // nothing (Python returns the item). accumulate's initial=None means none.
      ValuePtr f = Arg(a, fidx);
      if (!f) break;
      auto di = static_cast<size_t>(sem.data_arg);
      ValuePtr seq = Arg(a, di);
      ValuePtr acc = di + 1 < a.size() && di + 1 != fidx ? a[di + 1] : nullptr;
      if (!acc) {
        acc = DictGet(s.kwargs, ValueKind::kStr, "initial");
        if (acc && acc->kind == ValueKind::kNone) acc = nullptr;
      }
      if (!seq || !IsContainer(*seq) || seq->truncated) {
        Invoke({CallKind::kDerived,
                s.opcode,
                f,
                {acc ? acc : New(ValueKind::kUnknown), New(ValueKind::kUnknown)},
                nullptr,
                nullptr,
                resolved},
               depth + 1);
        break;
      }
      bool dict = seq->kind == ValueKind::kDict;
      size_t n = dict ? seq->items.size() / 2 : seq->items.size();
      auto item = [&](size_t i) { return dict ? seq->items[2 * i] : seq->items[i]; };
      size_t i = 0;
      if (!acc) {
        if (n == 0) break;
        acc = item(i++);
      }
      n = i + CapDerivedCalls(n - i);
      for (; i < n; ++i) {
        ValuePtr r =
            Invoke({CallKind::kDerived, s.opcode, f, {acc, item(i)}, nullptr, nullptr, resolved},
                   depth + 1);
        acc = r ? r : New(ValueKind::kUnknown);
      }
      break;
    }
    case Semantic::kKeyApply: {
      // sorted(items, key=f), min(a, b, key=f): f runs on each item; key=None calls nothing.
      ValuePtr f = DictGet(s.kwargs, ValueKind::kStr, "key");
      if (!f || f->kind == ValueKind::kNone) break;
      auto first = static_cast<size_t>(sem.data_arg);
      if (a.size() > first + 1) {
        ValuePtr items = New(ValueKind::kTuple);
        items->items.assign(a.begin() + static_cast<ptrdiff_t>(first), a.end());
        ApplyOver(f, {items}, s, resolved, depth);
      } else {
        ApplyOver(f, {data()}, s, resolved, depth);
      }
      break;
    }
    case Semantic::kWrap:
    case Semantic::kVectorize: {
      // lru_cache(f)('id') runs f('id'); vectorize(f)(['id']) runs f('id'). Attributes of the
      // wrapper stay the wrapper's own (staticmethod(f).__func__ is an attribute, not a call).
      ValuePtr f = Arg(a, fidx);
      if (!f || IsConstant(*f)) break;  // lru_cache(128) returns a decorator, not a wrapper
      Extra& e = X(result);
      e.factory = resolved;
      e.special = sem.semantic == Semantic::kWrap ? Special::kWrapper : Special::kVectorize;
      e.func = f;
      break;
    }
    case Semantic::kCallUntil: {
      // iter(f, sentinel): iterating calls f() until it returns sentinel (lazy, like map).
      if (a.size() != fidx + 2) break;  // iter(items): an iterator over items, no call
      ValuePtr f = Arg(a, fidx);
      if (!f || f->kind == ValueKind::kNone) break;
      Invoke({CallKind::kDerived, s.opcode, f, {}, nullptr, nullptr, resolved}, depth + 1);
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

}  // namespace mv::pickle::vm
