#!/usr/bin/env python3
"""Baseline for bench/vs_python.py: a picklescan-like scanner in plain Python. For each file
(recursively), every pickle inside (a zip's *.pkl members, or the file itself) is walked with
pickletools.genops and its GLOBAL / STACK_GLOBAL imports collected, as picklescan does; a file
importing anything outside a small allow-list is reported. Exit 1 when something is flagged.
Used only where picklescan itself is not installed (it is not a Debian package)."""

import os
import pickletools
import sys
import zipfile

SAFE = {("collections", "OrderedDict"), ("torch._utils", "_rebuild_tensor_v2"),
        ("torch", "FloatStorage"), ("torch", "LongStorage"), ("torch", "HalfStorage"),
        ("torch._utils", "_rebuild_parameter")}


def globals_of(data):
    found, strings = set(), []
    try:
        for op, arg, _ in pickletools.genops(data):
            if op.name in ("GLOBAL", "INST"):
                found.add(tuple(arg.split(" ", 1)))
            elif op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
                strings.append(arg)
            elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
                found.add((strings[-2], strings[-1]))
    except Exception:
        pass
    return found


def scan(path):
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            out = set()
            for n in z.namelist():
                if n.endswith(".pkl"):
                    out |= globals_of(z.read(n))
            return out
    with open(path, "rb") as f:
        return globals_of(f.read())


def main():
    flagged = 0
    for root in sys.argv[1:]:
        paths = [root] if os.path.isfile(root) else sorted(
            os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs)
        for p in paths:
            bad = scan(p) - SAFE
            if bad:
                flagged += 1
                print(f"{p}: {sorted(bad)}")
    return 1 if flagged else 0


if __name__ == "__main__":
    sys.exit(main())
