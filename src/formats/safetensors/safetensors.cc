#include "formats/safetensors/safetensors.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "core/limits.h"

namespace mv::formats::safetensors {

namespace {

// Bits per element of each dtype the reference implementation knows.
uint64_t DtypeBits(const std::string& d) {
  static const std::map<std::string, uint64_t> kBits = {
      {"BOOL", 8},    {"U8", 8},   {"I8", 8},   {"F8_E5M2", 8}, {"F8_E4M3", 8},
      {"F8_E8M0", 8}, {"I16", 16}, {"U16", 16}, {"F16", 16},    {"BF16", 16},
      {"I32", 32},    {"U32", 32}, {"F32", 32}, {"F64", 64},    {"I64", 64},
      {"U64", 64},    {"C64", 64}, {"F4", 4},   {"F6_E2M3", 6}, {"F6_E3M2", 6}};
  auto it = kBits.find(d);
  return it == kBits.end() ? 0 : it->second;
}

uint64_t Le64(ByteSpan b) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | b[static_cast<size_t>(i)];
  return v;
}

struct Tensor {
  std::string name;
  uint64_t begin, end;
};

// Index of the first byte after JSON whitespace from `at`, reading up to `limit` bytes.
uint64_t SkipJsonSpace(Source& src, ByteSpan head, uint64_t at, uint64_t limit) {
  uint64_t end = std::min<uint64_t>(src.size(), at + limit);
  while (at < end) {
    ByteSpan b = head;
    uint64_t base = 0;
    if (at >= head.size()) {
      auto r = src.Read(at, static_cast<size_t>(std::min<uint64_t>(4096, end - at)));
      if (!r.ok() || r->empty()) return end;
      b = *r;
      base = at;
    }
    for (uint64_t i = at - base; i < b.size() && at < end; ++i, ++at) {
      uint8_t c = b[static_cast<size_t>(i)];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return at;
    }
  }
  return end;
}

}  // namespace

bool Sniff(Source& src, ByteSpan head, bool /*signature*/) {
  // u64le header length, then a JSON object (serde_json skips leading whitespace; safetensors
  // >= 0.4 refuses it, older versions load it). A pickle or zip starts with bytes that make
  // the length absurd, so they are never claimed here.
  if (head.size() < 10) return false;
  uint64_t n = Le64(head.first(8));
  if (n < 2 || !(n <= src.size() - 8 || n <= limits::kMaxSafetensorsHeader)) return false;
  uint64_t at = SkipJsonSpace(src, head, 8, std::min<uint64_t>(n, 64 << 10));
  auto b = at < head.size() ? std::optional<uint8_t>(head[static_cast<size_t>(at)]) : std::nullopt;
  if (!b) {
    auto r = src.Read(at, 1);
    if (r.ok() && r->size() == 1) b = (*r)[0];
  }
  return b && *b == '{';
}

bool SniffAnnounced(Source& /*src*/, ByteSpan head) {
  // Eight bytes, then what can only be a safetensors header: `{"name":{` (or "__metadata__").
  // The length is what Sniff found absurd; the reader reports it. Registered after every other
  // format, so a JSON document or any other file that something else claims never gets here.
  if (head.size() < 16 || head[8] != '{') return false;
  size_t i = 9;
  auto ws = [&] {
    while (i < head.size() &&
           (head[i] == ' ' || head[i] == '\t' || head[i] == '\n' || head[i] == '\r')) {
      ++i;
    }
  };
  ws();
  if (i >= head.size() || head[i] != '"') return false;
  size_t close = i + 1;
  while (close < head.size() && close < i + 257 && head[close] != '"') {
    if (head[close] < 0x20) return false;
    ++close;
  }
  if (close >= head.size() || head[close] != '"') return false;
  i = close + 1;
  ws();
  if (i >= head.size() || head[i] != ':') return false;
  ++i;
  ws();
  return i < head.size() && head[i] == '{';
}

Result<ReadOutput> Read(const SourcePtr& src, ReadContext& /*ctx*/) {
  ReadOutput out;
  out.format = "safetensors";
  out.loader = "safetensors (safe_open / load_file)";
  Cursor cur(*src);
  MV_ASSIGN_OR_RETURN(uint64_t n, cur.Le64());
  if (n > limits::kMaxSafetensorsHeader) {
    return MakeError(Errc::kLimit,
                     "header of " + std::to_string(n) + " bytes exceeds the 100,000,000 cap", 0);
  }
  if (n > cur.remaining()) {
    return MakeError(Errc::kTruncated,
                     "header of " + std::to_string(n) + " bytes is longer than the file", 0);
  }
  MV_ASSIGN_OR_RETURN(ByteSpan hb, cur.Take(static_cast<size_t>(n)));
  std::string_view text(reinterpret_cast<const char*>(hb.data()), hb.size());

  // Duplicate keys are lost by a DOM parse (last wins), so the parser callback tracks the keys
  // of every open object.
  std::vector<std::set<std::string>> open;
  std::vector<std::string> dups;
  bool too_deep = false;
  auto cb = [&](int depth, nlohmann::json::parse_event_t ev, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (depth > limits::kMaxJsonDepth) {
      too_deep = true;
      return false;
    }
    if (ev == E::object_start) open.emplace_back();
    if (ev == E::object_end && !open.empty()) open.pop_back();
    if (ev == E::key && !open.empty()) {
      std::string k = parsed.get<std::string>();
      if (!open.back().insert(k).second) dups.push_back(k);
    }
    return true;
  };
  nlohmann::json h = nlohmann::json::parse(text, cb, /*allow_exceptions=*/false);
  if (h.is_discarded() || too_deep) {
    return MakeError(Errc::kMalformed, "header is not well-formed JSON", 8);
  }
  if (!h.is_object()) return MakeError(Errc::kMalformed, "header is not a JSON object", 8);
  auto bad = [&](const std::string& code, const std::string& msg) {
    out.anomalies.push_back(Anomaly::Defect("safetensors." + code, msg, 8));
  };
  for (const auto& d : dups) bad("duplicate-key", "header names '" + d + "' twice");

  const uint64_t data_begin = 8 + n;
  const uint64_t data_len = src->size() - data_begin;
  std::vector<Tensor> tensors;
  for (const auto& [name, info] : h.items()) {
    if (name == "__metadata__") {
      // The loader reads it as a map of strings to strings; anything else is refused.
      bool ok = info.is_object();
      if (ok) {
        for (const auto& [k, v] : info.items()) ok &= v.is_string();
      }
      if (!ok) bad("metadata", "__metadata__ is not a map of strings to strings");
      continue;
    }
    const auto* dt = info.is_object() && info.contains("dtype") ? &info["dtype"] : nullptr;
    const auto* sh = info.is_object() && info.contains("shape") ? &info["shape"] : nullptr;
    const auto* of =
        info.is_object() && info.contains("data_offsets") ? &info["data_offsets"] : nullptr;
    if (!dt || !sh || !of || !dt->is_string() || !sh->is_array() || !of->is_array() ||
        of->size() != 2 || !(*of)[0].is_number_unsigned() || !(*of)[1].is_number_unsigned()) {
      bad("tensor-info", "tensor '" + name + "' lacks a valid dtype, shape or data_offsets");
      continue;
    }
    uint64_t b = (*of)[0].get<uint64_t>(), e = (*of)[1].get<uint64_t>();
    if (b > e) {
      bad("offsets", "tensor '" + name + "' ends before it begins");
      continue;
    }
    tensors.push_back({name, b, e});
    uint64_t bits = DtypeBits(dt->get<std::string>());
    if (bits == 0) {
      bad("dtype", "tensor '" + name + "' has unknown dtype '" + dt->get<std::string>() + "'");
      continue;
    }
    uint64_t numel = 1;
    bool ok = true;
    for (const auto& d : *sh) {
      if (!d.is_number_unsigned()) {
        ok = false;
        break;
      }
      uint64_t v = d.get<uint64_t>();
      if (v != 0 && numel > UINT64_MAX / v) {
        ok = false;
        break;
      }
      numel *= v;
    }
    if (!ok || numel > UINT64_MAX / bits) {
      bad("shape", "tensor '" + name + "' has an invalid or overflowing shape");
      continue;
    }
    uint64_t want = (numel * bits + 7) / 8;
    if (want != e - b) {
      bad("size", "tensor '" + name + "' needs " + std::to_string(want) + " bytes but spans " +
                      std::to_string(e - b));
    }
  }
  std::sort(tensors.begin(), tensors.end(), [](const Tensor& a, const Tensor& b) {
    return a.begin < b.begin || (a.begin == b.begin && a.end < b.end);
  });
  uint64_t at = 0;
  for (const auto& t : tensors) {
    if (t.begin < at) {
      bad("overlap",
          "tensor '" + t.name + "' overlaps the previous tensor at " + std::to_string(t.begin));
    } else if (t.begin > at) {
      bad("gap", "unreferenced bytes [" + std::to_string(at) + ", " + std::to_string(t.begin) +
                     ") before tensor '" + t.name + "'");
    }
    at = std::max(at, t.end);
  }
  if (at > data_len) {
    bad("bounds", "tensor data ends at " + std::to_string(at) + " but the buffer holds " +
                      std::to_string(data_len) + " bytes");
  } else if (at < data_len) {
    uint64_t extra = data_len - at;
    out.anomalies.push_back(Anomaly::Defect("safetensors.trailing-data",
                                            std::to_string(extra) + " bytes after the last tensor",
                                            data_begin + at));
    // Whatever hides there is analysed like any other payload.
    out.members.push_back({"(after tensor data)", MakeSubSource(src, data_begin + at, extra),
                           data_begin + at, Hint::kSniff,
                           "(none: safetensors ignores these bytes)"});
  }
  return out;
}

}  // namespace mv::formats::safetensors
