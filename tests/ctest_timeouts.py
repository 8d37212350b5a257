#!/usr/bin/python3
"""Every ctest test must carry a TIMEOUT (a hang fails in minutes instead of stalling the run):
lists the suite with `ctest --show-only=json-v1` — gtest-discovered cases included — and fails
naming any test without one, or with one above the cap. ctest runs on a scratch copy of the
build's CTestTestfile.cmake tree: run in the build directory itself it would overwrite the
Testing/Temporary/LastTest.log of the ctest run it is part of.

    ctest_timeouts.py CTEST BUILD_DIR CAP_SECONDS"""
import json
import os
import shutil
import subprocess
import sys
import tempfile


def list_tests(ctest, build):
    """The suite as `ctest --show-only=json-v1` lists it, from a copy of the test files (their
    include()s of gtest-discovered lists are absolute paths into the build and still resolve)."""
    with tempfile.TemporaryDirectory(prefix="mv-ctest-list-") as scratch:
        for root, _dirs, files in os.walk(build):
            if "CTestTestfile.cmake" in files:
                dest = os.path.join(scratch, os.path.relpath(root, build))
                os.makedirs(dest, exist_ok=True)
                shutil.copy(os.path.join(root, "CTestTestfile.cmake"), dest)
        out = subprocess.run([ctest, "--test-dir", scratch, "--show-only=json-v1"], check=True,
                             capture_output=True, text=True).stdout
    return json.loads(out)["tests"]


def main():
    ctest, build, cap = sys.argv[1], sys.argv[2], float(sys.argv[3])
    tests = list_tests(ctest, build)
    bad = []
    for t in tests:
        props = {p["name"]: p["value"] for p in t.get("properties", [])}
        timeout = props.get("TIMEOUT")
        if timeout is None or not 0 < float(timeout) <= cap:
            bad.append(f"{t['name']}: TIMEOUT {timeout}")
    for line in bad:
        print(line)
    print(f"{len(tests) - len(bad)} of {len(tests)} tests have a timeout within {cap:g} s")
    # Discovery must have happened: a handful of tests means the gtest cases are missing.
    if len(tests) < 100:
        print("too few tests listed: were the gtest cases discovered?")
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
