#include "scan/hf_cache.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "scan/walk.h"

namespace mv::scan {

namespace {

namespace fs = std::filesystem;

std::string Var(const GetEnv& env, const char* name) {
  const char* v = env(name);
  return v != nullptr ? std::string(v) : std::string();
}

// A directory of the cache that could not be listed: an entry, never a silent skip. A directory
// that does not exist is simply empty (no cache yet, a repo folder without snapshots).
void ListError(const fs::path& dir, const std::string& display, const std::error_code& ec,
               std::vector<HfCachedFile>& out) {
  if (!ec || ec == std::errc::no_such_file_or_directory) return;
  out.push_back({dir.string(), display, "cannot list directory: " + ec.message(), ""});
}

// Whether a cache entry is a directory; one that cannot be examined is an entry, never a
// silent skip (a plain file where a folder belongs is not part of the cache's layout).
bool Directory(const fs::directory_entry& e, const std::string& display,
               std::vector<HfCachedFile>& out) {
  std::error_code ec;
  if (e.is_directory(ec)) return true;
  if (ec) out.push_back({e.path().string(), display, "cannot examine: " + ec.message(), ""});
  return false;
}

// One snapshot folder's files, named ORG/NAME@REV/path.
void ListSnapshots(const fs::path& repo, const std::string& id, std::vector<HfCachedFile>& out) {
  fs::path snaps = repo / "snapshots";
  std::error_code ec;
  fs::directory_iterator rev(snaps, ec);
  for (; !ec && rev != fs::directory_iterator(); rev.increment(ec)) {
    std::string prefix = id + "@" + rev->path().filename().string();
    if (!Directory(*rev, prefix, out)) continue;
    std::vector<PathEntry> found;
    WalkDirectory(rev->path().string(), "", found);
    for (auto& f : found) {
      std::string rel = fs::path(f.path).lexically_relative(rev->path()).generic_string();
      std::string display = rel == "." ? prefix : prefix + "/" + rel;  // the snapshot itself
      out.push_back(
          {std::move(f.path), std::move(display), std::move(f.error), std::move(f.limit)});
    }
  }
  ListError(snaps, id, ec, out);
}

}  // namespace

std::string HfCacheDir(const GetEnv& env) {
  if (auto v = Var(env, "HF_HUB_CACHE"); !v.empty()) return v;
  if (auto v = Var(env, "HF_HOME"); !v.empty()) return v + "/hub";
  if (auto v = Var(env, "XDG_CACHE_HOME"); !v.empty()) return v + "/huggingface/hub";
  return Var(env, "HOME") + "/.cache/huggingface/hub";
}

std::vector<HfCachedFile> ListHfCache(const std::string& dir) {
  std::vector<HfCachedFile> out;
  std::error_code ec;
  fs::directory_iterator repo(dir, ec);
  for (; !ec && repo != fs::directory_iterator(); repo.increment(ec)) {
    std::string folder = repo->path().filename().string();
    if (folder.rfind("models--", 0) != 0) continue;
    std::string id = folder.substr(8);
    if (size_t sep = id.find("--"); sep != std::string::npos) {
      id[sep] = '/';  // not replace(sep, 2, "/"): GCC 12 -O3 misreads it (-Wrestrict)
      id.erase(sep + 1, 1);
    }
    if (!Directory(*repo, id, out)) continue;
    ListSnapshots(repo->path(), id, out);
  }
  ListError(dir, dir, ec, out);
  std::sort(out.begin(), out.end(),
            [](const HfCachedFile& a, const HfCachedFile& b) { return a.display < b.display; });
  return out;
}

}  // namespace mv::scan
