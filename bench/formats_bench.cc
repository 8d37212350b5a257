// Bytes read for large non-pickle models: a 2 GiB safetensors file and a 2 GiB GGUF file must
// cost their headers only, and an ONNX model with 1 GiB of inline raw tensor data must cost its
// structure only (raw_data skipped by length). The files are sparse (bench/synth.cc), so the
// bench needs no real disk space. Counters: bytes_read (per scan), file_MB (logical size) and
// MB/s (logical bytes judged per second). Each bench checks its own result after timing against
// the budgets in synth.h and fails the program (exit 1) when it is off.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <string>

#include "kb/kb.h"
#include "scan/scanner.h"
#include "synth.h"
#include "verify.h"

namespace {

constexpr uint64_t kTwoGiB = 2ull << 30;

std::string TempPath(const char* name) {
  return "/tmp/modelvet-bench-" + std::to_string(::getpid()) + "-" + name;
}

void Run(benchmark::State& state, const std::string& path, const char* format,
         uint64_t max_bytes_read) {
  static auto kb = mv::kb::KnowledgeBase::Load({});
  if (!kb.ok()) {
    mv::bench::Fail(state, "rules do not load");
    return;
  }
  mv::scan::Options opts;
  opts.kb = *kb;
  mv::FileReport r;
  for (auto _ : state) {
    r = mv::scan::ScanFile(path, opts);
    benchmark::DoNotOptimize(r);
  }
  state.counters["bytes_read"] = static_cast<double>(r.bytes_read);
  state.counters["file_MB"] = static_cast<double>(r.size) / 1e6;
  state.counters["MB/s"] = benchmark::Counter(static_cast<double>(r.size) / 1e6,
                                              benchmark::Counter::kIsIterationInvariantRate);
  if (r.format != format || r.verdict != mv::Verdict::kSafe || r.bytes_read > max_bytes_read) {
    mv::bench::Fail(state, "unexpected result: format " + r.format + ", verdict " +
                               mv::VerdictName(r.verdict) + ", bytes_read " +
                               std::to_string(r.bytes_read) + " (budget " +
                               std::to_string(max_bytes_read) + "), " + r.summary);
  }
  ::unlink(path.c_str());
}

void BM_Safetensors2GiB(benchmark::State& state) {
  std::string p = TempPath("big.safetensors");
  mv::bench::WriteSafetensors(p, kTwoGiB);
  Run(state, p, "safetensors", mv::bench::kSafetensorsReadBudget);
}
void BM_Gguf2GiB(benchmark::State& state) {
  std::string p = TempPath("big.gguf");
  mv::bench::WriteGguf(p, kTwoGiB);
  Run(state, p, "gguf", mv::bench::kGgufReadBudget);
}
void BM_OnnxRawTensor1GiB(benchmark::State& state) {
  std::string p = TempPath("big.onnx");
  mv::bench::WriteOnnx(p, 1ull << 30);
  Run(state, p, "onnx", mv::bench::kOnnxReadBudget);
}

BENCHMARK(BM_Safetensors2GiB)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Gguf2GiB)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OnnxRawTensor1GiB)->Unit(benchmark::kMicrosecond);

}  // namespace

MV_BENCHMARK_MAIN();
