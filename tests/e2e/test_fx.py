"""Pickled torch.fx GraphModules (tests/fixtures/fx/gen_fx.py, real files of Debian's
python3-torch): torch.load execs the Python source the pickle carries and traces its forward.
The source fx generates clears with the reason; a source that does more than fx writes is
unsafe with the offending statement as evidence; a source that cannot be split into statements
needs review (docs/pickle.md, "torch.fx GraphModules")."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvtest  # noqa: E402

FX = mvtest.SOURCE_DIR / "tests" / "fixtures" / "fx"

# fixture -> (verdict, text one finding's evidence must hold)
CASES = {
    "fx-benign.pt": ("safe", None),
    "fx-import-os-system.pt": ("unsafe", "os.system('echo fx')"),
    "fx-forward-os-system.pt": ("unsafe", "__import__('os').system('echo fx')"),
    "fx-exec.pt": ("unsafe", "exec('print(1)')"),
    "fx-open-write.pt": ("unsafe", "open('/tmp/fx-out', 'w')"),
    "fx-getattr-dunder.pt": ("unsafe", "getattr(torch, '__builtins__')"),
    "fx-non-torch-global.pt": ("unsafe", "from subprocess import check_call as run"),
    "fx-torch-save.pt": ("unsafe", "torch.save(x, '/tmp/fx-out')"),
    "fx-unparseable.pt": ("needs-review", None),
}


class Fx(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        _, report, _ = mvtest.scan_json(*[FX / n for n in CASES])
        cls.got = mvtest.by_path(report)

    def entry(self, name):
        return self.got[os.path.realpath(FX / name)]

    def test_verdicts_and_evidence(self):
        for name, (verdict, evidence) in CASES.items():
            with self.subTest(name):
                e = self.entry(name)
                self.assertEqual(e["verdict"], verdict, e)
                if evidence:
                    texts = [f.get("evidence") or "" for f in e["findings"]]
                    self.assertTrue(any(evidence in t for t in texts), texts)

    def test_benign_is_cleared_with_the_reason(self):
        e = self.entry("fx-benign.pt")
        self.assertEqual(e["summary"], "fx graph code only calls torch operations")

    def test_unparseable_says_why(self):
        e = self.entry("fx-unparseable.pt")
        self.assertIn("fx graph code cannot be checked", " ".join(
            f.get("message") or "" for f in e["findings"]))


if __name__ == "__main__":
    unittest.main()
