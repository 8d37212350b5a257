#!/usr/bin/env bash
# Time-boxed libFuzzer run of every fuzz target (fuzz/<name>_fuzz.cc), built with clang and
# ASan+UBSan in the sanitized build scripts/ci_sanitize.sh shares (scripts/sanitized_configure.sh):
# after that script, only the fuzzing is left. Each target is seeded with fuzz/corpus/<name>/ plus tests/fixtures; new inputs go
# to BUILD/fuzz-work/<name>/ (not the repo). A crash, leak or OOM is copied into
# fuzz/corpus/<name>/ as a regression seed (ctest replays it from then on), a hang into
# fuzz/hangs/<name>/; either fails the run.
# Usage: scripts/fuzz.sh [target…]
# env: FUZZ_SECONDS (60 per target), FUZZ_MAX_LEN (262144), FUZZ_JOBS (nproc: targets run in
#      parallel), FUZZ_TIMEOUT (25 s per input), BUILD_DIR (build-asan)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${BUILD_DIR:-$ROOT/build-asan}"
SECONDS_PER="${FUZZ_SECONDS:-60}"
MAX_LEN="${FUZZ_MAX_LEN:-262144}"
JOBS="${FUZZ_JOBS:-$(nproc)}"
PER_INPUT="${FUZZ_TIMEOUT:-25}"

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for f in "$ROOT"/fuzz/*_fuzz.cc; do targets+=("$(basename "$f" .cc)"); done
fi

t0=$(date +%s)
"$ROOT/scripts/sanitized_configure.sh" "$BUILD"
ninja -C "$BUILD" -j "$(nproc)" "${targets[@]}"
t1=$(date +%s)

summary="$BUILD/fuzz-summary.tsv"
printf 'target\tseconds\texecs\tresult\n' >"$summary"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$ROOT/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

run_one() {
  local t="$1" name="${1%_fuzz}"
  local work="$BUILD/fuzz-work/$name" art="$BUILD/fuzz-artifacts/$name/"
  rm -rf "$art"
  mkdir -p "$work" "$art" "$ROOT/fuzz/corpus/$name"
  local seeds=("$ROOT/fuzz/corpus/$name")
  [ -d "$ROOT/tests/fixtures" ] && seeds+=("$ROOT/tests/fixtures")
  local log="$BUILD/fuzz-$name.log" rc=0
  "$BUILD/fuzz/$t" -max_total_time="$SECONDS_PER" -max_len="$MAX_LEN" -rss_limit_mb=2048 \
    -timeout="$PER_INPUT" -artifact_prefix="$art" -print_final_stats=1 \
    "$work" "${seeds[@]}" >"$log" 2>&1 || rc=$?
  local execs
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  local result=clean
  if [ "$rc" -ne 0 ] || compgen -G "$art*" >/dev/null; then
    result="FAILED(rc=$rc)"
    for a in "$art"*; do
      [ -e "$a" ] || continue
      # Crashes, leaks and OOMs join the replayed corpus at once; hangs wait in fuzz/hangs/
      # (a replayed hang would stall every ctest run) until the reader is fixed.
      local dest="$ROOT/fuzz/corpus/$name"
      case "$(basename "$a")" in timeout-*) dest="$ROOT/fuzz/hangs/$name" ;; esac
      mkdir -p "$dest"
      cp "$a" "$dest/regress-$(basename "$a")"
      echo "fuzz: $t: reproducer ${dest#"$ROOT"/}/regress-$(basename "$a")" >&2
    done
    tail -40 "$log" >&2
  fi
  printf '%s\t%s\t%s\t%s\n' "$t" "$SECONDS_PER" "${execs:-?}" "$result" >>"$summary"
}

running=0
for t in "${targets[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$JOBS" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait || true
t2=$(date +%s)

column -t -s $'\t' "$summary"
echo "fuzz: build $((t1 - t0))s, fuzzing $((t2 - t1))s, total $((t2 - t0))s"
if grep -q FAILED "$summary"; then exit 1; fi
