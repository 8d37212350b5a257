#!/usr/bin/env bash
# Latency and throughput of `modelvet serve` on a store of generated models (default 100,000),
# measured with wrk; prints one Markdown table row per endpoint for docs/benchmarks.md.
#
#   cmake --build build --target modelvet gen_models_store
#   bench/serve_bench.sh [BUILD_DIR]
#
# Environment: MODELVET_BENCH_DB (the store; generated once, then reused), MODELVET_BENCH_MODELS
# (how many models), DURATION (per endpoint, wrk syntax), CONNECTIONS, WRK_THREADS,
# SERVER_THREADS.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${1:-build}"
N="${MODELVET_BENCH_MODELS:-100000}"
DB="${MODELVET_BENCH_DB:-${TMPDIR:-/tmp}/modelvet-bench/models-$N.db}"
DURATION="${DURATION:-20s}"
CONNECTIONS="${CONNECTIONS:-4}"
WRK_THREADS="${WRK_THREADS:-2}"
SERVER_THREADS="${SERVER_THREADS:-8}"

if [ ! -f "$DB" ]; then
  mkdir -p "$(dirname "$DB")"
  echo "bench: generating $N models in $DB (minutes)" >&2
  "$BUILD/bench/gen_models_store" "$DB" "$N"
fi

out="$(mktemp)"
"$BUILD/modelvet" serve --db "$DB" --listen 127.0.0.1:0 --threads "$SERVER_THREADS" >"$out" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 1 100); do
  grep -q "serving" "$out" && break
  sleep 0.1
done
url="$(awk '{print $3}' "$out")"
[ -n "$url" ] || { echo "bench: modelvet serve did not start" >&2; exit 1; }

# A confirmed-unsafe model with findings, for the detail endpoints.
model="$(curl -s "$url/api/v1/models?status=confirmed-unsafe&limit=1" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["models"][0]["id"])')"

endpoints=(
  "/api/v1/models"
  "/"
  "/api/v1/models?status=suspected&sort=status"
  "/?hub_flag=none&sort=status"
  "/?q=llama-7b"
  "/?page=1000"
  "/api/v1/models/$model"
  "/models/$model"
)

# The server's CPU time (user + system, clock ticks) from /proc: per request it does not depend
# on what else the machine runs, unlike the latencies on a shared machine.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
hz="$(getconf CLK_TCK)"

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs" >&2
echo "| endpoint | requests/s | p50 | p99 | server CPU per request |"
echo "|---|---|---|---|---|"
for path in "${endpoints[@]}"; do
  curl -s -o /dev/null "$url$path"  # warm the page cache and the count cache
  before="$(cpu_ticks)"
  result="$(wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url$path")"
  after="$(cpu_ticks)"
  requests="$(awk '$2 == "requests" && $3 == "in" {print $1}' <<<"$result")"
  cpu="$(awk -v t="$((after - before))" -v n="$requests" -v hz="$hz" \
    'BEGIN {printf "%.2fms", n ? 1000 * t / hz / n : 0}')"
  p50="$(awk '$1 == "50%" {print $2}' <<<"$result")"
  p99="$(awk '$1 == "99%" {print $2}' <<<"$result")"
  rps="$(awk '$1 == "Requests/sec:" {print $2}' <<<"$result")"
  errors="$(grep -E "Non-2xx|Socket errors" <<<"$result" || true)"
  shown="${path//$model/ORG/NAME}"
  echo "| \`GET $shown\` | $rps | $p50 | $p99 | $cpu |${errors:+ $errors}"
done
