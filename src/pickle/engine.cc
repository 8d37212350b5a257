#include "pickle/engine.h"

namespace mv::pickle {

// Placeholder until the abstract machine lands.
Trace Analyze(Source& /*src*/, uint64_t begin, uint64_t /*end*/, const Options& /*options*/) {
  Trace t;
  t.anomalies.push_back({"pickle.unimplemented", "pickle engine not implemented", begin, "", true});
  return t;
}

bool LooksLikePickle(Source& src, uint64_t begin) {
  auto b = src.Read(begin, 2);
  return b.ok() && b->size() == 2 && (*b)[0] == 0x80 && (*b)[1] <= 5;
}

std::string Render(const ValuePtr& v, size_t /*max_chars*/) {
  return v ? v->text : "None";
}

const char* CallKindName(CallKind k) {
  switch (k) {
    case CallKind::kReduce: return "reduce";
    case CallKind::kNewObj: return "newobj";
    case CallKind::kInst: return "inst";
    case CallKind::kBuild: return "build";
    case CallKind::kExtend: return "extend";
    case CallKind::kSetItem: return "setitem";
    case CallKind::kPersistentLoad: return "persistent-load";
    case CallKind::kDerived: return "derived";
  }
  return "unknown";
}

}  // namespace mv::pickle
