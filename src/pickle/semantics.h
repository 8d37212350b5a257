// What some callables *do* to values, so the machine can follow names built at load time
// (getattr(__import__('os'), 'system')) without running anything. The table is data: kb/
// loads it from rules/semantics.toml. Nothing here says what is dangerous.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/string_hash.h"

namespace mv::pickle {

enum class Semantic : uint8_t {
  kGetattr,       // f(obj, name[, default]) -> obj.name
  kImportModule,  // f(name, …) -> module `name` (__import__, importlib.import_module)
  kResolveName,   // f("pkg.mod:attr" | "pkg.mod.attr") -> that object (pkgutil.resolve_name)
  kImportFrom,    // f(module, name) -> module.name (numpy.core._ufunc_reconstruct)
  kAttrGetter,    // f(name) -> g; g(obj) -> obj.name (operator.attrgetter)
  kItemGetter,    // f(key) -> g; g(obj) -> obj[key]
  kMethodCaller,  // f(name, *a) -> g; g(obj) -> obj.name(*a)
  kPartial,       // f(func, *a, **kw) -> p; p(*b) -> func(*a, *b)
  kApply,         // f(func, iterable, …) calls func on items now (map, filter);
                  // func_arg > 0: f(iterable, func) (itertools.groupby)
  kStarApply,     // kApply whose items are argument lists: func(*item) (itertools.starmap)
  kFold,          // f(func, items[, initial]) calls func(acc, item) for each item, acc starting at
                  // initial or the first item (functools.reduce; itertools.accumulate with
                  // initial= as a keyword); items are args[data_arg]
  kKeyApply,      // f(…, key=func) calls func on the items of args[data_arg], or on the
                  // positional arguments themselves when there are several (sorted, min, max)
  kCallArg,       // f(func, *args) calls func(*args) now (operator.call)
  kCallUntil,     // f(func, sentinel) calls func() until it returns sentinel (iter's two-argument
                  // form); with one argument it calls nothing
  kWrap,          // f(func, …) -> w; w(*a) -> func(*a) (functools.lru_cache, staticmethod); a
                  // constant argument is not wrapped
  kVectorize,     // f(func, …) -> v; v(items) calls func on each item (numpy.vectorize)
  kDeferredCall,  // f(func, *args) arranges func(*args) later (atexit.register)
  kDeserialize,   // f(data, …) loads data as a nested payload (pickle.loads, torch.load)
  kDecode,        // pure decoder evaluated at analysis time (base64.b64decode, zlib.decompress)
  kBytesIO,       // io.BytesIO(b) -> a file over b (so joblib.load(BytesIO(b)) is followed)
  kStrJoin,       // f(sep, iterable) -> sep.join(items) of constant strings (str.join)
  kConcat,        // f(a, b) -> a + b of constant strings or bytes (operator.add)
  // f(…) execs Python source carried in its arguments: args[data_arg] (the import block, a str)
  // + args[func_arg]["_code" | "code"] (torch.fx reduce_graph_module). Nothing for the machine
  // to do; the scanner reads that source (formats/fxcode).
  kFxGraphCode,
};

// Kinds whose call does nothing of its own: it computes a value (decoders, BytesIO) or calls
// functions the engine records as derived calls, each judged on its own. The others act
// themselves (a deserialiser, a deferred registration) or resolve a name that is judged.
inline bool ActsOnlyThroughDerivedCalls(Semantic s) {
  switch (s) {
    case Semantic::kPartial:
    case Semantic::kMethodCaller:
    case Semantic::kApply:
    case Semantic::kStarApply:
    case Semantic::kFold:
    case Semantic::kKeyApply:
    case Semantic::kCallArg:
    case Semantic::kCallUntil:
    case Semantic::kWrap:
    case Semantic::kVectorize:
    case Semantic::kDecode:
    case Semantic::kBytesIO: return true;
    case Semantic::kGetattr:
    case Semantic::kImportModule:
    case Semantic::kResolveName:
    case Semantic::kImportFrom:
    case Semantic::kAttrGetter:
    case Semantic::kItemGetter:
    case Semantic::kDeferredCall:
    case Semantic::kDeserialize:
    case Semantic::kStrJoin:
    case Semantic::kConcat:
    case Semantic::kFxGraphCode: return false;
  }
  return false;
}

struct SemanticEntry {
  Semantic semantic = Semantic::kGetattr;
  int func_arg = 0;   // kApply/kCallArg/kWrap/kVectorize/kDeferredCall/kPartial: index of the
                      // function argument
  int data_arg = 0;   // kDeserialize/kDecode/kGetattr/kImportModule/kKeyApply/…: index of the
                      // key argument
  std::string codec;  // kDecode: "base64", "base32", "base16", "hex", "zlib", "gzip", "bz2",
                      // "lzma", "latin1-encode" (_codecs.encode(str, 'latin1')), "utf8-encode"
};

// The entries by resolved dotted name ("builtins.getattr"); also matched for bound-method style
// names resolved from objects ("builtins.str.join"). Two forms: a table in memory
// (SemanticTable: rules loaded from TOML, tests) and the precompiled knowledge base's, read in
// place through its hash index (kb/packed.h), so that a scan builds no table at start-up.
class Semantics {
 public:
  virtual ~Semantics() = default;
  // The entry of `name`, or null.
  virtual const SemanticEntry* Find(std::string_view name) const = 0;
  virtual size_t size() const = 0;
};

class SemanticTable final : public Semantics {
 public:
  using Map = std::unordered_map<std::string, SemanticEntry, StringHash, std::equal_to<>>;

  const SemanticEntry* Find(std::string_view name) const override {
    auto it = entries.find(name);
    return it == entries.end() ? nullptr : &it->second;
  }
  size_t size() const override { return entries.size(); }

  Map entries;
};

}  // namespace mv::pickle
