#!/usr/bin/python3
"""The random differential test (random_diff_test.cc) on a FRESH corpus: a new seed each run,
printed first, so every CI run checks pickles nobody has seen before, besides the fixed corpus
in tests/fixtures/pickle/random/ that the unit test replays.

    random_diff_fresh.py PICKLE_TEST_BINARY [--count N]
env: MV_RANDOM_DIFF_SEED=<n> reproduces a run (the seed line of a failure says which).
ctest runs it as pickle.random_diff.fresh_seed."""
import argparse
import os
import secrets
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pickle_test")
    ap.add_argument("--count", type=int, default=1000)
    args = ap.parse_args()
    seed = int(os.environ.get("MV_RANDOM_DIFF_SEED") or secrets.randbits(31))
    print(f"random-diff: seed {seed} ({args.count} pickles); reproduce with "
          f"MV_RANDOM_DIFF_SEED={seed}", flush=True)
    out = tempfile.mkdtemp(prefix="mv-random-diff-")
    try:
        gen = subprocess.run([sys.executable, os.path.join(HERE, "gen_random_pickles.py"),
                              "--seed", str(seed), "--count", str(args.count), "--out", out],
                             capture_output=True, text=True)
        print(gen.stdout, end="")
        if gen.returncode != 0:
            print(gen.stderr, end="")
            print(f"random-diff: the generator failed (seed {seed})")
            return 1
        test = subprocess.run([args.pickle_test, "--gtest_filter=RandomDiff.*",
                               "--gtest_brief=1"],
                              env=dict(os.environ, MV_RANDOM_DIFF_DIR=out), capture_output=True,
                              text=True)
        print(test.stdout[-20000:], end="")
        print(test.stderr[-4000:], end="")
        if test.returncode != 0 or "[  PASSED  ] 1 test" not in test.stdout:
            print(f"random-diff: FAILED with seed {seed}: the corpus is kept in {out}")
            out = None  # keep it for the person who reads this
            return 1
        print(f"random-diff: seed {seed}: {args.count} pickles agree with CPython")
        return 0
    finally:
        if out:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
