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
    mkdir -p "$(dirname "$dir")"
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
    # The cluster lives under /tmp: the server's user must be able to reach its directory,
    # which a checkout under a private home directory would not allow.
    if [ -f "$dir.path" ]; then "$here/scripts/pg_cluster.sh" stop "$(cat "$dir.path")" || true; fi
    tmp="$(mktemp -d /tmp/mv_pgtest.XXXXXX)"
    chmod 755 "$tmp"
    echo "$tmp/cluster" >"$dir.path"
    "$here/scripts/pg_cluster.sh" start "$tmp/cluster" >"$dir.url.tmp"
    mv "$dir.url.tmp" "$dir.url"
    echo "postgres fixture: $(cat "$dir.url")"
    ;;
  cleanup)
    if [ -f "$dir.path" ]; then
      cluster="$(cat "$dir.path")"
      "$here/scripts/pg_cluster.sh" stop "$cluster"
      rmdir "$(dirname "$cluster")" 2>/dev/null || true
    fi
    rm -f "$dir.url" "$dir.path"
    ;;
esac
