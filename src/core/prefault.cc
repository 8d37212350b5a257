#include "core/prefault.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace mv {

namespace {

#ifndef MADV_POPULATE_WRITE
constexpr int MADV_POPULATE_WRITE = 23;  // linux/mman.h, Linux 5.14
#endif

// Below this a call saves fewer faults than it costs.
constexpr size_t kMinBytes = 64 << 10;

}  // namespace

void PrefaultForWrite(void* p, size_t bytes) {
  if (p == nullptr || bytes < kMinBytes) return;
  static const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  // Whole pages only: the range may share its first and last page with other memory, which
  // is mapped too, but only the range is the caller's to ask about.
  uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + page - 1) & ~(page - 1);
  uintptr_t end = (reinterpret_cast<uintptr_t>(p) + bytes) & ~(page - 1);
  if (end <= begin) return;
  (void)madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);
}

}  // namespace mv
