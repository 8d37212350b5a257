#include "formats/registry.h"

#include <string>
#include <unordered_map>

#include "core/text.h"
#include "formats/compress/compress.h"
#include "formats/fxcode/fxcode.h"
#include "formats/gguf/gguf.h"
#include "formats/hdf5/hdf5.h"
#include "formats/json/json.h"
#include "formats/npy/npy.h"
#include "formats/onnx/onnx.h"
#include "formats/pickle_stream/pickle_stream.h"
#include "formats/safetensors/safetensors.h"
#include "formats/savedmodel/savedmodel.h"
#include "formats/sevenzip/sevenzip.h"
#include "formats/tar/tar.h"
#include "formats/torch_legacy/torch_legacy.h"
#include "formats/torchscript/torchscript.h"
#include "formats/zip/zip.h"

namespace mv::formats {

using namespace std::string_view_literals;

namespace {

// Enough for every magic number and a tar header; sniffers that need more read it themselves,
// so a stored tensor costs one small read.
constexpr size_t kSniffHead = 512;

// Legacy torch.save: PROTO n (n <= 5), an optional FRAME (protocol 4+), then the magic number
// pickled as LONG1 10 0x1950a86a20f9469cfc6c, little-endian.
#define MV_TORCH_MAGIC "\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"
#define MV_TORCH_MASK "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"

// The HDF5 superblock signature, at 0 or after a user block of 512 * 2^k bytes.
#define MV_HDF5_SIG "\x89HDF\r\n\x1a\n"sv

}  // namespace

const std::vector<FormatInfo>& Registry() {
  using F = FormatId;
  // Order matters: exact magic numbers first, then structural checks, then heuristics.
  static const std::vector<FormatInfo> kFormats = {
      {.id = F::kZip,
       .name = "zip",
       .signatures = {{.offset = 0, .bytes = "PK\x03\x04"sv},
                      {.offset = 0, .bytes = "PK\x05\x06"sv, .min_head = 22},  // empty archive
                      {.offset = 0, .bytes = "PK\x07\x08PK\x03\x04"sv}},       // spanning marker
       .sniff = zip::Sniff,
       .read = zip::Read,
       .announced_by = {{"*.npz", true},
                        {"*.pt", true},
                        {"*.pth", true},
                        {"*.ckpt", true},
                        {"*.keras", true},
                        {"*.pkl"},
                        {"*.pickle"},
                        {"*.joblib"},
                        {"*.dill"}}},
      {.id = F::kSevenZip,
       .name = "7z",
       .signatures = {{.offset = 0, .bytes = "7z\xbc\xaf\x27\x1c"sv, .min_head = 32}},
       .read = sevenzip::Read,
       .announced_by = {{"*.pkl"}, {"*.pickle"}, {"*.joblib"}, {"*.dill"}}},
      {.id = F::kGzip,
       .name = "gzip",
       .signatures = {{.offset = 0, .bytes = "\x1f\x8b\x08"sv, .min_head = 10}},
       .sniff = compress::SniffGzip,
       .read = compress::ReadGzip,
       .announced_by = {{"*.pkl"}, {"*.pickle"}, {"*.joblib"}, {"*.dill"}}},
      {.id = F::kBzip2,
       .name = "bzip2",
       // "BZh" and the block-size digit, then a block or the end-of-stream marker.
       .signatures = {{.offset = 0,
                       .bytes = "BZh1\x31\x41\x59\x26\x53\x59"sv,
                       .mask = "\xff\xff\xff\xf0\xff\xff\xff\xff\xff\xff"sv,
                       .min_head = 10},
                      {.offset = 0,
                       .bytes = "BZh1\x17\x72\x45\x38\x50\x90"sv,
                       .mask = "\xff\xff\xff\xf0\xff\xff\xff\xff\xff\xff"sv,
                       .min_head = 10}},
       .sniff = compress::SniffBzip2,
       .read = compress::ReadBzip2,
       .announced_by = {{"*.pkl"}, {"*.pickle"}, {"*.joblib"}, {"*.dill"}}},
      {.id = F::kXz,
       .name = "xz",
       .signatures = {{.offset = 0,
                       .bytes = "\xfd"
                                "7zXZ\x00"sv}},
       .sniff = compress::SniffXz,  // or a bare lzma-alone stream
       .read = compress::ReadXz,
       .announced_by = {{"*.pkl"}, {"*.pickle"}, {"*.joblib"}, {"*.dill"}}},
      {.id = F::kZstd,
       .name = "zstd",
       .signatures = {{.offset = 0, .bytes = "\x28\xb5\x2f\xfd"sv},
                      // a skippable frame (a real one follows)
                      {.offset = 0, .bytes = "\x50\x2a\x4d\x18"sv, .mask = "\xf0\xff\xff\xff"sv}},
       .read = compress::ReadZstd,
       .announced_by = {{"*.pkl"}, {"*.pickle"}, {"*.joblib"}, {"*.dill"}}},
      {.id = F::kLz4,
       .name = "lz4",
       .signatures = {{.offset = 0, .bytes = "\x04\x22\x4d\x18"sv}},
       .read = compress::ReadLz4,
       .announced_by = {{"*.pkl"}, {"*.pickle"}, {"*.joblib"}, {"*.dill"}}},
      // The magic alone announces npy / GGUF: an unknown version is reported by the reader.
      {.id = F::kNpy,
       .name = "npy",
       .signatures = {{.offset = 0, .bytes = "\x93NUMPY"sv, .min_head = 8}},
       .read = npy::Read,
       .announced_by = {{"*.npy", true}}},
      {.id = F::kGguf,
       .name = "gguf",
       .signatures = {{.offset = 0, .bytes = "GGUF"sv, .min_head = 8}},
       .read = gguf::Read,
       .announced_by = {{"*.gguf", true}}},
      {.id = F::kHdf5,
       .name = "hdf5",
       .signatures = {{.offset = 0, .bytes = MV_HDF5_SIG},
                      {.offset = 512, .bytes = MV_HDF5_SIG},
                      {.offset = 1024, .bytes = MV_HDF5_SIG},
                      {.offset = 2048, .bytes = MV_HDF5_SIG},
                      {.offset = 4096, .bytes = MV_HDF5_SIG},
                      {.offset = 8192, .bytes = MV_HDF5_SIG}},
       .read = hdf5::Read,
       .announced_by = {{"*.h5", true}, {"*.hdf5", true}, {"*.keras"}}},
      {.id = F::kTar,
       .name = "tar",
       .signatures = {{.offset = 257, .bytes = "ustar"sv, .min_head = 512}},
       .sniff = tar::Sniff,  // the header checksum; a v7 tar has no magic
       .read = tar::Read,
       .announced_by =
           {{"*.pkl"}, {"*.pickle"}, {"*.joblib"}, {"*.dill"}, {"*.pt"}, {"*.pth"}, {"*.ckpt"}}},
      {.id = F::kSafetensors,
       .name = "safetensors",
       .sniff = safetensors::Sniff,
       .read = safetensors::Read,
       .announced_by = {{"*.safetensors", true}},
       .last_resort = safetensors::SniffAnnounced},
      {.id = F::kTorchLegacy,
       .name = "torch-legacy",
       .signatures = {{.offset = 0,
                       .bytes = "\x80\x02" MV_TORCH_MAGIC ""sv,
                       .mask = "\xff\xfc" MV_TORCH_MASK ""sv},  // protocol 0-3
                      {.offset = 0,
                       .bytes = "\x80\x04" MV_TORCH_MAGIC ""sv,
                       .mask = "\xff\xfe" MV_TORCH_MASK ""sv},  // protocol 4-5
                      {.offset = 0,
                       .bytes = "\x80\x02\x95\0\0\0\0\0\0\0\0" MV_TORCH_MAGIC ""sv,
                       .mask = "\xff\xfc\xff\0\0\0\0\0\0\0\0" MV_TORCH_MASK ""sv},  // + FRAME
                      {.offset = 0,
                       .bytes = "\x80\x04\x95\0\0\0\0\0\0\0\0" MV_TORCH_MAGIC ""sv,
                       .mask = "\xff\xfe\xff\0\0\0\0\0\0\0\0" MV_TORCH_MASK ""sv}},
       .sniff = torch_legacy::Sniff,  // and the stream parses as pickles
       .read = torch_legacy::Read,
       .announced_by =
           {{"*.pkl"}, {"*.pickle"}, {"*.joblib"}, {"*.dill"}, {"*.pt"}, {"*.pth"}, {"*.ckpt"}}},
      {.id = F::kPickle,
       .name = "pickle",
       .sniff = pickle_stream::Sniff,
       .read = pickle_stream::Read,
       .announced_by = {{"data.pkl", true},
                        {"constants.pkl", true},
                        {"*.pkl", true},
                        {"*.pickle", true},
                        {"*.joblib", true},
                        {"*.dill", true},
                        {"*.pt"},
                        {"*.pth"},
                        {"*.ckpt"}},
       .sniff_last_when_announced = true},
      {.id = F::kZlib,
       .name = "zlib",
       .sniff = compress::SniffZlib,
       .read = compress::ReadZlib,
       .announced_by = {{"*.pkl"}, {"*.pickle"}, {"*.joblib"}, {"*.dill"}}},
      {.id = F::kOnnx,
       .name = "onnx",
       .sniff = onnx::Sniff,
       .read = onnx::Read,
       .announced_by = {{"*.onnx", true}}},
      {.id = F::kSavedModel,
       .name = "savedmodel",
       .sniff = savedmodel::Sniff,
       .read = savedmodel::Read,
       .announced_by = {{"saved_model.pb", true},
                        {"saved_model.pbtxt", true},
                        {"keras_metadata.pb", true}}},
      {.id = F::kJson, .name = "json", .sniff = json::Sniff, .read = json::Read},
      {.id = F::kTorchScriptCode,
       .name = "torchscript-code",
       .signatures = {{.offset = 0, .bytes = "op_version_set = "sv}},
       .sniff = torchscript::Sniff,  // text without NULs; or a class/def header
       .read = torchscript::Read},
      {.id = F::kFxCode, .name = "fx-graph-code", .read = fxcode::Read},
  };
  return kFormats;
}

#undef MV_TORCH_MAGIC
#undef MV_TORCH_MASK
#undef MV_HDF5_SIG

const FormatInfo* Find(FormatId id) {
  for (const auto& f : Registry()) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

FormatId ReadAs(Hint hint) {
  switch (hint) {
    case Hint::kPickle:
    case Hint::kPickleStream: return FormatId::kPickle;
    case Hint::kSniff:
    case Hint::kTorchScriptCode:  // announced by position: sniffed first (scanner's Announced)
    case Hint::kJson: break;
  }
  return FormatId::kUnknown;
}

namespace {

// Every announced name (lower case) with its formats, the loader's first reading first: built
// once from the rows' `announced_by`.
const std::unordered_map<std::string, std::vector<FormatId>>& Announcements() {
  static const std::unordered_map<std::string, std::vector<FormatId>> kTable = [] {
    std::unordered_map<std::string, std::vector<FormatId>> t;
    for (const auto& f : Registry()) {
      for (const auto& a : f.announced_by) {
        auto& ids = t[LowerAscii(a.name)];
        if (a.first) {
          ids.insert(ids.begin(), f.id);
        } else {
          ids.push_back(f.id);
        }
      }
    }
    return t;
  }();
  return kTable;
}

}  // namespace

const std::vector<FormatId>& AnnouncedBy(std::string_view name) {
  static const std::vector<FormatId> kNone;
  size_t slash = name.find_last_of("/\\");
  std::string key = LowerAscii(slash == std::string_view::npos ? name : name.substr(slash + 1));
  const auto& table = Announcements();
  // Names loaders open by name (torch's zip reader, TensorFlow's SavedModel loader).
  if (auto whole = table.find(key); whole != table.end()) return whole->second;
  size_t dot = key.rfind('.');
  if (dot == std::string::npos) return kNone;
  std::string ext = "*";
  ext.append(key, dot);
  auto it = table.find(ext);
  return it == table.end() ? kNone : it->second;
}

namespace {

// 1: the signature is there; 0: it is not; -1: the bytes could not be read.
int Match(const Signature& sig, Source& src, ByteSpan head) {
  if (head.size() < sig.min_head) return 0;
  uint64_t end = sig.offset + sig.bytes.size();
  ByteSpan b;
  if (end <= head.size()) {
    b = head.subspan(static_cast<size_t>(sig.offset), sig.bytes.size());
  } else {
    if (end > src.size()) return 0;
    auto r = src.Read(sig.offset, sig.bytes.size());
    if (!r.ok() || r->size() < sig.bytes.size()) return -1;
    b = *r;
  }
  for (size_t i = 0; i < sig.bytes.size(); ++i) {
    auto m = sig.mask.empty() ? uint8_t{0xff} : static_cast<uint8_t>(sig.mask[i]);
    if ((b[i] & m) != (static_cast<uint8_t>(sig.bytes[i]) & m)) return 0;
  }
  return 1;
}

bool Matches(const FormatInfo& f, Source& src, ByteSpan head, bool& read) {
  for (const auto& sig : f.signatures) {
    read |= sig.offset + sig.bytes.size() > head.size();
    int m = Match(sig, src, head);
    if (m < 0) return false;
    if (m > 0) return true;
  }
  return false;
}

bool Accepts(const FormatInfo& f, Source& src, ByteSpan& head) {
  bool read = false;
  bool matched = Matches(f, src, head, read);
  if (f.sniff == nullptr) return matched;
  if (read && !src.stable()) {
    auto again = src.Read(0, kSniffHead);
    if (!again.ok()) return false;
    head = *again;
  }
  return f.sniff(src, head, matched);
}

}  // namespace

bool Signed(const FormatInfo& f, Source& src, ByteSpan head) {
  bool read = false;
  return Matches(f, src, head, read);
}

bool Accepts(const FormatInfo& f, Source& src) {
  auto head = src.Read(0, kSniffHead);
  if (!head.ok()) return false;
  ByteSpan h = *head;
  return Accepts(f, src, h);
}

FormatId Sniff(Source& src) {
  return Sniff(src, FormatId::kUnknown);
}

FormatId Sniff(Source& src, FormatId assumed) {
  auto head = src.Read(0, kSniffHead);
  if (!head.ok()) return FormatId::kUnknown;
  ByteSpan h = *head;
  // A check may read elsewhere; re-read the head if the source is not stable.
  const bool stable = src.stable();
  auto reread = [&] {
    if (stable) return true;
    head = src.Read(0, kSniffHead);
    if (!head.ok()) return false;
    h = *head;
    return true;
  };
  const FormatInfo* deferred = nullptr;  // `assumed`'s row, passed over in order
  // Another row accepted after `assumed`'s was passed over: `assumed` wins if it accepts too.
  auto after_deferred = [&](FormatId other) {
    if (deferred == nullptr) return other;
    bool first = Accepts(*deferred, src, h);
    if (!reread()) return FormatId::kUnknown;
    return first ? assumed : other;
  };
  for (const auto& f : Registry()) {
    if (f.id == assumed && f.sniff_last_when_announced) {
      deferred = &f;
      continue;
    }
    if (Accepts(f, src, h)) return after_deferred(f.id);
    if (!reread()) return FormatId::kUnknown;
  }
  for (const auto& f : Registry()) {
    if (f.last_resort != nullptr && f.last_resort(src, h)) return after_deferred(f.id);
    if (!reread()) return FormatId::kUnknown;
  }
  return deferred != nullptr ? assumed : FormatId::kUnknown;  // unknown: read as assumed
}

}  // namespace mv::formats
