#include "scan/scan_paths.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "own_temp_dir.h"

namespace mv::scan {
namespace {

namespace fs = std::filesystem;

using testing_support::OwnTempDir;

FileReport WithVerdict(Verdict v) {
  FileReport r;
  r.verdict = v;
  return r;
}

// The CLI starts its scanning threads before the walk only when the arguments can name more
// than one file.
TEST(MayBeManyTest, DirectoriesSeveralPathsAndTheCache) {
  fs::path root = OwnTempDir();
  fs::create_directories(root / "dir");
  std::ofstream(root / "one.pkl") << "x";
  EXPECT_FALSE(MayBeMany({(root / "one.pkl").string()}, false));
  EXPECT_FALSE(MayBeMany({(root / "missing").string()}, false));
  EXPECT_FALSE(MayBeMany({}, false));
  EXPECT_TRUE(MayBeMany({(root / "dir").string()}, false));
  EXPECT_TRUE(MayBeMany({(root / "one.pkl").string(), (root / "one.pkl").string()}, false));
  EXPECT_TRUE(MayBeMany({}, true));
  fs::remove_all(root);
}

TEST(GroupRepositoriesTest, OneSummaryPerRootInOrderOfFirstAppearance) {
  std::vector<PathEntry> entries = {
      {"d1/a.pt", "d1", "", ""}, {"f.pkl", "", "", ""},      {"d2/b.pt", "d2", "", ""},
      {"d1/c.pt", "d1", "", ""}, {"d2/x", "d2", "gone", ""},
  };
  ScanReport report;
  report.files = {WithVerdict(Verdict::kSafe), WithVerdict(Verdict::kUnsafe),
                  WithVerdict(Verdict::kNeedsReview), WithVerdict(Verdict::kUnsafe),
                  WithVerdict(Verdict::kError)};
  GroupRepositories(entries, report);
  ASSERT_EQ(report.repositories.size(), 2u);
  EXPECT_EQ(report.repositories[0].name, "d1");
  EXPECT_EQ(report.repositories[0].files, (std::vector<size_t>{0, 3}));
  EXPECT_EQ(report.repositories[0].counts.unsafe, 1u);
  EXPECT_EQ(report.repositories[0].counts.Overall(), Verdict::kUnsafe);
  EXPECT_EQ(report.repositories[1].name, "d2");
  EXPECT_EQ(report.repositories[1].files, (std::vector<size_t>{2, 4}));
  EXPECT_EQ(report.repositories[1].counts.error, 1u);
  EXPECT_EQ(report.repositories[1].counts.Overall(), Verdict::kNeedsReview);
}

TEST(PlanScanTest, DirectoryArgumentIsTheRootOfItsFilesAndFilesHaveNone) {
  fs::path root = OwnTempDir();
  fs::create_directories(root / "repo");
  std::ofstream(root / "repo" / "m.bin") << "x";
  std::ofstream(root / "lone.bin") << "x";
  ScanPlan plan = PlanScan({(root / "repo").string(), (root / "lone.bin").string()}, std::nullopt);
  ASSERT_EQ(plan.entries.size(), 2u);
  EXPECT_EQ(plan.entries[0].root, (root / "repo").string());
  EXPECT_EQ(plan.Name(0), (root / "repo" / "m.bin").string());
  EXPECT_EQ(plan.Name(1), (root / "lone.bin").string());
  EXPECT_EQ(plan.entries[1].root, "");
  fs::remove_all(root);
}

TEST(PlanScanTest, CachedSnapshotsAreNamedAndRootedByRepoAndRevision) {
  fs::path cache = OwnTempDir();
  fs::path snap = cache / "models--org--name" / "snapshots" / "abc123";
  fs::create_directories(snap / "sub");
  std::ofstream(snap / "sub" / "w.bin") << "x";
  ScanPlan plan = PlanScan({}, cache.string());
  ASSERT_EQ(plan.entries.size(), 1u);
  EXPECT_EQ(plan.Name(0), "org/name@abc123/sub/w.bin");
  EXPECT_EQ(plan.entries[0].root, "org/name@abc123");
  fs::remove_all(cache);
}

}  // namespace
}  // namespace mv::scan
