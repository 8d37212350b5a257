#include "scan/hf_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace mv::scan {
namespace {

namespace fs = std::filesystem;

GetEnv Env(std::map<std::string, std::string> vars) {
  auto held = std::make_shared<std::map<std::string, std::string>>(std::move(vars));
  return [held](const char* n) -> const char* {
    auto it = held->find(n);
    return it == held->end() ? nullptr : it->second.c_str();
  };
}

TEST(HfCache, DirResolutionOrder) {
  EXPECT_EQ(HfCacheDir(Env({{"HF_HUB_CACHE", "/a"}, {"HF_HOME", "/b"}, {"HOME", "/h"}})), "/a");
  EXPECT_EQ(HfCacheDir(Env({{"HF_HUB_CACHE", ""}, {"HF_HOME", "/b"}})), "/b/hub");
  EXPECT_EQ(HfCacheDir(Env({{"XDG_CACHE_HOME", "/x"}, {"HOME", "/h"}})), "/x/huggingface/hub");
  EXPECT_EQ(HfCacheDir(Env({{"HOME", "/h"}})), "/h/.cache/huggingface/hub");
}

TEST(HfCache, ListsSnapshotFilesByRepoRevisionAndPath) {
  fs::path root = fs::temp_directory_path() / ("mv-hf-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::path repo = root / "models--acme--tiny";
  fs::create_directories(repo / "blobs");
  fs::create_directories(repo / "snapshots/abc123/sub");
  std::ofstream(repo / "blobs/1111") << "{}";
  std::ofstream(repo / "blobs/2222") << "x";
  fs::create_symlink("../../blobs/1111", repo / "snapshots/abc123/config.json");
  fs::create_symlink("../../../blobs/2222", repo / "snapshots/abc123/sub/model.bin");
  fs::create_directories(root / "models--gpt2/snapshots/r1");
  std::ofstream(root / "models--gpt2/snapshots/r1/vocab.txt") << "a";
  fs::create_directories(root / "datasets--acme--data/snapshots/r2");
  std::ofstream(root / "datasets--acme--data/snapshots/r2/d.csv") << "a";
  fs::create_directories(root / "models--acme--nosnap/blobs");  // download not finished: empty
  // A directory link out of the snapshot: not followed, and reported (its content is unread).
  fs::create_symlink(root, repo / "snapshots/abc123/loop");

  auto files = ListHfCache(root.string());
  ASSERT_EQ(files.size(), 4u);
  EXPECT_EQ(files[0].display, "acme/tiny@abc123/config.json");
  EXPECT_EQ(files[1].display, "acme/tiny@abc123/loop");
  EXPECT_NE(files[1].error.find("outside the scanned tree"), std::string::npos);
  EXPECT_EQ(files[2].display, "acme/tiny@abc123/sub/model.bin");
  EXPECT_EQ(files[3].display, "gpt2@r1/vocab.txt");
  EXPECT_EQ(files[0].path, (repo / "snapshots/abc123/config.json").string());
  for (size_t i : {0, 2, 3}) EXPECT_EQ(files[i].error, "") << files[i].display;
  EXPECT_TRUE(ListHfCache((root / "missing").string()).empty());
  fs::remove_all(root);
}

}  // namespace
}  // namespace mv::scan
