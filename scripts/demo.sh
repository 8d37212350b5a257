#!/usr/bin/env bash
# The README demo: installs the Debian packages, builds modelvet into build/ (RelWithDebInfo,
# Ninja) and scans the bundled samples/ (benign and malicious copies of test fixtures).
# The scan exits 1 because samples/ holds unsafe files on purpose; the demo treats that as
# success and exits 0 (any other scan status is passed on).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${MODELVET_BUILD_DIR:-build}"

./scripts/setup.sh
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" --target modelvet

echo
echo "\$ $BUILD_DIR/modelvet scan samples/"
set +e
"$BUILD_DIR/modelvet" scan samples/
rc=$?
set -e
echo
case "$rc" in
  0) echo "demo: nothing unsafe found (exit 0) — unexpected: samples/ contains malicious files" ;;
  1) echo "demo: exit 1 = unsafe files found; expected, samples/ contains malicious files. Demo OK." ;;
  *) echo "demo: scan failed with exit $rc" >&2; exit "$rc" ;;
esac
exit 0
