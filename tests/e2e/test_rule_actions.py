"""Every dangerous, review and attribute rule says what its own callables do (docs/rules.md,
"Actions").

A rule without a `phrase` is explained by its category's default ("creates or changes files"
for a function that deletes a directory tree), which is the wrong action as often as not. The
generated files are held to it too: a re-export (`sklearn.utils._joblib.load` is `joblib.load`)
carries the action of the rule that names the callable by its real name. The engine side —
that each rule's phrase and argument reach the summary of a real pickle — is
tests/verdict/summary_test.cc."""

import os
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


if __name__ == "__main__":
    mvtest.main()
