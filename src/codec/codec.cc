#include "codec/codec.h"

#include <bzlib.h>
#include <lz4frame.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "core/limits.h"

namespace mv::codec {

namespace {

constexpr size_t kChunk = 64 << 10;

// Largest zstd window (log2) within limits::kMaxDecoderMemory.
constexpr int WindowLogWithin(uint64_t bytes) {
  int log = 10;
  while (log < 31 && (1ull << (log + 1)) <= bytes) ++log;
  return log;
}
constexpr int kZstdWindowLogMax = WindowLogWithin(limits::kMaxDecoderMemory);
static_assert(kZstdWindowLogMax == 26, "a 64 MiB zstd window within a 96 MiB decoder budget");

// A non-owning view of bytes in memory, for DecodeBytes.
class SpanSource final : public Source {
 public:
  explicit SpanSource(ByteSpan bytes) : bytes_(bytes) {}
  uint64_t size() const override { return bytes_.size(); }
  Result<ByteSpan> Read(uint64_t off, size_t len) override {
    if (off > bytes_.size()) return MakeError(Errc::kTruncated, "read past the end", off);
    return bytes_.subspan(static_cast<size_t>(off),
                          std::min<size_t>(len, bytes_.size() - static_cast<size_t>(off)));
  }
  uint64_t bytes_read() const override { return 0; }

 private:
  ByteSpan bytes_;
};

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
    if (ds_ == nullptr) {
      ds_ = ZSTD_createDStream();
      if (ds_ == nullptr) return false;
      // The window is the decoder's memory: frames asking for more than
      // limits::kMaxDecoderMemory allows are refused ("Frame requires too much memory").
      if (ZSTD_isError(ZSTD_DCtx_setParameter(ds_, ZSTD_d_windowLogMax, kZstdWindowLogMax)))
        return false;
    }
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

struct Decoder::Impl {
  std::unique_ptr<Stream> stream;
};

Decoder::Decoder(Codec codec, Source& src, uint64_t begin, uint64_t len, uint64_t max_out,
                 bool concatenated)
    : impl_(std::make_unique<Impl>()),
      src_(src),
      begin_(begin),
      max_out_(max_out),
      concatenated_(concatenated) {
  end_ = begin + std::min(len, src.size() - std::min(begin, src.size()));
  begin_ = std::min(begin, end_);
  chunk_base_ = begin_;
  impl_->stream = MakeStream(codec);
  if (!impl_->stream || !impl_->stream->Init()) {
    d_.error = "decoder initialisation failed";
    done_ = true;
  }
}

Decoder::~Decoder() = default;

size_t Decoder::Next(uint8_t* out, size_t cap) {
  Stream& stream = *impl_->stream;
  size_t written = 0;
  auto pos = [&] { return chunk_base_ + in_pos_; };
  while (!done_ && written < cap) {
    if (d_.produced >= max_out_) {
      d_.limit_hit = true;
      done_ = true;
      break;
    }
    if (in_pos_ == chunk_.size() && pos() < end_) {
      chunk_base_ = pos();
      size_t want = static_cast<size_t>(std::min<uint64_t>(kChunk, end_ - chunk_base_));
      auto r = src_.Read(chunk_base_, want);
      if (!r.ok()) {
        d_.error = "read error: " + r.error().message;
        done_ = true;
        break;
      }
      if (r->empty()) {
        end_ = chunk_base_;  // the source ended early
      }
      // Copy: the span may not outlive the next read, and decoders keep no pointer into it.
      chunk_.assign(r->begin(), r->end());
      in_pos_ = 0;
    }
    bool at_eof = chunk_base_ + chunk_.size() >= end_;
    size_t room = static_cast<size_t>(std::min<uint64_t>(cap - written, max_out_ - d_.produced));
    size_t in_used = 0;
    size_t out_used = 0;
    ByteSpan in(chunk_.data() + in_pos_, chunk_.size() - in_pos_);
    Step st = stream.Run(in, at_eof, out + written, room, in_used, out_used);
    in_pos_ += in_used;
    written += out_used;
    d_.produced += out_used;
    if (st == Step::kError) {
      d_.error = stream.error;
      done_ = true;
      break;
    }
    if (st == Step::kEnd) {
      d_.finished = true;
      d_.consumed = pos() - begin_;
      if (!concatenated_ || pos() >= end_) {
        done_ = true;
        break;
      }
      auto next = src_.Read(pos(), 8);
      if (!next.ok() || !stream.IsNextStream(*next)) {
        done_ = true;
        break;
      }
      // The peek may have invalidated nothing we hold: chunk_ is a copy.
      if (!stream.Init()) {
        d_.error = "decoder re-initialisation failed";
        done_ = true;
        break;
      }
      d_.finished = false;
      continue;
    }
    if (in_used == 0 && out_used == 0) {
      if (in_pos_ < chunk_.size()) {
        d_.error = "decoder made no progress";
      } else if (!at_eof) {
        continue;  // refill
      } else {
        d_.truncated = true;
      }
      done_ = true;
      break;
    }
  }
  if (done_ && !d_.finished) d_.consumed = pos() - begin_;
  return written;
}

Decoded Decode(Codec codec, Source& src, uint64_t begin, uint64_t len, uint64_t max_out,
               bool concatenated) {
  Decoder dec(codec, src, begin, len, max_out, concatenated);
  std::vector<uint8_t> bytes;
  while (!dec.done()) {
    size_t old = bytes.size();
    bytes.resize(old + kChunk);
    size_t n = dec.Next(bytes.data() + old, kChunk);
    bytes.resize(old + n);
  }
  Decoded d = dec.state();
  d.bytes = std::move(bytes);
  return d;
}

Decoded DecodeBytes(Codec codec, ByteSpan in, uint64_t max_out, bool concatenated) {
  SpanSource src(in);
  return Decode(codec, src, 0, in.size(), max_out, concatenated);
}

Codec LzmaFormatOf(ByteSpan head) {
  static constexpr uint8_t kXzMagic[6] = {0xFD, '7', 'z', 'X', 'Z', 0x00};
  return head.size() >= 6 && std::memcmp(head.data(), kXzMagic, 6) == 0 ? Codec::kXz
                                                                        : Codec::kLzmaAlone;
}

Decoded Probe(Codec codec, Source& src, uint64_t begin, uint64_t len, uint64_t max_out,
              bool concatenated, uint32_t* crc32_out) {
  Decoder dec(codec, src, begin, len, max_out, concatenated);
  std::vector<uint8_t> buf(kChunk);
  uLong crc = 0;
  while (!dec.done()) {
    size_t n = dec.Next(buf.data(), buf.size());
    if (crc32_out != nullptr && n > 0) crc = crc32_z(crc, buf.data(), n);
  }
  if (crc32_out != nullptr) *crc32_out = static_cast<uint32_t>(crc);
  return dec.state();
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

}  // namespace mv::codec
