// A pickle stream: one or more pickles back to back, as pickle.load, joblib.load and torch.load
// read them (raw .pkl files, data.pkl of a torch zip, the five pickles of a legacy torch.save).
// The reader runs the pickle engine (pickle/engine.h), which never executes anything, and
// returns its trace: what a load would import and call. Nested payloads the trace found are
// pushed by the scanner like members.
#pragma once

#include <memory>

#include "core/result.h"
#include "formats/format.h"

namespace mv::formats::pickle_stream {

// No signature: a pickle is recognised by its structure (pickle::LooksLikePickle).
bool Sniff(Source& src, ByteSpan head, bool signature);
// The engine run a pickle stream gets: the knowledge base's resolvers (`semantics`), and raw
// bytes after the last pickle expected when `hint` says so (legacy torch storages). A container
// that needs the trace itself (torch-legacy) calls this and hands the result to its member
// (`Member::analysed`), so the stream is analysed once.
std::shared_ptr<const pickle::Trace> Analyse(Source& src, const pickle::Semantics* semantics,
                                             Hint hint);
// The trace (ctx.analysed when the container already ran it) and its anomalies.
Result<ReadOutput> Read(const SourcePtr& src, ReadContext& ctx);

}  // namespace mv::formats::pickle_stream
