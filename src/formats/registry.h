// The one list of formats modelvet recognises, in sniffing order. Detection is by content
// only (magic numbers in one table); file names are never consulted.
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "formats/format.h"

namespace mv::formats {

enum class FormatId : uint8_t {
  kUnknown,
  kPickle,       // raw pickle (engine: pickle/)
  kTorchLegacy,  // torch.save with _use_new_zipfile_serialization=False (stacked pickles)
  kZip,          // zip family: pytorch-zip, npz, keras-v3, torchscript (refined by the reader)
  kTar,          // tar (torch's oldest format and plain archives)
  kGzip,
  kBzip2,
  kXz,
  kZstd,
  kLz4,
  kZlib,  // raw zlib stream (joblib compress=zlib)
  kSevenZip,
  kNpy,
  kGguf,
  kSafetensors,
  kHdf5,  // Keras .h5 and other HDF5
  kOnnx,
  kSavedModel,       // TensorFlow saved_model.pb / keras_metadata.pb
  kJson,             // a JSON document (Keras config.json, HF configs) judged for code refs
  kTorchScriptCode,  // a TorchScript code file (code/**.py in a torch.jit.save zip)
  kFxCode,           // the generated source a pickled torch.fx GraphModule carries (by position)
};

struct FormatInfo {
  FormatId id;
  std::string_view name;  // "zip", "pickle", …
  // Content check. `head` holds the first bytes (up to 512); `src` may be read for more.
  bool (*sniff)(Source& src, ByteSpan head);
  // Reader; null for formats handled by an engine directly (pickle).
  Result<ReadOutput> (*read)(const SourcePtr& src, ReadContext& ctx);
};

// Formats in sniffing order: most specific magic first, heuristic checks last.
const std::vector<FormatInfo>& Registry();
const FormatInfo* Find(FormatId id);
// The first format whose sniff accepts the source; kUnknown when none does.
FormatId Sniff(Source& src);

// Formats a file name announces: what the loader that opens a file of this name reads it as
// ("x.safetensors" -> safetensors; "data.pkl" -> pickle; "model.pt" -> zip, torch-legacy, tar
// or pickle). Empty when the name announces nothing. Never used to pick a reader over content:
// only to read bytes that content sniffing did not recognise (or recognised as something else)
// as what they claim to be, so that they are never passed as data.
std::vector<FormatId> AnnouncedBy(std::string_view name);

}  // namespace mv::formats
