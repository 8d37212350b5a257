#!/usr/bin/python3
"""Published bypasses as regression tests: runs `modelvet scan --format json` over every case
of tests/cases/attacks.tsv and checks the verdict and the evidence substrings.

Env: MODELVET_BIN (the CLI), MODELVET_SOURCE_DIR (the repo). Stdlib only. Prints one line per
failure, a per-technique table of failures, and 'N passed, N failed, N skipped'; exits 1 on any
failure. Optional: ATTACKS_FILTER=<substring> runs only matching paths (the rest count as
skipped).
"""
import collections
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvtest  # noqa: E402

BIN = mvtest.BIN
SRC = str(mvtest.SOURCE_DIR)
TSV = os.path.join(SRC, "tests", "cases", "attacks.tsv")
BATCH = 40  # files per CLI run (one process per file would dominate the runtime)


def load_cases():
    rows = mvtest.load_cases(TSV, ("unsafe", "safe", "needs-review", "not-safe"))
    return [{"path": r["rel"], "verdict": r["verdict"], "evidence": r["terms"],
             "technique": r["id"], "source": r["why"], "line": r["line"]} for r in rows]


def scan(paths):
    """Scans paths in one CLI run; returns {path: file report} or raises on a broken run."""
    full = [os.path.join(SRC, p) for p in paths]
    proc = subprocess.run([BIN, "scan", "--format", "json", *full], capture_output=True,
                          timeout=600)
    if proc.returncode < 0:
        raise RuntimeError(f"modelvet died with signal {-proc.returncode}: "
                           f"{proc.stderr.decode(errors='replace')[-500:]}")
    if proc.returncode not in (0, 1, 2):
        raise RuntimeError(f"modelvet exit {proc.returncode}: "
                           f"{proc.stderr.decode(errors='replace')[-500:]}")
    doc = json.loads(proc.stdout)
    out = {}
    for f in doc.get("files", []):
        out[os.path.relpath(f["path"], SRC)] = f
    return out


def check(case, report):
    """Returns a failure message, or None."""
    if report is None:
        return "missing from the report"
    got = report.get("verdict")
    want = case["verdict"]
    ok = got != "safe" if want == "not-safe" else got == want
    if got == "error":
        ok = False
    if not ok:
        return f"verdict {got}, want {want}"
    missing = mvtest.missing_terms(report.get("findings", []), case["evidence"])
    if missing:
        return "evidence missing from one finding: " + ", ".join(repr(m) for m in missing)
    return None


def main():
    cases = load_cases()
    flt = os.environ.get("ATTACKS_FILTER")
    total = len(cases)
    if flt:
        cases = [c for c in cases if flt in c["path"]]
    missing_files = [c["path"] for c in cases if not os.path.isfile(os.path.join(SRC, c["path"]))]
    if missing_files:
        print("fixtures missing (run tests/fixtures/attacks/gen_attacks.py):", *missing_files[:5])
        return 1
    reports = {}
    broken = 0
    for i in range(0, len(cases), BATCH):
        chunk = [c["path"] for c in cases[i:i + BATCH]]
        try:
            reports.update(scan(chunk))
        except (RuntimeError, json.JSONDecodeError, subprocess.TimeoutExpired) as e:
            # Isolate the file that breaks the CLI: rescan one by one.
            for p in chunk:
                try:
                    reports.update(scan([p]))
                except (RuntimeError, json.JSONDecodeError, subprocess.TimeoutExpired) as e1:
                    reports[p] = {"verdict": f"CRASH ({str(e1).splitlines()[0][:120]})",
                                  "findings": []}
                    broken += 1
            del e

    passed, failed = 0, 0
    by_tech = collections.defaultdict(lambda: [0, 0])
    for c in cases:
        msg = check(c, reports.get(c["path"]))
        fam = c["technique"].split("/")[0]
        by_tech[fam][1] += 1
        if msg is None:
            passed += 1
        else:
            failed += 1
            by_tech[fam][0] += 1
            print(f"FAIL {c['path']} [{c['technique']}]: {msg}")

    if failed:
        print("\nfailures by technique (failed/total):")
        for fam in sorted(by_tech):
            f, t = by_tech[fam]
            if f:
                print(f"  {fam:8s} {f:3d}/{t:<3d}")
    if broken:
        print(f"\n{broken} file(s) crashed or hung the CLI")
    print(f"{passed} passed, {failed} failed, {total - len(cases)} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
