#!/usr/bin/env bash
# Runs every test: installs the Debian packages, configures and builds build/, then ctest
# (unit tests, end-to-end CLI tests over tests/fixtures, fuzz-corpus replay). Exits with
# ctest's status.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${MODELVET_BUILD_DIR:-build}"

./scripts/setup.sh
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMODELVET_WERROR=ON >/dev/null
cmake --build "$BUILD_DIR"
set +e
ctest --test-dir "$BUILD_DIR" --output-on-failure -j2
rc=$?
exit "$rc"
