#!/usr/bin/env bash
# Configures the one sanitized build that scripts/ci_sanitize.sh and scripts/fuzz.sh share:
# clang, ASan+UBSan with no recovery, libFuzzer coverage in every library, warnings as errors,
# tests on. It is CI's clang build too. -O1 and line tables only: what the sanitizers' reports
# need (file:line stacks), at a fraction of the compile time of -O2 -g.
# Usage: scripts/sanitized_configure.sh BUILD_DIR
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${1:?usage: sanitized_configure.sh BUILD_DIR}"
CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
  -DMODELVET_SANITIZE=ON -DMODELVET_FUZZ=ON -DMODELVET_WERROR=ON -DMODELVET_TESTS=ON \
  -DMODELVET_BENCH=OFF >/dev/null
