// The one list of formats modelvet recognises, in sniffing order: for each, its signatures
// (magic numbers as data), its structural check, its reader and the file names that announce
// it. Detection is by content only; names only make bytes nothing recognised be read as what
// they claim to be.
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "formats/format.h"

namespace mv::formats {

enum class FormatId : uint8_t {
  kUnknown,
  kPickle,       // a pickle stream (reader: formats/pickle_stream/, engine: pickle/)
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
constexpr FormatId kLastFormatId = FormatId::kFxCode;  // keep the last enumerator

// A static signature: `bytes` at `offset` from the start. Bits outside `mask` (when given, one
// mask byte per signature byte) may take any value; `bytes` holds one accepted value, so the
// signature written out is itself a matching header.
struct Signature {
  uint64_t offset = 0;
  std::string_view bytes = {};
  std::string_view mask = {};  // empty: every bit counts
  size_t min_head = 0;         // a fixed-size header: the head must hold this many bytes
};

// A file name that announces a format: what the loader that opens a file of this name reads it
// as. "*.ext" is an extension; anything else a whole file name ("saved_model.pb"), which wins
// over its extension.
struct Announcement {
  constexpr Announcement(std::string_view n, bool f = false) : name(n), first(f) {}
  std::string_view name;
  bool first = false;  // the loader's first reading of the name: bytes no sniffer recognises
                       // are read as this format (exactly one row per name says so)
};

// One row per format: adding a format is one row here, one reader folder (formats/<fmt>/) and
// one fuzz target (docs/recipes.md, "Adding a format").
struct FormatInfo {
  FormatId id = FormatId::kUnknown;
  std::string_view name = {};  // "zip", "pickle", …
  // Static signatures; any one that matches recognises the format unless `sniff` says more.
  std::vector<Signature> signatures = {};
  // What no table row can say (a checksum, a structure walk, a decoding trial), told whether a
  // signature matched; null when the signatures decide alone. `head` holds the first bytes (up
  // to 512); `src` may be read for more. A row with neither is never sniffed (fx graph code is
  // found by its position only).
  bool (*sniff)(Source& src, ByteSpan head, bool signature) = nullptr;
  Result<ReadOutput> (*read)(const SourcePtr& src, ReadContext& ctx) = nullptr;
  std::vector<Announcement> announced_by = {};
  // Claims bytes that no row recognised, after every row was tried: a header broken in a way
  // only this format's shape explains (safetensors with an absurd length), so its reader reports
  // why the loader refuses it instead of the file passing as data.
  bool (*last_resort)(Source& src, ByteSpan head) = nullptr;
  // `sniff` costs more than the rows after it (a trial parse): when a name announces this
  // format first, Sniff(src, assumed) runs it only if a later row accepts too.
  bool sniff_last_when_announced = false;
};

// Formats in sniffing order: most specific magic first, heuristic checks last. One row per
// FormatId (kUnknown has none).
const std::vector<FormatInfo>& Registry();
const FormatInfo* Find(FormatId id);
// The first format whose row accepts the source (then the last-resort checks); kUnknown when
// none does.
FormatId Sniff(Source& src);
// The same answer where it matters to a caller that reads the source as `assumed` unless
// another format claims it (a name announced it first): `assumed` then stands for both itself
// and kUnknown. If its row is marked sniff_last_when_announced, its check (a pickle's trial
// parse) runs only when a later row or a last resort accepts too, to decide which comes first.
FormatId Sniff(Source& src, FormatId assumed);
// Whether `f`'s row accepts the source: its signatures, then its structural check.
bool Accepts(const FormatInfo& f, Source& src);
// Whether one of `f`'s signatures is in the source (`head`: its first bytes, up to 512).
bool Signed(const FormatInfo& f, Source& src, ByteSpan head);
// The format a container's hint says to read a member as without sniffing (a pickle stream);
// kUnknown: sniff the content.
FormatId ReadAs(Hint hint);

// Formats a file name announces (the rows' `announced_by`), the loader's first reading first:
// ("x.safetensors" -> safetensors; "data.pkl" -> pickle; "model.pt" -> zip, torch-legacy, tar
// or pickle). Empty when the name announces nothing. Never used to pick a reader over content:
// only to read bytes that content sniffing did not recognise (or recognised as something else)
// as what they claim to be, so that they are never passed as data.
const std::vector<FormatId>& AnnouncedBy(std::string_view name);

}  // namespace mv::formats
