// Throughput, bytes read and peak RSS of whole-file scans on the reference inputs:
// a 512 MiB numpy array pickle, a 1 GiB torch zip state dict, and 300 small torch files.
// Each benchmark checks its own result after timing against the budgets in synth.h, so a fast
// wrong answer cannot pass: a failed check makes the program exit 1.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <filesystem>

#include "scan/scanner.h"
#include "synth.h"
#include "verify.h"

namespace {

namespace fs = std::filesystem;

fs::path WorkDir() {
  static fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / "modelvet-bench";
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

const mv::scan::Options& Opts() {
  static mv::scan::Options o = [] {
    mv::scan::Options x;
    auto kb = mv::kb::KnowledgeBase::Load({});
    if (!kb.ok()) std::abort();
    x.kb = *kb;
    return x;
  }();
  return o;
}

double PeakRssMiB() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

void Report(benchmark::State& state, uint64_t bytes, uint64_t bytes_read) {
  state.SetBytesProcessed(static_cast<int64_t>(bytes) * state.iterations());
  state.counters["bytes_read"] = static_cast<double>(bytes_read);
  state.counters["file_MiB"] = static_cast<double>(bytes) / (1 << 20);
  state.counters["peak_rss_MiB"] = PeakRssMiB();
}

void Check(benchmark::State& state, const mv::FileReport& r, uint64_t max_read) {
  if (r.verdict != mv::Verdict::kSafe) {
    mv::bench::Fail(state, r.path + ": expected safe, got " +
                               std::string(mv::VerdictName(r.verdict)) + ": " + r.summary);
  } else if (r.bytes_read > max_read) {
    mv::bench::Fail(state, r.path + ": read too much: " + std::to_string(r.bytes_read) +
                               " bytes (budget " + std::to_string(max_read) + ")");
  }
}

void BM_NumpyPickle512MiB(benchmark::State& state) {
  fs::path p = WorkDir() / "numpy-512m.pkl";
  if (!fs::exists(p)) mv::bench::WriteNumpyPickle(p, 512ull << 20);
  mv::FileReport r;
  for (auto _ : state) r = mv::scan::ScanFile(p, Opts());
  Report(state, fs::file_size(p), r.bytes_read);
  Check(state, r, mv::bench::kNumpyPickleReadBudget);
}
BENCHMARK(BM_NumpyPickle512MiB)->Unit(benchmark::kMillisecond);

void BM_TorchZip1GiB(benchmark::State& state) {
  fs::path p = WorkDir() / "torch-1g.pt";
  if (!fs::exists(p)) mv::bench::WriteTorchZip(p, 1ull << 28);
  mv::FileReport r;
  for (auto _ : state) r = mv::scan::ScanFile(p, Opts());
  Report(state, fs::file_size(p), r.bytes_read);
  Check(state, r, mv::bench::kTorchZipReadBudget);
}
BENCHMARK(BM_TorchZip1GiB)->Unit(benchmark::kMillisecond);

void BM_300SmallTorchFiles(benchmark::State& state) {
  fs::path dir = WorkDir() / "small";
  fs::create_directories(dir);
  std::vector<std::string> files;
  for (int i = 0; i < 300; ++i) {
    fs::path p = dir / ("model-" + std::to_string(i) + ".pt");
    if (!fs::exists(p)) mv::bench::WriteTorchZip(p, 256 + static_cast<uint64_t>(i));
    files.push_back(p);
  }
  uint64_t total = 0, read = 0;
  mv::FileReport worst;
  for (auto _ : state) {
    total = read = 0;
    for (const auto& f : files) {
      mv::FileReport r = mv::scan::ScanFile(f, Opts());
      total += r.size;
      read += r.bytes_read;
      if (r.verdict != mv::Verdict::kSafe) worst = r;
    }
  }
  Report(state, total, read);
  if (!worst.path.empty()) Check(state, worst, ~0ull);
}
BENCHMARK(BM_300SmallTorchFiles)->Unit(benchmark::kMillisecond);

}  // namespace

MV_BENCHMARK_MAIN();
