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

// One snapshot folder's files, named ORG/NAME@REV/path.
void ListSnapshots(const fs::path& repo, const std::string& id, std::vector<HfCachedFile>& out) {
  fs::path snaps = repo / "snapshots";
  std::error_code ec;
  fs::directory_iterator rev(snaps, ec);
  for (; !ec && rev != fs::directory_iterator(); rev.increment(ec)) {
    std::error_code sec;
    std::string prefix = id + "@" + rev->path().filename().string();
    if (!rev->is_directory(sec)) {
      if (sec)
        out.push_back({rev->path().string(), prefix, "cannot examine: " + sec.message(), ""});
      continue;
    }
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
    std::error_code sec;
    if (!repo->is_directory(sec)) {
      if (sec) out.push_back({repo->path().string(), id, "cannot examine: " + sec.message(), ""});
      continue;
    }
    ListSnapshots(repo->path(), id, out);
  }
  ListError(dir, dir, ec, out);
  std::sort(out.begin(), out.end(),
            [](const HfCachedFile& a, const HfCachedFile& b) { return a.display < b.display; });
  return out;
}

}  // namespace mv::scan
