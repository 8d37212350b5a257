#!/usr/bin/python3
"""Every ctest test must carry a TIMEOUT (a hang fails in minutes instead of stalling the run):
lists the suite with `ctest --show-only=json-v1` — gtest-discovered cases included — and fails
naming any test without one, or with one above the cap.

    ctest_timeouts.py CTEST BUILD_DIR CAP_SECONDS"""
import json
import subprocess
import sys


def main():
    ctest, build, cap = sys.argv[1], sys.argv[2], float(sys.argv[3])
    out = subprocess.run([ctest, "--test-dir", build, "--show-only=json-v1"], check=True,
                         capture_output=True, text=True).stdout
    tests = json.loads(out)["tests"]
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
