// Fuzz target: the pickle abstract machine (and the sniffer) on arbitrary bytes, with no
// resolver semantics and with a small table of resolvers, so both paths are exercised.
#include <cstddef>
#include <cstdint>

#include "core/source.h"
#include "pickle/engine.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mv;
  SourcePtr src = MakeMemorySource(std::vector<uint8_t>(data, data + size));
  (void)pickle::LooksLikePickle(*src, 0);
  static const pickle::SemanticTable kEmpty;
  static const pickle::SemanticTable kSome = [] {
    pickle::SemanticTable s;
    s.entries["builtins.getattr"] = {pickle::Semantic::kGetattr, 0, 0, ""};
    s.entries["builtins.__import__"] = {pickle::Semantic::kImportModule, 0, 0, ""};
    s.entries["functools.partial"] = {pickle::Semantic::kPartial, 0, 0, ""};
    s.entries["operator.methodcaller"] = {pickle::Semantic::kMethodCaller, 0, 0, ""};
    s.entries["operator.attrgetter"] = {pickle::Semantic::kAttrGetter, 0, 0, ""};
    s.entries["operator.itemgetter"] = {pickle::Semantic::kItemGetter, 0, 0, ""};
    s.entries["builtins.map"] = {pickle::Semantic::kApply, 0, 0, ""};
    s.entries["itertools.groupby"] = {pickle::Semantic::kApply, 1, 0, ""};
    s.entries["functools.reduce"] = {pickle::Semantic::kFold, 0, 1, ""};
    s.entries["itertools.starmap"] = {pickle::Semantic::kStarApply, 0, 0, ""};
    s.entries["builtins.iter"] = {pickle::Semantic::kCallUntil, 0, 0, ""};
    s.entries["builtins.sorted"] = {pickle::Semantic::kKeyApply, 0, 0, ""};
    s.entries["functools.lru_cache"] = {pickle::Semantic::kWrap, 0, 0, ""};
    s.entries["numpy.vectorize"] = {pickle::Semantic::kVectorize, 0, 0, ""};
    s.entries["pickle.loads"] = {pickle::Semantic::kDeserialize, 0, 0, ""};
    s.entries["zlib.decompress"] = {pickle::Semantic::kDecode, 0, 0, "zlib"};
    s.entries["base64.b64decode"] = {pickle::Semantic::kDecode, 0, 0, "base64"};
    s.entries["io.BytesIO"] = {pickle::Semantic::kBytesIO, 0, 0, ""};
    return s;
  }();
  pickle::Options o;
  o.max_steps = 200000;
  o.semantics = &kEmpty;
  pickle::Trace t = pickle::Analyze(*src, 0, src->size(), o);
  for (const auto& c : t.calls) {
    for (const auto& a : c.args) (void)pickle::Render(a);
  }
  o.semantics = &kSome;
  t = pickle::Analyze(*src, 0, src->size(), o);
  for (const auto& c : t.calls) (void)pickle::Render(c.result);
  return 0;
}
