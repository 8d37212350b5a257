// Opens files and makes their first read many at a time. A small model file costs the kernel
// three system calls when opened alone (open, pread, close), and on a virtual machine each
// entry into the kernel is most of the cost (docs/benchmarks.md, "Issue 12, round 6"). Through
// io_uring, one system call opens a whole batch (and closes the previous one), and one more
// makes their first reads.
//
// The sources are the ones OpenFileSource returns, byte for byte and error for error: only
// the opens and the first reads are batched, and a first read the ring could not make at once
// (the data is not in the page cache, the file is no regular file) or that stopped short on a
// page boundary (where the cached pages may stop), and an open the ring could not make, are
// made again the usual way.
// Without io_uring (built without liburing, a kernel that refuses it, MODELVET_IO_URING=0)
// files are opened one at a time with OpenFileSource.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "core/result.h"
#include "core/source.h"

namespace mv {

class FileBatch {
 public:
  // Batches of up to `max_files` files.
  explicit FileBatch(size_t max_files);
  ~FileBatch();  // closes what was opened and not taken
  FileBatch(const FileBatch&) = delete;
  FileBatch& operator=(const FileBatch&) = delete;

  // Opens `paths` (at most max_files; each string must live until its Take). Files of an
  // earlier batch not taken are closed.
  void Open(std::span<const std::string* const> paths);
  // The source of the i-th path of the last Open, as OpenFileSource returns it; once per i.
  Result<SourcePtr> Take(size_t i);

  // Whether io_uring carries the batches (false: one file at a time).
  bool uses_io_uring() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mv
