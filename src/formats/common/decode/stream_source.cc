#include "formats/common/decode/stream_source.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "core/limits.h"

namespace mv::formats::compress {

namespace {

constexpr size_t kDecodeStep = 256 << 10;
// The window is trimmed back to kStreamWindow once it grows 1 MiB past it (one memmove per
// MiB decoded keeps the cost small and the bound tight).
constexpr uint64_t kCompactAt = limits::kStreamWindow + (1 << 20);

class StreamSource final : public Source {
 public:
  StreamSource(StreamSpec spec, uint64_t size) : spec_(std::move(spec)), size_(size) {}

  uint64_t size() const override { return size_; }
  bool stable() const override { return false; }
  uint64_t bytes_read() const override { return spec_.parent->bytes_read(); }
  std::vector<Anomaly> TakeAnomalies() override {
    std::vector<Anomaly> out = std::move(anomalies_);
    anomalies_.clear();
    return out;
  }
  uint64_t restarts() const { return restarts_; }

  Result<ByteSpan> Read(uint64_t off, size_t len) override {
    if (off > size_) return MakeError(Errc::kTruncated, "read past end of decompressed data", off);
    uint64_t n = std::min<uint64_t>(len, size_ - off);
    if (n == 0) return ByteSpan{};
    if (off + n <= head_.size()) return ByteSpan(head_.data() + off, static_cast<size_t>(n));
    if (n > limits::kMaxInMemoryMember) {
      return MakeError(Errc::kLimit, "single read larger than limits::kMaxInMemoryMember", off);
    }
    if (!dec_ || off < win_begin_) {
      if (dec_) {
        if (restarts_ >= limits::kMaxStreamRestarts) {
          if (!warned_restarts_) {
            warned_restarts_ = true;
            anomalies_.push_back(
                Anomaly::Defect("limit.stream-restarts",
                                spec_.what + ": read back too often (limits::kMaxStreamRestarts "
                                             "re-decodes); the rest was not analysed",
                                off)
                    .Incomplete());
          }
          return MakeError(Errc::kLimit, "decompressed member re-decoded too often", off);
        }
        ++restarts_;
      }
      dec_.reset();
      dec_ = std::make_unique<Decoder>(spec_.codec, *spec_.parent, spec_.begin, spec_.len,
                                       std::min(spec_.max_out, size_), spec_.concatenated);
      win_.clear();
      win_begin_ = 0;
      // Sized to the member: a chain of nested small streams must not hold full windows.
      win_.reserve(static_cast<size_t>(std::min<uint64_t>(size_, kCompactAt + kDecodeStep)));
    }
    while (Produced() < off + n && !dec_->done()) {
      if (win_.size() > kCompactAt) {
        uint64_t keep = std::min(off, Produced() - limits::kStreamWindow);
        if (keep > win_begin_) {
          win_.erase(win_.begin(), win_.begin() + static_cast<ptrdiff_t>(keep - win_begin_));
          win_begin_ = keep;
        }
      }
      uint64_t start = Produced();
      size_t old = win_.size();
      win_.resize(old + kDecodeStep);
      size_t got = dec_->Next(win_.data() + old, kDecodeStep);
      win_.resize(old + got);
      if (start < limits::kStreamHead && head_.size() == start) {
        size_t take = static_cast<size_t>(std::min<uint64_t>(got, limits::kStreamHead - start));
        head_.insert(head_.end(), win_.begin() + static_cast<ptrdiff_t>(old),
                     win_.begin() + static_cast<ptrdiff_t>(old + take));
      }
    }
    uint64_t have = Produced() > off ? std::min<uint64_t>(n, Produced() - off) : 0;
    if (have < n && !warned_short_) {
      // The probe decoded size_ bytes from the same input: the parent changed or failed.
      warned_short_ = true;
      const Decoded& st = dec_->state();
      anomalies_.push_back(
          Anomaly::Defect("limit.stream-redecode",
                          spec_.what + ": decoding on demand stopped after " +
                              std::to_string(Produced()) + " of " + std::to_string(size_) +
                              " bytes" + (st.error.empty() ? std::string() : " (" + st.error + ")"),
                          off)
              .Incomplete());
    }
    if (have == 0) return MakeError(Errc::kTruncated, "decompressed data ended early", off);
    return ByteSpan(win_.data() + (off - win_begin_), static_cast<size_t>(have));
  }

 private:
  uint64_t Produced() const { return win_begin_ + win_.size(); }

  StreamSpec spec_;
  uint64_t size_;
  std::unique_ptr<Decoder> dec_;  // null until the first read that needs it
  std::vector<uint8_t> head_;     // decoded bytes [0, kStreamHead)
  std::vector<uint8_t> win_;      // decoded bytes [win_begin_, win_begin_ + size)
  uint64_t win_begin_ = 0;
  uint64_t restarts_ = 0;
  bool warned_restarts_ = false;
  bool warned_short_ = false;
  std::vector<Anomaly> anomalies_;
};

class ConcatSource final : public Source {
 public:
  ConcatSource(SourcePtr a, SourcePtr b) : a_(std::move(a)), b_(std::move(b)) {}
  uint64_t size() const override { return a_->size() + b_->size(); }
  bool stable() const override { return false; }
  uint64_t bytes_read() const override { return a_->bytes_read() + b_->bytes_read(); }
  std::vector<Anomaly> TakeAnomalies() override { return b_->TakeAnomalies(); }
  Result<ByteSpan> Read(uint64_t off, size_t len) override {
    uint64_t asz = a_->size();
    if (off > size()) return MakeError(Errc::kTruncated, "read past end", off);
    uint64_t n = std::min<uint64_t>(len, size() - off);
    if (off >= asz) return b_->Read(off - asz, static_cast<size_t>(n));
    if (off + n <= asz) return a_->Read(off, static_cast<size_t>(n));
    MV_ASSIGN_OR_RETURN(ByteSpan first, a_->Read(off, static_cast<size_t>(asz - off)));
    scratch_.assign(first.begin(), first.end());
    MV_ASSIGN_OR_RETURN(ByteSpan second, b_->Read(0, static_cast<size_t>(off + n - asz)));
    scratch_.insert(scratch_.end(), second.begin(), second.end());
    return ByteSpan(scratch_.data(), scratch_.size());
  }

 private:
  SourcePtr a_;
  SourcePtr b_;
  std::vector<uint8_t> scratch_;
};

}  // namespace

SourcePtr MakeStreamSource(StreamSpec spec, uint64_t size) {
  return std::make_shared<StreamSource>(std::move(spec), size);
}

SourcePtr MakeConcatSource(SourcePtr a, SourcePtr b) {
  return std::make_shared<ConcatSource>(std::move(a), std::move(b));
}

uint64_t StreamRestarts(const Source& src) {
  const auto* s = dynamic_cast<const StreamSource*>(&src);
  return s != nullptr ? s->restarts() : 0;
}

}  // namespace mv::formats::compress
