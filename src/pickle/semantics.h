// What some callables *do* to values, so the machine can follow names built at load time
// (getattr(__import__('os'), 'system')) without running anything. The table is data: kb/
// loads it from rules/semantics.toml. Nothing here says what is dangerous.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

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
  kApply,         // f(func, iterable, …) calls func on items now (map, functools.reduce)
  kCallArg,       // f(func, *args) calls func(*args) now (operator.call)
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

struct SemanticEntry {
  Semantic semantic = Semantic::kGetattr;
  int func_arg = 0;   // kApply/kCallArg/kDeferredCall/kPartial: index of the function argument
  int data_arg = 0;   // kDeserialize/kDecode/kGetattr/kImportModule/…: index of the key argument
  std::string codec;  // kDecode: "base64", "base32", "base16", "hex", "zlib", "gzip", "bz2",
                      // "lzma", "latin1-encode" (_codecs.encode(str, 'latin1')), "utf8-encode"
};

// Key: resolved dotted name ("builtins.getattr"). Also matched for bound-method style names
// resolved from objects ("builtins.str.join").
using Semantics = std::unordered_map<std::string, SemanticEntry>;

}  // namespace mv::pickle
