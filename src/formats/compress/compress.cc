#include "formats/compress/compress.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "core/limits.h"
#include "formats/common/decode/decode.h"
#include "formats/common/decode/stream_source.h"

namespace mv::formats::compress {

namespace {

bool StartsWith(ByteSpan head, std::initializer_list<uint8_t> magic) {
  if (head.size() < magic.size()) return false;
  return std::equal(magic.begin(), magic.end(), head.begin());
}

// Trailing bytes after the last stream: zero padding (tape blocks, xz stream padding) is
// normal; anything else is reported and handed to the scanner to sniff.
void Trailing(const SourcePtr& src, uint64_t end, const std::string& prefix, ReadOutput& out) {
  uint64_t size = src->size();
  if (end >= size) return;
  uint64_t n = size - end;
  if (n <= (64u << 10)) {
    auto r = src->Read(end, static_cast<size_t>(n));
    if (r.ok() && std::all_of(r->begin(), r->end(), [](uint8_t b) { return b == 0; })) return;
  }
  out.anomalies.push_back(
      Anomaly::Defect(prefix + ".trailing-data",
                      std::to_string(n) + " bytes follow the end of the compressed data", end));
  out.members.push_back({"[trailing]", MakeSubSource(src, end, n), end, Hint::kSniff, ""});
}

Result<ReadOutput> ReadStream(const SourcePtr& src, ReadContext& ctx, Codec codec,
                              const std::string& prefix, uint64_t begin) {
  ReadOutput out;
  uint64_t len = src->size() - std::min(begin, src->size());
  // Probe once (nothing kept), then hand over a source that decodes again on demand.
  uint64_t budget = StreamBudget(len, ctx);
  Decoded d = Probe(codec, *src, begin, len, budget, true);
  Account(d, prefix, prefix + " stream", begin, ctx, out.anomalies);
  uint64_t end = begin + d.consumed;
  bool clean = d.finished && !d.limit_hit && d.error.empty();
  out.complete = clean;
  StreamSpec spec{codec, src, begin, len, true, budget, prefix + " stream"};
  out.members.push_back(
      {"", MakeStreamSource(std::move(spec), d.produced), begin, Hint::kSniff, ""});
  if (clean) Trailing(src, end, prefix, out);
  return out;
}

// joblib < 0.10 wrote "ZF" + the decompressed length as hex, left-justified in 19 bytes
// (one more space in joblib <= 0.8.4), then a zlib stream.
bool ZfileHeader(ByteSpan head, uint64_t& zlib_begin) {
  if (head.size() < 23 || head[0] != 'Z' || head[1] != 'F' || head[2] != '0' || head[3] != 'x') {
    return false;
  }
  size_t i = 4;
  while (i < 21 && std::isxdigit(head[i])) ++i;
  if (i == 4) return false;
  while (i < 22 && head[i] == ' ') ++i;
  if (i < 21) return false;
  zlib_begin = i;
  return true;
}

bool ZlibHeader(ByteSpan head) {
  if (head.size() < 3) return false;
  uint8_t cmf = head[0];
  uint8_t flg = head[1];
  if ((cmf & 0x0F) != 8 || (cmf >> 4) > 7) return false;
  if ((static_cast<unsigned>(cmf) * 256 + flg) % 31 != 0) return false;
  if ((flg & 0x20) != 0) return false;  // preset dictionary: nothing in ML writes one
  return TrialInflate(head, 15);
}

bool LzmaAloneHeader(Source& src, ByteSpan head) {
  // props byte 0x5D (lc=3 lp=0 pb=2, what every encoder writes), dictionary size, then size.
  if (head.size() < 14 || head[0] != 0x5D || head[1] != 0x00) return false;
  Decoded d = Decode(Codec::kLzmaAlone, src, 0, std::min<uint64_t>(src.size(), 4096), 4096, false);
  return d.error.empty() && !d.bytes.empty();
}

}  // namespace

bool SniffGzip(Source&, ByteSpan head, bool signature) {
  return signature && (head[3] & 0xE0) == 0;  // no reserved flag bits
}

bool SniffBzip2(Source&, ByteSpan head, bool signature) {
  return signature && head[3] >= '1' && head[3] <= '9';  // the block size, 100k to 900k
}

bool SniffXz(Source& src, ByteSpan head, bool signature) {
  return signature || LzmaAloneHeader(src, head);
}

bool SniffZlib(Source&, ByteSpan head, bool /*signature*/) {
  uint64_t begin = 0;
  if (ZfileHeader(head, begin)) return ZlibHeader(head.subspan(static_cast<size_t>(begin)));
  return ZlibHeader(head);
}

Result<ReadOutput> ReadGzip(const SourcePtr& src, ReadContext& ctx) {
  return ReadStream(src, ctx, Codec::kGzip, "gzip", 0);
}

Result<ReadOutput> ReadBzip2(const SourcePtr& src, ReadContext& ctx) {
  return ReadStream(src, ctx, Codec::kBzip2, "bzip2", 0);
}

Result<ReadOutput> ReadXz(const SourcePtr& src, ReadContext& ctx) {
  MV_ASSIGN_OR_RETURN(ByteSpan head, src->Read(0, 6));
  if (StartsWith(head, {0xFD, '7', 'z', 'X', 'Z', 0x00})) {
    return ReadStream(src, ctx, Codec::kXz, "xz", 0);
  }
  auto out = ReadStream(src, ctx, Codec::kLzmaAlone, "lzma", 0);
  if (out.ok()) out->format = "lzma";
  return out;
}

Result<ReadOutput> ReadZstd(const SourcePtr& src, ReadContext& ctx) {
  return ReadStream(src, ctx, Codec::kZstd, "zstd", 0);
}

Result<ReadOutput> ReadLz4(const SourcePtr& src, ReadContext& ctx) {
  return ReadStream(src, ctx, Codec::kLz4, "lz4", 0);
}

Result<ReadOutput> ReadZlib(const SourcePtr& src, ReadContext& ctx) {
  MV_ASSIGN_OR_RETURN(ByteSpan head, src->Read(0, 32));
  uint64_t begin = 0;
  if (ZfileHeader(head, begin)) {
    auto out = ReadStream(src, ctx, Codec::kZlib, "zlib", begin);
    if (out.ok()) {
      out->format = "joblib-zfile";
      out->loader = "joblib.load";
    }
    return out;
  }
  return ReadStream(src, ctx, Codec::kZlib, "zlib", 0);
}

}  // namespace mv::formats::compress
