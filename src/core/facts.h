// Facts that readers and engines report. Facts never carry a verdict: verdict/ decides.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mv {

enum class Severity : uint8_t { kInfo, kLow, kMedium, kHigh, kCritical };
const char* SeverityName(Severity s);  // "info" … "critical"

// A defect or disagreement inside a file (zip headers disagree, data after STOP, a limit hit).
// Anomalies never lower a verdict; a file with only anomalies is `needs-review`.
struct Anomaly {
  std::string code;         // stable id, e.g. "zip.local-central-name-mismatch", "limit.depth"
  std::string message;      // what is wrong, for a person
  uint64_t offset = 0;      // within the payload named by `location`
  std::string location;     // filled in by the scanner when empty
  bool incomplete = false;  // some content was not analysed because of this (fail closed)

  // The one way code builds an anomaly:
  //   Anomaly::Defect("npy.trailing-data", msg, off)            analysis went on
  //   Anomaly::Defect("limit.string", msg, off).Incomplete()    some content was not analysed
  //   … .At(location)                                            a location other than the
  //   payload's
  static Anomaly Defect(std::string code, std::string message, uint64_t offset = 0) {
    Anomaly a;
    a.code = std::move(code);
    a.message = std::move(message);
    a.offset = offset;
    return a;
  }
  Anomaly Incomplete(bool yes = true) && {
    incomplete = yes;
    return std::move(*this);
  }
  Anomaly At(std::string where) && {
    location = std::move(where);
    return std::move(*this);
  }
};

// Something a non-pickle engine saw that policy judges against the knowledge base, e.g.
// {kind "tf.op", subject "ReadFile"}, {kind "keras.module-ref", subject "os.system"},
// {kind "jinja.attr", subject "__globals__"}, {kind "python.code-name", subject "os.system"}.
// What a loader reads, writes or deletes is reported as kind "file-read" / "file-write" /
// "file-delete" with the path (or URL) as written in the file as subject; policy resolves it.
struct Observation {
  std::string kind;
  std::string subject;
  std::string evidence;  // excerpt shown to the user (template text, layer config, op name)
  uint64_t offset = 0;
  std::string location;   // filled in by the scanner when empty
  bool executes = false;  // the loader runs this on load (vs. only references it)
  std::string loader;     // which loader/setting reaches it, e.g. "keras<3 load_model"
  // file-*: a relative path is relative to the loading process's working directory (Keras
  // vocabulary files, TensorFlow file ops) instead of the model file's folder (ONNX external
  // data).
  bool cwd_relative = false;
};

}  // namespace mv
