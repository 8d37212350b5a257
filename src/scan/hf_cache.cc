#include "scan/hf_cache.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "scan/walk.h"

namespace mv::scan {

namespace {

std::string Var(const GetEnv& env, const char* name) {
  const char* v = env(name);
  return v != nullptr ? std::string(v) : std::string();
}

}  // namespace

std::string HfCacheDir(const GetEnv& env) {
  if (auto v = Var(env, "HF_HUB_CACHE"); !v.empty()) return v;
  if (auto v = Var(env, "HF_HOME"); !v.empty()) return v + "/hub";
  if (auto v = Var(env, "XDG_CACHE_HOME"); !v.empty()) return v + "/huggingface/hub";
  return Var(env, "HOME") + "/.cache/huggingface/hub";
}

std::vector<HfCachedFile> ListHfCache(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<HfCachedFile> out;
  std::error_code ec;
  for (fs::directory_iterator repo(dir, ec), end; !ec && repo != end; repo.increment(ec)) {
    std::string folder = repo->path().filename().string();
    if (folder.rfind("models--", 0) != 0 || !repo->is_directory(ec)) continue;
    std::string id = folder.substr(8);
    if (size_t sep = id.find("--"); sep != std::string::npos) {
      id[sep] = '/';  // not replace(sep, 2, "/"): GCC 12 -O3 misreads it (-Wrestrict)
      id.erase(sep + 1, 1);
    }
    fs::path snaps = repo->path() / "snapshots";
    std::error_code ec2;
    for (fs::directory_iterator rev(snaps, ec2), rend; !ec2 && rev != rend; rev.increment(ec2)) {
      if (!rev->is_directory(ec2)) continue;
      std::string prefix = id + "@" + rev->path().filename().string() + "/";
      std::vector<PathEntry> found;
      WalkDirectory(rev->path().string(), "", found);
      for (auto& f : found) {
        std::string rel = fs::path(f.path).lexically_relative(rev->path()).generic_string();
        out.push_back({std::move(f.path), prefix + rel, std::move(f.error), std::move(f.limit)});
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const HfCachedFile& a, const HfCachedFile& b) { return a.display < b.display; });
  return out;
}

}  // namespace mv::scan
