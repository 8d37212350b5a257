"""Shared helpers for the end-to-end tests (standard library only).

The tests drive the built CLI: MODELVET_BIN is the binary, MODELVET_SOURCE_DIR the repository
(both set by ctest; defaults let a developer run `python3 tests/e2e/test_x.py` from a build
with build/modelvet)."""

import json
import os
import pathlib
import subprocess
import sys
import unittest

SOURCE_DIR = pathlib.Path(os.environ.get("MODELVET_SOURCE_DIR",
                                         pathlib.Path(__file__).resolve().parents[2]))
BIN = os.environ.get("MODELVET_BIN", str(SOURCE_DIR / "build" / "modelvet"))
FIXTURES = SOURCE_DIR / "tests" / "fixtures" / "models"
CASES = SOURCE_DIR / "tests" / "cases" / "models.tsv"
# Benign objects of data libraries (scripts/gen_library_fixtures.py): the development set is
# checked with models.tsv; the held-out set by test_heldout.py.
LIBRARY_CASES = SOURCE_DIR / "tests" / "cases" / "libraries.tsv"
HELDOUT_CASES = SOURCE_DIR / "tests" / "cases" / "heldout.tsv"
VERDICTS = {"safe", "needs-review", "unsafe", "error"}
SEVERITIES = {"info", "low", "medium", "high", "critical"}


class Call:
    """Pickles as `func(*args)`: a real pickle naming a callable that is never called. A Call
    is itself callable (a no-op) so that it can be another Call's func: the pickle then calls
    the result of a call, Call(Call(factory, f), 'id') = factory(f)('id')."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args

    def __call__(self, *args):
        raise AssertionError("a Call is only pickled")


def run(*args, timeout=300, cwd=None):
    """Runs modelvet with args; returns CompletedProcess (text mode)."""
    return subprocess.run([BIN, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)


def scan_json(*paths, extra=()):
    """Runs `scan --format json` and returns (exit code, parsed report, stderr)."""
    p = run("scan", "--format", "json", *extra, *paths)
    try:
        report = json.loads(p.stdout)
    except json.JSONDecodeError as e:
        raise AssertionError(f"stdout is not JSON ({e}); exit {p.returncode}; "
                             f"stdout={p.stdout[:500]!r} stderr={p.stderr[:500]!r}")
    return p.returncode, report, p.stderr


def by_path(report):
    """Maps realpath -> file entry."""
    return {os.path.realpath(f["path"]): f for f in report.get("files", [])}


def scan_named_pickles(directory, named):
    """Writes each {name: bytes} as DIRECTORY/name.pkl, scans them all in one run and returns
    ({name: path}, {realpath: file entry})."""
    paths = {}
    for name, data in named.items():
        p = pathlib.Path(directory) / f"{name}.pkl"
        p.write_bytes(data)
        paths[name] = p
    _, report, _ = scan_json(*paths.values())
    return paths, by_path(report)


def load_cases(path=None, verdicts=VERDICTS):
    """Reads a case file (tests/cases/*.tsv): path from the repository root, verdict, evidence
    terms (`|`-separated; `-` or empty: none), technique id, why/source — tab-separated, `#`
    comments. Each row's `rel` is the path as written, `path` the file under SOURCE_DIR."""
    path = path or CASES
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 5:
                raise ValueError(f"{path}:{n}: expected 5 tab-separated columns, got {len(cols)}")
            rel, verdict, evidence, tid, why = cols
            if verdict not in verdicts:
                raise ValueError(f"{path}:{n}: unknown verdict {verdict!r}")
            terms = [t for t in evidence.split("|") if t and t != "-"]
            if verdict == "safe" and terms:
                raise ValueError(f"{path}:{n}: a safe case cannot list evidence")
            rows.append({"rel": rel, "path": SOURCE_DIR / rel, "verdict": verdict,
                         "terms": terms, "id": tid, "why": why, "line": n})
    return rows


def term_in(term, f):
    """A term is a substring of the finding's evidence or callable; `rule:<id>` names the
    finding's rule exactly (for findings that carry no evidence, e.g. a truncated stream)."""
    if term.startswith("rule:"):
        return f.get("rule") == term[len("rule:"):]
    return term in f"{f.get('evidence') or ''}\n{f.get('callable') or ''}"


def missing_terms(findings, terms):
    """Terms not shown together: all of `terms` must occur in ONE finding (the callable and its
    payload marker side by side, not scattered over unrelated findings). Returns [] when some
    finding holds every term, else the terms missing from the finding that holds the most."""
    if not terms:
        return []
    best = list(terms)
    for f in findings:
        missing = [t for t in terms if not term_in(t, f)]
        if len(missing) < len(best):
            best = missing
        if not best:
            return []
    return best


def main(extra_report=None):
    """Runs the module's tests; prints 'N passed, N failed, N skipped'; exits non-zero on
    failure. Nothing here skips: a test that cannot run its check fails."""
    if not os.access(BIN, os.X_OK):
        print(f"modelvet binary not found: {BIN} (set MODELVET_BIN)")
        print("0 passed, 1 failed, 0 skipped")
        sys.exit(1)
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules["__main__"])
    result = unittest.TestResult()
    suite.run(result)
    for kind, items in (("FAIL", result.failures), ("ERROR", result.errors)):
        for test, tb in items:
            lines = [l for l in tb.strip().splitlines() if l.strip()]
            msg = lines[-1] if kind == "FAIL" else "\n    ".join(lines[-4:])
            print(f"{kind}: {test.id().split('.', 1)[-1]}: {msg[:400]}")
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed - len(result.skipped)
    if extra_report:
        extra_report()
    for test, why in result.skipped:
        print(f"SKIP: {test.id().split('.', 1)[-1]}: {why}")
    print(f"{passed} passed, {failed} failed, {len(result.skipped)} skipped")
    sys.exit(1 if failed else 0)
