#!/usr/bin/env python3
"""modelvet against a Python scanner, whole processes side by side (median of RUNS): 3000 small
torch files (one directory) and one 1 GiB torch zip. The Python scanner is picklescan when it is
installed (`picklescan -p PATH`), else bench/pickletools_scan.py (the same method in plain
Python; say which in the numbers). The corpus is written once under
$TMPDIR/modelvet-bench/vs_python with /usr/bin/python3 (torch). Not a test.

Usage: bench/vs_python.py [BINARY] [RUNS]     (default build/modelvet, 5)"""

import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
CORPUS = pathlib.Path(tempfile.gettempdir()) / "modelvet-bench" / "vs_python"

GEN = r"""
import sys, pathlib, torch
root = pathlib.Path(sys.argv[1])
small = root / "small"; small.mkdir(parents=True, exist_ok=True)
torch.manual_seed(0)
for i in range(3000):
    torch.save({"w": torch.randn(8, 8), "b": torch.zeros(8), "step": i}, small / f"m{i:04d}.pt")
big = torch.zeros((1 << 30) // 4, dtype=torch.float32)
torch.save({"big": big}, root / "big.pt")
(root / "done").write_text("ok")
"""


def median_runs(argvs, runs, passes=3):
    """Median wall time and median CPU time (user + system, from the child's rusage) of whole
    processes, in seconds, for each command line in `argvs`. Each command runs in blocks of
    runs/passes after one untimed run, and the blocks take turns over `passes` passes: a
    machine whose speed drifts (a shared VM) then slows every command alike, and no timed run
    follows another program (on the 2-core VM a process started right after the Python scanner
    runs ~1.5 ms slower: caches). On such a machine the CPU time moves less than the wall time."""
    wall = [[] for _ in argvs]
    cpu = [[] for _ in argvs]
    per_pass = max(1, -(-runs // passes))
    for _ in range(passes):
        for i, argv in enumerate(argvs):
            for timed in [False] + [True] * per_pass:
                t = time.perf_counter()
                p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                _, _, ru = os.wait4(p.pid, 0)
                if timed:
                    wall[i].append(time.perf_counter() - t)
                    cpu[i].append(ru.ru_utime + ru.ru_stime)
    return [(statistics.median(w), statistics.median(c)) for w, c in zip(wall, cpu)]


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "build/modelvet"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    if not (CORPUS / "done").exists():
        CORPUS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["/usr/bin/python3", "-c", GEN, str(CORPUS)], check=True)
    if shutil.which("picklescan"):
        name, py = "picklescan", ["picklescan", "-p"]
    else:
        name, py = "pickletools baseline", [sys.executable, str(HERE / "pickletools_scan.py")]
    print(f"python scanner: {name}; {os.cpu_count()} CPUs; median of {runs} runs in 3 alternating passes; "
          f"load average {os.getloadavg()[0]:.1f} before")
    # The fixed cost of one process of each (start-up, knowledge base or imports, exit): a
    # 4-byte pickle. What a row spends beyond it is the scanning itself.
    with tempfile.TemporaryDirectory() as d:
        tiny = pathlib.Path(d) / "tiny.pkl"
        tiny.write_bytes(b"\x80\x04N.")
        (fixed, fixed_cpu), (pfixed, pfixed_cpu) = median_runs(
            [[binary, "scan", str(tiny)], py + [str(tiny)]], max(runs, 21))
    print(f"{'fixed cost (tiny.pkl)':24s} modelvet {fixed * 1e3:7.1f} ms (cpu {fixed_cpu * 1e3:6.1f})"
          f"  {name} {pfixed * 1e3:7.1f} ms (cpu {pfixed_cpu * 1e3:6.1f})")
    for label, target in (("3000 small torch files", CORPUS / "small"),
                          ("1 GiB torch zip", CORPUS / "big.pt")):
        (mv, mv_cpu), (mv1, mv1_cpu), (base, base_cpu) = median_runs(
            [[binary, "scan", str(target)], [binary, "scan", "-j", "1", str(target)],
             py + [str(target)]], runs)
        print(f"{label:24s} modelvet {mv * 1e3:7.1f} ms (cpu {mv_cpu * 1e3:6.1f}; "
              f"-j1 {mv1 * 1e3:7.1f} ms, cpu {mv1_cpu * 1e3:6.1f})  "
              f"{name} {base * 1e3:7.1f} ms (cpu {base_cpu * 1e3:6.1f})  "
              f"ratio {base / mv:5.1f}x (cpu {base_cpu / mv_cpu:5.1f}x)")
    print(f"load average {os.getloadavg()[0]:.1f} after")

if __name__ == "__main__":
    main()
