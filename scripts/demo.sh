#!/usr/bin/env bash
# The README demo: installs the Debian packages, builds modelvet into build/ (RelWithDebInfo,
# Ninja), scans the bundled samples/ (benign and malicious copies of test fixtures), then runs
# the hub-audit demo (scripts/demo_hub.sh) against the bundled loopback hub stand-in.
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
  1) echo "demo: exit 1 = unsafe files found; expected, samples/ contains malicious files." ;;
  *) echo "demo: scan failed with exit $rc" >&2; exit "$rc" ;;
esac

# Part 2: the hub audit programme on the bundled loopback hub stand-in (no network, embedded
# SQLite in a temporary file): triage, remote audits, and the resulting models table.
MODELVET_BUILD_DIR="$BUILD_DIR" ./scripts/demo_hub.sh
echo
echo "demo: OK"
exit 0
