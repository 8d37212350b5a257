#!/usr/bin/env bash
# The hub-audit demo, end to end on the bundled loopback stand-in (tests/hubstub): no network.
# Starts the stand-in, points HF_ENDPOINT at it, keeps the audit store in a temporary file, and
# runs: triage (the queue), audit --all (every model of the queue, scanned remotely with HTTP
# ranges), an audit of two unflagged repos (one clean, one carrying a payload the hub missed),
# and the resulting status table. Expects modelvet built in $MODELVET_BUILD_DIR (default build/);
# scripts/demo.sh builds it.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${MODELVET_BUILD_DIR:-build}/modelvet"
if [ ! -x "$BIN" ]; then
  echo "demo_hub: $BIN not found; build first (./scripts/demo.sh or cmake --build build)" >&2
  exit 2
fi

work="$(mktemp -d)"
# The stand-in exits when its stdin closes; it reads from a fifo held open by this shell.
mkfifo "$work/stdin"
/usr/bin/python3 tests/hubstub/hubstub.py --port 0 --exit-on-stdin-eof <"$work/stdin" \
  >"$work/stub.out" 2>"$work/stub.err" &
stub_pid=$!
exec 3>"$work/stdin"
cleanup() {
  exec 3>&- || true
  wait "$stub_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for _ in $(seq 1 50); do
  grep -q '^HUBSTUB port=' "$work/stub.out" 2>/dev/null && break
  sleep 0.1
done
port="$(sed -n 's/^HUBSTUB port=\([0-9]*\).*/\1/p' "$work/stub.out")"
if [ -z "$port" ]; then
  echo "demo_hub: the hub stand-in did not start:" >&2
  cat "$work/stub.err" >&2
  exit 2
fi
unset HF_TOKEN HUGGING_FACE_HUB_TOKEN HF_HUB_OFFLINE
export HF_ENDPOINT="http://127.0.0.1:$port" HF_HOME="$work/hf"
db="$work/modelvet.db"

step() {
  echo
  echo "\$ modelvet $*"
  set +e
  "$BIN" --db "$db" "$@"
  local rc=$?
  set -e
  # 1 = something confirmed unsafe (expected here); 2 = an error.
  if [ "$rc" -ge 2 ]; then
    echo "demo_hub: modelvet $* failed (exit $rc)" >&2
    exit "$rc"
  fi
}

echo "hub stand-in at $HF_ENDPOINT (loopback); store $db"
step triage
step audit --all -q
step audit -q audit/clean-state-dict examples/legacy-unflagged-malicious
step status
echo
echo "demo_hub: OK"
