// Hand-built pickle byte strings for opcode-level tests: P().Proto(2).Global("os", "system")
// .Str("ls").Op(Op::kTuple1).Op(Op::kReduce).Stop().bytes()
#pragma once

#include <cstdint>
#include <string>

#include "core/source.h"
#include "pickle/engine.h"
#include "pickle/opcodes.h"
#include "pickle/semantics.h"

namespace mv::pickle::testing {

class P {
 public:
  P& Op(Op op) {
    b_.push_back(static_cast<char>(op));
    return *this;
  }
  P& Raw(const std::string& s) {
    b_ += s;
    return *this;
  }
  P& Proto(int v) { return Op(Op::kProto).U8(v); }
  P& U8(int v) {
    b_.push_back(static_cast<char>(v & 0xFF));
    return *this;
  }
  P& Le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b_.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
    return *this;
  }
  P& Global(const std::string& m, const std::string& n) {
    return Op(Op::kGlobal).Raw(m + "\n" + n + "\n");
  }
  // SHORT_BINUNICODE
  P& Str(const std::string& s) {
    return Op(Op::kShortBinUnicode).U8(static_cast<int>(s.size())).Raw(s);
  }
  P& BinUnicode(const std::string& s) { return Op(Op::kBinUnicode).Le(s.size(), 4).Raw(s); }
  P& Bytes(const std::string& s) {
    return Op(Op::kShortBinBytes).U8(static_cast<int>(s.size())).Raw(s);
  }
  P& Int(int v) { return Op(Op::kBinInt1).U8(v); }
  P& Mark() { return Op(Op::kMark); }
  P& Put(int i) { return Op(Op::kBinPut).U8(i); }
  P& Get(int i) { return Op(Op::kBinGet).U8(i); }
  P& Reduce() { return Op(Op::kReduce); }
  P& Tuple1() { return Op(Op::kTuple1); }
  P& Tuple2() { return Op(Op::kTuple2); }
  P& Stop() { return Op(Op::kStop); }
  // callable(arg) for a global callable and one string argument.
  P& Call1(const std::string& m, const std::string& n, const std::string& arg) {
    return Global(m, n).Str(arg).Tuple1().Reduce();
  }
  const std::string& bytes() const { return b_; }

 private:
  std::string b_;
};

inline Trace AnalyzeBytes(const std::string& bytes, const Semantics* sem = nullptr,
                          Options opt = Options{}) {
  opt.semantics = sem;
  SourcePtr src = MakeMemorySource(bytes);
  return Analyze(*src, 0, src->size(), opt);
}

inline SemanticTable TestSemantics() {
  SemanticTable s;
  s.entries["builtins.getattr"] = {Semantic::kGetattr, 0, 0, ""};
  s.entries["builtins.__import__"] = {Semantic::kImportModule, 0, 0, ""};
  s.entries["importlib.import_module"] = {Semantic::kImportModule, 0, 0, ""};
  s.entries["pkgutil.resolve_name"] = {Semantic::kResolveName, 0, 0, ""};
  s.entries["numpy.core._ufunc_reconstruct"] = {Semantic::kImportFrom, 0, 0, ""};
  s.entries["operator.attrgetter"] = {Semantic::kAttrGetter, 0, 0, ""};
  s.entries["operator.itemgetter"] = {Semantic::kItemGetter, 0, 0, ""};
  s.entries["operator.methodcaller"] = {Semantic::kMethodCaller, 0, 0, ""};
  s.entries["functools.partial"] = {Semantic::kPartial, 0, 0, ""};
  s.entries["builtins.map"] = {Semantic::kApply, 0, 0, ""};
  s.entries["itertools.groupby"] = {Semantic::kApply, 1, 0, ""};
  s.entries["functools.reduce"] = {Semantic::kFold, 0, 1, ""};
  s.entries["itertools.starmap"] = {Semantic::kStarApply, 0, 0, ""};
  s.entries["builtins.filter"] = {Semantic::kApply, 0, 0, ""};
  s.entries["builtins.iter"] = {Semantic::kCallUntil, 0, 0, ""};
  s.entries["builtins.sorted"] = {Semantic::kKeyApply, 0, 0, ""};
  s.entries["builtins.min"] = {Semantic::kKeyApply, 0, 0, ""};
  s.entries["functools.lru_cache"] = {Semantic::kWrap, 0, 0, ""};
  s.entries["numpy.vectorize"] = {Semantic::kVectorize, 0, 0, ""};
  s.entries["operator.call"] = {Semantic::kCallArg, 0, 0, ""};
  s.entries["atexit.register"] = {Semantic::kDeferredCall, 0, 0, ""};
  s.entries["pickle.loads"] = {Semantic::kDeserialize, 0, 0, ""};
  s.entries["_pickle.loads"] = {Semantic::kDeserialize, 0, 0, ""};
  s.entries["joblib.load"] = {Semantic::kDeserialize, 0, 0, ""};
  s.entries["base64.b64decode"] = {Semantic::kDecode, 0, 0, "base64"};
  s.entries["zlib.decompress"] = {Semantic::kDecode, 0, 0, "zlib"};
  s.entries["_codecs.encode"] = {Semantic::kDecode, 0, 0, "latin1-encode"};
  s.entries["builtins.bytes.fromhex"] = {Semantic::kDecode, 0, 0, "hex"};
  s.entries["io.BytesIO"] = {Semantic::kBytesIO, 0, 0, ""};
  return s;
}

}  // namespace mv::pickle::testing
