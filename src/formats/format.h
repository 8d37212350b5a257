// What a format reader returns: the payloads and members it found, with offsets, and the
// anomalies it noticed — never a verdict. One folder per format; registry.cc lists them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/facts.h"
#include "core/limits.h"
#include "core/source.h"
#include "pickle/semantics.h"

namespace mv::pickle {
struct Trace;  // pickle/value.h
}  // namespace mv::pickle

namespace mv::formats {

// How the scanner should treat a member's bytes.
enum class Hint : uint8_t {
  kSniff,         // detect by content (the default, and the only choice for untrusted names)
  kPickle,        // a pickle stream (found by the container's own structure)
  kPickleStream,  // several pickles followed by raw data the loader reads (legacy torch)
  // The container's loader reads the member as this format (by its position: code/*.py of a
  // TorchScript zip, config.json of a .keras zip). Detected by content first; bytes that do not
  // sniff as it are still read as it, so a broken one is a finding, never data.
  kTorchScriptCode,
  kJson,
};

struct Member {
  std::string name;     // as the container names it ("archive/data.pkl")
  SourcePtr data;       // sub-view (stored) or decompressed bytes
  uint64_t offset = 0;  // offset of the member's data in the container, for evidence
  Hint hint = Hint::kSniff;
  std::string loader;  // loader reaching it, when the container decides ("torch.load")
  // The pickle analysis the container already ran on these bytes (torch-legacy checks its
  // storages against it): the pickle reader takes it instead of analysing them again.
  std::shared_ptr<const pickle::Trace> analysed = nullptr;
};

struct ReadOutput {
  std::string format;  // refined name, e.g. "pytorch-zip" for a zip holding data.pkl
  std::string loader;  // "torch.load", "np.load", "joblib.load", …; "" when not a model loader
  std::vector<Member> members;
  std::vector<Anomaly> anomalies;
  std::vector<Observation> observations;
  // Set when the container could not be fully read; members found before the break are kept.
  bool complete = true;
  // A payload that is a program (a pickle stream): what loading it would import and call, for
  // policy to judge; the scanner also pushes the nested payloads it found.
  std::shared_ptr<const pickle::Trace> trace = nullptr;
};

// Records an observation, up to limits::kMaxObservationsPerPayload per payload; the first one
// past the cap becomes a `limit.observations` anomaly instead (incomplete: what was not
// recorded was not judged, so the file cannot be called safe).
inline void AddObservation(ReadOutput& out, Observation o) {
  if (out.observations.size() < limits::kMaxObservationsPerPayload) {
    out.observations.push_back(std::move(o));
    return;
  }
  for (const auto& a : out.anomalies) {
    if (a.code == "limit.observations") return;
  }
  out.anomalies.push_back(
      Anomaly::Defect("limit.observations",
                      "more than limits::kMaxObservationsPerPayload things to judge (" + o.kind +
                          " '" + o.subject.substr(0, 80) +
                          "' and later ones not "
                          "recorded)",
                      o.offset)
          .Incomplete());
  out.complete = false;
}

// Passed to readers so they can charge expansion against the file's budget.
struct ReadContext {
  int depth = 0;                // container nesting depth of this source
  uint64_t expanded_bytes = 0;  // bytes produced by decompression so far (whole file)
  std::string location;         // location prefix of this source, for messages
  std::string loader;           // the loader reaching this source, when a container said so
  Hint hint = Hint::kSniff;     // how the container said to treat it
  const pickle::Semantics* semantics = nullptr;  // resolvers the pickle engine follows (kb/)
  std::shared_ptr<const pickle::Trace> analysed = nullptr;  // Member::analysed of this source
};

}  // namespace mv::formats
