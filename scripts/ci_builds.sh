#!/usr/bin/env bash
# The builds people run besides the test build (scripts/test.sh: GCC RelWithDebInfo): GCC
# Release (-O3) and Debug, each with warnings as errors. clang with -Werror is CI's sanitizer
# build (scripts/ci_sanitize.sh), which builds everything; `clang` here builds the plain
# clang RelWithDebInfo binary on request. Builds the library stack and
# the `modelvet` binary only (the tests run on the test and sanitizer builds), through ccache
# when it is installed (CMakeLists.txt, MODELVET_CCACHE), so the step costs little in CI.
# Usage: scripts/ci_builds.sh [NAME…]   NAME: gcc-release gcc-debug clang (default: the GCC two)
# env: BUILD_ROOT (build-matrix), JOBS (nproc)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_ROOT="${BUILD_ROOT:-$ROOT/build-matrix}"
JOBS="${JOBS:-$(nproc)}"
names=("$@")
[ "${#names[@]}" -gt 0 ] || names=(gcc-release gcc-debug)
for name in "${names[@]}"; do
  extra=""
  case "$name" in
    gcc-release) cc=gcc cxx=g++ type=Release ;;
    # Debug is also the build without liburing: files opened one at a time (core/file_batch.cc).
    gcc-debug) cc=gcc cxx=g++ type=Debug extra=-DMODELVET_USE_IO_URING=OFF ;;
    clang) cc=clang cxx=clang++ type=RelWithDebInfo ;;
    *) echo "ci_builds: unknown build $name" >&2; exit 2 ;;
  esac
  t0=$(date +%s)
  CC=$cc CXX=$cxx cmake -S "$ROOT" -B "$BUILD_ROOT/$name" -G Ninja -DCMAKE_BUILD_TYPE=$type \
    -DMODELVET_WERROR=ON -DMODELVET_TESTS=OFF -DMODELVET_BENCH=OFF $extra >/dev/null
  ninja -C "$BUILD_ROOT/$name" -j "$JOBS" modelvet
  # The binary starts.
  "$BUILD_ROOT/$name/modelvet" --version >/dev/null
  echo "ci_builds: $name ($cxx, $type) built in $(( $(date +%s) - t0 ))s"
done
