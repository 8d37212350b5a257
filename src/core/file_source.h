// The steps of OpenFileSource (core/source.h) for an opener that does the open and the first
// read itself: core/file_batch.cc does them for many files at once through io_uring. Internal
// to src/core/.
#pragma once

#include <fcntl.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

#include "core/result.h"
#include "core/source.h"

namespace mv {

// How a file to scan is opened. O_NONBLOCK: opening a FIFO must not wait for a writer;
// FinishFileSource refuses anything but regular files.
inline constexpr int kOpenFlags = O_RDONLY | O_CLOEXEC | O_NONBLOCK;

// Bytes the first read of a file asks for: most small model files fit whole.
size_t FirstReadBytes();

// A std::allocator whose elements are left uninitialised when a vector grows: a file buffer is
// sized before it is read into, and zeroing it would touch every page of it, where a small
// file's read touches one (on a VM each page first touched costs ~10 µs). A source never
// delivers bytes past what was read into it.
template <class T>
struct NoInitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = NoInitAllocator<U>;
  };
  NoInitAllocator() = default;
  template <class U>
  NoInitAllocator(const NoInitAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
using FileBuffer = std::vector<uint8_t, NoInitAllocator<uint8_t>>;

// A buffer at least FirstReadBytes() long, from the ones this thread's closed small files gave
// back (GiveReadBuffer) when there are any: scanning many small files allocates none per file.
FileBuffer TakeReadBuffer();
void GiveReadBuffer(FileBuffer buffer);

// The first read of an open file: FirstReadBytes() from offset 0 into `buffer` (pread,
// retried on EINTR), which is taken from TakeReadBuffer() first if it is shorter. Returns what
// pread returned; `err` is its errno when that is -1.
ssize_t FirstRead(int fd, FileBuffer& buffer, int& err);

// Whether a first read that returned `got` bytes read the whole of a regular file: some bytes,
// and fewer than asked for. The source then needs its file descriptor no more.
bool ReadWholeByFirstRead(ssize_t got);

// The source of a file opened as `fd` whose first read returned `first` (with `first_errno`
// when -1) into `buffer`: what OpenFileSource returns for it. Takes `fd` (closed on error);
// fd may be -1 only when ReadWholeByFirstRead(first) (the caller closed it).
Result<SourcePtr> FinishFileSource(int fd, FileBuffer buffer, ssize_t first, int first_errno);

}  // namespace mv
