#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "own_temp_dir.h"
#include "scan/scanner.h"
#include "scan/walk.h"

namespace mv::scan {
namespace {

namespace fs = std::filesystem;

using testing_support::OwnTempDir;

class ExpandPathsTest : public testing::Test {
 protected:
  void SetUp() override {
    root_ = OwnTempDir();
    fs::create_directories(root_ / "b" / "deep");
    fs::create_directories(root_ / ".git" / "objects");
    fs::create_directories(root_ / "a");
    Touch(root_ / "b" / "deep" / "z.bin");
    Touch(root_ / "a" / "model.pt");
    Touch(root_ / "top.pkl");
    Touch(root_ / ".git" / "objects" / "blob");
    fs::create_symlink(root_ / "a" / "model.pt", root_ / "link-to-file.pt");
    fs::create_directory_symlink(root_, root_ / "b" / "loop");
  }
  void TearDown() override { fs::remove_all(root_); }
  static void Touch(const fs::path& p) { std::ofstream(p) << "x"; }
  static std::vector<std::string> Paths(const std::vector<PathEntry>& entries) {
    std::vector<std::string> out;
    for (const auto& e : entries) out.push_back(e.path);
    return out;
  }
  fs::path root_;
};

TEST_F(ExpandPathsTest, SortedRecursiveSkipsGitAndDirectoryLinks) {
  auto files = Paths(ExpandPaths({root_.string()}));
  std::vector<std::string> want = {
      (root_ / "a" / "model.pt").string(),
      (root_ / "b" / "deep" / "z.bin").string(),
      (root_ / "link-to-file.pt").string(),
      (root_ / "top.pkl").string(),
  };
  EXPECT_EQ(files, want);
}

// A link to a directory is never descended into. When its target lies in the walked tree the
// content is walked at its real path; a target outside the tree (or in the skipped `.git`) is
// content a loader would read and the scan did not: an error entry, never a silent skip.
TEST_F(ExpandPathsTest, DirectoryLinksOutsideTheTreeAreErrorEntries) {
  fs::path outside = root_ / "outside";
  fs::create_directories(outside / "real");
  Touch(outside / "real" / "weights.pkl");
  fs::path tree = root_ / "tree";
  fs::create_directories(tree / "inner");
  Touch(tree / "inner" / "a.pkl");
  fs::create_directory_symlink("../outside/real", tree / "linked");
  fs::create_directory_symlink("inner", tree / "same");
  fs::create_directories(tree / ".git" / "objects");
  fs::create_directory_symlink(".git/objects", tree / "objects");
  auto entries = ExpandPaths({tree.string()});
  ASSERT_EQ(entries.size(), 3u) << testing::PrintToString(Paths(entries));
  EXPECT_EQ(entries[0].path, (tree / "inner" / "a.pkl").string());
  EXPECT_TRUE(entries[0].error.empty());
  EXPECT_EQ(entries[1].path, (tree / "linked").string());
  EXPECT_NE(entries[1].error.find("outside the scanned tree"), std::string::npos)
      << entries[1].error;
  EXPECT_NE(entries[1].error.find((outside / "real").string()), std::string::npos);
  EXPECT_EQ(entries[2].path, (tree / "objects").string());
  EXPECT_FALSE(entries[2].error.empty());
  for (const auto& e : entries) EXPECT_EQ(e.root, tree.string());
  EXPECT_EQ(SkippedReport(entries[1]).verdict, Verdict::kError);
}

// One directory is placed in path order without the final sort (walk.cc sorts its listing by
// name): whatever order the file system lists them in, and whatever their length or bytes, the
// entries come out in byte order of their paths. A second directory brings the sort back.
TEST(WalkDirectory, OneDirectoryAndATreeComeOutInPathOrder) {
  fs::path root = OwnTempDir();
  std::vector<std::string> names = {"m1.pt",
                                    "m10.pt",
                                    "m2.pt",
                                    "M.pt",
                                    "a",
                                    "a.b",
                                    "a-b",
                                    "ab",
                                    "a-name-longer-than-a-short-string-buffer.safetensors",
                                    "\xc3\xa9.pt",
                                    "~x",
                                    "0",
                                    "m"};
  std::vector<std::string> want;
  for (const auto& n : names) {
    std::ofstream(root / n) << "x";
    want.push_back((root / n).string());
  }
  std::sort(want.begin(), want.end());
  auto paths = [](const std::vector<PathEntry>& entries) {
    std::vector<std::string> out;
    for (const auto& e : entries) out.push_back(e.path);
    return out;
  };
  EXPECT_EQ(paths(ExpandPaths({root.string()})), want);
  // A subdirectory whose entries sort between the files of its parent ("m1/x" after "m1.pt"
  // and before "m10.pt"), and one whose entries sort first.
  for (const char* sub : {"m1", "0-first"}) {
    fs::create_directory(root / sub);
    std::ofstream(root / sub / "x") << "x";
    want.push_back((root / sub / "x").string());
  }
  std::sort(want.begin(), want.end());
  EXPECT_EQ(paths(ExpandPaths({root.string()})), want);
  fs::remove_all(root);
}

// A subdirectory that cannot be listed is an error entry placed after its parent's files; the
// tree still comes out in path order. (Made unlistable by its path's length, PATH_MAX, as
// permissions do not stop root.)
TEST(WalkDirectory, AnUnlistableSubdirectoryIsSortedIntoPlace) {
  fs::path top = OwnTempDir();
  fs::path root = top;
  while (root.string().size() < 3800) root /= std::string(200, 'd');
  fs::create_directories(root);
  std::ofstream(root / "b") << "x";
  const std::string sub(255, 'a');  // root/aaa… is longer than PATH_MAX
  int dfd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(dfd, 0);
  ASSERT_EQ(::mkdirat(dfd, sub.c_str(), 0755), 0);
  auto entries = ExpandPaths({root.string()});
  ::unlinkat(dfd, sub.c_str(), AT_REMOVEDIR);
  ::close(dfd);
  fs::remove_all(top);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].path, (root / sub).string()) << "(paths end in a… and b)";
  EXPECT_NE(entries[0].error.find("cannot list directory"), std::string::npos) << entries[0].error;
  EXPECT_EQ(fs::path(entries[1].path).filename(), "b");
  EXPECT_EQ(entries[1].error, "");
}

TEST_F(ExpandPathsTest, MissingPathsAreKeptForTheReport) {
  auto files = Paths(ExpandPaths({"/nonexistent/x.pt", (root_ / "top.pkl").string()}));
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0], "/nonexistent/x.pt");
}

TEST(ScanFile, UnreadableFileIsErrorNotSafe) {
  auto kb = kb::KnowledgeBase::Load({});
  ASSERT_TRUE(kb.ok());
  Options o;
  o.kb = *kb;
  FileReport r = ScanFile("/nonexistent/model.bin", o);
  EXPECT_EQ(r.verdict, Verdict::kError);
  EXPECT_NE(r.error.find("cannot open"), std::string::npos);
}

TEST(ScanFile, Sha256OnlyWhenAsked) {
  auto kb = kb::KnowledgeBase::Load({});
  ASSERT_TRUE(kb.ok());
  fs::path dir = OwnTempDir();
  fs::path p = dir / "sha.txt";
  std::ofstream(p) << "abc";
  Options o;
  o.kb = *kb;
  EXPECT_FALSE(ScanFile(p, o).sha256.has_value());
  o.compute_sha256 = true;
  FileReport r = ScanFile(p, o);
  ASSERT_TRUE(r.sha256.has_value());
  EXPECT_EQ(*r.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(r.bytes_read, 3u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mv::scan
