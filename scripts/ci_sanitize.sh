#!/usr/bin/env bash
# ASan+UBSan (clang, -fno-sanitize-recover=all: any report aborts) build of everything, then
# the whole ctest suite (unit, e2e CLI twins, fuzz-corpus replays) on it, with leak checking.
# The same build (scripts/sanitized_configure.sh) carries libFuzzer coverage, so scripts/fuzz.sh
# fuzzes from it without a build of its own, and it is CI's clang -Werror build.
# Usage: scripts/ci_sanitize.sh            env: BUILD_DIR (build-asan), JOBS (nproc)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${BUILD_DIR:-$ROOT/build-asan}"
JOBS="${JOBS:-$(nproc)}"

t0=$(date +%s)
"$ROOT/scripts/sanitized_configure.sh" "$BUILD"
ninja -C "$BUILD" -j "$JOBS"
t1=$(date +%s)

# e2e tests read MODELVET_SANITIZED to skip what ASan cannot do (RLIMIT_AS: the shadow
# memory reservation alone exceeds any useful address-space limit).
export MODELVET_SANITIZED=1
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$ROOT/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
status=0
# Tests carry their own (scaled) TIMEOUT; --timeout is the backstop for one that does not.
ctest --test-dir "$BUILD" -j "$JOBS" --output-on-failure --timeout 1200 || status=$?
t2=$(date +%s)
# (|| true: under set -e a missing line must not end the gate.)
grep -h -m1 "^random-diff: seed" "$BUILD/Testing/Temporary/LastTest.log" 2>/dev/null || true
# The fuzz-corpus replays are part of this gate: there must be some, and they must be the
# sanitized binaries (a crash seed that only aborts under ASan would pass a plain build).
n_replays=$(ctest --test-dir "$BUILD" -N -R '^fuzz\..*\.replay$' | grep -c 'fuzz\..*\.replay' || true)
unsanitized=0
# (clang links the ASan runtime statically, gcc dynamically: either way the binary names
# __asan_init, defined or imported. grep reads all of nm's output: with -q it could stop
# early and, under pipefail, nm's SIGPIPE would fail the check.)
for f in "$BUILD"/fuzz/*_fuzz "$BUILD"/fuzz/*_fuzz_replay; do
  nm "$f" 2>/dev/null | grep ' __asan_init$' >/dev/null ||
    { echo "ci_sanitize: $f is not built with ASan" >&2; unsanitized=1; }
done
if [ "$n_replays" -eq 0 ] || [ "$unsanitized" -ne 0 ]; then
  echo "ci_sanitize: fuzz-corpus replays missing or unsanitized" >&2
  status=1
fi
echo "ci_sanitize: $n_replays fuzz-corpus replays in the ASan+UBSan suite"
echo "ci_sanitize: build $((t1 - t0))s, tests $((t2 - t1))s, total $((t2 - t0))s, status $status"
exit "$status"
