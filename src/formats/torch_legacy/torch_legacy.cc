// Legacy torch.save (_use_new_zipfile_serialization=False): five pickles back to back — magic
// number, protocol version, sys info, the object, the storage keys — then for each key the raw
// storage: an 8-byte little-endian element count and count * element-size bytes
// (torch/serialization.py _legacy_save / _legacy_load, Storage._set_from_file).
#include "formats/torch_legacy/torch_legacy.h"

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "formats/pickle_stream/pickle_stream.h"
#include "pickle/disasm.h"
#include "pickle/engine.h"

namespace mv::formats::torch_legacy {

namespace {

using pickle::Op;

constexpr int kPickles = 5;

int ElementSize(const std::string& storage_type) {
  static const std::map<std::string, int> kSizes = {
      {"DoubleStorage", 8},   {"FloatStorage", 4},          {"HalfStorage", 2},
      {"BFloat16Storage", 2}, {"LongStorage", 8},           {"IntStorage", 4},
      {"ShortStorage", 2},    {"CharStorage", 1},           {"ByteStorage", 1},
      {"BoolStorage", 1},     {"ComplexDoubleStorage", 16}, {"ComplexFloatStorage", 8},
      {"QUInt8Storage", 1},   {"QInt8Storage", 1},          {"QInt32Storage", 4},
      {"QUInt4x2Storage", 1}, {"QUInt2x4Storage", 1}};
  size_t dot = storage_type.rfind('.');
  auto it = kSizes.find(dot == std::string::npos ? storage_type : storage_type.substr(dot + 1));
  return it == kSizes.end() ? -1 : it->second;
}

}  // namespace

bool Sniff(Source& src, ByteSpan /*head*/, bool signature) {
  // The registry holds PROTO, FRAME and the pickled magic number as signatures; that the stream
  // parses as pickles is not a table row.
  return signature && pickle::LooksLikePickle(src, 0);
}

Result<ReadOutput> Read(const SourcePtr& src, ReadContext& ctx) {
  ReadOutput out;
  out.format = "torch-legacy";
  out.loader = "torch.load";
  // Delimit the five pickles.
  uint64_t ends[kPickles] = {};
  uint64_t pos = 0;
  int found = 0;
  for (; found < kPickles; ++found) {
    auto r = pickle::DisassembleOne(*src, pos, src->size());
    if (!r.ok()) break;
    pos = r->back().end;
    ends[found] = pos;
  }
  Member m;
  m.hint = Hint::kPickleStream;
  m.loader = "torch.load";
  if (found < kPickles) {
    // The engine reports the defect itself; give it everything.
    m.data = src;
    out.members.push_back(std::move(m));
    out.anomalies.push_back(
        Anomaly::Defect("torch-legacy.pickles",
                        "only " + std::to_string(found) + " of the 5 legacy pickles parse", pos));
    return out;
  }
  m.data = MakeSubSource(src, 0, ends[kPickles - 1]);
  // The stream is analysed here, once, as the scanner analyses a pickle stream; the member
  // carries the trace to the pickle reader.
  m.analysed = pickle_stream::Analyse(*m.data, ctx.semantics, m.hint);
  const pickle::Trace& trace = *m.analysed;
  out.members.push_back(std::move(m));

  // Validate the storages section: keys (pickle 5) against the persistent ids of the object
  // pickle (pickle 4), each followed by its element count and bytes.
  auto keys_instrs = pickle::DisassembleOne(*src, ends[3], ends[4]);
  std::vector<std::string> keys;
  if (keys_instrs.ok()) {
    for (const auto& in : *keys_instrs) {
      if (in.op == Op::kBinUnicode || in.op == Op::kShortBinUnicode || in.op == Op::kUnicode ||
          in.op == Op::kBinString || in.op == Op::kShortBinString) {
        keys.push_back(in.text);
      }
    }
  }
  std::map<std::string, std::pair<int, uint64_t>> storages;  // key -> (element size, numel)
  for (const auto& c : trace.calls) {
    // The object pickle's persistent ids (the sub-view starts at the file's start).
    if (c.offset < ends[2] || c.offset >= ends[3]) continue;
    if (c.kind != pickle::CallKind::kPersistentLoad || c.args.empty()) continue;
    const auto& pid = c.args[0];
    if (!pid || pid->kind != pickle::ValueKind::kTuple || pid->items.size() < 5) continue;
    const auto& it = pid->items;
    if (!it[1] || !it[2] || it[2]->kind != pickle::ValueKind::kStr || !it[4] ||
        it[4]->kind != pickle::ValueKind::kInt) {
      continue;
    }
    storages[it[2]->text] = {ElementSize(it[1]->text),
                             std::strtoull(it[4]->text.c_str(), nullptr, 10)};
  }
  Cursor cur(*src, ends[4]);
  for (const auto& key : keys) {
    uint64_t at = cur.pos();
    auto numel = cur.Le64();
    if (!numel.ok()) {
      out.anomalies.push_back(Anomaly::Defect("torch-legacy.storage-truncated",
                                              "storage '" + key + "' missing: file ends", at));
      return out;
    }
    auto s = storages.find(key);
    if (s == storages.end() || s->second.first < 0) {
      out.anomalies.push_back(
          Anomaly::Defect("torch-legacy.storage-unknown",
                          "storage '" + key + "' has no known type in the object pickle", at));
      return out;
    }
    if (*numel != s->second.second) {
      out.anomalies.push_back(
          Anomaly::Defect("torch-legacy.storage-size",
                          "storage '" + key + "' holds " + std::to_string(*numel) +
                              " elements, the pickle says " + std::to_string(s->second.second),
                          at));
    }
    unsigned __int128 bytes = static_cast<unsigned __int128>(*numel) * s->second.first;
    if (bytes > cur.remaining() || !cur.Skip(static_cast<uint64_t>(bytes)).ok()) {
      out.anomalies.push_back(Anomaly::Defect("torch-legacy.storage-truncated",
                                              "storage '" + key + "' runs past the end of the file",
                                              at));
      return out;
    }
  }
  if (!cur.at_end()) {
    out.anomalies.push_back(Anomaly::Defect(
        "torch-legacy.data-after-storages",
        std::to_string(cur.remaining()) + " bytes follow the last storage", cur.pos()));
  }
  return out;
}

}  // namespace mv::formats::torch_legacy
