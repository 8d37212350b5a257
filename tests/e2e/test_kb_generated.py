"""The benign rule generator (scripts/kb/) and the rules it wrote for the libraries added last.

- The effect analysis follows `super().name(...)` and `super(C, self).name(...)` to the method
  they resolve to in the class's MRO: a subclass whose __init__ or __setstate__ only delegates
  to a base that acts must not be cleared (before, the chain stopped at the call of `super`).
- Files that use those libraries' names for an effect never scan `safe`: a shell command
  beside real pomegranate objects, class methods that open files or evaluate strings
  (pomegranate `from_json`), constructors that open what the file names (mne `Evoked(path)`,
  rasterio `CRS(init='<file>:<id>')`), and mne `Epochs` called directly (its __init__ reaches
  its base's through `super(Epochs, self).__init__`).
"""

import os
import pathlib
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvtest  # noqa: E402

sys.path.insert(0, str(mvtest.SOURCE_DIR / "tests" / "fixtures"))
from pickleops import BU, G  # noqa: E402

KB_SCRIPTS = mvtest.SOURCE_DIR / "scripts" / "kb"

PACKAGE = textwrap.dedent("""
    class Opens:
        def __init__(self, name):
            self.f = open(name, "w")

        def __setstate__(self, state):
            self.f = open(state["name"], "w")


    class Clean:
        def __init__(self, x):
            self.x = x


    class ZeroArg(Opens):
        def __init__(self, name):
            super().__init__(name)


    class TwoArg(Opens):
        def __init__(self, name):
            super(TwoArg, self).__init__(name)


    class Mixin:
        def __setstate__(self, state):
            super().__setstate__(state)


    class ViaMixin(Mixin, Opens):
        pass


    class CleanChild(Clean):
        def __init__(self, x):
            super().__init__(x + 1)
""")


def analyse(pkg_dir):
    """{class name: effect path text} for the classes of the test package."""
    sys.path.insert(0, str(KB_SCRIPTS))
    sys.path.insert(0, str(pkg_dir))
    try:
        import effects
        import kbmatch
        import mv_super_pkg as pkg
        an = effects.Analyzer(kbmatch.KB(mvtest.SOURCE_DIR / "rules"),
                              scope=lambda n: n.split(".")[0] not in effects.STDLIB)
        keys = {"ZeroArg": an.node_for(pkg.ZeroArg.__init__, pkg.ZeroArg),
                "TwoArg": an.node_for(pkg.TwoArg.__init__, pkg.TwoArg),
                "ViaMixin": an.node_for(pkg.Mixin.__setstate__, pkg.ViaMixin),
                "CleanChild": an.node_for(pkg.CleanChild.__init__, pkg.CleanChild)}
        an.expand_all()
        return {k: an.effect_path(v) for k, v in keys.items()}
    finally:
        sys.path.remove(str(KB_SCRIPTS))
        sys.path.remove(str(pkg_dir))


def class_method_call(mod, cls, meth, arg):
    """getattr(mod.cls, 'meth')(arg), protocol 2."""
    return (b"\x80\x02" + G("builtins", "getattr") + b"(" + G(mod, cls)
            + BU(meth) + b"tR(" + BU(arg) + b"tR.")


def direct_call(mod, cls, args=b"", kwargs=None):
    body = args
    if kwargs is not None:
        body += b"}" + b"".join(BU(k) + BU(v) for k, v in kwargs.items()) + b"u"
        body = body.replace(b"}", b"}(", 1)
    return b"\x80\x02" + G(mod, cls) + b"(" + body + b"tR."


def beside_real_objects():
    """[<pomegranate NormalDistribution as the library pickles it>, os.system(...)]."""
    dist = (b"\x80\x02]q\x00(" + G("pomegranate.distributions.NormalDistribution",
                                             "NormalDistribution")
            + b"G\x00\x00\x00\x00\x00\x00\x00\x00G?\xf0\x00\x00\x00\x00\x00\x00\x89\x87R")
    cmd = G("os", "system") + b"(" + BU("touch /tmp/mv-pwned") + b"tR"
    return dist + cmd + b"e."


class Generator(unittest.TestCase):
    def test_super_calls_reach_the_base_method(self):
        with tempfile.TemporaryDirectory() as d:
            (pathlib.Path(d) / "mv_super_pkg.py").write_text(PACKAGE)
            paths = analyse(d)
        for name in ("ZeroArg", "TwoArg", "ViaMixin"):
            self.assertTrue(paths[name], f"{name}: super() delegation to Opens not followed")
            self.assertIn("io.open", paths[name][-1][1])
        self.assertEqual(paths["CleanChild"], [], "a clean base must stay clean")


class NewLibraries(unittest.TestCase):
    def test_effects_through_the_new_libraries_are_not_safe(self):
        files = {
            "beside.pkl": beside_real_objects(),
            "from-json-eval.pkl": class_method_call(
                "pomegranate.distributions.distributions", "Distribution", "from_json",
                '{"class": "Distribution", "name": "__import__(\'os\').system", '
                '"parameters": ["\'id\'"], "frozen": false}'),
            "hmm-from-json-file.pkl": class_method_call(
                "pomegranate.hmm", "HiddenMarkovModel", "from_json", "/etc/passwd"),
            "evoked-path.pkl": direct_call("mne.evoked", "Evoked", BU("/etc/passwd")),
            "epochs-direct.pkl": direct_call("mne.epochs", "Epochs", BU("raw")),
            "crs-init-file.pkl": direct_call("rasterio.crs", "CRS",
                                             kwargs={"init": "/etc/passwd:1"}),
        }
        with tempfile.TemporaryDirectory() as d:
            for name, data in files.items():
                (pathlib.Path(d) / name).write_bytes(data)
            # The files are well-formed pickles (the payloads are never loaded here).
            for name in files:
                list(__import__("pickletools").genops((pathlib.Path(d) / name).read_bytes()))
            _, report, _ = mvtest.scan_json(*[str(pathlib.Path(d) / n) for n in files])
            got = {os.path.basename(p): e.get("verdict")
                   for p, e in mvtest.by_path(report).items()}
        self.assertEqual(got.pop("beside.pkl"), "unsafe")
        self.assertEqual(got, {n: "needs-review" for n in files if n != "beside.pkl"})

    def test_the_library_objects_alone_are_safe(self):
        # The same list without the shell command: what makes beside.pkl unsafe is the
        # command, not pomegranate (bytes as pomegranate 0.14 writes them, protocol 2).
        data = beside_real_objects()
        data = data[:data.index(b"cos\nsystem")] + b"e."
        with tempfile.TemporaryDirectory() as d:
            path = pathlib.Path(d) / "dist.pkl"
            path.write_bytes(data)
            _, report, _ = mvtest.scan_json(str(path))
        self.assertEqual([e.get("verdict") for e in mvtest.by_path(report).values()], ["safe"])


if __name__ == "__main__":
    mvtest.main()
