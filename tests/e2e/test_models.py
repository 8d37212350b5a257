"""Data-driven verdict tests: every row of tests/cases/models.tsv is one test.

A row says which verdict modelvet must reach for a fixture and which evidence terms must show
up: the `|`-separated terms must all occur in the `evidence` or `callable` of ONE finding
(`rule:<id>` names the finding's rule). An `unsafe` row also needs a finding of severity high or
critical; `safe` and `needs-review` rows must have none.
All fixtures are scanned by one CLI run (fast); if that run does not produce a report, each
file is scanned on its own so one crash does not hide the other results."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvtest  # noqa: E402

CASES = mvtest.load_cases() + mvtest.load_cases(mvtest.LIBRARY_CASES)
RESULTS = {}  # realpath -> file entry (or {"_error": text})
BATCH = {}
FAILED_ROWS = []


def scan_all():
    if RESULTS or BATCH:
        return
    paths = [str(c["path"]) for c in CASES]
    try:
        code, report, _ = mvtest.scan_json(*paths)
        BATCH["exit"] = code
        BATCH["summary"] = report.get("summary", {})
        RESULTS.update(mvtest.by_path(report))
        return
    except Exception as e:  # crash or bad JSON: isolate per file
        BATCH["error"] = str(e)
    for p in paths:
        try:
            _, report, _ = mvtest.scan_json(p, extra=())
            RESULTS.update(mvtest.by_path(report))
        except Exception as e:
            RESULTS[os.path.realpath(p)] = {"_error": str(e)[:300]}


def check_case(c):
    """Returns a list of problems (empty when the case passes)."""
    scan_all()
    entry = RESULTS.get(os.path.realpath(c["path"]))
    if entry is None:
        return ["file missing from the report"]
    if "_error" in entry:
        return [entry["_error"]]
    problems = []
    if entry.get("verdict") != c["verdict"]:
        problems.append(f"verdict {entry.get('verdict')!r}, want {c['verdict']!r}")
    findings = entry.get("findings", [])
    missing = mvtest.missing_terms(findings, c["terms"])
    if missing:
        problems.append(f"evidence terms not found in one finding: {missing}")
    strong = [f for f in findings if f.get("severity") in ("high", "critical")]
    if c["verdict"] == "unsafe" and not strong:
        problems.append("no high/critical finding")
    if c["verdict"] != "unsafe" and strong:
        problems.append(f"high/critical finding on a {c['verdict']} file: "
                        f"{strong[0].get('evidence')!r}")
    return problems


class ModelCases(unittest.TestCase):
    def test_batch_exit_code(self):
        """The batch holds unsafe files, so the CLI must exit 1 and count them."""
        scan_all()
        self.assertNotIn("error", BATCH, BATCH.get("error"))
        self.assertEqual(BATCH["exit"], 1)
        self.assertEqual(BATCH["summary"].get("files"), len(CASES))
        for verdict, key in (("unsafe", "unsafe"), ("needs-review", "needs_review"),
                             ("safe", "safe")):
            want = sum(1 for c in CASES if c["verdict"] == verdict)
            self.assertEqual(BATCH["summary"].get(key), want, verdict)
        self.assertEqual(BATCH["summary"].get("error"), 0)

    def test_case_file_sane(self):
        """Every fixture has exactly one case row and every row names an existing file."""
        self.assertGreater(len(CASES), 50)
        rels = [c["rel"] for c in CASES]
        self.assertEqual(len(rels), len(set(rels)))
        folder = {"safe": "benign", "unsafe": "malicious", "needs-review": "review"}
        for c in CASES:
            self.assertTrue(c["path"].is_file(), c["rel"])
        models = mvtest.load_cases()  # models.tsv (libraries.tsv rows live in libraries/)
        for c in models:  # models.tsv: the folder names the verdict; a non-safe row its evidence
            self.assertEqual(c["path"].relative_to(mvtest.FIXTURES).parts[0],
                             folder[c["verdict"]], c["rel"])
            if c["verdict"] != "safe":
                self.assertTrue(c["terms"], c["rel"])
        for verdict in folder:  # every verdict a file can earn has cases
            self.assertGreaterEqual(sum(1 for c in models if c["verdict"] == verdict), 3, verdict)
        on_disk = {p.relative_to(mvtest.SOURCE_DIR).as_posix()
                   for sub in (*folder.values(), "libraries")
                   for p in (mvtest.FIXTURES / sub).rglob("*") if p.is_file()}
        self.assertEqual(on_disk - set(rels), set(), "fixtures without a case row")

    def test_terms_must_share_one_finding(self):
        """The matcher itself: terms spread over two findings do not count."""
        call = {"callable": "posix.system", "evidence": "posix.system", "rule": "r1"}
        marker = {"callable": "", "evidence": "'echo x'", "rule": "r2"}
        both = {"callable": "posix.system", "evidence": "posix.system('echo x')", "rule": "r3"}
        terms = ["system", "echo x"]
        self.assertEqual(mvtest.missing_terms([call, marker], terms), ["echo x"])
        self.assertEqual(mvtest.missing_terms([call, marker, both], terms), [])
        self.assertEqual(mvtest.missing_terms([call], ["rule:r1", "system"]), [])
        self.assertEqual(mvtest.missing_terms([call], ["rule:r", "system"]), ["rule:r"])
        self.assertEqual(mvtest.missing_terms([], terms), terms)

    def test_samples_are_fixture_copies(self):
        """samples/ (the README demo) holds byte-identical copies of benign and malicious cases."""
        want = {c["path"].read_bytes(): c["verdict"] for c in CASES}
        verdicts = set()
        samples = [p for p in (mvtest.SOURCE_DIR / "samples").iterdir()
                   if p.is_file() and p.name != "README.md"]
        self.assertGreater(len(samples), 3)
        for p in samples:
            self.assertFalse(p.is_symlink(), p)
            self.assertIn(p.read_bytes(), want, f"{p.name} is not a copy of a fixture")
            verdicts.add(want[p.read_bytes()])
        self.assertEqual(verdicts, {"safe", "unsafe"})


def make_test(c):
    def test(self):
        problems = check_case(c)
        if problems:
            FAILED_ROWS.append((c, problems))
            self.fail(f"{c['rel']} [{c['id']}]: " + "; ".join(problems))
    test.__doc__ = f"{c['rel']} -> {c['verdict']} ({c['id']})"
    return test


for i, c in enumerate(CASES):
    name = "test_%03d_%s" % (i, "".join(ch if ch.isalnum() else "_" for ch in c["rel"]))
    setattr(ModelCases, name, make_test(c))


def table():
    if not FAILED_ROWS:
        return
    print("\nFailed cases:")
    print(f"{'fixture':80} {'want':12} {'got':12} problem")
    for c, problems in sorted(FAILED_ROWS, key=lambda r: r[0]["rel"]):
        e = RESULTS.get(os.path.realpath(c["path"]), {})
        got = e.get("verdict", "-")
        print(f"{c['rel'][:80]:80} {c['verdict']:12} {got:12} {'; '.join(problems)[:160]}")
        if e.get("summary"):
            print(f"{'':80} {'':12} {'':12} summary: {e['summary'][:140]}")


if __name__ == "__main__":
    mvtest.main(extra_report=table)
