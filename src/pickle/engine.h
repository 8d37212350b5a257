// The pickle abstract machine: reads every opcode of protocols 0–5 with an exact stack, mark
// and memo model, tracks values symbolically, and records every call the real unpickler (the
// C `_pickle.Unpickler` that torch.load/pickle.load/joblib.load run) would make. It never
// imports or runs anything. Cost: one pass over opcodes; large string/bytes arguments are
// skipped by length, never copied beyond limits::kMaxKeptString.
#pragma once

#include <cstdint>

#include "core/limits.h"
#include "core/source.h"
#include "pickle/semantics.h"
#include "pickle/value.h"

namespace mv::pickle {

struct Options {
  const Semantics* semantics = nullptr;  // null: follow no resolvers
  // Read every pickle in the stream (what several loaders do), up to this many.
  int max_pickles = limits::kMaxPicklesPerStream;
  // Bytes after the last pickle are expected (legacy torch storages); no anomaly for them.
  bool trailing_data_expected = false;
  uint64_t max_steps = limits::kMaxPickleSteps;
  // Follow joblib's inline numpy buffers after NumpyArrayWrapper objects (what joblib.load does).
  bool joblib_arrays = true;
};

// Analyses the pickle stream in src[begin, end). Never fails: defects become anomalies, and
// whatever was seen before a defect stays in the trace (trace.complete is false then).
Trace Analyze(Source& src, uint64_t begin, uint64_t end, const Options& options);

// Quick content check: could a pickle start at src[begin]? Used by format sniffing; reads at
// most a few hundred bytes.
bool LooksLikePickle(Source& src, uint64_t begin = 0);

}  // namespace mv::pickle
