// Each benchmark checks its own result after timing (a fast wrong answer must not pass): a
// failed check marks the row as an error and makes the program exit 1, so a benchmark run in
// CI or by hand cannot report success on a wrong verdict or on reading too much.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

namespace mv::bench {

inline int& Failures() {
  static int n = 0;
  return n;
}

inline void Fail(benchmark::State& state, const std::string& why) {
  state.SkipWithError(why.c_str());
  std::fprintf(stderr, "bench check failed: %s\n", why.c_str());
  ++Failures();
}

}  // namespace mv::bench

// BENCHMARK_MAIN() whose exit status is 1 when any self-check failed.
#define MV_BENCHMARK_MAIN()                                                               \
  int main(int argc, char** argv) {                                                       \
    benchmark::Initialize(&argc, argv);                                                   \
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;                     \
    benchmark::RunSpecifiedBenchmarks();                                                  \
    benchmark::Shutdown();                                                                \
    if (mv::bench::Failures()) {                                                          \
      std::fprintf(stderr, "%d benchmark self-check(s) failed\n", mv::bench::Failures()); \
      return 1;                                                                           \
    }                                                                                     \
    return 0;                                                                             \
  }
