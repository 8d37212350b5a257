#include "formats/registry.h"

#include "core/text.h"
#include "formats/compress/compress.h"
#include "formats/fxcode/fxcode.h"
#include "formats/gguf/gguf.h"
#include "formats/hdf5/hdf5.h"
#include "formats/json/json.h"
#include "formats/npy/npy.h"
#include "formats/onnx/onnx.h"
#include "formats/safetensors/safetensors.h"
#include "formats/savedmodel/savedmodel.h"
#include "formats/sevenzip/sevenzip.h"
#include "formats/tar/tar.h"
#include "formats/torch_legacy/torch_legacy.h"
#include "formats/torchscript/torchscript.h"
#include "formats/zip/zip.h"
#include "pickle/engine.h"

namespace mv::formats {

namespace {

// Enough for every magic number and a tar header; sniffers that need more read it themselves,
// so a stored tensor costs one small read.
constexpr size_t kSniffHead = 512;

bool SniffPickle(Source& src, ByteSpan /*head*/) {
  return pickle::LooksLikePickle(src, 0);
}

}  // namespace

const std::vector<FormatInfo>& Registry() {
  // Order matters: exact magic numbers first, then structural checks, then heuristics.
  static const std::vector<FormatInfo> kFormats = {
      {FormatId::kZip, "zip", zip::Sniff, zip::Read},
      {FormatId::kSevenZip, "7z", sevenzip::Sniff, sevenzip::Read},
      {FormatId::kGzip, "gzip", compress::SniffGzip, compress::ReadGzip},
      {FormatId::kBzip2, "bzip2", compress::SniffBzip2, compress::ReadBzip2},
      {FormatId::kXz, "xz", compress::SniffXz, compress::ReadXz},
      {FormatId::kZstd, "zstd", compress::SniffZstd, compress::ReadZstd},
      {FormatId::kLz4, "lz4", compress::SniffLz4, compress::ReadLz4},
      {FormatId::kNpy, "npy", npy::Sniff, npy::Read},
      {FormatId::kGguf, "gguf", gguf::Sniff, gguf::Read},
      {FormatId::kHdf5, "hdf5", hdf5::Sniff, hdf5::Read},
      {FormatId::kTar, "tar", tar::Sniff, tar::Read},
      {FormatId::kSafetensors, "safetensors", safetensors::Sniff, safetensors::Read},
      {FormatId::kTorchLegacy, "torch-legacy", torch_legacy::Sniff, torch_legacy::Read},
      {FormatId::kPickle, "pickle", SniffPickle, nullptr},
      {FormatId::kZlib, "zlib", compress::SniffZlib, compress::ReadZlib},
      {FormatId::kOnnx, "onnx", onnx::Sniff, onnx::Read},
      {FormatId::kSavedModel, "savedmodel", savedmodel::Sniff, savedmodel::Read},
      {FormatId::kJson, "json", json::Sniff, json::Read},
      {FormatId::kTorchScriptCode, "torchscript-code", torchscript::Sniff, torchscript::Read},
      {FormatId::kFxCode, "fx-graph-code", fxcode::Sniff, fxcode::Read},
      // Announced but broken: claimed only when nothing above recognises the bytes, so the
      // reader reports why the loader refuses them instead of the file passing as data.
      {FormatId::kSafetensors, "safetensors", safetensors::SniffAnnounced, safetensors::Read},
  };
  return kFormats;
}

const FormatInfo* Find(FormatId id) {
  for (const auto& f : Registry()) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

std::vector<FormatId> AnnouncedBy(std::string_view name) {
  using F = FormatId;
  size_t slash = name.find_last_of("/\\");
  std::string base = LowerAscii(slash == std::string_view::npos ? name : name.substr(slash + 1));
  // Names loaders open by name (torch's zip reader, TensorFlow's SavedModel loader).
  if (base == "data.pkl" || base == "constants.pkl") return {F::kPickle};
  if (base == "saved_model.pb" || base == "saved_model.pbtxt" || base == "keras_metadata.pb") {
    return {F::kSavedModel};
  }
  size_t dot = base.rfind('.');
  if (dot == std::string::npos) return {};
  std::string ext = base.substr(dot + 1);
  static const std::vector<F> kPickleFamily = {F::kPickle, F::kZlib,     F::kGzip,       F::kBzip2,
                                               F::kXz,     F::kZstd,     F::kLz4,        F::kZip,
                                               F::kTar,    F::kSevenZip, F::kTorchLegacy};
  static const std::vector<F> kTorch = {F::kZip, F::kTorchLegacy, F::kTar, F::kPickle};
  if (ext == "pkl" || ext == "pickle" || ext == "joblib" || ext == "dill") return kPickleFamily;
  if (ext == "pt" || ext == "pth" || ext == "ckpt") return kTorch;
  if (ext == "safetensors") return {F::kSafetensors};
  if (ext == "gguf") return {F::kGguf};
  if (ext == "npy") return {F::kNpy};
  if (ext == "npz") return {F::kZip};
  if (ext == "onnx") return {F::kOnnx};
  if (ext == "h5" || ext == "hdf5") return {F::kHdf5};
  if (ext == "keras") return {F::kZip, F::kHdf5};
  return {};
}

FormatId Sniff(Source& src) {
  auto head = src.Read(0, kSniffHead);
  if (!head.ok()) return FormatId::kUnknown;
  ByteSpan h = *head;
  for (const auto& f : Registry()) {
    if (f.sniff(src, h)) return f.id;
    // A sniffer may read elsewhere; re-read the head if the source is not stable.
    if (!src.stable()) {
      head = src.Read(0, kSniffHead);
      if (!head.ok()) return FormatId::kUnknown;
      h = *head;
    }
  }
  return FormatId::kUnknown;
}

}  // namespace mv::formats
