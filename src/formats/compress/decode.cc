#include "formats/compress/decode.h"

#include <bzlib.h>
#include <lz4frame.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "core/limits.h"

namespace mv::formats::compress {

namespace {

constexpr size_t kChunk = 64 << 10;

enum class Step : uint8_t { kOk, kEnd, kError };

// One codec's incremental decoder. Step consumes from `in` and writes to `out`, reporting
// how much of each it used.
class Stream {
 public:
  virtual ~Stream() = default;
  virtual bool Init() = 0;
  virtual Step Run(ByteSpan in, bool at_eof, uint8_t* out, size_t out_cap, size_t& in_used,
                   size_t& out_used) = 0;
  virtual bool IsNextStream(ByteSpan next) const = 0;
  std::string error;
};

class ZlibStream final : public Stream {
 public:
  explicit ZlibStream(int window_bits) : bits_(window_bits) {}
  ~ZlibStream() override {
    if (live_) inflateEnd(&zs_);
  }
  bool Init() override {
    if (live_) return inflateReset(&zs_) == Z_OK;
    std::memset(&zs_, 0, sizeof zs_);
    live_ = inflateInit2(&zs_, bits_) == Z_OK;
    return live_;
  }
  Step Run(ByteSpan in, bool, uint8_t* out, size_t out_cap, size_t& in_used,
           size_t& out_used) override {
    zs_.next_in = const_cast<Bytef*>(in.data());
    zs_.avail_in = static_cast<uInt>(in.size());
    zs_.next_out = out;
    zs_.avail_out = static_cast<uInt>(out_cap);
    int rc = inflate(&zs_, Z_NO_FLUSH);
    in_used = in.size() - zs_.avail_in;
    out_used = out_cap - zs_.avail_out;
    if (rc == Z_STREAM_END) return Step::kEnd;
    if (rc == Z_OK || rc == Z_BUF_ERROR) return Step::kOk;
    error = zs_.msg != nullptr ? zs_.msg : "inflate error " + std::to_string(rc);
    return Step::kError;
  }
  bool IsNextStream(ByteSpan next) const override {
    return bits_ > 15 && next.size() >= 2 && next[0] == 0x1f && next[1] == 0x8b;
  }

 private:
  int bits_;
  z_stream zs_{};
  bool live_ = false;
};

class Bzip2Stream final : public Stream {
 public:
  ~Bzip2Stream() override {
    if (live_) BZ2_bzDecompressEnd(&bs_);
  }
  bool Init() override {
    if (live_) BZ2_bzDecompressEnd(&bs_);
    std::memset(&bs_, 0, sizeof bs_);
    live_ = BZ2_bzDecompressInit(&bs_, 0, 0) == BZ_OK;
    return live_;
  }
  Step Run(ByteSpan in, bool, uint8_t* out, size_t out_cap, size_t& in_used,
           size_t& out_used) override {
    bs_.next_in = reinterpret_cast<char*>(const_cast<uint8_t*>(in.data()));
    bs_.avail_in = static_cast<unsigned>(in.size());
    bs_.next_out = reinterpret_cast<char*>(out);
    bs_.avail_out = static_cast<unsigned>(out_cap);
    int rc = BZ2_bzDecompress(&bs_);
    in_used = in.size() - bs_.avail_in;
    out_used = out_cap - bs_.avail_out;
    if (rc == BZ_STREAM_END) return Step::kEnd;
    if (rc == BZ_OK) return Step::kOk;
    error = "bzip2 error " + std::to_string(rc);
    return Step::kError;
  }
  bool IsNextStream(ByteSpan next) const override {
    return next.size() >= 4 && next[0] == 'B' && next[1] == 'Z' && next[2] == 'h' &&
           next[3] >= '1' && next[3] <= '9';
  }

 private:
  bz_stream bs_{};
  bool live_ = false;
};

class LzmaStream final : public Stream {
 public:
  explicit LzmaStream(bool alone) : alone_(alone) {}
  ~LzmaStream() override { lzma_end(&ls_); }
  bool Init() override {
    lzma_end(&ls_);
    ls_ = LZMA_STREAM_INIT;
    lzma_ret rc = alone_ ? lzma_alone_decoder(&ls_, limits::kMaxDecoderMemory)
                         : lzma_stream_decoder(&ls_, limits::kMaxDecoderMemory, 0);
    return rc == LZMA_OK;
  }
  Step Run(ByteSpan in, bool at_eof, uint8_t* out, size_t out_cap, size_t& in_used,
           size_t& out_used) override {
    ls_.next_in = in.data();
    ls_.avail_in = in.size();
    ls_.next_out = out;
    ls_.avail_out = out_cap;
    lzma_ret rc = lzma_code(&ls_, at_eof ? LZMA_FINISH : LZMA_RUN);
    in_used = in.size() - ls_.avail_in;
    out_used = out_cap - ls_.avail_out;
    if (rc == LZMA_STREAM_END) return Step::kEnd;
    if (rc == LZMA_OK || rc == LZMA_BUF_ERROR) return Step::kOk;
    error = rc == LZMA_MEMLIMIT_ERROR ? "decoder needs more memory than limits::kMaxDecoderMemory"
                                      : "lzma error " + std::to_string(static_cast<int>(rc));
    return Step::kError;
  }
  bool IsNextStream(ByteSpan next) const override {
    static constexpr uint8_t kMagic[6] = {0xFD, '7', 'z', 'X', 'Z', 0x00};
    return !alone_ && next.size() >= 6 && std::memcmp(next.data(), kMagic, 6) == 0;
  }

 private:
  bool alone_;
  lzma_stream ls_ = LZMA_STREAM_INIT;
};

class ZstdStream final : public Stream {
 public:
  ~ZstdStream() override { ZSTD_freeDStream(ds_); }
  bool Init() override {
    if (ds_ == nullptr) ds_ = ZSTD_createDStream();
    if (ds_ == nullptr) return false;
    return !ZSTD_isError(ZSTD_DCtx_reset(ds_, ZSTD_reset_session_only));
  }
  Step Run(ByteSpan in, bool, uint8_t* out, size_t out_cap, size_t& in_used,
           size_t& out_used) override {
    ZSTD_inBuffer ib{in.data(), in.size(), 0};
    ZSTD_outBuffer ob{out, out_cap, 0};
    size_t rc = ZSTD_decompressStream(ds_, &ob, &ib);
    in_used = ib.pos;
    out_used = ob.pos;
    if (ZSTD_isError(rc)) {
      error = ZSTD_getErrorName(rc);
      return Step::kError;
    }
    return rc == 0 ? Step::kEnd : Step::kOk;
  }
  bool IsNextStream(ByteSpan next) const override {
    if (next.size() < 4) return false;
    uint32_t m = static_cast<uint32_t>(next[0]) | (static_cast<uint32_t>(next[1]) << 8) |
                 (static_cast<uint32_t>(next[2]) << 16) | (static_cast<uint32_t>(next[3]) << 24);
    return m == 0xFD2FB528u || (m & 0xFFFFFFF0u) == 0x184D2A50u;
  }

 private:
  ZSTD_DStream* ds_ = nullptr;
};

class Lz4Stream final : public Stream {
 public:
  ~Lz4Stream() override {
    if (dctx_ != nullptr) LZ4F_freeDecompressionContext(dctx_);
  }
  bool Init() override {
    if (dctx_ == nullptr) {
      if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx_, LZ4F_VERSION))) return false;
    } else {
      LZ4F_resetDecompressionContext(dctx_);
    }
    return true;
  }
  Step Run(ByteSpan in, bool, uint8_t* out, size_t out_cap, size_t& in_used,
           size_t& out_used) override {
    size_t src_size = in.size();
    size_t dst_size = out_cap;
    size_t rc = LZ4F_decompress(dctx_, out, &dst_size, in.data(), &src_size, nullptr);
    in_used = src_size;
    out_used = dst_size;
    if (LZ4F_isError(rc)) {
      error = LZ4F_getErrorName(rc);
      return Step::kError;
    }
    return rc == 0 ? Step::kEnd : Step::kOk;
  }
  bool IsNextStream(ByteSpan next) const override {
    return next.size() >= 4 && next[0] == 0x04 && next[1] == 0x22 && next[2] == 0x4D &&
           next[3] == 0x18;
  }

 private:
  LZ4F_dctx* dctx_ = nullptr;
};

std::unique_ptr<Stream> MakeStream(Codec c) {
  switch (c) {
    case Codec::kGzip: return std::make_unique<ZlibStream>(16 + 15);
    case Codec::kZlib: return std::make_unique<ZlibStream>(15);
    case Codec::kDeflateRaw: return std::make_unique<ZlibStream>(-15);
    case Codec::kBzip2: return std::make_unique<Bzip2Stream>();
    case Codec::kXz: return std::make_unique<LzmaStream>(false);
    case Codec::kLzmaAlone: return std::make_unique<LzmaStream>(true);
    case Codec::kZstd: return std::make_unique<ZstdStream>();
    case Codec::kLz4: return std::make_unique<Lz4Stream>();
  }
  return nullptr;
}

}  // namespace

uint64_t OutputBudget(uint64_t compressed, const ReadContext& ctx) {
  uint64_t total = ctx.expanded_bytes >= limits::kMaxExpandedBytes
                       ? 0
                       : limits::kMaxExpandedBytes - ctx.expanded_bytes;
  uint64_t ratio = compressed > UINT64_MAX / limits::kMaxExpansionRatio
                       ? UINT64_MAX
                       : compressed * limits::kMaxExpansionRatio;
  ratio = std::max(ratio, limits::kExpansionRatioFloor);
  return std::min({limits::kMaxInMemoryMember, total, ratio});
}

Decoded Decode(Codec codec, Source& src, uint64_t begin, uint64_t len, uint64_t max_out,
               bool concatenated) {
  Decoded d;
  auto stream = MakeStream(codec);
  if (!stream || !stream->Init()) {
    d.error = "decoder initialisation failed";
    return d;
  }
  uint64_t end = begin + std::min(len, src.size() - std::min(begin, src.size()));
  uint64_t pos = std::min(begin, end);
  std::vector<uint8_t> chunk;
  bool in_stream = true;  // a stream has started and not yet ended
  while (true) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(kChunk, end - pos));
    auto r = src.Read(pos, want);
    if (!r.ok()) {
      d.error = "read error: " + r.error().message;
      break;
    }
    // Copy: the span may not outlive the next read, and decoders keep no pointer into it.
    chunk.assign(r->begin(), r->end());
    bool at_eof = pos + chunk.size() >= end;
    size_t room = static_cast<size_t>(std::min<uint64_t>(kChunk, max_out - d.bytes.size()));
    if (room == 0) {
      d.limit_hit = true;
      break;
    }
    size_t old = d.bytes.size();
    d.bytes.resize(old + room);
    size_t in_used = 0;
    size_t out_used = 0;
    Step st = stream->Run(ByteSpan(chunk.data(), chunk.size()), at_eof, d.bytes.data() + old, room,
                          in_used, out_used);
    d.bytes.resize(old + out_used);
    pos += in_used;
    if (st == Step::kError) {
      d.error = stream->error;
      break;
    }
    if (st == Step::kEnd) {
      in_stream = false;
      d.finished = true;
      d.consumed = pos - begin;
      if (!concatenated || pos >= end) break;
      auto next = src.Read(pos, 8);
      if (!next.ok() || !stream->IsNextStream(*next)) break;
      if (!stream->Init()) {
        d.error = "decoder re-initialisation failed";
        break;
      }
      in_stream = true;
      d.finished = false;
      continue;
    }
    if (in_used == 0 && out_used == 0) {
      // No progress: either the input is exhausted inside a stream, or the decoder stalls.
      if (at_eof && pos >= end) {
        d.truncated = true;
      } else {
        d.error = "decoder made no progress";
      }
      break;
    }
  }
  if (in_stream) d.consumed = pos - begin;
  return d;
}

void Account(const Decoded& d, const std::string& prefix, const std::string& what, uint64_t offset,
             ReadContext& ctx, std::vector<Anomaly>& out) {
  ctx.expanded_bytes += d.bytes.size();
  if (d.limit_hit) {
    out.push_back({"limit.expansion",
                   what + ": decompression stopped after " + std::to_string(d.bytes.size()) +
                       " bytes (expansion limits: ratio, total or in-memory member); the rest "
                       "was not analysed",
                   offset, "", true});
  } else if (!d.error.empty()) {
    out.push_back({prefix + ".corrupt",
                   what + ": compressed data is corrupt (" + d.error + ") after " +
                       std::to_string(d.bytes.size()) + " decoded bytes",
                   offset + d.consumed, "", true});
  } else if (d.truncated || !d.finished) {
    out.push_back({prefix + ".truncated",
                   what + ": compressed stream ends early after " + std::to_string(d.bytes.size()) +
                       " decoded bytes",
                   offset + d.consumed, "", true});
  }
}

bool TrialInflate(ByteSpan bytes, int window_bits) {
  z_stream zs{};
  if (inflateInit2(&zs, window_bits) != Z_OK) return false;
  uint8_t out[4096];
  zs.next_in = const_cast<Bytef*>(bytes.data());
  zs.avail_in = static_cast<uInt>(std::min<size_t>(bytes.size(), 4096));
  bool ok = true;
  size_t produced = 0;
  while (true) {
    zs.next_out = out;
    zs.avail_out = sizeof out;
    int rc = inflate(&zs, Z_SYNC_FLUSH);
    produced += sizeof out - zs.avail_out;
    if (rc == Z_STREAM_END) break;
    if (rc == Z_BUF_ERROR || (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0)) break;
    if (rc != Z_OK) {
      ok = false;
      break;
    }
    if (produced > (1u << 20)) break;
  }
  inflateEnd(&zs);
  return ok && produced > 0;
}

}  // namespace mv::formats::compress
