// Bytes read, end to end through ScanFile, on sparse files of the sizes docs/benchmarks.md
// quotes: each scan must reach its verdict reading no more than the documented budget
// (bench/synth.h), so a scanner that reads whole files, or a reader that starts copying
// tensor bytes, fails here — not only in a benchmark nobody runs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "kb/kb.h"
#include "scan/scanner.h"
#include "synth.h"

namespace mv::scan {
namespace {

namespace fs = std::filesystem;

class BytesRead : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) /
           ("mv_bytes_read." + std::string(info->name()) + "." + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto kb = kb::KnowledgeBase::Load({});
    ASSERT_TRUE(kb.ok()) << kb.error().message;
    opts_.kb = *kb;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Scans `path` and checks verdict, format, logical size and the bytes-read budget.
  FileReport Check(const fs::path& path, Verdict verdict, const std::string& format, uint64_t size,
                   uint64_t budget) {
    EXPECT_EQ(fs::file_size(path), size);
    FileReport r = ScanFile(path.string(), opts_);
    EXPECT_EQ(r.verdict, verdict) << r.summary;
    EXPECT_EQ(r.format, format);
    EXPECT_EQ(r.size, size);
    EXPECT_GT(r.bytes_read, 0u);
    EXPECT_LE(r.bytes_read, budget) << path.filename() << ": " << r.bytes_read << " of " << size;
    RecordProperty("bytes_read", std::to_string(r.bytes_read));
    return r;
  }

  fs::path dir_;
  Options opts_;
};

TEST_F(BytesRead, NumpyPickle512MiB) {
  const uint64_t n = 512ull << 20;
  fs::path p = dir_ / "numpy-512m.pkl";
  bench::WriteNumpyPickle(p, n);
  Check(p, Verdict::kSafe, "pickle", fs::file_size(p), bench::kNumpyPickleReadBudget);
  EXPECT_GT(fs::file_size(p), n);
}

TEST_F(BytesRead, TorchZip1GiB) {
  fs::path p = dir_ / "torch-1g.pt";
  bench::WriteTorchZip(p, 1ull << 28);  // 2^28 float32 = 1 GiB
  FileReport r =
      Check(p, Verdict::kSafe, "pytorch-zip", fs::file_size(p), bench::kTorchZipReadBudget);
  EXPECT_GT(r.size, 1ull << 30);
  EXPECT_EQ(r.loader, "torch.load");
}

TEST_F(BytesRead, Safetensors2GiB) {
  fs::path p = dir_ / "big.safetensors";
  bench::WriteSafetensors(p, 2ull << 30);
  FileReport r =
      Check(p, Verdict::kSafe, "safetensors", fs::file_size(p), bench::kSafetensorsReadBudget);
  EXPECT_GT(r.size, 2ull << 30);
}

TEST_F(BytesRead, Gguf2GiB) {
  fs::path p = dir_ / "big.gguf";
  bench::WriteGguf(p, 2ull << 30);
  FileReport r = Check(p, Verdict::kSafe, "gguf", fs::file_size(p), bench::kGgufReadBudget);
  EXPECT_GT(r.size, 2ull << 30);
}

TEST_F(BytesRead, OnnxRawTensor1GiB) {
  fs::path p = dir_ / "big.onnx";
  bench::WriteOnnx(p, 1ull << 30);
  FileReport r = Check(p, Verdict::kSafe, "onnx", fs::file_size(p), bench::kOnnxReadBudget);
  EXPECT_GT(r.size, 1ull << 30);
}

TEST_F(BytesRead, PayloadAfterA512MiBArgumentIsFoundWithoutReadingIt) {
  // Skipping by length must not skip what follows: BINBYTES8 of 512 MiB (a hole), POP, then
  // posix.system('echo tail'). The call is found; the 512 MiB are not read.
  const uint64_t n = 512ull << 20;
  std::string head = std::string("\x80\x04\x8e", 3);
  for (int i = 0; i < 8; ++i) head += static_cast<char>((n >> (8 * i)) & 0xff);
  std::string tail = std::string(
      "0cposix\nsystem\n\x8c\x09"
      "echo tail\x85R.",
      29);
  fs::path p = dir_ / "tail-payload.pkl";
  {
    std::ofstream out(p, std::ios::binary);
    out << head;
    out.seekp(static_cast<std::streamoff>(head.size() + n));
    out << tail;
  }
  FileReport r = Check(p, Verdict::kUnsafe, "pickle", head.size() + n + tail.size(),
                       bench::kNumpyPickleReadBudget);
  bool found = false;
  for (const auto& f : r.findings) {
    if (f.callable == "posix.system" && f.evidence.find("echo tail") != std::string::npos) {
      found = true;
    }
  }
  EXPECT_TRUE(found) << r.summary;
}

}  // namespace
}  // namespace mv::scan
