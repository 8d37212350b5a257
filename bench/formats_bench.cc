// Bytes read for large non-pickle models: a 2 GiB safetensors file and a 2 GiB GGUF file must
// cost their headers only, and an ONNX model with 1 GiB of inline raw tensor data must cost its
// structure only (raw_data skipped by length). The files are sparse (ftruncate), so the bench
// needs no real disk space. Counters: bytes_read (per scan), file_MB (logical size) and MB/s
// (logical bytes judged per second). Each bench checks its own result after timing.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "kb/kb.h"
#include "scan/scanner.h"

namespace {

constexpr uint64_t kTwoGiB = 2ull << 30;

std::string TempPath(const char* name) {
  return "/tmp/modelvet-bench-" + std::to_string(::getpid()) + "-" + name;
}

// Writes `head` then extends the file to `size` with a hole (no disk blocks).
void WriteSparse(const std::string& path, const std::string& head, uint64_t size) {
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
  if (fd < 0 || ::write(fd, head.data(), head.size()) != static_cast<ssize_t>(head.size()) ||
      ::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    std::perror(path.c_str());
    std::abort();
  }
  ::close(fd);
}

void Put64(std::string& s, uint64_t v) {
  for (int i = 0; i < 8; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}
void Put32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}
std::string Varint(uint64_t v) {
  std::string s;
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    s += static_cast<char>(b | (v ? 0x80 : 0));
  } while (v);
  return s;
}
std::string Len(uint32_t field, const std::string& payload, uint64_t extra = 0) {
  return Varint(field << 3 | 2) + Varint(payload.size() + extra) + payload;
}

std::string MakeSafetensors() {
  std::string json = R"({"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[536870912],)"
                     R"("data_offsets":[0,2147483648]}})";
  json.append((8 - json.size() % 8) % 8, ' ');
  std::string head;
  Put64(head, json.size());
  head += json;
  std::string path = TempPath("big.safetensors");
  WriteSparse(path, head, head.size() + kTwoGiB);
  return path;
}

std::string MakeGguf() {
  std::string h = "GGUF";
  Put32(h, 3);
  Put64(h, 1);  // tensors
  Put64(h, 1);  // kv
  std::string key = "general.architecture", val = "llama";
  Put64(h, key.size());
  h += key;
  Put32(h, 8);
  Put64(h, val.size());
  h += val;
  std::string name = "w";
  Put64(h, name.size());
  h += name;
  Put32(h, 1);
  Put64(h, 536870912);  // F32 elements: 2 GiB
  Put32(h, 0);
  Put64(h, 0);
  uint64_t data = (h.size() + 31) / 32 * 32;
  std::string path = TempPath("big.gguf");
  WriteSparse(path, h, data + kTwoGiB);
  return path;
}

std::string MakeOnnx(uint64_t raw) {
  // ModelProto{1: ir_version, 7: graph{2: name, 5: initializer{1: dim, 2: FLOAT, 8: name,
  // 9: raw_data}}}; raw_data is last, so the file ends with the (sparse) tensor bytes.
  std::string tensor = Varint(1 << 3) + Varint(raw / 4) + Varint(2 << 3) + Varint(1) + Len(8, "w") +
                       Varint(9 << 3 | 2) + Varint(raw);
  std::string graph = Len(2, "g") + Varint(5 << 3 | 2) + Varint(tensor.size() + raw) + tensor;
  std::string model =
      Varint(1 << 3) + Varint(8) + Varint(7 << 3 | 2) + Varint(graph.size() + raw) + graph;
  std::string path = TempPath("big.onnx");
  WriteSparse(path, model, model.size() + raw);
  return path;
}

void Run(benchmark::State& state, const std::string& path, const char* format,
         uint64_t max_bytes_read) {
  static auto kb = mv::kb::KnowledgeBase::Load({});
  if (!kb.ok()) {
    state.SkipWithError("rules do not load");
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
  // A fast wrong answer must not pass.
  if (r.format != format || r.verdict != mv::Verdict::kSafe || r.bytes_read > max_bytes_read) {
    state.SkipWithError(("unexpected result: format " + r.format + ", verdict " +
                         mv::VerdictName(r.verdict) + ", bytes_read " +
                         std::to_string(r.bytes_read) + ", " + r.summary)
                            .c_str());
  }
  ::unlink(path.c_str());
}

void BM_Safetensors2GiB(benchmark::State& state) {
  Run(state, MakeSafetensors(), "safetensors", 4096);
}
void BM_Gguf2GiB(benchmark::State& state) {
  Run(state, MakeGguf(), "gguf", 4096);
}
void BM_OnnxRawTensor1GiB(benchmark::State& state) {
  Run(state, MakeOnnx(1ull << 30), "onnx", 4096);
}

BENCHMARK(BM_Safetensors2GiB)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Gguf2GiB)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OnnxRawTensor1GiB)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
