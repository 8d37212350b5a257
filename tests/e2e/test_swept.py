"""Gadgets found by the dangerous sweep (scripts/kb/sweep.py, rules/dangerous_lib_*.toml).

Each fixture of tests/cases/swept.tsv (tests/fixtures/swept/gen_swept.py) calls a callable
no hand-written rule names — stdlib class builders, annotation evaluation, test discovery,
native loading, terminal and history writers, archive helpers of torchvision, torch's
benchmark Timer, joblib's vendored loky, h5py.File, sympy's parser, aliases of torch.hub —
and must scan `unsafe` with the callable in the evidence. The rule that decides it must be
a swept one (or a hand-written rule that predates the sweep): the names are not hand-listed."""

import os
import pathlib
import re
import sys
import tempfile
import textwrap
import tomllib
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvtest  # noqa: E402

CASES = mvtest.load_cases(mvtest.SOURCE_DIR / "tests" / "cases" / "swept.tsv")
RULES = mvtest.SOURCE_DIR / "rules"
# Gadgets of the issue that hand-written rules covered before the sweep (by a wildcard or an
# exact name); the sweep leaves them to those rules.
HAND_COVERED = {"fcntl.ioctl", "sympy.parsing.sympy_parser.parse_expr",
                "torch.hub.load_state_dict_from_url"}
KB_SCRIPTS = mvtest.SOURCE_DIR / "scripts" / "kb"

# Callables that reach two capabilities: the nearest one writes a file, a farther one runs a
# command (as loky's Popen opens a pipe before it spawns the worker).
TWO_CAPABILITIES = textwrap.dedent("""
    import os


    def opens_then_spawns(path, cmd):
        f = open(path, "w")
        _spawn(cmd)
        return f


    def _spawn(cmd):
        return _really_spawn(cmd)


    def _really_spawn(cmd):
        os.system(cmd)


    def both_in_one(path, cmd):
        open(path, "w")
        os.system(cmd)


    class Launcher:
        def __init__(self, path, cmd):
            self.log = open(path, "w")
            self._launch(cmd)

        def _launch(self, cmd):
            _spawn(cmd)


    def only_writes(path):
        return open(path, "w")
""")


def sweep_paths(pkg_dir):
    """{root: effect path} of the test package's callables, judged as sweep.py judges them."""
    sys.path.insert(0, str(KB_SCRIPTS))
    sys.path.insert(0, str(pkg_dir))
    try:
        import kbmatch
        import mv_two_caps as pkg
        import sweep
        an = sweep.SweepAnalyzer(kbmatch.KB(RULES, skip=sweep.ours))
        keys = {"opens_then_spawns": [an.node_for(pkg.opens_then_spawns)],
                "both_in_one": [an.node_for(pkg.both_in_one)],
                "Launcher": [an.node_for(pkg.Launcher.__init__, pkg.Launcher)],
                "only_writes": [an.node_for(pkg.only_writes)]}
        an.expand_all()
        return {k: sweep.path_entry(sweep.worst_of(an, ks)) for k, ks in keys.items()}, sweep, \
            kbmatch
    finally:
        sys.path.remove(str(KB_SCRIPTS))
        sys.path.remove(str(pkg_dir))


class Swept(unittest.TestCase):
    def test_cases_are_unsafe_with_the_callable(self):
        self.assertGreater(len(CASES), 20)
        _, report, _ = mvtest.scan_json(*[str(c["path"]) for c in CASES])
        got = mvtest.by_path(report)
        problems = []
        for c in CASES:
            e = got.get(os.path.realpath(c["path"]))
            if e is None or e.get("verdict") != "unsafe":
                problems.append(f"{c['rel']}: {e and e.get('verdict')}, want unsafe")
                continue
            texts = [(f.get("evidence") or "") + "\n" + (f.get("callable") or "")
                     for f in e.get("findings", [])]
            for t in c["terms"]:
                if not any(t in x for x in texts):
                    problems.append(f"{c['rel']}: evidence lacks {t!r}")
        self.assertEqual(problems, [])

    def test_the_names_come_from_the_sweep(self):
        swept = set()
        for p in RULES.glob("dangerous_lib_*.toml"):
            swept.update(re.findall(r'^pattern = "([^"]+)"$', p.read_text(), re.M))
        hand = set()
        for p in RULES.glob("*.toml"):
            if p.name.startswith("dangerous_lib_"):
                continue
            doc = tomllib.loads(p.read_text())
            for t in doc.get("dangerous", []):
                hand.update(t.get("patterns") or [t["pattern"]])
        alias = tomllib.loads((RULES / "semantics.toml").read_text())["alias"]
        missing = []
        for c in CASES:
            name = c["why"].split(":", 1)[0]
            for a, b in alias.items():
                if name.startswith(a + "."):
                    name = b + name[len(a):]
            if name in swept:
                continue
            if name in HAND_COVERED or name in hand:
                self.assertIn(name, HAND_COVERED, f"{name}: hand-written, not swept")
                continue
            missing.append(name)
        self.assertEqual(missing, [])

    def test_swept_file_records_date_and_versions(self):
        head = (RULES / "dangerous_lib_sympy.toml").read_text()[:2000]
        self.assertRegex(head, r"GENERATED by scripts/kb/sweep.py on \d{4}-\d\d-\d\d")
        for lib in ("Python 3", "torch ", "numpy ", "h5py ", "sympy "):
            self.assertIn(lib, head)

    def test_a_callable_is_recorded_with_the_worst_capability_it_reaches(self):
        with tempfile.TemporaryDirectory() as d:
            (pathlib.Path(d) / "mv_two_caps.py").write_text(TWO_CAPABILITIES)
            got, sweep, kbmatch = sweep_paths(d)
        kb = kbmatch.KB(RULES, skip=sweep.ours)
        for name in ("opens_then_spawns", "both_in_one", "Launcher"):
            cat, steps = got[name]
            self.assertEqual(cat, "process", f"{name}: {steps}")
            self.assertEqual(sweep.leaf_action(kb, steps[-1])[4], "execute",
                             f"{name}: {steps}")
        self.assertEqual(got["only_writes"][0], "file-system", got["only_writes"])

    def test_loky_popen_is_recorded_as_spawning(self):
        # joblib's vendored loky: Popen.__init__ opens a pipe (os.fdopen) before it spawns the
        # worker process; the rule must say it starts a process, not that it writes files.
        doc = tomllib.loads((RULES / "dangerous_lib_joblib.toml").read_text())
        rules = {t["pattern"]: t for t in doc["dangerous"]}
        for name in ("joblib.externals.loky.backend.popen_loky_posix.Popen",
                     "joblib.externals.loky.backend.process.LokyProcess._Popen"):
            r = rules.get(name)
            self.assertIsNotNone(r, name)
            self.assertEqual((r["category"], r["effect"]), ("process", "execute"), r)


if __name__ == "__main__":
    mvtest.main()
