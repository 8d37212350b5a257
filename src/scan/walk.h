// What `modelvet scan PATH…` scans: files, and directories walked recursively. Nothing found
// is dropped: a directory that cannot be listed, an argument that cannot be examined (symlink
// loop, unreadable parent) and a tree nested past limits::kMaxDirectoryDepth each become an
// entry the report shows as an error, so the scan never reports `safe` over what it skipped.
#pragma once

#include <string>
#include <vector>

#include "core/scan_result.h"

namespace mv::scan {

struct PathEntry {
  std::string path;   // the file to scan, or the directory that could not be walked
  std::string root;   // the directory argument it was found under ("" for a file argument)
  std::string error;  // non-empty: not scanned; why (shown as the entry's error)
  std::string limit;  // the limit rule when `error` comes from one ("limit.directory-depth")
};

// Files under each path: directories recursively (sorted per argument; links to files are
// followed, links to directories are not descended into — one that resolves outside the walked
// tree, or into `.git`, is an error entry since its content is not scanned — and `.git` is
// skipped), anything else
// as given (a missing path, a FIFO, a dangling link: the scan reports why it cannot be read).
// Walks with an explicit stack, one open directory at a time; memory grows with the entries
// found, not with the depth.
std::vector<PathEntry> ExpandPaths(const std::vector<std::string>& paths);

// The walk of one directory, appended to `out` (entries' root is `root`).
void WalkDirectory(const std::string& dir, const std::string& root, std::vector<PathEntry>& out);

// The report of an entry that could not be scanned (error set): verdict `error`, with a
// `limit.*` finding when a limit caused it.
FileReport SkippedReport(const PathEntry& e);

}  // namespace mv::scan
