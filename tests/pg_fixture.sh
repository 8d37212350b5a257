#!/usr/bin/env bash
# The `postgres` ctest fixture (tests/CMakeLists.txt): starts a throwaway cluster for the store
# and queue tests (setup) and removes it (cleanup). Without PostgreSQL's server binaries the
# setup says so loudly and the tests run on SQLite alone — unless MODELVET_REQUIRE_POSTGRES=1
# (CI), which makes that a failure.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cmd="$1"
dir="$2"
case "$cmd" in
  setup)
    rm -f "$dir.url"
    if ! "$here/scripts/pg_cluster.sh" check; then
      banner="$(printf '!%.0s' $(seq 78))"
      echo "$banner"
      echo "SKIPPING the PostgreSQL store and queue tests: no PostgreSQL server binaries"
      echo "(scripts/setup.sh installs them)"
      echo "$banner"
      if [ "${MODELVET_REQUIRE_POSTGRES:-0}" = "1" ]; then
        echo "MODELVET_REQUIRE_POSTGRES=1: failing instead"
        exit 1
      fi
      exit 0
    fi
    "$here/scripts/pg_cluster.sh" start "$dir" >"$dir.url.tmp"
    mv "$dir.url.tmp" "$dir.url"
    echo "postgres fixture: $(cat "$dir.url")"
    ;;
  cleanup)
    "$here/scripts/pg_cluster.sh" stop "$dir"
    rm -f "$dir.url"
    ;;
esac
