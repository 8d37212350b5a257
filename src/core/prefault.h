// Asking the kernel for many pages at once. A large array about to be written page by page
// (a report slot per file, a directory's entries, the text report) otherwise takes one page
// fault per 4 KiB, and a fault is a trap into the kernel: on virtual machines where traps are
// slow (about 10 µs each on the machine docs/benchmarks.md measures on), the faults of a scan
// of a few thousand small files cost more than reading them.
#pragma once

#include <cstddef>

namespace mv {

// Makes the whole pages inside [p, p + bytes) present and writable now, in one call
// (madvise MADV_POPULATE_WRITE, Linux 5.14+). Contents are unchanged. Best effort: on older
// kernels, or for ranges under 64 KiB, it does nothing and pages fault in as they are used.
void PrefaultForWrite(void* p, size_t bytes);

}  // namespace mv
