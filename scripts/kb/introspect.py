#!/usr/bin/python3
"""Introspects the libraries of one group and prints what pickling their objects references.

Run by gen_benign.py inside a bubblewrap sandbox (no network, read-only file system apart from
a private /tmp): importing a library runs its code, so this process is treated as untrusted.
It never unpickles anything and never calls library constructors; it reads classes, their
methods' bytecode and module attributes.

Output (JSON on stdout): per library the version, module counts, and
  entries:  [name, kind, category, detail]  — candidates found clean
  excluded: [name, kind, reason]            — candidates with an effect on their path
kinds: class, reconstructor, function, constant.
categories: library-class (construction, state setting, finalisation are clean),
            rebuild-only (rebuilding without __init__ is clean; __init__ may act),
            reconstructor, constant.
"""

import argparse
import contextlib
import copyreg
import dis
import enum
import importlib
import inspect
import io
import json
import os
import pathlib
import pickle
import pickletools
import pkgutil
import re
import sys
import types
import warnings

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import effects  # noqa: E402
import kbmatch  # noqa: E402
import libraries  # noqa: E402

# Methods the unpickler (or the interpreter right after it) runs on an instance it rebuilt
# without __init__: __new__ (NEWOBJ, copyreg), __setstate__ / __setattr__ (BUILD), the
# container protocol (APPENDS/SETITEMS on subclasses), lookups of missing attributes
# (__getattr__ runs when BUILD looks for __setstate__), hashing and equality (an object used
# as a dict key or set member), the finaliser (__del__ runs when the object is dropped) and an
# enum's _missing_ (EnumClass(value) during the load).
REBUILD_METHODS = ("__new__", "__setstate__", "__setattr__", "__getattr__", "__getattribute__",
                   "__setitem__", "append", "extend", "add", "__hash__", "__eq__", "__del__",
                   "_missing_")
# What a direct call (REDUCE/INST) runs on top: __init__ and a dataclass's __post_init__.
INIT_METHODS = ("__init__", "__post_init__")
# Constructor parameters that name something to open (a file, directory, URL, device).
PATH_PARAM = re.compile(r"(?i)^(f|fp|fh|fd|fname|filename|filenames|file|files|filepath|path|"
                        r"paths|pathname|dirname|directory|folder|url|uri|urls|fileish|fileobj|"
                        r"fobj|filelike|file_like|file_obj|filehandle|file_handle|"
                        r"[a-z_]*_(file|path|dir|url|uri|fname|filename))$")
# Native constructors cannot be analysed: their documented parameters and the class name
# decide, more strictly (a `source` of a native class is a file in practice).
NATIVE_PARAM = re.compile(r"(?i)^(source|src|stream|handle|device|index)$")
NATIVE_NAME = re.compile(r"(?i)(reader|writer|file|stream|capture|storage|socket|client|server|"
                         r"connection|loader|saver|opener|parser|sentence|corpus|database|"
                         r"session|process|thread|pool|context)")
# Words in a C/Cython class's documentation that say its constructor opens something.
PATH_DOC = re.compile(r"(?i)\b(file ?name|file ?path|path ?name|file-like|filename|fname|"
                      r"url|uri|socket|device|camera|open(s|ed)? (a|the) |read(s)? from|"
                      r"writ(e|es) to|load(s)? (a|the|from)|save(s)? (to|the))\b")
HEAPTYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: classes defined in Python


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def version_of(mod):
    v = getattr(mod, "__version__", None)
    if isinstance(v, str):
        return v
    try:
        import importlib.metadata as md
        return md.version(mod.__name__)
    except Exception:
        return "unknown"


def walk_modules(libname):
    """Imports every non-excluded module of the library; returns (modules, failed)."""
    spec = libraries.LIBS[libname]
    mods, failed = {}, []
    sink = io.StringIO()
    for prefix in spec["prefixes"]:
        names = [prefix]
        try:
            with contextlib.redirect_stdout(sink):
                root = importlib.import_module(prefix)
        except BaseException as e:  # noqa: BLE001 — import errors of any kind are data
            failed.append((prefix, f"{type(e).__name__}: {e}"[:200]))
            continue
        mods[prefix] = root
        if hasattr(root, "__path__"):
            for info in pkgutil.walk_packages(root.__path__, prefix + ".",
                                              onerror=lambda n: failed.append((n, "walk"))):
                names.append(info.name)
        for name in names[1:]:
            if libraries.excluded(libname, name):
                continue
            if any(n in name for n in (".tests.", ".test.")):
                continue
            try:
                with contextlib.redirect_stdout(sink), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    mods[name] = importlib.import_module(name)
            except BaseException as e:  # noqa: BLE001
                failed.append((name, f"{type(e).__name__}: {e}"[:200]))
    # Modules imported as a side effect that belong to the library and are not excluded.
    top = libname.split(".")[0]
    for name, m in list(sys.modules.items()):
        if m is None or name in mods:
            continue
        if (name == top or name.startswith(top + ".")) and any(
                name == p or name.startswith(p + ".") for p in spec["prefixes"]):
            if not libraries.excluded(libname, name) and ".tests" not in name:
                mods[name] = m
    return mods, failed


def resolve_qualname(mod, qual):
    obj = mod
    for part in qual.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def classes_of(mod):
    """Classes whose pickle name lies in this module (nested classes included)."""
    out = []
    seen = set()
    stack = [v for v in list(vars(mod).values()) if isinstance(v, type)]
    while stack:
        c = stack.pop()
        if id(c) in seen:
            continue
        seen.add(id(c))
        if getattr(c, "__module__", None) != mod.__name__:
            continue
        q = getattr(c, "__qualname__", "")
        if "<locals>" in q or not q:
            continue
        if resolve_qualname(mod, q) is not c:
            continue
        out.append(c)
        try:
            stack.extend(v for v in vars(c).values() if isinstance(v, type))
        except TypeError:
            pass
    return out


def own_method(cls, name):
    """The Python function that `cls.name` runs, when defined outside the standard library."""
    try:
        v = inspect.getattr_static(cls, name)
    except AttributeError:
        return None
    fn = effects.unwrap(v)
    if not isinstance(fn, types.FunctionType):
        return None
    mod = getattr(fn, "__module__", "") or ""
    if mod.split(".")[0] in effects.STDLIB:
        return None
    return fn


def c_defined(cls):
    """True for classes whose construction is native code (C/Cython extension types) with no
    Python __init__/__new__ in their MRO."""
    for base in cls.__mro__:
        if base is object:
            continue
        if base.__flags__ & HEAPTYPE:
            continue
        mod = (getattr(base, "__module__", "") or "").split(".")[0]
        if mod in effects.STDLIB:
            continue
        return True
    return False


def refuses_pickling(cls):
    """True when __getstate__/__reduce__/__reduce_ex__ of the class always raises."""
    for m in ("__getstate__", "__reduce__", "__reduce_ex__"):
        fn = own_method(cls, m)
        if fn is None:
            continue
        ops = [i.opname for i in dis.get_instructions(fn.__code__)]
        if "RAISE_VARARGS" in ops and "RETURN_VALUE" not in ops:
            return True
    return False


def doc_of(obj):
    try:
        return inspect.getdoc(obj) or ""
    except Exception:
        return ""


def pickled_global(value):
    """The dotted name a value pickles as when it is a reference, not a call: a bare GLOBAL
    (`signal.SIGUSR1`), or getattr(<class>, '<name>') (how Python 3.11+ pickles enum members:
    `re.RegexFlag.IGNORECASE`). None otherwise."""
    try:
        data = pickle.dumps(value, protocol=2)
    except BaseException:  # noqa: BLE001 — whatever the object raises
        return None
    ops = [(op.name, arg) for op, arg, _ in pickletools.genops(data)
           if op.name not in ("PROTO", "STOP", "BINPUT", "LONG_BINPUT", "PUT", "MEMOIZE",
                              "FRAME")]
    if len(ops) == 1 and ops[0][0] == "GLOBAL":
        mod, name = ops[0][1].split(" ", 1)
        return f"{mod}.{name}"
    if [o for o, _ in ops] == ["GLOBAL", "GLOBAL", "BINUNICODE", "TUPLE2", "REDUCE"] and \
            ops[0][1] in ("__builtin__ getattr", "builtins getattr"):
        mod, cls = ops[1][1].split(" ", 1)
        return f"{mod}.{cls}.{ops[2][1]}"
    return None


class Lib:
    def __init__(self, libname, kb, analyzer):
        self.libname = libname
        self.kb = kb
        self.an = analyzer
        self.entries = {}  # name -> (kind, category, detail)
        self.excluded = {}  # name -> (kind, reason)
        self.class_roots = {}  # name -> (cls, rebuild keys, init keys, init_flag)
        self.ref_candidates = {}  # name -> obj
        self.recon_candidates = {}  # name -> obj
        self.constants = {}  # name -> detail
        self.skipped = 0  # classes that are never pickled as instances
        self.ufuncs = {}  # name -> detail
        self.inherits = {}  # name -> reason (effectful standard-library base)

    def in_lib(self, name):
        spec = libraries.LIBS[self.libname]
        return any(name == p or name.startswith(p + ".") for p in spec["prefixes"])

    def collect(self, mods):
        for mname, mod in sorted(mods.items()):
            try:
                cls_list = classes_of(mod)
            except Exception:
                cls_list = []
            for cls in cls_list:
                self.add_class(cls)
            # Cython pickle helpers and copyreg-style reducers defined at module level.
            ufunc = getattr(sys.modules.get("numpy"), "ufunc", None)
            for k, v in list(vars(mod).items()):
                if ufunc is not None and isinstance(v, ufunc) and v.__name__ == k:
                    # A compiled element-wise kernel, pickled by name through
                    # numpy.core._ufunc_reconstruct(module, name).
                    self.ufuncs[f"{mname}.{k}"] = "numpy ufunc"
                    continue
                t = type(v)
                if not isinstance(v, (type, types.ModuleType)) and \
                        getattr(t, "__module__", None) == mname and \
                        resolve_qualname(mod, t.__qualname__) is not t:
                    # A singleton whose class its instance shadows (pytz.UTC = UTC()): the
                    # class is never named in a pickle, but what its __reduce__ returns is.
                    for m in ("__reduce__", "__reduce_ex__"):
                        fn = own_method(t, m)
                        if fn is not None:
                            for rn, obj in self.reduce_refs(fn, t):
                                self.recon_candidates.setdefault(rn, obj)
                if k.startswith("__pyx_unpickle_") and callable(v):
                    self.recon_candidates[f"{mname}.{k}"] = v
                elif not callable(v) and not isinstance(v, (types.ModuleType, type)):
                    # Only values whose class says how they pickle (enum members, singletons
                    # with a __reduce__ returning their name): pickling anything else would
                    # run arbitrary __getattr__ code for nothing.
                    # Enum members, and singletons of the library's own types (pandas.NA
                    # pickles as pandas._libs.missing.NA).
                    if not isinstance(v, enum.Enum) and \
                            not self.in_lib(getattr(type(v), "__module__", "") or ""):
                        continue
                    g = pickled_global(v)
                    if g is not None and self.in_lib(g) and g.endswith("." + k):
                        self.constants[g] = f"{type(v).__qualname__} value"
        # copyreg.dispatch_table: reducers registered for this library's types.
        for t, red in list(copyreg.dispatch_table.items()):
            tname = effects.qualified_name(t)
            if tname and self.in_lib(tname):
                for name, obj in self.reduce_refs(red):
                    self.recon_candidates.setdefault(name, obj)

    def add_class(self, cls):
        name = effects.qualified_name(cls)
        if not name or not self.in_lib(name) or name in self.class_roots:
            return
        # Never instances in a pickle: exceptions, metaclasses, abstract classes, classes that
        # refuse to be pickled.
        if issubclass(cls, BaseException) or issubclass(cls, type) or inspect.isabstract(cls) \
                or refuses_pickling(cls):
            self.skipped += 1
            return
        rebuild, init = [], []
        for m in REBUILD_METHODS:
            fn = own_method(cls, m)
            if fn is not None:
                k = self.an.node_for(fn, cls)
                if k is not None:
                    rebuild.append(k)
        meta_call = own_method(type(cls), "__call__")
        for m in INIT_METHODS:
            fn = own_method(cls, m)
            if fn is not None:
                k = self.an.node_for(fn, cls)
                if k is not None:
                    init.append(k)
        if meta_call is not None:
            k = self.an.node_for(meta_call, type(cls))
            if k is not None:
                init.append(k)
        flag = None
        # Parameters that name something to open make a direct call an effect.
        init_fn = own_method(cls, "__init__") or own_method(cls, "__new__")
        if init_fn is not None:
            try:
                params = inspect.signature(init_fn).parameters
                bad = [p for p in params if PATH_PARAM.match(p)]
                if bad:
                    flag = f"constructor takes `{bad[0]}`"
            except (TypeError, ValueError):
                pass
        native = c_defined(cls) and own_method(cls, "__init__") is None and \
            own_method(cls, "__new__") is None
        if native:
            text = " ".join(doc_of(x) for x in (cls, getattr(cls, "__init__", None),
                                                getattr(cls, "__new__", None)))
            sig = getattr(cls, "__text_signature__", "") or ""
            m = PATH_DOC.search(text + " " + sig)
            # "Name(a, b=1)" on the first line of a Cython class's documentation.
            first = re.match(r"\s*" + re.escape(cls.__name__) + r"\(([^)]*)\)", text)
            params = [p.split("=")[0].strip(" *") for p in first.group(1).split(",")] \
                if first else []
            bad = [p for p in params if PATH_PARAM.match(p) or NATIVE_PARAM.match(p)]
            if m:
                flag = f"native constructor documented as taking `{m.group(0).strip()}`"
            elif bad:
                flag = f"native constructor takes `{bad[0]}`"
            elif NATIVE_NAME.search(cls.__name__):
                flag = f"native class named like an I/O object ({cls.__name__})"
        # Values the class's own construction/state code stores (functions held as data).
        for m in INIT_METHODS + ("__new__", "__setstate__"):
            fn = own_method(cls, m)
            if fn is not None:
                try:
                    for p in inspect.signature(fn).parameters.values():
                        d = p.default
                        if callable(d) and not isinstance(d, type):
                            dn = effects.qualified_name(effects.unwrap(d))
                            if dn:
                                self.ref_candidates.setdefault(dn, d)
                except (TypeError, ValueError):
                    pass
        # Behaviour inherited from a standard-library base the KB calls dangerous (a gzip or
        # socket subclass closes/flushes in __del__, a Thread subclass runs code): not analysed,
        # so the class is not cleared.
        for base in cls.__mro__[1:]:
            bname = effects.qualified_name(base)
            if bname and bname.split(".")[0] in effects.STDLIB and \
                    self.an.judge_name(bname) is not None:
                self.inherits[name] = f"rebuild: inherits from {bname} ({self.an.judge_name(bname)})"
                break
        self.class_roots[name] = (cls, rebuild, init, flag, native)
        # Reconstructors a Python __reduce__/__reduce_ex__ returns.
        for m in ("__reduce__", "__reduce_ex__", "__getnewargs__", "__getnewargs_ex__"):
            fn = own_method(cls, m)
            if fn is not None:
                for rn, obj in self.reduce_refs(fn, cls):
                    self.recon_candidates.setdefault(rn, obj)
        if isinstance(cls, enum.EnumMeta):
            for member in list(cls):
                g = pickled_global(member)
                if g is not None and self.in_lib(g):
                    self.constants[g] = f"member of enum {name}"

    def reduce_refs(self, fn, owner=None):
        """Callables a reduce function references without calling (what it returns)."""
        k = self.an.node_for(fn, owner)
        if k is None:
            return []
        node = self.an.nodes[k]
        if not node.expanded:
            self.an._expand(node)
        out = []
        for name, obj in node.refs:
            if self.in_lib(name) or name.split(".")[0] in ("copyreg",):
                out.append((name, obj))
        return out

    def judge(self):
        an = self.an
        # Expand what init/rebuild code references as data too (functions stored in objects).
        for name, (cls, rebuild, init, flag, native) in self.class_roots.items():
            for k in init + rebuild:
                if not an.nodes[k].expanded:
                    an._expand(an.nodes[k])
                for rn, obj in an.nodes[k].refs:
                    if self.in_lib(rn) and not isinstance(obj, type):
                        self.ref_candidates.setdefault(rn, obj)
        fn_keys = {}
        for name, obj in list(self.recon_candidates.items()) + list(self.ref_candidates.items()):
            fn = effects.unwrap(obj)
            owner = obj.__self__ if isinstance(obj, types.MethodType) else None
            owner = owner if isinstance(owner, type) else None
            if isinstance(fn, types.FunctionType):
                fn_keys[name] = an.node_for(fn, owner)
        an.expand_all()

        def path_text(keys):
            for k in keys:
                p = an.effect_path(k)
                if p:
                    chain = " -> ".join(f for f, _ in p)
                    return f"{chain}: {p[-1][1]}"
            return None

        def own_calls(keys):
            for k in keys:
                t = an.root_calls_param(k)
                if t:
                    return t
            return None

        for name, (cls, rebuild, init, flag, native) in sorted(self.class_roots.items()):
            eff = self.inherits.get(name) or path_text(rebuild)
            if eff:
                self.excluded[name] = ("class", eff if eff.startswith("rebuild:")
                                       else "rebuild: " + eff)
                continue
            init_eff = path_text(init) or own_calls(init) or flag
            if native and flag:
                # A native class whose documentation says its constructor opens something:
                # its C __new__ is what NEWOBJ runs too.
                self.excluded[name] = ("class", flag)
                continue
            dyn = sum(an.dynamic_count(k) for k in rebuild)
            detail = f"dynamic getattr x{dyn}" if dyn else ""
            if init_eff:
                self.entries[name] = ("class", "rebuild-only", ("init: " + init_eff)[:300])
            else:
                self.entries[name] = ("class", "library-class", detail)
        for kind, cands in (("reconstructor", self.recon_candidates),
                            ("function", self.ref_candidates)):
            for name, obj in sorted(cands.items()):
                if name in self.entries or name in self.excluded:
                    continue
                if kind == "reconstructor" and ".__pyx_unpickle_" in name:
                    cname = name.replace("__pyx_unpickle_", "")
                    ce = self.entries.get(cname)
                    if ce is None:
                        self.excluded[name] = (kind, f"its class {cname} is not cleared")
                    else:
                        self.entries[name] = (kind, "reconstructor",
                                              f"Cython unpickler of {cname}")
                    continue
                if not self.in_lib(name):
                    continue
                mod = effects.module_of(obj) or name.rsplit(".", 1)[0]
                if libraries.excluded(self.libname, mod):
                    continue  # a module whose purpose is an effect: never cleared by name
                if kind == "function" and "." in name[len(effects.module_of(obj) or "") + 1:]:
                    continue  # methods: rebuilt objects never need them by name
                k = fn_keys.get(name)
                if k is None:
                    # Native callable: judged by name and documentation.
                    eff = an.judge_name(name)
                    m = PATH_DOC.search(doc_of(obj))
                    if eff or m:
                        self.excluded[name] = (kind, eff or f"documented as `{m.group(0)}`")
                    else:
                        self.entries[name] = (kind, "reconstructor" if kind == "reconstructor"
                                              else "library-function", "native")
                    continue
                eff = path_text([k]) or an.root_calls_param(k)
                if eff:
                    self.excluded[name] = (kind, eff)
                else:
                    self.entries[name] = (kind, "reconstructor" if kind == "reconstructor"
                                          else "library-function", "")
        for name, detail in sorted(self.ufuncs.items()):
            if self.in_lib(name) and name not in self.entries:
                self.entries[name] = ("function", "library-function", detail)
        for name, detail in sorted(self.constants.items()):
            if self.in_lib(name) and name not in self.entries:
                self.entries[name] = ("constant", "constant", detail)


def stdlib_constants(kb):
    """Enum members and other non-callable values of the standard library that pickle as a
    bare GLOBAL reference (signal.SIGUSR1, socket.AF_INET, re.IGNORECASE …)."""
    skip = {"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "test",
            "lib2to3", "ensurepip", "venv", "pydoc_data", "__main__", "msilib", "winreg",
            "winsound", "msvcrt", "_winapi", "nt", "asyncio.__main__"}
    out = {}
    sink = io.StringIO()
    for name in sorted(sys.stdlib_module_names):
        if name in skip or name.startswith("_"):
            continue
        try:
            with contextlib.redirect_stdout(sink), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mod = importlib.import_module(name)
        except BaseException:  # noqa: BLE001
            continue
        for k, v in list(vars(mod).items()):
            members = []
            if isinstance(v, enum.Enum):
                members = [v]
            elif isinstance(v, enum.EnumMeta) and getattr(v, "__module__", None) == name:
                members = list(v)
            for m in members:
                g = pickled_global(m)
                if g is None or g.split(".")[0] != name.split(".")[0]:
                    continue
                if kb.match(g) is not None and kb.match(g).pattern == g:
                    continue  # the hand-written rules decide it
                out[g] = f"member of enum {effects.qualified_name(type(m))}"
    return out


def reexports(kb):
    """Dangerous callables that modules under a hand-written benign wildcard re-export
    (`numpy.core.umath.fromfile` is numpy.fromfile, `joblib._store_backends.
    concurrency_safe_rename` renames files): the wildcard would clear them by their new name."""
    out = {}
    sink = io.StringIO()
    wild = sorted({p for p, r in kb.prefix.items() if r.stance == "benign"})
    roots = sorted({w.split(".")[0] for w in wild})
    for root in roots:
        try:
            with contextlib.redirect_stdout(sink):
                top = importlib.import_module(root)
        except BaseException:  # noqa: BLE001
            continue
        names = [root]
        if hasattr(top, "__path__"):
            for info in pkgutil.walk_packages(top.__path__, root + ".", onerror=lambda n: None):
                names.append(info.name)
        for n in names:
            if ".tests" in n or ".test_" in n or n.rsplit(".", 1)[-1].startswith("test"):
                continue
            r = kb.match(n + ".x")
            if r is None or r.stance != "benign" or not r.pattern.endswith(".*"):
                continue
            try:
                with contextlib.redirect_stdout(sink), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    mod = importlib.import_module(n)
            except BaseException:  # noqa: BLE001
                continue
            for k, v in list(vars(mod).items()):
                if isinstance(v, types.ModuleType) or not callable(v):
                    continue  # module attributes: kb.cc's tail checks cover them
                real = effects.qualified_name(v)
                if not real or real == f"{n}.{k}" or k.startswith("__"):
                    continue
                # The name must really lead to the object (Cython enums claim to live in
                # importlib._bootstrap).
                rmod, _, rqual = real.rpartition(".")
                holder = sys.modules.get(rmod)
                if holder is None or getattr(holder, rqual, None) is not v:
                    continue
                d = kb.dangerous(real)
                full = f"{n}.{k}"
                fr = kb.match(full)
                if d is not None and fr is not None and fr.stance == "benign" and \
                        fr.pattern.endswith(".*"):
                    out[full] = [kb.canonical(real), d.category, d.severity]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("group")
    ap.add_argument("--rules", required=True)
    ap.add_argument("--generated-prefix", default="benign_")
    args = ap.parse_args()
    real_stdout = sys.stdout
    sys.stdout = sys.stderr  # libraries that print on import must not corrupt the JSON
    warnings.simplefilter("ignore")
    kb = kbmatch.KB(args.rules, skip=lambda n: n.startswith(args.generated_prefix) or
                    n.startswith("generated_"))
    result = {"group": args.group, "python": sys.version.split()[0], "libraries": []}
    if args.group == "reexports":
        result["reexports"] = reexports(kb)
    elif args.group == "stdlib":
        consts = stdlib_constants(kb)
        entries = [[n, "constant", "constant", d] for n, d in sorted(consts.items())]
        entries += [[f"builtins.{b}", "function", "library-function",
                     "pure builtin (reviewed: calls no function it is given)"]
                    for b in effects.PURE_BUILTINS]
        entries += [[f"operator.{o}", "function", "library-function",
                     "pure operator (reviewed: calls no function it is given)"]
                    for o in effects.PURE_OPERATORS]
        result["libraries"].append({
            "name": "stdlib", "version": sys.version.split()[0], "modules": 0, "failed": [],
            "entries": entries, "excluded": []})
    else:
        for libname in libraries.GROUPS[args.group]:
            spec = libraries.LIBS[libname]
            log(f"[{args.group}] {libname}: importing")
            mods, failed = walk_modules(libname)
            if spec["prefixes"][0] not in mods:
                result["libraries"].append({"name": libname, "version": None, "modules": 0,
                                            "failed": failed, "entries": [], "excluded": []})
                continue
            root = sys.modules.get(libname.split(".")[0])
            an = effects.Analyzer(kb, scope=lambda n: n.split(".")[0] not in effects.STDLIB)
            lib = Lib(libname, kb, an)
            lib.collect(mods)
            log(f"[{args.group}] {libname}: {len(mods)} modules, {len(lib.class_roots)} classes")
            lib.judge()
            log(f"[{args.group}] {libname}: {len(lib.entries)} clean, "
                f"{len(lib.excluded)} excluded, {len(an.nodes)} functions analysed")
            result["libraries"].append({
                "name": libname, "version": version_of(root) if root else None,
                "file": getattr(root, "__file__", None),
                "modules": len(mods), "failed": failed, "classes": len(lib.class_roots),
                "skipped_classes": lib.skipped,
                "entries": [[n, *v] for n, v in sorted(lib.entries.items())],
                "excluded": [[n, *v] for n, v in sorted(lib.excluded.items())]})
    real_stdout.write(json.dumps(result))
    real_stdout.flush()
    os._exit(0)  # skip library atexit handlers


if __name__ == "__main__":
    main()
