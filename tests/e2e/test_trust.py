"""`--trust-module` and `[[trust]]` (docs/cli.md, docs/rules.md): the user's own classes need
review by default, with one line saying what loading needs; trusted modules are cleared with
the trust in the evidence; dangerous modules cannot be trusted. Fixtures:
tests/fixtures/trust/gen_trust.py (real pickles of a package's and a script's classes)."""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvtest  # noqa: E402

FIX = mvtest.SOURCE_DIR / "tests" / "fixtures" / "trust"
PKG = str(FIX / "mv-models-net.pkl")
MAIN = str(FIX / "main-net.pkl")


def entry(report, path):
    return mvtest.by_path(report)[os.path.realpath(path)]


def texts(e):
    return [" ".join(str(f.get(k) or "") for k in ("summary", "message", "evidence", "callable"))
            for f in e.get("findings", [])]


class Trust(unittest.TestCase):
    def test_untrusted_needs_review_saying_what_loading_needs(self):
        _, report, _ = mvtest.scan_json(PKG, MAIN)
        e = entry(report, PKG)
        self.assertEqual(e["verdict"], "needs-review")
        self.assertTrue(any("loading needs your module `mv_models.nets`" in t for t in texts(e)),
                        texts(e))
        self.assertTrue(any("--trust-module mv_models.nets" in t for t in texts(e)))
        m = entry(report, MAIN)
        self.assertEqual(m["verdict"], "needs-review")
        self.assertTrue(any("`__main__`" in t for t in texts(m)), texts(m))

    def test_trusted_module_is_safe_with_the_reason(self):
        p = mvtest.run("--trust-module", "mv_models", "--trust-module", "__main__", "scan",
                       "--format", "json", PKG, MAIN)
        report = json.loads(p.stdout)
        for path in (PKG, MAIN):
            e = entry(report, path)
            self.assertEqual(e["verdict"], "safe", e)
            self.assertTrue(any("trusted" in t for t in texts(e)), texts(e))

    def test_trusted_module_methods_are_trusted_too(self):
        # Other wildcards clear rebuilding a class, not calling its methods; a trusted module is
        # the user's own code, so `Net.fit(net)` is cleared with it.
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "method.pkl")
            with open(path, "wb") as f:
                f.write(b"\x80\x04\x8c\x0fmv_models.nets\x94\x8c\x07Net.fit\x94\x93N\x85R.")
            untrusted = entry(mvtest.scan_json(path)[1], path)
            self.assertEqual(untrusted["verdict"], "needs-review", untrusted)
            p = mvtest.run("--trust-module", "mv_models", "scan", "--format", "json", path)
            e = entry(json.loads(p.stdout), path)
            self.assertEqual(e["verdict"], "safe", e)

    def test_rules_file_trust(self):
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
            f.write('[[trust]]\nmodule = "mv_models"\nwhy = "our package"\n')
        try:
            p = mvtest.run("--rules", f.name, "scan", "--format", "json", PKG)
            e = entry(json.loads(p.stdout), PKG)
            self.assertEqual(e["verdict"], "safe")
            self.assertTrue(any("our package" in t or "mv_models" in t for t in texts(e)))
        finally:
            os.unlink(f.name)

    def test_dangerous_module_cannot_be_trusted(self):
        for bad in ("os", "subprocess", "torch.hub", "mv.*", "a b"):
            p = mvtest.run("--trust-module", bad, "scan", PKG)
            self.assertEqual(p.returncode, 2, (bad, p.stdout[-300:], p.stderr[-300:]))

    def test_trust_does_not_launder(self):
        sys.path.insert(0, str(mvtest.SOURCE_DIR / "tests" / "fixtures"))
        from pickleops import P, SU, SG, T1, R, STOP  # noqa: E402
        data = P(4) + SU("mv_models") + SU("os.system") + SG + SU("echo x") + T1 + R + STOP
        with tempfile.NamedTemporaryFile(suffix=".pkl", delete=False) as f:
            f.write(data)
        try:
            p = mvtest.run("--trust-module", "mv_models", "scan", "--format", "json", f.name)
            self.assertEqual(entry(json.loads(p.stdout), f.name)["verdict"], "unsafe")
        finally:
            os.unlink(f.name)


if __name__ == "__main__":
    mvtest.main()
