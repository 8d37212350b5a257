"""Held-out benign files of data libraries (tests/cases/heldout.tsv): classes and
constructors that were never looked at while the benign rules were generated.

Each file must scan `safe` or `needs-review` — never `unsafe`, never `error` — and give the
verdict recorded in heldout.tsv, so a change in coverage is seen (and recorded again with
scripts/kb/coverage.py, which also rewrites the coverage table in docs/rules.md)."""

import collections
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvtest  # noqa: E402

CASES = mvtest.load_cases(mvtest.HELDOUT_CASES, verdicts={"safe", "needs-review"})
RESULTS = {}


def scan():
    if not RESULTS:
        paths = [str(c["path"]) for c in CASES]
        _, report, _ = mvtest.scan_json(*paths)
        RESULTS.update(mvtest.by_path(report))
    return RESULTS


class HeldOut(unittest.TestCase):
    def test_every_heldout_file_has_a_row(self):
        on_disk = {p.relative_to(mvtest.SOURCE_DIR).as_posix()
                   for p in (mvtest.FIXTURES / "heldout").rglob("*") if p.is_file()}
        self.assertGreater(len(on_disk), 40)
        self.assertEqual(on_disk, {c["rel"] for c in CASES})

    def test_never_unsafe_and_as_recorded(self):
        results = scan()
        problems = []
        for c in CASES:
            e = results.get(os.path.realpath(c["path"]))
            got = e.get("verdict") if e else None
            if got not in ("safe", "needs-review"):
                problems.append(f"{c['rel']}: {got} (a benign held-out file)")
            elif got != c["verdict"]:
                problems.append(f"{c['rel']}: {got}, recorded {c['verdict']} "
                                "(run scripts/kb/coverage.py to record the new coverage)")
        self.assertEqual(problems, [])


def table():
    per = collections.defaultdict(collections.Counter)
    for c in CASES:
        e = scan().get(os.path.realpath(c["path"]), {})
        per[c["rel"].split("/")[4]][e.get("verdict", "missing")] += 1
    safe = sum(v["safe"] for v in per.values())
    print(f"held-out: {safe}/{len(CASES)} safe; needs review: "
          + ", ".join(f"{k} {v['needs-review']}" for k, v in sorted(per.items())
                      if v["needs-review"]))


if __name__ == "__main__":
    mvtest.main(extra_report=table)
