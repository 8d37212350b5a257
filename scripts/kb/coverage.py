#!/usr/bin/python3
"""Measures the generated benign rules on the held-out fixtures and records the result.

    /usr/bin/python3 scripts/kb/coverage.py [--bin build/modelvet]

Scans tests/fixtures/models/heldout with the built CLI, writes each verdict into
tests/cases/heldout.tsv (checked by tests/e2e/test_heldout.py) and rewrites the table between
the coverage markers of docs/rules.md: per library its version, the names the generated rules
clear (classes and reconstructors/functions/constants) and the held-out files that scan safe.
Fails if a held-out file scans unsafe or error: those files are benign by construction.
"""

import argparse
import collections
import json
import pathlib
import re
import subprocess
import sys
import tomllib

REPO = pathlib.Path(__file__).resolve().parents[2]
HELD = REPO / "tests" / "fixtures" / "models" / "heldout"
TSV = REPO / "tests" / "cases" / "heldout.tsv"
DOC = REPO / "docs" / "rules.md"
BEGIN = "<!-- coverage:begin (scripts/kb/coverage.py) -->"
END = "<!-- coverage:end -->"


def generated_counts():
    """library -> (version, classes cleared, other names cleared, review names)."""
    out = {}
    for path in sorted((REPO / "rules").glob("benign_lib_*.toml")):
        text = path.read_text()
        doc = tomllib.loads(text)
        m = re.search(r"^#   (\S+) (\S+) \(Debian \S+ ([^)]*)\)", text, re.M)
        s = re.search(r"^#   the standard library \(module \S+\) of Python (\S+)", text, re.M)
        if s:  # one row for the standard library's modules
            lib, version = "Python standard library", s.group(1)
        else:
            lib, version = (m.group(1), f"{m.group(2)} (Debian {m.group(3)})") if m else \
                (path.stem[11:], "?")
        classes = other = review = 0
        for t in doc.get("benign", []):
            n = len(t.get("patterns", []))
            if t["category"] in ("library-class", "rebuild-only"):
                classes += n
            else:
                other += n
        for t in doc.get("review", []):
            review += len(t.get("patterns", []))
        _, c0, o0, r0 = out.get(lib, (version, 0, 0, 0))
        out[lib] = (version, classes + c0, other + o0, review + r0)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(REPO / "build" / "modelvet"))
    args = ap.parse_args()
    rows = [l.split("\t") for l in TSV.read_text().splitlines() if l and not l.startswith("#")]
    header = [l for l in TSV.read_text().splitlines() if l.startswith("#")]
    paths = [str(REPO / r[0]) for r in rows]
    p = subprocess.run([args.bin, "scan", "--format", "json", *paths], capture_output=True,
                       text=True)
    report = {pathlib.Path(f["path"]).resolve(): f for f in json.loads(p.stdout)["files"]}
    per = collections.defaultdict(collections.Counter)
    bad = []
    for r in rows:
        f = report[(REPO / r[0]).resolve()]
        r[1] = f["verdict"]
        per[r[0].split("/")[4]][f["verdict"]] += 1
        if f["verdict"] not in ("safe", "needs-review"):
            bad.append(f"{r[0]}: {f['verdict']}: {f['summary']}")
    TSV.write_text("\n".join(header + ["\t".join(r) for r in rows]) + "\n")

    counts = generated_counts()
    lines = [BEGIN, "",
             "| library | version (package) | classes cleared | other names | held-out safe / files |",
             "|---|---|---:|---:|---:|"]
    libs = sorted(set(counts) | set(per), key=str.lower)
    tot_safe = tot = 0
    for lib in libs:
        version, classes, other, review = counts.get(lib, ("—", 0, 0, 0))
        c = per.get(lib, collections.Counter())
        n = sum(c.values())
        tot_safe += c["safe"]
        tot += n
        held = f"{c['safe']} / {n}" if n else "—"
        lines.append(f"| {lib} | {version} | {classes} | {other} | {held} |")
    lines += ["", f"Held-out total: **{tot_safe} / {tot}** safe, the rest needs review, "
                  "none unsafe.", "", END]
    doc = DOC.read_text()
    if BEGIN in doc and END in doc:
        doc = doc[:doc.index(BEGIN)] + "\n".join(lines) + doc[doc.index(END) + len(END):]
        DOC.write_text(doc)
    else:
        print("coverage: markers not found in docs/rules.md; table:\n" + "\n".join(lines))
    print(f"coverage: held-out {tot_safe}/{tot} safe", file=sys.stderr)
    if bad:
        raise SystemExit("coverage: benign held-out files not safe/needs-review:\n" +
                         "\n".join(bad))


if __name__ == "__main__":
    main()
