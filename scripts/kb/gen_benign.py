#!/usr/bin/python3
"""Generates rules/benign_<group>.toml from the installed libraries (see docs/rules.md).

    /usr/bin/python3 scripts/kb/gen_benign.py            # every group
    /usr/bin/python3 scripts/kb/gen_benign.py graphs nlp # some groups

For each group of scripts/kb/libraries.py, scripts/kb/introspect.py runs inside a bubblewrap
sandbox (no network, read-only root, private /tmp): it imports the libraries, finds the
classes, reconstructors and by-name constants that pickles of their objects reference, and
analyses the bytecode of what loading runs (scripts/kb/effects.py). This script then reviews
the result against the hand-written rules and writes the data:

  - a name the hand-written rules already decide (exactly, or by a benign wildcard with the
    same effect) is left to them;
  - a name a dangerous or review rule names exactly is never emitted (reported: the analysis
    and the rules disagree);
  - a class or function under a dangerous wildcard (`pandas.io.*`, `dask.*`) is never emitted:
    an exact benign name would override the wildcard. Constants are the exception — that is
    their purpose (`signal.SIGUSR1` is a value, not the `signal.*` machinery), and the judge
    clears them only when referenced, never when called;
  - no wildcard is ever generated.

The header of each file records the date, the Python version and each library's version and
Debian package version. Needs: bubblewrap and the Debian packages in scripts/setup.sh
(MODELVET_SETUP_KB_TOOLS=1).
"""

import argparse
import datetime
import json
import pathlib
import re
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
import kbmatch  # noqa: E402
import libraries  # noqa: E402

RULES = REPO / "rules"
PREFIX = "benign_"
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+")

CATEGORY_WHY = {
    "library-class": "{lib}: class whose construction, state setting and finalisation run "
                     "no I/O, process, network or code loading (generated)",
    "rebuild-only": "{lib}: class rebuilt without its __init__ (NEWOBJ, copyreg) runs no I/O; "
                    "calling it runs an __init__ that can, so a direct call needs review "
                    "(generated)",
    "reconstructor": "{lib}: reconstructor its classes' __reduce__ returns; runs no I/O "
                     "(generated)",
    "library-function": "{lib}: function its classes store as data; runs no I/O (generated)",
    "constant": "{lib}: enum member or constant pickled by name; a value, not a callable "
                "(generated)",
}
CATEGORY_ORDER = ["library-class", "rebuild-only", "reconstructor", "library-function",
                  "constant"]


def sandbox_cmd(group, work):
    """The bubblewrap command that runs introspect.py for one group."""
    return ["bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/",
            "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev",
            "--setenv", "HOME", "/tmp/home", "--setenv", "MPLCONFIGDIR", "/tmp/mpl",
            "--setenv", "XDG_CACHE_HOME", "/tmp/cache", "--setenv", "PYTHONDONTWRITEBYTECODE",
            "1", "--setenv", "PYTHONHASHSEED", "0",
            "/usr/bin/python3", str(HERE / "introspect.py"), group, "--rules", str(RULES),
            "--generated-prefix", PREFIX]


def introspect(group, work, reuse):
    out = work / f"{group}.json"
    if reuse and out.exists():
        return json.loads(out.read_text())
    print(f"gen_benign: introspecting {group} (sandboxed)", file=sys.stderr)
    with open(work / f"{group}.log", "w") as log:
        p = subprocess.run(sandbox_cmd(group, work), stdout=subprocess.PIPE, stderr=log,
                           cwd=REPO, timeout=3600)
    if p.returncode != 0:
        raise SystemExit(f"gen_benign: introspection of {group} failed (see {work}/{group}.log)")
    out.write_bytes(p.stdout)
    return json.loads(p.stdout)


def deb_version(pkg):
    try:
        return subprocess.run(["dpkg-query", "-W", "-f", "${Version}", pkg],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not installed"


def review(result, kb):
    """Filters one group's entries; returns (kept per library, report lines)."""
    kept, report = {}, []
    for lib in result["libraries"]:
        name = lib["name"]
        rows = []
        for ent in lib["entries"]:
            dotted, kind, category, detail = ent
            if not IDENT.fullmatch(dotted):
                continue
            canon = kb.canonical(dotted)
            r = kb.match(canon)
            if r is not None and r.pattern == canon:
                if r.stance != "benign":
                    report.append(f"{name}: {canon} is {r.stance} in {r.file}; not emitted "
                                  f"(analysis said {category}: {detail})")
                continue  # decided by hand
            if r is not None and r.stance == "benign" and category != "rebuild-only" and \
                    category != "constant":
                continue  # a hand-written benign wildcard already clears it as well
            wild = kb.under_dangerous_wildcard(canon)
            if wild is not None and category != "constant":
                report.append(f"{name}: {canon} is under {wild.pattern} ({wild.stance}, "
                              f"{wild.file}); not emitted")
                continue
            rows.append((canon, category, detail))
        for dotted, kind, reason in lib["excluded"]:
            canon = kb.canonical(dotted)
            r = kb.match(canon)
            if r is None or r.stance != "benign" or not IDENT.fullmatch(canon):
                continue
            if kind == "reconstructor" and "is not cleared" in reason:
                continue  # Cython's own enum helper: never needed, harmless
            if r.pattern == canon:
                report.append(f"{name}: {canon} is cleared exactly by {r.file} but its "
                              f"rebuild path acts: {reason}")
                continue
            # A hand-written benign wildcard clears a class whose rebuild acts: the exact
            # review rule generated here overrides it (exact beats wildcard).
            report.append(f"{name}: {canon} is cleared by {r.pattern} ({r.file}) but its "
                          f"rebuild path acts; emitted as review: {reason}")
            rows.append((canon, "review", reason))
        kept[name] = sorted(set(rows))
    return kept, report


def toml_str(s):
    return json.dumps(s, ensure_ascii=False)


def header(result, libs, date):
    lines = [
        f"# GENERATED by scripts/kb/gen_benign.py on {date} — do not edit by hand; regenerate",
        "# (docs/rules.md, \"Generated benign rules\"). Introspected in a bubblewrap sandbox with",
        f"# Python {result['python']} and:",
    ]
    for lib in libs:
        if lib["name"].startswith("stdlib "):
            lines.append(f"#   the standard library (module {lib['name'][7:]}) of Python "
                         f"{lib['version']} (Debian python3 {deb_version('python3')})")
            continue
        spec = libraries.LIBS.get(lib["name"], {"deb": "python3"})
        deb = spec["deb"]
        lines.append(f"#   {lib['name']} {lib['version']} (Debian {deb} {deb_version(deb)}): "
                     f"{lib.get('modules', 0)} modules, {lib.get('classes', 0)} classes "
                     f"analysed, {len(lib['excluded'])} not cleared")
    lines += [
        "# Categories: library-class (cleared however it is reached), rebuild-only (cleared when",
        "# the loader rebuilds an instance without __init__; a direct call needs review),",
        "# reconstructor / library-function (cleared), constant (cleared when referenced; a",
        "# call of it needs review); [[review]]: a hand-written benign wildcard would clear it but",
        "# its rebuild acts. Exact names only: no wildcard is generated.",
        "",
    ]
    return lines


def tables(lib, rows):
    lines = []
    label = f"{lib['name']} {lib['version']}"
    # Review rules: classes a hand-written benign wildcard would clear although their rebuild
    # acts, grouped by the effect the analysis found.
    by_effect = {}
    for d, c, detail in rows:
        if c == "review":
            by_effect.setdefault(detail.rsplit(": ", 1)[-1], []).append((d, detail))
    for effect, items in sorted(by_effect.items()):
        code = any(x in effect for x in ("builtins.exec", "builtins.eval", "builtins.compile"))
        m = re.search(r"\(([a-z-]+), [a-z_.]+\)$", effect)
        cat = "code-object" if code else (m.group(1) if m else "file-system")
        chain = items[0][1].split(": ", 1)[-1].rsplit(": ", 1)[0]
        what = "runs Python source carried in the file" if code else "has an effect"
        # What a call does, for the summary (docs/rules.md, "Actions"): the effect found, with
        # no argument to show (it is the object's state, not a call argument).
        callback = "calls its argument" in effect
        phrase = ("rebuilding it runs Python source carried in the file" if code else
                  "rebuilding or calling it calls a function the file gives" if callback else
                  "rebuilding or calling it has an effect")
        lines.append("[[review]]")
        lines.append(f"category = {toml_str(cat)}")
        lines.append(f"why = {toml_str(f'{label}: rebuilding or calling it {what} ({chain}: {effect}; generated)')}")
        lines.append(f"phrase = {toml_str(phrase)}")
        lines.append('role = "none"')
        lines.append(f'effect = "{"execute" if code or callback else "other"}"')
        lines.append("patterns = [")
        lines += [f"  {toml_str(d)}," for d, _ in items]
        lines.append("]")
        lines.append("")
    for cat in CATEGORY_ORDER:
        names = [d for d, c, _ in rows if c == cat]
        if not names:
            continue
        lines.append("[[benign]]")
        lines.append(f"category = {toml_str(cat)}")
        lines.append(f"why = {toml_str(CATEGORY_WHY[cat].format(lib=label))}")
        lines.append("patterns = [")
        lines += [f"  {toml_str(n)}," for n in names]
        lines.append("]")
        lines.append("")
    return lines


def write_files(group, result, kept, date):
    """benign_lib_<module>.toml per library (loaded when a name under <module> is first looked
    up); the stdlib group, whose names span many modules, goes to benign_stdlib.toml."""
    written = []
    libs = [lib for lib in result["libraries"] if kept.get(lib["name"])]
    if group == "stdlib":
        # One file per standard-library module, loaded on first use like the libraries'.
        for old in RULES.glob(f"{PREFIX}lib_*.toml"):
            if old.read_text().startswith("# GENERATED (stdlib group)"):
                old.unlink()
        by_module = {}
        for lib in libs:
            for row in kept[lib["name"]]:
                by_module.setdefault(row[0].split(".")[0], []).append(row)
        for module, rows in sorted(by_module.items()):
            path = RULES / f"{PREFIX}lib_{module}.toml"
            part = dict(libs[0], name=f"stdlib {module}")
            lines = ["# GENERATED (stdlib group)"] + header(result, [part], date)
            lines += tables(part, sorted(rows))
            path.write_text("\n".join(lines).rstrip("\n") + "\n")
            written.append(path)
        return written
    for lib in libs:
        path = RULES / f"{PREFIX}lib_{lib['name'].split('.')[0]}.toml"
        lines = header(result, [lib], date) + tables(lib, kept[lib["name"]])
        path.write_text("\n".join(lines).rstrip("\n") + "\n")
        written.append(path)
    return written


SEVERITY_NAMES = {v: k for k, v in kbmatch.SEVERITIES.items()}


def write_reexports(result, date):
    """rules/generated_reexports.toml: dangerous callables re-exported under a hand-written
    benign wildcard, named exactly so that the exact dangerous name beats the wildcard."""
    rows = result.get("reexports", {})
    lines = [
        f"# GENERATED by scripts/kb/gen_benign.py on {date} — do not edit by hand; regenerate",
        "# (docs/rules.md). Callables that a module under a hand-written benign wildcard of",
        "# benign.toml imports from elsewhere and that the dangerous rules name: by their new",
        f"# name the wildcard would clear them. Python {result['python']}.",
        "",
    ]
    by_rule = {}
    for full, (real, cat, sev) in sorted(rows.items()):
        by_rule.setdefault((real, cat, sev), []).append(full)
    # The same callable does the same thing: its action (phrase, argument role, effect) is the
    # one of the rule that names it by its real name, not its category's default.
    kb = kbmatch.KB(RULES, skip=lambda n: n == "generated_reexports.toml")
    for (real, cat, sev), names in sorted(by_rule.items()):
        r = kb.match(real)
        act = r.action if r is not None and r.action is not None and r.action[0] else None
        lines += ["[[dangerous]]", f"category = {toml_str(cat)}",
                  f"severity = {toml_str(SEVERITY_NAMES[sev])}",
                  f"why = {toml_str(f'the same callable as {real} (re-exported; generated)')}",
                  *kbmatch.action_lines(act),
                  "patterns = [" + ", ".join(toml_str(n) for n in names) + "]", ""]
    (RULES / "generated_reexports.toml").write_text("\n".join(lines).rstrip("\n") + "\n")
    print(f"gen_benign: generated_reexports.toml: {len(rows)} names", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("groups", nargs="*", help="groups to regenerate (default: all)")
    ap.add_argument("--work", default="/tmp/mv-kbgen", help="scratch directory")
    ap.add_argument("--reuse", action="store_true", help="reuse introspection output in --work")
    ap.add_argument("--date", default=datetime.date.today().isoformat())
    args = ap.parse_args()
    groups = args.groups or sorted(libraries.GROUPS) + ["stdlib"]
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    kb = kbmatch.KB(RULES, skip=lambda n: n.startswith(PREFIX) or n.startswith("generated_"))
    summary = {}
    if not args.groups or "reexports" in args.groups:
        write_reexports(introspect("reexports", work, args.reuse), args.date)
    for group in groups:
        if group == "reexports":
            continue
        result = introspect(group, work, args.reuse)
        kept, report = review(result, kb)
        for old in libraries.GROUPS.get(group, []):
            (RULES / f"{PREFIX}lib_{old.split('.')[0]}.toml").unlink(missing_ok=True)
        paths = write_files(group, result, kept, args.date)
        (work / f"{group}.review.txt").write_text("\n".join(report) + "\n")
        for lib in result["libraries"]:
            cats = {}
            for _, c, _ in kept.get(lib["name"], []):
                cats[c] = cats.get(c, 0) + 1
            summary[lib["name"]] = {"group": group, "version": lib["version"],
                                    "classes": lib.get("classes", 0),
                                    "excluded": len(lib["excluded"]), "emitted": cats}
        n = sum(len(v) for v in kept.values())
        print(f"gen_benign: {group}: {len(paths)} files, {n} names "
              f"({len(report)} review notes in {work}/{group}.review.txt)", file=sys.stderr)
    (work / "summary.json").write_text(json.dumps(summary, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
