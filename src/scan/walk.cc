#include "scan/walk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <string_view>
#include <system_error>

#include "core/limits.h"
#include "core/prefault.h"

namespace mv::scan {

namespace fs = std::filesystem;

namespace {

// Empty if the directory `link` points to is walked anyway (it resolves inside `base`, the
// walked tree's real path, and not into a skipped `.git`); else why its content is not scanned.
std::string UncoveredDirectoryLink(const fs::path& link, const fs::path& base) {
  std::error_code ec;
  fs::path target = fs::canonical(link, ec);
  if (ec) return "not scanned: a link to a directory that cannot be resolved: " + ec.message();
  if (!base.empty()) {
    fs::path rel = target.lexically_relative(base);
    bool inside = !rel.empty() && *rel.begin() != "..";
    for (const auto& part : rel) inside = inside && part != ".git";
    if (inside) return "";
  }
  return "not scanned: a link to a directory outside the scanned tree (-> " + target.string() +
         "); links to directories are not followed, scan the target itself";
}

// A child's path as std::filesystem would join it: no separator added after one.
std::string ChildPath(const std::string& dir, std::string_view name) {
  std::string out;
  out.reserve(dir.size() + 1 + name.size());
  out = dir;
  if (!out.empty() && out.back() != '/') out += '/';
  out += name;
  return out;
}

}  // namespace

void WalkDirectory(const std::string& dir, const std::string& root, std::vector<PathEntry>& out) {
  std::error_code bec;
  const fs::path base = fs::canonical(dir, bec);  // empty if unresolvable: every link reported
  struct Pending {
    std::string path;
    int depth;
  };
  // readdir(3) rather than fs::directory_iterator: the iterator splits every entry's path into
  // components, which was most of the cost of listing a directory of many small models.
  auto errno_text = [](int err) { return std::error_code(err, std::generic_category()).message(); };
  std::vector<Pending> stack{{dir, 0}};
  // One directory's listing: the names end to end in one buffer, and per entry where its name
  // lies and its d_type. Both are reused from directory to directory; fresh memory is most of
  // what listing a directory of many small files costs (a page fault per 4 KiB).
  struct Listed {
    uint32_t at;
    uint32_t size;
    unsigned char type;
  };
  std::string names;
  std::vector<Listed> listed;
  size_t first = out.size();
  bool in_order = true;  // entries placed so far are in path order (one directory, no error)
  int directories = 0;
  while (!stack.empty()) {
    Pending d = std::move(stack.back());
    stack.pop_back();
    // A second directory (listed or not: one that cannot be opened is an entry too) is placed
    // after the first one's entries, wherever its path sorts.
    in_order = in_order && ++directories == 1;
    DIR* listing = ::opendir(d.path.c_str());
    if (listing == nullptr) {
      out.push_back({d.path, root, "cannot list directory: " + errno_text(errno), ""});
      continue;
    }
    const int dfd = ::dirfd(listing);
    // The whole listing first: then the entries are placed without the list being copied as
    // it grows, and its pages are asked for in one call.
    names.clear();
    listed.clear();
    int list_errno = 0;
    for (;;) {
      errno = 0;
      const dirent* e = ::readdir(listing);
      if (e == nullptr) {
        list_errno = errno;
        break;
      }
      std::string_view name(e->d_name);
      if (name == "." || name == "..") continue;
      if (names.size() > UINT32_MAX - name.size()) {  // ~4 GiB of names: listed as far as here
        list_errno = EOVERFLOW;
        break;
      }
      listed.push_back(
          {static_cast<uint32_t>(names.size()), static_cast<uint32_t>(name.size()), e->d_type});
      names.append(name);
    }
    auto name_of = [&names](const Listed& l) {
      return std::string_view(names).substr(l.at, l.size);
    };
    // In name order (a listing holds each name once), so a directory's files are placed in
    // path order (all share its prefix) and a tree that is one directory needs no sort below:
    // short names sort faster than the entries.
    std::sort(listed.begin(), listed.end(),
              [&](const Listed& a, const Listed& b) { return name_of(a) < name_of(b); });
    // Geometric growth: a tree of many small directories costs no copy per directory.
    size_t need = out.size() + listed.size() + 1;
    if (out.capacity() < need) out.reserve(std::max(need, 2 * out.capacity()));
    PrefaultForWrite(out.data() + out.size(), listed.size() * sizeof(PathEntry));
    for (const Listed& l : listed) {
      std::string_view name = name_of(l);
      std::string path = ChildPath(d.path, name);
      // The entry's own type as the listing gave it (d_type): no lstat per file unless the
      // file system does not say (then one fstatat asks).
      unsigned char type = l.type;
      if (type == DT_UNKNOWN) {
        struct stat st;
        if (::fstatat(dfd, std::string(name).c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
          out.push_back({std::move(path), root, "cannot examine: " + errno_text(errno), ""});
          continue;
        }
        type = S_ISLNK(st.st_mode) ? DT_LNK : S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
      }
      if (type == DT_DIR) {
        if (name == ".git") continue;  // VCS metadata is not part of a model
        if (d.depth + 1 > limits::kMaxDirectoryDepth) {
          out.push_back({std::move(path), root,
                         "not scanned: directories nested deeper than "
                         "limits::kMaxDirectoryDepth (" +
                             std::to_string(limits::kMaxDirectoryDepth) + ")",
                         "limit.directory-depth"});
          continue;
        }
        stack.push_back({std::move(path), d.depth + 1});
        continue;
      }
      // Links to files are followed (the HF cache is built of them); links to directories are
      // never descended into, so a walk cannot loop or leave the tree. A directory link whose
      // target lies inside the walked tree is covered (the target is walked at its own path);
      // any other is an error entry: content a loader would read was not. Dangling links,
      // FIFOs, sockets and devices stay in the list: the scan reports them as errors.
      if (type == DT_LNK) {
        struct stat st;
        if (::fstatat(dfd, std::string(name).c_str(), &st, 0) == 0 && S_ISDIR(st.st_mode)) {
          if (auto why = UncoveredDirectoryLink(path, base); !why.empty())
            out.push_back({std::move(path), root, why, ""});
          continue;
        }
      }
      out.push_back({std::move(path), root, "", ""});
    }
    if (list_errno != 0) {
      out.push_back({d.path, root, "cannot list directory: " + errno_text(list_errno), ""});
      in_order = false;  // the directory's own path sorts before its entries
    }
    ::closedir(listing);
  }
  // Sorted per argument by path. One directory listed without error was placed in path order.
  if (in_order) return;
  auto by_path = [](const PathEntry& a, const PathEntry& b) { return a.path < b.path; };
  auto begin = out.begin() + static_cast<std::ptrdiff_t>(first);
  if (!std::is_sorted(begin, out.end(), by_path)) std::sort(begin, out.end(), by_path);
}

std::vector<PathEntry> ExpandPaths(const std::vector<std::string>& paths) {
  std::vector<PathEntry> out;
  for (const auto& p : paths) {
    std::error_code ec;
    fs::file_status st = fs::status(p, ec);  // an argument that is a link is followed
    if (!ec && fs::is_directory(st)) {
      WalkDirectory(p, p, out);
    } else {
      // A file, or something that cannot be examined (missing, a symlink loop, an unreadable
      // parent): opening it reports why.
      out.push_back({p, "", "", ""});
    }
  }
  return out;
}

FileReport SkippedReport(const PathEntry& e) {
  FileReport r;
  r.path = e.path;
  r.verdict = Verdict::kError;
  r.error = e.error;
  r.summary = e.limit.empty() ? "could not be read: " + e.error : e.error;
  if (!e.limit.empty()) {
    r.findings.push_back({Severity::kMedium, "anomaly", e.limit, "", "", "",
                          "part of the tree was not analysed: " + e.error});
  }
  return r;
}

}  // namespace mv::scan
