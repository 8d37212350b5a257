"""The knowledge base's name matching, in Python, for the benign generator.

Reads rules/*.toml the way src/kb/kb.cc does (aliases from [alias], exact patterns, `mod.*`
wildcards) and answers: which rule covers a dotted name? Only what the generator needs: the
laundering checks of kb.cc are not repeated here because the generator asks about names it
resolved from live objects, never about names written in a file.
"""

import json
import pathlib
import tomllib

SEVERITIES = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


class Rule:
    __slots__ = ("pattern", "stance", "category", "severity", "file", "action")

    def __init__(self, pattern, stance, category, severity, file, action=None):
        self.pattern = pattern
        self.stance = stance
        self.category = category
        self.severity = severity
        self.file = file
        # (phrase, role, position, keyword, effect) as kb.cc resolves them (categories.toml
        # defaults), for dangerous and review rules.
        self.action = action

    def __repr__(self):
        return f"<{self.stance} {self.pattern} ({self.file})>"


def parse_action(t, default):
    """kb.cc's ParseAction: (phrase, role, position, keyword, effect) of a rule table."""
    phrase, role, pos, kw, effect = default
    phrase = t.get("phrase", phrase)
    has_role, has_arg, has_kw = "role" in t, "arg" in t, "keyword" in t
    if has_role:
        role, pos, kw = t["role"], 0, None
    if has_arg:
        pos = t["arg"]
    if has_kw:
        kw = t["keyword"]
    if role == "none":
        pos, kw = None, None
    effect = t.get("effect", effect)
    return (phrase, role, pos, kw, effect)


def action_lines(act):
    """TOML lines of an action (phrase, role, position, keyword, effect), as parse_action
    reads them back."""
    if act is None:
        return []
    phrase, role, pos, kw, effect = act
    lines = [f"phrase = {json.dumps(phrase, ensure_ascii=False)}", f'role = "{role}"']
    if role != "none":
        if pos is not None and pos != 0:
            lines.append(f"arg = {pos}")
        if pos is None and kw:
            lines.append("arg = -1")  # keyword-only
        if kw:
            lines.append(f"keyword = {json.dumps(kw, ensure_ascii=False)}")
    lines.append(f'effect = "{effect}"')
    return lines


NO_ACTION = ("", "none", None, None, "other")


class KB:
    def __init__(self, rule_dir, skip=lambda name: False):
        self.aliases = {}
        self.exact = {}
        self.prefix = {}
        self.acts = set()  # patterns whose module import acts (import_acts = true)
        self.categories = {}
        docs = []
        for path in sorted(pathlib.Path(rule_dir).glob("*.toml")):
            if skip(path.name):
                continue
            doc = tomllib.loads(path.read_text())
            docs.append((path, doc))
            for c in doc.get("category", []):
                self.categories[c["name"]] = parse_action(c, NO_ACTION)
        for path, doc in docs:
            self.aliases.update(doc.get("alias", {}))
            for stance in ("dangerous", "review", "benign"):
                for t in doc.get(stance, []):
                    pats = t.get("patterns") or [t["pattern"]]
                    default = {"dangerous": "critical", "review": "medium", "benign": "info"}
                    sev = SEVERITIES[t.get("severity", default[stance])]
                    for p in pats:
                        if t.get("import_acts"):
                            self.acts.add(p[:-2] if p.endswith(".*") else p)
                        cat = t.get("category", "")
                        act = None if stance == "benign" else parse_action(
                            t, self.categories.get(cat, NO_ACTION))
                        r = Rule(p, stance, cat, sev, path.name, act)
                        if p.endswith(".*"):
                            self.prefix[p[:-2]] = r
                        else:
                            self.exact[p] = r

    def canonical(self, dotted):
        parts = dotted.split(".")
        for n in range(len(parts), 0, -1):
            head = ".".join(parts[:n])
            if head in self.aliases:
                return ".".join([self.aliases[head]] + parts[n:])
        return dotted

    def match(self, dotted):
        c = self.canonical(dotted)
        if c in self.exact:
            return self.exact[c]
        v = c
        while v:
            if v in self.prefix:
                return self.prefix[v]
            if "." not in v:
                break
            v = v.rsplit(".", 1)[0]
        return None

    def dangerous(self, dotted, min_severity="medium"):
        """The dangerous rule covering `dotted` (severity >= min_severity), else None."""
        r = self.match(dotted)
        if r is not None and r.stance == "dangerous" and r.severity >= SEVERITIES[min_severity]:
            return r
        return None

    def import_acts(self, module):
        """True when importing `module` (or a parent) runs something (antigravity, this)."""
        parts = self.canonical(module).split(".")
        return any(".".join(parts[:n]) in self.acts for n in range(1, len(parts) + 1))

    def under_dangerous_wildcard(self, dotted):
        """A dangerous `mod.*` rule covering `dotted` (an exact name would override it)."""
        v = self.canonical(dotted)
        while "." in v:
            v = v.rsplit(".", 1)[0]
            r = self.prefix.get(v)
            if r is not None:
                return r if r.stance != "benign" else None
        return None
