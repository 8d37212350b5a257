#!/usr/bin/python3
"""Queue throughput: repos audited per second and what each model costs the hub, for 1, 2 and 4
worker processes sharing one PostgreSQL store, against the local hub stand-in.

    bench/queue_bench.py [--copies N] [--workers 1,2,4] [--bin build/modelvet]

Starts a throwaway cluster (scripts/pg_cluster.sh) and the stand-in over tests/hubstub/repos
plus N `fleet/` copies of each public repo; each round gets a fresh schema, queues every repo,
and times `modelvet worker --exit-when-empty` processes (concurrency 1 each) until the queue is
drained. Hub counters come from the stand-in (`/_stub/stats`). By default the shared rate
budget is set far above what the stand-in can serve, so it never waits: this measures the
workers, not the quota. `--api-quota N` sets the shared API budget instead (N requests per 5
minutes for the whole fleet), to show that adding workers does not exceed it. Prints a Markdown
table for docs/benchmarks.md."""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
import pgenv  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=8)
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--bin", default=str(ROOT / "build" / "modelvet"))
    ap.add_argument("--api-quota", default="1e9",
                    help="--hub-api-quota of the workers (API requests per 5 minutes, shared)")
    args = ap.parse_args()
    if subprocess.run([str(pgenv.CLUSTER), "check"]).returncode != 0:
        sys.exit("queue_bench: PostgreSQL server binaries are not installed")
    pg = pgenv.Cluster()
    hub = pgenv.Hub(copies=args.copies)
    repos = [r for r in hub.ids if r not in ("examples/gated-model", "examples/private-model")]
    rows = []
    try:
        for n in [int(x) for x in args.workers.split(",")]:
            schema = f"bench_{n}"
            pg.query(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
            db = pg.url + f"?options=-c%20search_path%3D{schema}"
            env = hub.env(db)
            p = subprocess.run([args.bin, "enqueue", *repos], env=env, capture_output=True,
                               text=True)
            if p.returncode != 0:
                sys.exit(p.stderr)
            hub.get("/_stub/reset")
            start = time.monotonic()
            procs = [subprocess.Popen(
                [args.bin, "worker", "--exit-when-empty", "--quiet", "--poll-seconds", "0.1",
                 "--hub-api-quota", args.api_quota, "--hub-resolver-quota", "1e9"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                for _ in range(n)]
            errs = [pr.communicate()[1] for pr in procs]
            elapsed = time.monotonic() - start
            if any(pr.returncode for pr in procs):
                sys.exit("\n".join(errs))
            counts = json.loads(subprocess.run([args.bin, "queue", "--format", "json"], env=env,
                                               capture_output=True, text=True).stdout)
            assert counts["done"] == len(repos) and counts["duplicate_results"] == 0, counts
            st = hub.stats()
            m = len(repos)
            rows.append((n, m, elapsed, m / elapsed, st["file_bytes"] / m,
                         st["api_requests"] / m, st["resolve_requests"] / m,
                         st["cdn_requests"] / m, st["requests"] / m))
    finally:
        hub.close()
        pg.stop()
    print(f"{len(repos)} repos ({args.copies} copies of the stand-in's public repos + originals), "
          f"shared API quota {args.api_quota} per 5 minutes")
    print("| workers | repos | wall time | repos/s | bytes fetched per model | API requests "
          "per model | resolver requests per model | CDN requests per model | all requests "
          "per model |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n, m, t, rate, b, api, res, cdn, allr in rows:
        print(f"| {n} | {m} | {t:.1f} s | {rate:.2f} | {b / 1000:.1f} KB | {api:.1f} | {res:.1f} | "
              f"{cdn:.1f} | {allr:.1f} |")


if __name__ == "__main__":
    main()
