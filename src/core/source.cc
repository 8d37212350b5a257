#include "core/source.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/file_source.h"

namespace mv {

void ReadTracker::Add(uint64_t off, uint64_t len) {
  if (len == 0) return;
  uint64_t begin = off;
  uint64_t end = off + len;
  // The range that starts at or before `begin` and reaches it: a parser reading on from where
  // it stopped (one opcode at a time) only moves that range's end, in place, so the common
  // read costs one lookup and no node allocation.
  auto it = ranges_.upper_bound(begin);
  if (it != ranges_.begin()) {
    auto prev = std::prev(it);
    if (prev->second >= begin) {
      if (end <= prev->second) return;  // already counted
      bytes_ -= prev->second - prev->first;
      // Absorb every later range that the grown one overlaps or touches.
      while (it != ranges_.end() && it->first <= end) {
        end = std::max(end, it->second);
        bytes_ -= it->second - it->first;
        it = ranges_.erase(it);
      }
      prev->second = end;
      bytes_ += end - prev->first;
      return;
    }
  }
  // A new range starting before every range it meets: merge those into it.
  while (it != ranges_.end() && it->first <= end) {
    end = std::max(end, it->second);
    bytes_ -= it->second - it->first;
    it = ranges_.erase(it);
  }
  ranges_.emplace_hint(it, begin, end);
  bytes_ += end - begin;
}

void ReadCounter::Restart(uint64_t off, uint64_t n) {
  Flush();
  pending_begin_ = off;
  pending_end_ = off + n;
}

void ReadCounter::Flush() {
  tracker_.Add(pending_begin_, pending_end_ - pending_begin_);
  pending_begin_ = pending_end_ = 0;
}

uint64_t ReadCounter::bytes() {
  Flush();
  return tracker_.bytes();
}

namespace {

// Files up to this size are read whole with pread(2) into a buffer reused by the next small
// file scanned on the same thread: scanning many small files then costs no mmap/munmap (and
// no TLB shootdown) and no allocation per file. Larger files are mapped and paged on demand.
constexpr uint64_t kReadWholeBytes = 256 << 10;
// What the first read asks for (OpenFileSource): most small model files fit whole.
constexpr size_t kFirstReadBytes = 16 << 10;

// Each thread keeps the buffers closed small files gave back, for the next files it opens: up
// to kMaxSpareBuffers of the first read's size (core/file_batch.h has a batch of files in
// flight at once), and the largest of those a file past that size grew (up to kReadWholeBytes),
// so that a thread's spares stay within 768 KiB.
constexpr size_t kMaxSpareBuffers = 32;
thread_local std::vector<FileBuffer> t_spare_buffers;
thread_local FileBuffer t_large_spare;

// Reads [off, off + dst.size()) of fd; returns the bytes read (fewer only at end of file).
Result<size_t> PreadAll(int fd, uint64_t off, std::span<uint8_t> dst) {
  size_t got = 0;
  while (got < dst.size()) {
    ssize_t n = ::pread(fd, dst.data() + got, dst.size() - got, static_cast<off_t>(off + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return MakeError(Errc::kIo, std::string("read failed: ") + std::strerror(errno), off);
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  return got;
}

class FileSource final : public Source {
 public:
  // Mapped: base points into a mapping of the whole file (fd is kept for streaming reads).
  FileSource(int fd, const uint8_t* base, uint64_t size) : fd_(fd), base_(base), size_(size) {}
  // Read whole: the file's bytes are in buffer (which may be longer than size). fd is -1 when
  // the opener closed it already (core/file_batch.cc).
  FileSource(int fd, FileBuffer buffer, uint64_t size)
      : fd_(fd), buffer_(std::move(buffer)), base_(buffer_.data()), size_(size) {}
  ~FileSource() override {
    if (buffer_.empty()) {
      if (base_ != nullptr && size_ > 0) munmap(const_cast<uint8_t*>(base_), size_);
    } else {
      GiveReadBuffer(std::move(buffer_));
    }
    if (fd_ >= 0) ::close(fd_);
  }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  uint64_t size() const override { return size_; }
  Result<ByteSpan> Read(uint64_t off, size_t len) override {
    if (off > size_) return MakeError(Errc::kTruncated, "read past end of file", off);
    size_t n = static_cast<size_t>(std::min<uint64_t>(len, size_ - off));
    counter_.Count(off, n);
    return ByteSpan(base_ + off, n);
  }
  Result<size_t> ReadInto(uint64_t off, std::span<uint8_t> dst) override {
    if (off > size_) return MakeError(Errc::kTruncated, "read past end of file", off);
    size_t n = static_cast<size_t>(std::min<uint64_t>(dst.size(), size_ - off));
    if (!buffer_.empty()) {  // already in memory
      std::memcpy(dst.data(), base_ + off, n);
    } else {  // through the page cache: nothing stays mapped in this process
      MV_ASSIGN_OR_RETURN(n, PreadAll(fd_, off, dst.first(n)));
    }
    counter_.Count(off, n);
    return n;
  }
  uint64_t bytes_read() const override { return counter_.bytes(); }
  DirectView Direct() override { return {base_, size_, &counter_, 0}; }

 private:
  int fd_;
  FileBuffer buffer_;
  const uint8_t* base_ = nullptr;
  uint64_t size_;
  mutable ReadCounter counter_;
};

class MemorySource final : public Source {
 public:
  explicit MemorySource(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {}
  uint64_t size() const override { return bytes_.size(); }
  Result<ByteSpan> Read(uint64_t off, size_t len) override {
    if (off > bytes_.size()) return MakeError(Errc::kTruncated, "read past end of buffer", off);
    size_t n = static_cast<size_t>(std::min<uint64_t>(len, bytes_.size() - off));
    return ByteSpan(bytes_.data() + off, n);
  }
  uint64_t bytes_read() const override { return 0; }
  DirectView Direct() override { return {bytes_.data(), bytes_.size(), nullptr, 0}; }

 private:
  std::vector<uint8_t> bytes_;
};

class SubSource final : public Source {
 public:
  SubSource(SourcePtr parent, uint64_t begin, uint64_t len)
      : parent_(std::move(parent)), begin_(begin), len_(len) {}
  uint64_t size() const override { return len_; }
  Result<ByteSpan> Read(uint64_t off, size_t len) override {
    if (off > len_) return MakeError(Errc::kTruncated, "read past end of member", off);
    size_t n = static_cast<size_t>(std::min<uint64_t>(len, len_ - off));
    auto r = parent_->Read(begin_ + off, n);
    if (!r.ok()) {
      Error e = r.error();
      e.offset = off;
      return e;
    }
    return r;
  }
  bool stable() const override { return parent_->stable(); }
  uint64_t bytes_read() const override { return parent_->bytes_read(); }
  std::vector<Anomaly> TakeAnomalies() override { return parent_->TakeAnomalies(); }
  DirectView Direct() override {
    DirectView p = parent_->Direct();
    if (p.data == nullptr || begin_ > p.size || len_ > p.size - begin_) return {};
    return {p.data + begin_, len_, p.counter, p.counter_offset + begin_};
  }

 private:
  SourcePtr parent_;
  uint64_t begin_;
  uint64_t len_;
};

}  // namespace

FileBuffer TakeReadBuffer() {
  FileBuffer b;
  if (t_large_spare.capacity() != 0) {  // files read one at a time reuse one large buffer
    b = std::move(t_large_spare);
    t_large_spare = {};
  } else if (!t_spare_buffers.empty()) {
    b = std::move(t_spare_buffers.back());
    t_spare_buffers.pop_back();
  }
  if (b.size() < kFirstReadBytes) b.resize(kFirstReadBytes);
  return b;
}

void GiveReadBuffer(FileBuffer buffer) {
  if (buffer.capacity() > kFirstReadBytes) {
    if (buffer.capacity() > t_large_spare.capacity()) t_large_spare = std::move(buffer);
    return;
  }
  if (buffer.capacity() != 0 && t_spare_buffers.size() < kMaxSpareBuffers)
    t_spare_buffers.push_back(std::move(buffer));
}

size_t FirstReadBytes() {
  return kFirstReadBytes;
}

ssize_t FirstRead(int fd, FileBuffer& buffer, int& err) {
  if (buffer.size() < kFirstReadBytes) buffer = TakeReadBuffer();
  ssize_t got;
  do {
    got = ::pread(fd, buffer.data(), kFirstReadBytes, 0);
  } while (got < 0 && errno == EINTR);
  err = got < 0 ? errno : 0;
  return got;
}

bool ReadWholeByFirstRead(ssize_t got) {
  return got > 0 && static_cast<size_t>(got) < kFirstReadBytes;
}

Result<SourcePtr> FinishFileSource(int fd, FileBuffer buffer, ssize_t first, int first_errno) {
  auto fail = [fd](Error e) {
    if (fd >= 0) ::close(fd);
    return e;
  };
  // A read that stops short of kFirstReadBytes with some bytes is a regular file read to its
  // end (FIFOs, ttys and sockets refuse pread with ESPIPE, a directory with EISDIR, and devices
  // that allow it fill the block or return nothing), so most small files cost no fstat.
  // Anything else is measured before it is read further.
  if (ReadWholeByFirstRead(first)) {
    return SourcePtr(std::make_shared<FileSource>(fd, std::move(buffer), first));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    int err = errno;
    return fail(MakeError(Errc::kIo, std::string("cannot stat: ") + std::strerror(err)));
  }
  if (!S_ISREG(st.st_mode)) return fail(MakeError(Errc::kIo, "not a regular file"));
  if (first < 0) {
    return fail(MakeError(Errc::kIo, std::string("read failed: ") + std::strerror(first_errno), 0));
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size <= kReadWholeBytes) {
    // A file that grew since fstat is read as it was measured; one that shrank is scanned as
    // what could be read.
    size_t have = std::min(static_cast<size_t>(first), static_cast<size_t>(size));
    if (buffer.size() < size) buffer.resize(static_cast<size_t>(size));
    auto rest =
        PreadAll(fd, have, std::span(buffer.data() + have, static_cast<size_t>(size) - have));
    if (!rest.ok()) return fail(rest.error());
    return SourcePtr(std::make_shared<FileSource>(fd, std::move(buffer), have + *rest));
  }
  GiveReadBuffer(std::move(buffer));
  void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) {
    int err = errno;
    return fail(MakeError(Errc::kIo, std::string("cannot map: ") + std::strerror(err)));
  }
  return SourcePtr(std::make_shared<FileSource>(fd, static_cast<const uint8_t*>(p), size));
}

Result<SourcePtr> OpenFileSource(const std::string& path) {
  int fd = ::open(path.c_str(), kOpenFlags);
  if (fd < 0) return MakeError(Errc::kIo, std::string("cannot open: ") + std::strerror(errno));
  FileBuffer buffer = TakeReadBuffer();
  int err = 0;
  ssize_t first = FirstRead(fd, buffer, err);
  return FinishFileSource(fd, std::move(buffer), first, err);
}

Result<size_t> Source::ReadInto(uint64_t off, std::span<uint8_t> dst) {
  MV_ASSIGN_OR_RETURN(ByteSpan b, Read(off, dst.size()));
  std::memcpy(dst.data(), b.data(), b.size());
  return b.size();
}

SourcePtr MakeMemorySource(std::vector<uint8_t> bytes) {
  return std::make_shared<MemorySource>(std::move(bytes));
}

SourcePtr MakeMemorySource(std::string_view bytes) {
  return std::make_shared<MemorySource>(std::vector<uint8_t>(bytes.begin(), bytes.end()));
}

SourcePtr MakeSubSource(SourcePtr parent, uint64_t begin, uint64_t len) {
  uint64_t psize = parent->size();
  if (begin > psize) begin = psize;
  if (len > psize - begin) len = psize - begin;
  return std::make_shared<SubSource>(std::move(parent), begin, len);
}

Cursor::Cursor(Source& src, uint64_t begin) : Cursor(src, begin, src.size()) {}

Cursor::Cursor(Source& src, uint64_t begin, uint64_t end) : src_(&src) {
  end_ = std::min(end, src.size());
  pos_ = std::min(begin, end_);
  DirectView v = src.Direct();
  if (v.data != nullptr && v.size >= end_) {
    direct_ = v.data;
    counter_ = v.counter;
    counter_offset_ = v.counter_offset;
  }
}

Result<ByteSpan> Cursor::ReadAt(uint64_t off, size_t n) {
  if (direct_ == nullptr) return src_->Read(off, n);
  Count(off, n);
  return ByteSpan(direct_ + off, n);
}

Result<ByteSpan> Cursor::TakeSlow(size_t n) {
  if (n > remaining()) return MakeError(Errc::kTruncated, "unexpected end of data", pos_);
  auto r = ReadAt(pos_, n);
  if (!r.ok()) return r;
  if (r->size() != n) return MakeError(Errc::kTruncated, "unexpected end of data", pos_);
  pos_ += n;
  return r;
}

Result<ByteSpan> Cursor::Peek(size_t n) {
  return ReadAt(pos_, static_cast<size_t>(std::min<uint64_t>(n, remaining())));
}

Result<uint8_t> Cursor::U8Slow() {
  MV_ASSIGN_OR_RETURN(ByteSpan b, TakeSlow(1));
  return b[0];
}

Result<uint16_t> Cursor::Le16() {
  MV_ASSIGN_OR_RETURN(ByteSpan b, Take(2));
  return static_cast<uint16_t>(b[0] | (b[1] << 8));
}

Result<uint32_t> Cursor::Le32() {
  MV_ASSIGN_OR_RETURN(ByteSpan b, Take(4));
  return static_cast<uint32_t>(b[0]) | (static_cast<uint32_t>(b[1]) << 8) |
         (static_cast<uint32_t>(b[2]) << 16) | (static_cast<uint32_t>(b[3]) << 24);
}

Result<uint32_t> Cursor::Be32() {
  MV_ASSIGN_OR_RETURN(ByteSpan b, Take(4));
  return (static_cast<uint32_t>(b[0]) << 24) | (static_cast<uint32_t>(b[1]) << 16) |
         (static_cast<uint32_t>(b[2]) << 8) | static_cast<uint32_t>(b[3]);
}

Result<uint64_t> Cursor::Le64() {
  MV_ASSIGN_OR_RETURN(ByteSpan b, Take(8));
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | b[static_cast<size_t>(i)];
  return v;
}

Result<ByteSpan> Cursor::Line(size_t max_len) {
  size_t window = static_cast<size_t>(std::min<uint64_t>(max_len + 1, remaining()));
  MV_ASSIGN_OR_RETURN(ByteSpan b, ReadAt(pos_, window));
  const void* nl = std::memchr(b.data(), '\n', b.size());
  if (nl == nullptr) {
    if (b.size() > max_len) return MakeError(Errc::kLimit, "line longer than limit", pos_);
    return MakeError(Errc::kTruncated, "line not terminated", pos_);
  }
  size_t n = static_cast<size_t>(static_cast<const uint8_t*>(nl) - b.data());
  pos_ += n + 1;
  return b.first(n);
}

Status Cursor::Skip(uint64_t n) {
  if (n > remaining()) {
    pos_ = end_;
    return MakeError(Errc::kTruncated, "skip past end of data", pos_);
  }
  pos_ += n;
  return OkStatus();
}

}  // namespace mv
