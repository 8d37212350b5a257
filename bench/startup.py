#!/usr/bin/env python3
"""Start-up cost of the modelvet binary: median wall and CPU time of whole processes
(`--version`, `scan` of one tiny pickle) over many runs, and the shared libraries the dynamic
loader maps before main. Not a test (no timing assertion): numbers go to docs/benchmarks.md.

Usage: bench/startup.py [BINARY] [RUNS]      (default build/modelvet, 200)"""

import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time


def measure(argv, runs):
    wall, cpu = [], []
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, _, ru = os.wait4(p.pid, 0)
        wall.append(time.perf_counter() - t)
        cpu.append(ru.ru_utime + ru.ru_stime)
    return statistics.median(wall) * 1e3, min(wall) * 1e3, statistics.median(cpu) * 1e3


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "build/modelvet"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    with tempfile.TemporaryDirectory() as d:
        tiny = pathlib.Path(d) / "tiny.pkl"
        tiny.write_bytes(b"\x80\x04N.")
        for name, argv in (("--version", [binary, "--version"]),
                           ("scan tiny.pkl", [binary, "scan", str(tiny)])):
            med, best, cpu = measure(argv, runs)
            env = dict(os.environ, LD_DEBUG="files")
            err = subprocess.run(argv, env=env, capture_output=True, text=True).stderr
            libs = {l.split("file=")[1].split()[0] for l in err.splitlines()
                    if "file=" in l and "generating link map" in l}
            print(f"{name:15s} wall median {med:6.2f} ms  min {best:6.2f} ms  "
                  f"cpu median {cpu:6.2f} ms  shared libraries loaded {len(libs)}")


if __name__ == "__main__":
    main()
