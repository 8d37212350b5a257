#include "formats/pickle_stream/pickle_stream.h"

#include "pickle/engine.h"

namespace mv::formats::pickle_stream {

bool Sniff(Source& src, ByteSpan /*head*/, bool /*signature*/) {
  return pickle::LooksLikePickle(src, 0);
}

std::shared_ptr<const pickle::Trace> Analyse(Source& src, const pickle::Semantics* semantics,
                                             Hint hint) {
  pickle::Options po;
  po.semantics = semantics;
  po.trailing_data_expected = hint == Hint::kPickleStream;
  return std::make_shared<const pickle::Trace>(pickle::Analyze(src, 0, src.size(), po));
}

Result<ReadOutput> Read(const SourcePtr& src, ReadContext& ctx) {
  ReadOutput out;
  out.format = "pickle";
  out.loader = ctx.loader.empty() ? "pickle.load" : ctx.loader;
  out.trace = ctx.analysed ? ctx.analysed : Analyse(*src, ctx.semantics, ctx.hint);
  out.anomalies = out.trace->anomalies;
  return out;
}

}  // namespace mv::formats::pickle_stream
