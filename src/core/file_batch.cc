#include "core/file_batch.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "core/file_source.h"

#if MV_HAVE_IO_URING
#include <liburing.h>
#endif

namespace mv {

#if MV_HAVE_IO_URING
namespace {

// MODELVET_IO_URING=0 turns the rings off: for a seccomp policy that kills the process on a
// system call it does not know instead of refusing it (which the fallback handles).
bool IoUringAllowed() {
  const char* v = std::getenv("MODELVET_IO_URING");
  return v == nullptr || std::string_view(v) != "0";
}

}  // namespace
#endif

struct FileBatch::Impl {
  // One file of the batch.
  struct Slot {
    const std::string* path = nullptr;
    bool ring = false;  // opened through the ring (else Take opens it itself)
    int fd = -1;
    int open_errno = 0;  // the open failed
    FileBuffer buffer;
    bool read = false;  // the ring made the first read: `got` bytes
    ssize_t got = -1;
    bool taken = false;
  };

  explicit Impl(size_t max_files) {
#if MV_HAVE_IO_URING
    if (!IoUringAllowed()) return;
    // Room for a batch's opens plus the closes of the previous batch's files.
    const auto entries = static_cast<unsigned>(2 * max_files);
    // Completions are run only when this thread waits for them (kernels since 6.1); older
    // kernels refuse the flags and get a plain ring.
    if (io_uring_queue_init(entries, &ring,
                            IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN) != 0 &&
        io_uring_queue_init(entries, &ring, 0) != 0) {
      return;
    }
    // Opens, reads and closes through a ring came with Linux 5.6: an older kernel's ring is
    // not used.
    io_uring_probe* probe = io_uring_get_probe_ring(&ring);
    ring_ok = probe != nullptr && io_uring_opcode_supported(probe, IORING_OP_OPENAT) &&
              io_uring_opcode_supported(probe, IORING_OP_READ) &&
              io_uring_opcode_supported(probe, IORING_OP_CLOSE);
    if (probe != nullptr) io_uring_free_probe(probe);
    if (!ring_ok) io_uring_queue_exit(&ring);
#endif
  }

  ~Impl() {
    Release();
    for (int fd : to_close) ::close(fd);
#if MV_HAVE_IO_URING
    if (ring_ok) io_uring_queue_exit(&ring);
#endif
  }

  // Closes the files of the last batch that were not taken.
  void Release() {
    for (Slot& s : slots) {
      if (s.taken) continue;
      if (s.fd >= 0) to_close.push_back(s.fd);
      if (!s.buffer.empty()) GiveReadBuffer(std::move(s.buffer));
    }
    slots.clear();
  }

  void Open(std::span<const std::string* const> paths) {
    Release();
    slots.resize(paths.size());
    for (size_t i = 0; i < paths.size(); ++i) slots[i].path = paths[i];
#if MV_HAVE_IO_URING
    if (ring_ok && paths.size() > 1) RingOpen();
#endif
    if (!to_close.empty() && !ring_ok) {
      for (int fd : to_close) ::close(fd);
      to_close.clear();
    }
  }

  // Whether the ring's first read stands for the pread OpenFileSource makes. It does not when
  // it failed: RWF_NOWAIT reads fail where a pread would wait (EAGAIN: data not in the page
  // cache) and on files that cannot promise not to (EOPNOTSUPP: FIFOs, ttys), which pread
  // refuses or reads differently. Nor when it stopped short at a page boundary: a read that
  // may not wait stops where the cached pages do, and a short pread means the end of a
  // regular file. Pages are multiples of 4 KiB on every architecture Linux runs on; a file
  // that ends on one is read again (one pread). Such reads are made again the usual way, so
  // results and errors are those of a file opened alone.
  static bool RingReadIsWhole(const Slot& s) {
    if (!s.read || s.got < 0) return false;
    return !(ReadWholeByFirstRead(s.got) && s.got % 4096 == 0);
  }

  Result<SourcePtr> Take(size_t i) {
    Slot& s = slots.at(i);
    s.taken = true;
    if (!s.ring) return OpenFileSource(*s.path);
    if (s.fd < 0) {
      // The file is opened again alone, so that its error is the one a lone open gets (a
      // kernel may also refuse an operation the probe did not catch). Out of descriptors, the
      // closes this batch still holds are made first.
      if (s.open_errno == EMFILE || s.open_errno == ENFILE) {
        for (int fd : to_close) ::close(fd);
        to_close.clear();
      }
      return OpenFileSource(*s.path);
    }
    int fd = s.fd;
    s.fd = -1;
    ssize_t got = s.got;
    int err = 0;
    if (!RingReadIsWhole(s)) got = FirstRead(fd, s.buffer, err);
    if (ReadWholeByFirstRead(got)) {
      to_close.push_back(fd);  // with the next batch's opens
      fd = -1;
    }
    return FinishFileSource(fd, std::move(s.buffer), got, err);
  }

#if MV_HAVE_IO_URING
  // Submits what is queued and hands each of `count` completions to `done`. False when the
  // ring failed; it is then not used again.
  template <class Done>
  bool SubmitAndReap(unsigned count, Done&& done) {
    int r;
    do {
      r = io_uring_submit_and_wait(&ring, count);
    } while (r == -EINTR);
    if (r < 0) {
      Broken();
      return false;
    }
    for (unsigned k = 0; k < count; ++k) {
      io_uring_cqe* cqe = nullptr;
      do {
        r = io_uring_wait_cqe(&ring, &cqe);
      } while (r == -EINTR);
      if (r < 0) {
        Broken();
        return false;
      }
      done(io_uring_cqe_get_data64(cqe), cqe->res);
      io_uring_cqe_seen(&ring, cqe);
    }
    return true;
  }

  // A ring that failed is let go and this batch's files are opened one at a time. What was
  // still in flight is the kernel's to finish: the buffers it may write are kept until the
  // batch is destroyed, and a file it opens then stays open (a failing ring is not expected).
  void Broken() {
    io_uring_queue_exit(&ring);
    ring_ok = false;
    for (Slot& s : slots) {
      if (s.fd >= 0) ::close(s.fd);
      if (!s.buffer.empty()) orphaned.push_back(std::move(s.buffer));
      const std::string* path = s.path;
      s = Slot{};
      s.path = path;
    }
  }

  // A close's tag (a file's is its index in the batch).
  static constexpr uint64_t kCloseTag = ~0ull;

  void RingOpen() {
    unsigned count = 0;
    // The ring has room for both (Impl()); a full one would only mean closing and opening
    // here, one at a time.
    for (int fd : to_close) {
      io_uring_sqe* sqe = io_uring_get_sqe(&ring);
      if (sqe == nullptr) {
        ::close(fd);
        continue;
      }
      io_uring_prep_close(sqe, fd);
      io_uring_sqe_set_data64(sqe, kCloseTag);
      ++count;
    }
    to_close.clear();
    for (size_t i = 0; i < slots.size(); ++i) {
      io_uring_sqe* sqe = io_uring_get_sqe(&ring);
      if (sqe == nullptr) break;
      io_uring_prep_openat(sqe, AT_FDCWD, slots[i].path->c_str(), kOpenFlags, 0);
      io_uring_sqe_set_data64(sqe, i);
      slots[i].ring = true;
      ++count;
    }
    bool ok = SubmitAndReap(count, [&](uint64_t tag, int res) {
      // A close releases the descriptor whatever it reports, as close(2) does on Linux (so it
      // is never made again: the number may already be a file of this batch).
      if (tag == kCloseTag) return;
      Slot& s = slots[tag];
      if (res >= 0) {
        s.fd = res;
      } else {
        s.open_errno = -res;
      }
    });
    if (!ok) return;
    count = 0;
    for (size_t i = 0; i < slots.size(); ++i) {
      Slot& s = slots[i];
      if (s.fd < 0) continue;
      io_uring_sqe* sqe = io_uring_get_sqe(&ring);
      if (sqe == nullptr) break;  // Take reads it
      s.buffer = TakeReadBuffer();
      io_uring_prep_read(sqe, s.fd, s.buffer.data(), static_cast<unsigned>(FirstReadBytes()), 0);
      // Never wait in the kernel: a FIFO or a tty opened in place of a file would hold the
      // batch. Such a read fails and is made again in Take (RingReadIsWhole).
      sqe->rw_flags = RWF_NOWAIT;
      io_uring_sqe_set_data64(sqe, i);
      ++count;
    }
    if (count == 0) return;
    SubmitAndReap(count, [&](uint64_t tag, int res) {
      Slot& s = slots[tag];
      s.read = true;
      s.got = res;
    });
  }

  io_uring ring{};
#endif

  bool ring_ok = false;
  std::vector<Slot> slots;
  std::vector<int> to_close;         // files read whole, closed with the next batch's opens
  std::vector<FileBuffer> orphaned;  // Broken()
};

FileBatch::FileBatch(size_t max_files) : impl_(std::make_unique<Impl>(max_files)) {}
FileBatch::~FileBatch() = default;

void FileBatch::Open(std::span<const std::string* const> paths) {
  impl_->Open(paths);
}

Result<SourcePtr> FileBatch::Take(size_t i) {
  return impl_->Take(i);
}

bool FileBatch::uses_io_uring() const {
  return impl_->ring_ok;
}

}  // namespace mv
