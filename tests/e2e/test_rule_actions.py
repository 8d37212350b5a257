"""Every dangerous, review and attribute rule says what its own callables do (docs/rules.md,
"Actions").

A rule without a `phrase` is explained by its category's default ("creates or changes files"
for a function that deletes a directory tree), which is the wrong action as often as not. The
generated files are held to it too: a re-export (`sklearn.utils._joblib.load` is `joblib.load`)
carries the action of the rule that names the callable by its real name. The engine side —
that each rule's phrase and argument reach the summary of a real pickle — is
tests/verdict/summary_test.cc."""

import json
import os
import shutil
import sys
import tomllib
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvtest  # noqa: E402

RULES = mvtest.SOURCE_DIR / "rules"
KB_SCRIPTS = mvtest.SOURCE_DIR / "scripts" / "kb"


def tables():
    """(file name, kind, table) of every dangerous/review/attribute table of rules/*.toml."""
    for p in sorted(RULES.glob("*.toml")):
        doc = tomllib.loads(p.read_text())
        for kind in ("dangerous", "review", "attribute"):
            for t in doc.get(kind, []):
                yield p.name, kind, t


class RuleActions(unittest.TestCase):
    def test_every_rule_states_its_own_phrase(self):
        n, missing = 0, []
        for name, kind, t in tables():
            n += 1
            if not t.get("phrase"):
                pats = t.get("patterns") or ([t["pattern"]] if "pattern" in t else t["names"])
                missing.append(f"{name}: [[{kind}]] {pats[:3]}")
        self.assertGreater(n, 4000)
        self.assertEqual(missing, [], f"{len(missing)} rules without a phrase")

    def test_reexports_act_as_the_callable_they_are(self):
        sys.path.insert(0, str(KB_SCRIPTS))
        try:
            import kbmatch
        finally:
            sys.path.remove(str(KB_SCRIPTS))
        kb = kbmatch.KB(RULES, skip=lambda n: n == "generated_reexports.toml")
        doc = tomllib.loads((RULES / "generated_reexports.toml").read_text())
        wrong = []
        for t in doc["dangerous"]:
            real = t["why"].split("the same callable as ", 1)[1].split(" ", 1)[0]
            r = kb.match(real)
            self.assertIsNotNone(r, real)
            got = kbmatch.parse_action(t, kbmatch.NO_ACTION)
            if got != r.action:
                wrong.append(f"{t['patterns'][0]}: {got}, but {real}: {r.action}")
        self.assertEqual(wrong, [])

    @unittest.skipUnless(shutil.which("bwrap"), "needs bubblewrap (scripts/setup.sh)")
    def test_argument_roles_match_the_real_signatures(self):
        """The argument a rule shows is the parameter it says: its keyword is a parameter of the
        real callable, at the rule's position (os.popen's is `cmd`, to_csv's path is argument 1
        after the frame). Signatures are read by scripts/kb/sweep.py --signatures in its
        sandbox (importing runs library code); a name this Python cannot resolve is skipped,
        and so are positions inside `*args` (os.execl) and keywords of `**kwargs`."""
        rows = []
        for name, kind, t in tables():
            if kind == "attribute" or t.get("role", "none") == "none" or not t.get("keyword"):
                continue
            for pat in t.get("patterns") or [t["pattern"]]:
                if not pat.endswith(".*"):
                    rows.append((name, pat, t.get("arg", 0), t["keyword"]))
        sys.path.insert(0, str(KB_SCRIPTS))
        try:
            import sweep
            got = sweep.sandbox([], "--signatures", json.dumps(sorted({r[1] for r in rows}))
                                .encode())
        finally:
            sys.path.remove(str(KB_SCRIPTS))
        checked, wrong = 0, []
        for name, pat, arg, kw in rows:
            params = got.get(pat)
            if not params:
                continue  # unresolved, or only *args/**kwargs (logging.basicConfig)
            checked += 1
            names = [p for p, _ in params]
            if kw not in names:
                wrong.append(f"{name}: {pat}: keyword {kw!r} is not one of {names}")
            elif 0 <= arg < len(names) and names[arg] != kw:
                wrong.append(f"{name}: {pat}: argument {arg} is {names[arg]!r}, not {kw!r}")
        self.assertGreater(checked, 500)
        self.assertEqual(wrong, [])


if __name__ == "__main__":
    mvtest.main()
