#include "core/file_batch.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace mv {
namespace {

namespace fs = std::filesystem;

size_t OpenDescriptors() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

class FileBatchTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(testing::TempDir()) / ("mv_file_batch." + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (writer_ >= 0) ::close(writer_);
    if (reader_ >= 0) ::close(reader_);
    if (full_writer_ >= 0) ::close(full_writer_);
    if (full_reader_ >= 0) ::close(full_reader_);
    fs::remove_all(dir_);
  }

  std::string File(const std::string& name, size_t size) {
    std::string bytes(size, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng_());
    std::string p = (dir_ / name).string();
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }

  // Regular files around the first read's and the read-whole sizes (one not in the page
  // cache, one only in part), and everything that is not one: FIFOs (no writer, a writer that
  // never writes, bytes waiting), a directory, devices, a missing path, links.
  std::vector<std::string> Mixed() {
    std::vector<std::string> paths;
    for (size_t size : {size_t{0}, size_t{1}, size_t{4095}, size_t{16383}, size_t{16384},
                        size_t{16385}, size_t{262144}, size_t{300000}}) {
      paths.push_back(File(std::string("f").append(std::to_string(size)), size));
    }
    // Not in the page cache: the batch's first read does not wait for the disk, and the file
    // is read the usual way instead.
    std::string cold = File("cold", 5000);
    int fd = ::open(cold.c_str(), O_RDONLY);
    EXPECT_EQ(::fdatasync(fd), 0);
    EXPECT_EQ(::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
    ::close(fd);
    paths.push_back(cold);
    // Only its first two pages cached: the batch's read stops where the cached pages do, at
    // 8 KiB, which is not the file's end.
    std::string part = File("part-cached", 12000);
    fd = ::open(part.c_str(), O_RDONLY);
    EXPECT_EQ(::fdatasync(fd), 0);
    EXPECT_EQ(::posix_fadvise(fd, 8192, 0, POSIX_FADV_DONTNEED), 0);
    ::close(fd);
    paths.push_back(part);
    std::string lonely = (dir_ / "fifo-no-writer").string();
    EXPECT_EQ(::mkfifo(lonely.c_str(), 0600), 0);
    paths.push_back(lonely);
    // A writer that never writes: a read that waited for data would wait for ever.
    std::string held = (dir_ / "fifo-held").string();
    EXPECT_EQ(::mkfifo(held.c_str(), 0600), 0);
    reader_ = ::open(held.c_str(), O_RDONLY | O_NONBLOCK);
    writer_ = ::open(held.c_str(), O_WRONLY | O_NONBLOCK);
    EXPECT_GE(writer_, 0);
    paths.push_back(held);
    // Bytes waiting in a FIFO: whoever reads them takes them, and a FIFO is no file to scan.
    std::string full = (dir_ / "fifo-with-data").string();
    EXPECT_EQ(::mkfifo(full.c_str(), 0600), 0);
    full_reader_ = ::open(full.c_str(), O_RDONLY | O_NONBLOCK);
    full_writer_ = ::open(full.c_str(), O_WRONLY | O_NONBLOCK);
    EXPECT_EQ(::write(full_writer_, "\x80\x02N.", 4), 4);
    paths.push_back(full);
    paths.push_back(dir_.string());
    paths.push_back("/dev/null");
    paths.push_back("/dev/zero");
    paths.push_back((dir_ / "missing").string());
    fs::create_symlink(dir_ / "missing", dir_ / "dangling");
    paths.push_back((dir_ / "dangling").string());
    fs::create_symlink(dir_ / "f4095", dir_ / "link");
    paths.push_back((dir_ / "link").string());
    return paths;
  }

  // What the batch gave for `path` is what OpenFileSource gives: the same error, or the
  // same bytes with nothing counted as read before it is asked for.
  static void ExpectSameAsAlone(Result<SourcePtr> got, const std::string& path) {
    auto want = OpenFileSource(path);
    ASSERT_EQ(got.ok(), want.ok())
        << path << ": " << (got.ok() ? want.error().message : got.error().message);
    if (!want.ok()) {
      EXPECT_EQ(got.error().code, want.error().code) << path;
      EXPECT_EQ(got.error().message, want.error().message) << path;
      return;
    }
    ASSERT_EQ((*got)->size(), (*want)->size()) << path;
    EXPECT_EQ((*got)->bytes_read(), 0u) << path;
    auto a = (*got)->Read(0, (*got)->size());
    auto b = (*want)->Read(0, (*want)->size());
    ASSERT_TRUE(a.ok() && b.ok()) << path;
    EXPECT_TRUE(std::equal(a->begin(), a->end(), b->begin(), b->end())) << path;
  }

  fs::path dir_;
  std::mt19937 rng_{5};
  int writer_ = -1;
  int reader_ = -1;
  int full_writer_ = -1;
  int full_reader_ = -1;
};

TEST_F(FileBatchTest, GivesWhatOpeningEachFileAloneGives) {
  std::vector<std::string> paths = Mixed();
  ASSERT_LE(paths.size(), 20u);
  std::vector<const std::string*> ptrs;
  for (const auto& p : paths) ptrs.push_back(&p);
  FileBatch batch(20);
  // Three batches: the second and third close the files the one before read whole.
  for (int round = 0; round < 3; ++round) {
    batch.Open(ptrs);
    for (size_t i = 0; i < paths.size(); ++i) ExpectSameAsAlone(batch.Take(i), paths[i]);
  }
}

TEST_F(FileBatchTest, GivesTheSameWithoutIoUring) {
  std::vector<std::string> paths = Mixed();
  std::vector<const std::string*> ptrs;
  for (const auto& p : paths) ptrs.push_back(&p);
  ASSERT_EQ(::setenv("MODELVET_IO_URING", "0", 1), 0);
  FileBatch batch(16);
  ::unsetenv("MODELVET_IO_URING");
  EXPECT_FALSE(batch.uses_io_uring());
  batch.Open(ptrs);
  for (size_t i = 0; i < paths.size(); ++i) ExpectSameAsAlone(batch.Take(i), paths[i]);
}

// Files taken or not, and sources kept or dropped: when the batch and its sources are gone,
// every descriptor it opened is closed.
TEST_F(FileBatchTest, ClosesEveryFileItOpened) {
  std::vector<std::string> paths;
  for (int i = 0; i < 12; ++i) {
    paths.push_back(File(std::string("s").append(std::to_string(i)), 100 + static_cast<size_t>(i)));
  }
  paths.push_back(File("large", 300000));  // mapped: its source holds the descriptor
  std::vector<const std::string*> ptrs;
  for (const auto& p : paths) ptrs.push_back(&p);
  const size_t before = OpenDescriptors();
  {
    std::vector<SourcePtr> kept;
    FileBatch batch(16);
    batch.Open(ptrs);
    for (size_t i = 0; i < paths.size(); i += 2) {
      auto s = batch.Take(i);
      ASSERT_TRUE(s.ok());
      kept.push_back(*s);
    }
    batch.Open(ptrs);  // the files of the first batch not taken are closed
    batch.Open(std::span(ptrs).first(3));
    auto s = batch.Take(1);
    ASSERT_TRUE(s.ok());
  }
  EXPECT_EQ(OpenDescriptors(), before);
}

// CI machines (MODELVET_REQUIRE_IO_URING=1) must batch through io_uring: a build that lost
// liburing, or a ring that fails to start, would otherwise only be slower.
TEST_F(FileBatchTest, UsesIoUringWhereTheKernelAllowsIt) {
  FileBatch batch(4);
  if (!batch.uses_io_uring()) {
    if (const char* r = std::getenv("MODELVET_REQUIRE_IO_URING"); r && std::string(r) == "1") {
      FAIL() << "MODELVET_REQUIRE_IO_URING=1 but files are opened one at a time (built without "
                "liburing, or the kernel refused the ring)";
    }
    GTEST_SKIP() << "io_uring is not available here: files are opened one at a time";
  }
  std::string a = File("a", 10), b = File("b", 20);
  std::vector<const std::string*> ptrs{&a, &b};
  batch.Open(ptrs);
  auto sa = batch.Take(0);
  auto sb = batch.Take(1);
  ASSERT_TRUE(sa.ok() && sb.ok());
  EXPECT_EQ((*sa)->size(), 10u);
  EXPECT_EQ((*sb)->size(), 20u);
}

}  // namespace
}  // namespace mv
