#!/usr/bin/python3
"""Sweeps libraries for dangerous callables; writes rules/dangerous_lib_<module>.toml.

    /usr/bin/python3 scripts/kb/sweep.py            # every target (~minutes)
    /usr/bin/python3 scripts/kb/sweep.py --reuse    # rewrite the rules from the last sweep

In a bubblewrap sandbox (no network, read-only root, private /tmp; importing runs library
code), every module of the standard library and of each target library is imported, and every
public callable it exposes — functions, classes, methods of its classes and of its module-level
instances, under every name a module re-exports it by — is judged by the side-effect analysis
of effects.py, following code into the standard library too: a callable is dangerous when,
through its callees, it reaches a native capability (capabilities.py: exec/eval, imports,
native loading, processes, sockets, writing/deleting/truncating files, terminal control) or a
name the knowledge base already calls dangerous, with arguments that are not all constants
(a fixed `uname -p` is not a gadget). A class is judged by what calling it runs (__init__,
__new__, metaclass __call__). Nothing is called.

The result is reviewed against the hand-written and generated rules (a name another rule
names exactly, or that a dangerous/review wildcard covers, is left to it) and written as
exact `[[dangerous]]` names, each with the path that proves it.
"""

import argparse
import collections
import datetime
import importlib
import inspect
import io
import contextlib
import json
import pathlib
import pkgutil
import re
import subprocess
import sys
import types
import warnings

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
import capabilities  # noqa: E402
import effects  # noqa: E402
import kbmatch  # noqa: E402

RULES = REPO / "rules"
OUT_PREFIX = "dangerous_lib_"  # one file per top-level module, loaded on first use (kb.cc)


def ours(filename):
    return filename.startswith(OUT_PREFIX)
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+")

# Third-party targets: import name -> Debian package.
TARGETS = {
    "torch": "python3-torch", "torchvision": "python3-torchvision", "numpy": "python3-numpy",
    "joblib": "python3-joblib", "sklearn": "python3-sklearn", "pandas": "python3-pandas",
    "scipy": "python3-scipy", "h5py": "python3-h5py", "sympy": "python3-sympy",
    "transformers": "python3-transformers",
}
# Standard-library modules never imported: they act on import, or are CPython's own tests.
STDLIB_SKIP = re.compile(r"^(antigravity|this|__main__|idlelib|turtledemo|test|lib2to3\.tests|"
                         r"tkinter\.test|unittest\.test|ctypes\.test|distutils\.tests|"
                         r"sqlite3\.test|pydoc_data|ensurepip\._bundled)(\.|$)")
LIB_SKIP = re.compile(r"\.(tests?|_?testing|conftest|benchmarks)(\.|$)")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- inside sandbox
def call_span(instrs, at):
    """(argument instructions, argc or None) of the call whose arguments start at `at`."""
    depth, span = 0, []
    for ins in instrs[at:]:
        op = ins.opname
        if op == "PRECALL":
            if depth == 0:
                return span, ins.arg
            depth -= 1
        elif op == "CALL_FUNCTION_EX" and depth == 0:
            return span + [ins], None
        elif op in ("PUSH_NULL", "LOAD_METHOD") or (
                op == "LOAD_GLOBAL" and ins.argrepr.startswith("NULL + ")):
            depth += 1
        span.append(ins)
    return span, None


CONST_OPS = {"LOAD_CONST", "KW_NAMES", "BUILD_LIST", "BUILD_TUPLE", "BUILD_MAP",
             "BUILD_CONST_KEY_MAP", "LIST_EXTEND", "BUILD_SET", "SET_UPDATE"}
MODE = re.compile(r"^[rwxabtU+]{1,4}$")


def constant_call(span):
    return all(ins.opname in CONST_OPS for ins in span)


def read_only_open(name, span, argc):
    consts = [i.argval for i in span if i.opname == "LOAD_CONST" and isinstance(i.argval, str)]
    modes = [c for c in consts if MODE.match(c)]
    if any(set(m) & set("wxa+") for m in modes):
        return False
    if name == "posix.open":
        names = {i.argval for i in span if i.opname in ("LOAD_ATTR", "LOAD_GLOBAL")}
        return "O_RDONLY" in names and not names & {"O_WRONLY", "O_RDWR", "O_CREAT",
                                                    "O_TRUNC", "O_APPEND"}
    if any("JUMP" in i.opname for i in span):
        return False  # a mode computed on a branch (`mode or "rb"`)
    kw = [i for i in span if i.opname == "KW_NAMES"]
    if argc == 1 and not kw:
        return True
    return bool(modes)


# The sweep looks for these capabilities; a name the rules call dangerous for another reason
# (`sys.exit` ends the process, `compile` only builds a code object) is not followed as one.
SWEEP_CATEGORIES = frozenset("""
code-execution process network file-system deserialization import-machinery native-code
remote-load package-install browser debugger interpreter-hooks deferred-execution
""".split())

# Standard-library callables that reach a capability only with input they validate first,
# reviewed by hand (the analysis is path-insensitive): not followed.
VALIDATED = {
    # evals a lambda built from field names it first checks with str.isidentifier() and
    # keyword.iskeyword() (read in collections/__init__.py).
    "collections.namedtuple",
    # Not validated, but not followed inside sympy: nearly every sympy constructor passes its
    # arguments to sympify, which parses strings (and the str() of unknown objects) as Python.
    # Following it would make every sympy expression pickle unsafe, though its objects reach
    # it with sympy objects; sympy's classes stay needs-review (docs/rules.md), and sympify and
    # parse_expr themselves are dangerous (called directly, they are found as roots).
    "sympy.core.sympify.sympify",
}

# Method names of built-in types: `x.replace()` on an unresolved object is far more often
# str.replace than a same-named method of the module's own classes.
BUILTIN_METHODS = frozenset(n for t in (str, bytes, bytearray, list, dict, set, tuple, int,
                                        float, complex, object, type, memoryview, io.IOBase,
                                        io.TextIOWrapper, io.BufferedWriter, frozenset, range,
                                        slice, BaseException, types.FunctionType)
                            for n in dir(t))


def leaf_action(kb, step):
    """(phrase, role, position, keyword, effect) of the capability a path ends in, from its last
    step `leaf: what` (`posix.system: runs a command …`, `os.fdopen: is os.fdopen, dangerous in
    stdlib.toml`); None when no rule gives it an action."""
    leaf, _, what = step.partition(": ")
    act = capabilities.action(leaf)
    if act is not None:
        phrase, role, pos, effect = act
        return (phrase, role, pos, None, effect)
    if what.startswith("is "):
        r = kb.match(what[3:].split(",", 1)[0])
        if r is None or r.action is None or not r.action[0]:
            return None
        return r.action
    cap = capabilities.third_party_native(leaf.rsplit(".", 1)[-1], what)
    phrase, role, pos, effect = capabilities.third_party_action(cap or ("file-system", ""))
    return (phrase, role, pos, None, effect)


# How dangerous each effect class is (docs/rules.md, "Actions"): a callable that reaches several
# capabilities is recorded with the worst (loky's Popen opens a pipe *and* spawns a process).
EFFECT_RANK = {"execute": 4, "network": 3, "write": 2, "read": 1, "other": 0}
REACHES = re.compile(r"^reaches (\S+) \(")


def effect_rank(kb, eff):
    """Rank of an effect text of the analysis: `category|leaf: what` (judge_call) or one of
    effects.py's own (`reaches NAME (…)`, `imports M, whose import acts`)."""
    cat, sep, step = eff.partition("|")
    if sep:
        act = leaf_action(kb, step)
        return EFFECT_RANK.get(act[4] if act else "other", 0)
    m = REACHES.match(eff)
    if m:
        r = kb.match(m[1])
        return EFFECT_RANK.get(r.action[4] if r is not None and r.action else "other", 0)
    if eff.startswith("imports "):
        return EFFECT_RANK["execute"]  # importing a module whose import acts runs its code
    return 0


class SweepAnalyzer(effects.Analyzer):
    def __init__(self, kb):
        super().__init__(kb, lambda name: True, follow_stdlib=True, method_heuristics=False)
        self.by_module_methods = {}

    def leaf(self, name, obj=None):
        """(category, what) when `name` itself is a capability (native or a KB name)."""
        cap = capabilities.native(name)
        if cap is None:
            canon = self.kb.canonical(name)
            r = self.kb.exact.get(canon)
            if r is not None and r.stance == "dangerous" and r.severity >= 2 and \
                    r.category in SWEEP_CATEGORIES and not self._harmless(canon):
                cap = (r.category, f"is {canon}, dangerous in {r.file}")
        if cap is None and obj is not None and effects.top_module(name) not in effects.STDLIB \
                and not isinstance(obj, (type, types.FunctionType)):
            cap = capabilities.third_party_native(name.rsplit(".", 1)[-1],
                                                  getattr(obj, "__doc__", "") or "")
        return cap

    def _harmless(self, canon):
        return canon in VALIDATED or super()._harmless(canon)

    def judge_call(self, name, site):
        if self._harmless(self.kb.canonical(name)):
            return None
        cap = self.leaf(name, self._objs.get(name))
        if cap is None:
            return None
        if site is not None:
            span, argc = call_span(*site)
            if constant_call(span):
                return None
            if name in capabilities.OPENERS and read_only_open(name, span, argc):
                return None
        return f"{cap[0]}|{name}: {cap[1]}"

    _objs = {}

    def _reach(self, node, obj, called, owner_hint=None, site=None):
        n = effects.qualified_name(effects.unwrap(obj)) if obj is not None else None
        if n is not None:
            self._objs[n] = effects.unwrap(obj)
        fn = effects.unwrap(obj)
        if site is not None and isinstance(fn, (types.FunctionType, type)) and \
                self.leaf(n or "", fn) is None and constant_call(call_span(*site)[0]):
            # A library function called with constants only (sympy's
            # `import_module("pycosat")`) runs with inputs the library chose, as a leaf called
            # with constants does: not followed.
            return None
        return super()._reach(node, obj, called, owner_hint, site)

    def worst_path(self, key):
        """[(function name, effect)] from key to the most dangerous effect it reaches (the
        nearest of those), or [] if none. effects.Analyzer.effect_path stops at the nearest
        effect, which made a callable that opens a pipe before spawning a process look like
        a file writer."""
        if self._worst is None or self._worst_nodes != len(self.nodes):
            self._compute_worst()
        if key not in self._worst:
            return []
        path, seen = [], set()
        while key is not None and key not in seen:
            seen.add(key)
            rank, step, eff = self._worst[key]
            fname = effects.qualified_name(self.nodes[key].func) or "?"
            path.append((fname, eff if step is None else None))
            key = step
        return path

    def path_rank(self, path):
        return effect_rank(self.kb, path[-1][1]) if path else -1

    _worst = None
    _worst_nodes = 0

    def _compute_worst(self):
        """For each node: (rank, next hop, effect) towards the worst effect it reaches. One
        multi-source BFS on reversed edges per rank, worst first; a node keeps the first rank
        that reaches it (its callers reach that rank too, so they are found in the same pass)."""
        rev = collections.defaultdict(list)
        own = {}
        for k, n in self.nodes.items():
            for e in n.edges:
                rev[e].append(k)
            if n.effects:
                ranked = [(effect_rank(self.kb, e), -i, e) for i, e in enumerate(n.effects)]
                r, _, e = max(ranked)
                own[k] = (r, e)
        best = {}
        for rank in sorted({r for r, _ in own.values()}, reverse=True):
            queue = collections.deque()
            for k, (r, e) in own.items():
                if r == rank and k not in best:
                    best[k] = (rank, None, e)
                    queue.append(k)
            while queue:
                k = queue.popleft()
                for p in rev[k]:
                    if p not in best:
                        best[p] = (rank, k, None)
                        queue.append(p)
        self._worst = best
        self._worst_nodes = len(self.nodes)

    def unresolved_method_by_name(self, node, name, glb):
        """Not used: linking `x.name()` to same-named methods of the module's classes made
        sympy's expression classes look like they evaluate strings (a guess is no proof)."""
        modname = glb.get("__name__")
        if name in BUILTIN_METHODS:
            return
        mod = sys.modules.get(modname) if isinstance(modname, str) else None
        if mod is None:
            return
        table = self.by_module_methods.get(modname)
        if table is None:
            table = collections.defaultdict(list)
            for v in list(vars(mod).values()):
                if isinstance(v, type) and v.__module__ == modname:
                    for mn, m in list(vars(v).items()):
                        fn = effects.unwrap(m)
                        if isinstance(fn, types.FunctionType):
                            table[mn].append((fn, v))
            self.by_module_methods[modname] = table
        for fn, owner in table.get(name, ()):
            k = self._edge_for(fn, owner)
            if k is not None:
                node.edges.append(k)


def worst_of(an, keys):
    """The worst path of several entry points (a class's __init__, __new__, metaclass
    __call__): the most dangerous effect any of them reaches."""
    paths = [an.worst_path(k) for k in keys]
    paths = [p for p in paths if p]
    return max(paths, key=an.path_rank) if paths else []


def path_entry(path):
    """(category, steps) as sweep.json records a path."""
    eff = path[-1][1]
    cat, _, what = eff.partition("|") if "|" in eff else ("code-execution", "", eff)
    return cat, [p[0] for p in path] + [what]


def walk(prefix, skip):
    mods = {}
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            root = importlib.import_module(prefix)
    except BaseException as e:  # noqa: BLE001 — import errors are data
        log(f"sweep: cannot import {prefix}: {type(e).__name__}: {e}"[:200])
        return mods
    mods[prefix] = root
    if hasattr(root, "__path__"):
        names = [i.name for i in pkgutil.walk_packages(root.__path__, prefix + ".",
                                                        onerror=lambda n: None)]
        for name in names:
            if skip.search(name):
                continue
            try:
                with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), \
                        warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    mods[name] = importlib.import_module(name)
            except BaseException:  # noqa: BLE001
                pass
    return mods


def stdlib_modules():
    names = set(sys.stdlib_module_names) - {"__future__"}
    out = {}
    for n in sorted(names):
        if STDLIB_SKIP.search(n) or n in capabilities.TEST_MODULES:
            continue
        out.update({k: v for k, v in walk(n, STDLIB_SKIP).items()
                    if not STDLIB_SKIP.search(k)})
    return out


def native_modules():
    mods = set(sys.builtin_module_names)
    for p in sys.path:
        if "lib-dynload" in p:
            mods |= {m.name for m in pkgutil.iter_modules([p])}
    return mods


def exported_here(modname, mod, attr, val):
    """Whether `modname.attr` is a name the callable is known by: where it is defined, a
    package's re-export, a name in `__all__`, or an alias (`load_url = load_state_dict_from_url`
    in torch.utils.model_zoo). Star-imports between a library's own modules (sympy imports
    sympy.core into hundreds of modules) are not names anyone pickles by; an unknown name needs
    review anyway."""
    real = effects.qualified_name(effects.unwrap(val))
    if real is None or real == f"{modname}.{attr}":
        return True
    if hasattr(mod, "__path__") or attr != getattr(val, "__name__", attr):
        return True
    try:
        return attr in (getattr(mod, "__all__", ()) or ())
    except Exception:
        return False


def roots_of(modname, mod, libtops):
    """(dotted name, object, owner) of every callable the module exposes (private names too:
    pickles name them): functions, classes and their class/static methods (callable without an
    instance), and the methods of module-level instances (`unittest.defaultTestLoader`).
    Instance methods of classes are not roots: calling one needs an instance, which a pickle
    must first build from a class that is judged itself."""
    try:
        items = list(vars(mod).items())
    except TypeError:
        return
    for attr, val in items:
        if attr.startswith("__") or isinstance(val, types.ModuleType):
            continue
        name = f"{modname}.{attr}"
        if not exported_here(modname, mod, attr, val):
            continue
        if isinstance(val, type):
            yield name, val, None
            for mn, m in list(vars(val).items()):
                if mn.startswith("__") or not isinstance(m, (classmethod, staticmethod)):
                    continue
                yield f"{name}.{mn}", m, val
        elif isinstance(val, (types.FunctionType, types.BuiltinFunctionType, functools_partial)) \
                or type(val).__name__ == "cython_function_or_method":
            yield name, val, None
        elif callable(val) or type(val).__module__.split(".")[0] in libtops:
            # A module-level instance of a class its own package defines, a module's service
            # object (`unittest.defaultTestLoader`): its methods.
            # Only in the standard library: third-party libraries keep data instances at module
            # level by the thousand (sympy's symbols and units), whose methods are those of
            # their classes.
            cls = type(val)
            if effects.top_module(modname) not in effects.STDLIB or (
                    cls.__module__ != modname and not cls.__module__.startswith(modname + ".")):
                continue
            for mn in dir(cls):
                if mn.startswith("__"):
                    continue
                m = inspect.getattr_static(cls, mn, None)
                if isinstance(effects.unwrap(m), types.FunctionType):
                    yield f"{name}.{mn}", m, cls


import functools  # noqa: E402
functools_partial = functools.partial


def inner(targets):
    kb = kbmatch.KB(RULES, skip=ours)
    unknown = capabilities.unclassified(native_modules())
    if unknown:
        raise SystemExit(f"sweep: native modules not reviewed in capabilities.py: {unknown}")
    an = SweepAnalyzer(kb)
    groups = {"stdlib": stdlib_modules()}
    versions = {"python": sys.version.split()[0]}
    for t in targets:
        mods = walk(t, LIB_SKIP)
        if mods:
            groups[t] = mods
            versions[t] = getattr(mods[t], "__version__", "unknown")
            if not isinstance(versions[t], str):
                versions[t] = str(versions[t])
        log(f"sweep: {t}: {len(mods)} modules")
    libtops = set(effects.STDLIB) | set(groups)
    found = {}
    roots = []
    for group, mods in groups.items():
        for modname, mod in sorted(mods.items()):
            for name, obj, owner in roots_of(modname, mod, libtops):
                if not IDENT.fullmatch(name):
                    continue
                roots.append((group, name, obj, owner))
    log(f"sweep: {len(roots)} callables")
    keys = {}
    for group, name, obj, owner in roots:
        fn = effects.unwrap(obj)
        real = effects.qualified_name(fn)
        cap = an.leaf(real, fn) if real else None
        if cap is None:
            cap = an.leaf(name, fn)
        if cap is None and real and IDENT.fullmatch(real):
            r = kb.dangerous(real)  # another name of a known dangerous callable
            if r is not None and r.category in SWEEP_CATEGORIES:
                cap = (r.category, f"is {kb.canonical(real)}, dangerous in {r.file}")
        if cap is not None:
            found[name] = (group, cap[0], [f"{real or name}: {cap[1]}"])
            continue
        ks = []
        if isinstance(fn, type):
            for meth in ("__init__", "__new__", "__post_init__"):
                m = effects.unwrap(effects.static_attr(fn, meth))
                if isinstance(m, types.FunctionType):
                    ks.append(an.node_for(m, fn))
            mc = effects.unwrap(effects.static_attr(type(fn), "__call__"))
            if isinstance(mc, types.FunctionType):
                ks.append(an.node_for(mc, type(fn)))
        elif isinstance(fn, types.FunctionType):
            o = owner
            if isinstance(obj, classmethod) or (isinstance(obj, types.MethodType) and
                                                isinstance(obj.__self__, type)):
                o = owner or obj.__self__
            ks.append(an.node_for(fn, o))
        keys[name] = (group, [k for k in ks if k is not None])
    log(f"sweep: expanding {len(an.nodes)} functions")
    an.expand_all(limit=2_000_000)
    log(f"sweep: {len(an.nodes)} functions analysed")
    for name, (group, ks) in keys.items():
        path = worst_of(an, ks)
        if path:
            found[name] = (group, *path_entry(path))
    json.dump({"versions": versions, "found": found}, sys.stdout)


def inner_signatures():
    """Parameters of each name read from stdin (JSON list), for the argument roles of the
    rules: {name: [[parameter, positional], …]} as a pickle passes them (an unbound method's
    `self` is its first argument; *args/**kwargs left out).
    Runs in the sandbox too: importing runs library code."""
    names = json.load(sys.stdin)
    out = {}
    sink = io.StringIO()
    for name in names:
        parts = name.split(".")
        obj = None
        for n in range(len(parts) - 1, 0, -1):
            try:
                with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), \
                        warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    obj = importlib.import_module(".".join(parts[:n]))
                for a in parts[n:]:
                    obj = getattr(obj, a)
                break
            except BaseException:  # noqa: BLE001 — a name that does not resolve has no roles
                obj = None
        if obj is None:
            continue
        try:
            sig = inspect.signature(obj)
        except (TypeError, ValueError):
            continue
        params = []
        for p in sig.parameters.values():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            params.append([p.name, p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)])
        out[name] = params
    json.dump(out, sys.stdout)


# ----------------------------------------------------------------------------- outside
def deb_version(pkg):
    try:
        return subprocess.run(["dpkg-query", "-W", "-f", "${Version}", pkg],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def deb_candidate(pkg):
    """The version apt would install, or None when the release has no such package."""
    try:
        out = subprocess.run(["apt-cache", "policy", pkg], capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    m = re.search(r"Candidate:\s*(\S+)", out)
    return m[1] if m and m[1] != "(none)" else None


def sandbox(targets, mode="--inner", stdin=None):
    cmd = ["bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/",
           "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev",
           "--setenv", "HOME", "/tmp/home", "--setenv", "MPLCONFIGDIR", "/tmp/mpl",
           "--setenv", "XDG_CACHE_HOME", "/tmp/cache", "--setenv", "PYTHONDONTWRITEBYTECODE",
           "1", "--setenv", "PYTHONHASHSEED", "0",
           "/usr/bin/python3", str(HERE / "sweep.py"), mode, *targets]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, cwd=REPO, timeout=7200, input=stdin)
    if p.returncode != 0:
        raise SystemExit("sweep: the sandboxed sweep failed")
    return json.loads(p.stdout)


def toml_str(s):
    return json.dumps(s, ensure_ascii=False)


CONSTRUCTORS = (".__init__", ".__new__", ".__post_init__", ".__call__")


def review(result):
    """Keeps what no other rule decides. The classes of a library the benign generator
    introspects (a `benign_lib_<module>.toml` exists) are its to decide — cleared, rebuild-only
    or needs-review on purpose, as sympy's expression classes, whose path-insensitive
    constructors reach string parsing — and are not emitted."""
    generated = {p.name[len("benign_lib_"):-len(".toml")]
                 for p in RULES.glob("benign_lib_*.toml")}
    kb = kbmatch.KB(RULES, skip=ours)
    keep = collections.defaultdict(list)  # (group, category) -> [(name, path)]
    disagree = []
    seen = set()
    for name, (group, cat, path) in sorted(result["found"].items()):
        canon = kb.canonical(name)
        if canon in seen or not IDENT.fullmatch(canon):
            continue
        seen.add(canon)
        if group != "stdlib" and canon.split(".")[0] in generated and \
                path[0].split(":")[0].endswith(CONSTRUCTORS):
            continue
        r = kb.match(canon)
        if r is not None and (r.stance != "benign" or not r.pattern.endswith(".*")):
            if r.stance == "benign":
                disagree.append(f"{canon}: benign in {r.file}, but {' -> '.join(path)}")
            continue  # an exact rule or a dangerous/review wildcard decides it already
        keep[(group, cat)].append((canon, path))
    return keep, disagree


# Parameter names that say what an argument is, by role (lower case, exact).
ROLE_PARAMS = {
    "code": ("source", "code", "expr", "expression", "stmt", "statement", "string", "s", "src",
             "script", "body", "text", "formula", "cmd_str", "setup", "where"),
    "command": ("cmd", "command", "args", "argv", "cmdline", "command_line", "popen_args",
                "process_obj", "program", "executable"),
    "program": ("executable", "path", "file", "program", "args", "argv", "cmd"),
    "path": ("path", "filename", "file", "fname", "filepath", "file_path", "dst", "dest",
             "destination", "to_path", "from_path", "archive", "root", "dirname", "directory",
             "dir", "folder", "outfile", "out_file", "filename_or_obj", "f", "path_or_buf",
             "filepath_or_buffer", "fp"),
    "url": ("url", "uri", "link", "href", "urls"),
    "address": ("address", "addr", "host", "hostname", "server", "url"),
    "module": ("module", "name", "modname", "module_name", "package", "import_name", "import_path"),
    "text": ("name", "key", "value", "host", "msg", "message"),
    "keys": ("text", "data", "s", "arg"),
}


def role_position(role, params):
    """(position, keyword) of the root's parameter that plays `role`, by its name; None when no
    parameter says so (the summary then shows no argument: a guess would mislead)."""
    if role in (None, "none") or not params:
        return None
    names = ROLE_PARAMS.get(role, ())
    for want in names:
        for i, (p, positional) in enumerate(params):
            if p.lower() == want:
                pos = i if positional and all(q[1] for q in params[:i]) else None
                return (pos, p)
    return None


def action_for(kb, name, path, params):
    """(phrase, role, position, keyword, effect) for a swept name: the action of the capability
    its path ends in; the argument is the capability's own when the name *is* it, else the
    root's parameter named for the role."""
    act = leaf_action(kb, path[-1])
    if act is None:
        return None
    phrase, role, pos, kw, effect = act
    # A name that is a capability by a wildcard rule (`pandas.core.computation.*`) shares the
    # wildcard's phrase, not the argument of the one callable the wildcard's keyword was
    # written for (pandas.eval's `expr`; PyTablesExpr's expression is `where`).
    _, _, what = path[-1].partition(": ")
    r = kb.match(what[3:].split(",", 1)[0]) if what.startswith("is ") else None
    wildcard = r is not None and r.pattern.endswith(".*")
    if len(path) > 1 or role == "none" or wildcard:
        found = role_position(role, params)
        if found is None:
            return (phrase, "none", None, None, effect)
        pos, kw = found
    return (phrase, role, pos, kw, effect)


def signatures(names):
    cache = REPO / "build" / "sweep_params.json"
    have = json.loads(cache.read_text()) if cache.exists() else {}
    missing = sorted(n for n in names if n not in have)
    if missing:
        got = sandbox([], "--signatures", json.dumps(missing).encode())
        for n in missing:
            have[n] = got.get(n)
        cache.parent.mkdir(exist_ok=True)
        cache.write_text(json.dumps(have, sort_keys=True))
    return have


def write(result, keep, date):
    """One file per top-level module: rules/dangerous_lib_<module>.toml."""
    for old in RULES.glob(OUT_PREFIX + "*.toml"):
        old.unlink()
    per = collections.defaultdict(list)
    params = signatures([name for rows in keep.values() for name, _ in rows])
    kb = kbmatch.KB(RULES, skip=ours)
    for (group, cat), rows in sorted(keep.items()):
        for name, path in rows:
            act = action_for(kb, name, path, params.get(name))
            per[name.split(".", 1)[0]].append((group, cat, name, path, act))
    for top, rows in sorted(per.items()):
        write_one(result, top, rows, date)


def write_one(result, top, rows, date):
    v = result["versions"]
    lines = [
        f"# GENERATED by scripts/kb/sweep.py on {date} — do not edit by hand; regenerate",
        "# (docs/rules.md, \"Dangerous sweep\"). Every callable (private too) of the standard library",
        "# and of the libraries below, judged in a bubblewrap sandbox by bytecode analysis:",
        "# each name reaches, through its callees, a native capability (scripts/kb/",
        "# capabilities.py) or a name the other rules call dangerous, with non-constant",
        "# arguments. `why` is the path that proves it; `phrase`/`role`/`effect` are those of the",
        "# capability it ends in, the argument the root's parameter named for the role. Swept with:",
        f"#   Python {v['python']} (Debian python3 {deb_version('python3')})",
    ]
    for t, deb in TARGETS.items():
        if t in v:
            lines.append(f"#   {t} {v[t]} (Debian {deb} {deb_version(deb)})")
        elif deb_candidate(deb) is None:
            lines.append(f"#   {t}: not swept — no Debian package {deb} for this release "
                         "(apt-cache policy: no candidate);")
            lines.append(f"#     the {t} callables of published attacks are named by hand "
                         "in rules/libraries.toml")
        else:
            lines.append(f"#   {t}: not installed (Debian {deb} {deb_candidate(deb)} exists), "
                         "not swept")
    lines.append("")
    for group, cat, name, path, act in sorted(rows, key=lambda r: (r[1], r[2])):
        why = " -> ".join(path)
        if len(why) > 300:
            why = why[:297] + "..."
        lines += ["[[dangerous]]", f'category = "{cat}"', 'severity = "high"',
                  f"why = {toml_str('swept: ' + why)}", *kbmatch.action_lines(act),
                  f"pattern = {toml_str(name)}", ""]
    (RULES / f"{OUT_PREFIX}{top}.toml").write_text("\n".join(lines))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--inner", action="store_true")
    ap.add_argument("--signatures", action="store_true")
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("targets", nargs="*")
    a = ap.parse_args()
    targets = a.targets or list(TARGETS)
    if a.inner:
        inner(targets)
        return
    if a.signatures:
        inner_signatures()
        return
    cache = REPO / "build" / "sweep.json"
    if a.reuse and cache.exists():
        result = json.loads(cache.read_text())
    else:
        result = sandbox(targets)
        cache.parent.mkdir(exist_ok=True)
        cache.write_text(json.dumps(result))
    keep, disagree = review(result)
    for d in disagree:
        log("sweep: disagreement:", d)
    write(result, keep, datetime.date.today().isoformat())
    log(f"sweep: wrote {sum(len(r) for r in keep.values())} names to rules/{OUT_PREFIX}*.toml")


if __name__ == "__main__":
    main()
