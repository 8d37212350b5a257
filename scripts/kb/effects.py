"""Side-effect analysis of library code, from bytecode (never runs the code it analyses).

A *node* is a Python function analysed in the context of an owner class (so `self.method`
resolves through that class's MRO). Reading a node's bytecode (and that of the lambdas and
comprehensions nested in it) gives:
  - effects: what the code itself does that a benign rebuild must not do — a call or reference
    resolving to a name the knowledge base calls dangerous (severity medium or above: opening
    files, processes, sockets, imports by name, exec/eval, loaders such as numpy.load), an
    import of a dangerous module, or a method with an effect name (`write`, `save`, `to_csv`,
    `urlopen`, `unlink` …) called on an object the analysis cannot resolve;
  - edges: the library functions it reaches (called globals, `self.method`, `mod.func`,
    constructors of classes it calls, functions it passes around).
A node is *effectful* when an effect is reachable through edges. Standard-library code is not
followed: its functions are judged by the knowledge base alone (the stdlib is swept into
rules/stdlib.toml). C and Cython code has no bytecode: it is judged by name.

Unresolvable dynamic behaviour (a call of a value computed at run time) is not an effect by
itself: whatever object it calls came from the pickle and is judged there, or from the library
code that was analysed. `getattr(obj, <computed name>)` is counted as a *dynamic* hint and
reported, not treated as an effect.
"""

import builtins
import collections
import dis
import inspect
import sys
import types

STDLIB = set(sys.stdlib_module_names) | {"builtins", "__future__"}

# Method names that perform I/O or run code, judged on receivers the analysis cannot resolve
# (`fh.write`, `self._store.save`, `pd.read_csv` through an alias it lost). Names whose common
# meaning is pure (`read`, `get`, `replace`, `run`, `start`) are left out: reading from an
# object the pickle supplied cannot create an effect that object's own class does not have.
EFFECT_METHODS = frozenset("""
system popen Popen spawnv spawnl execv execve execvp check_output check_call getoutput
urlopen urlretrieve create_connection sendall sendto
write writelines write_text write_bytes save savez savez_compressed savetxt savefig imwrite
imsave tofile to_csv to_pickle to_hdf to_sql to_parquet to_excel to_feather to_netcdf to_zarr
to_stata to_orc to_fits to_file unlink rmdir rmtree removedirs renames makedirs
mkdir mkdtemp mkstemp chmod chown symlink load loads load_model read_csv read_pickle
read_table read_hdf read_parquet fromfile memmap open_memmap eval exec execfile
import_module run_path run_module Proxy download download_file get_file
hf_hub_download snapshot_download from_pretrained open read_text read_bytes
""".split())

# ... and any method whose first word says it saves, writes, loads, opens, downloads or runs
# something (`save_figure`, `write_png`, `load_state`, `open_file`, `exec_module`).
EFFECT_PREFIXES = frozenset("""
save write dump load open download fetch upload exec eval spawn unlink urlopen
""".split())


def effect_method(name):
    return name in EFFECT_METHODS or name.split("_")[0] in EFFECT_PREFIXES


# Standard-library names the knowledge base treats as dangerous as *pickle targets* that are
# harmless inside library code run at load: locks and thread-locals, reading (not changing)
# process facts, introspection of the library's own classes, attribute access on objects the
# code already holds. Reviewed by hand; each is pure or only reads process state.
HARMLESS_IN_LIBRARY_CODE = frozenset("""
builtins.getattr builtins.setattr builtins.delattr builtins.vars builtins.globals
threading.Lock threading.RLock threading.local threading.Event threading.Condition
threading.Semaphore threading.BoundedSemaphore threading.current_thread threading.get_ident
threading.main_thread _thread.allocate_lock _thread.RLock _thread.get_ident _thread._local
_thread.lock _thread.LockType
weakref.ref weakref.proxy weakref.WeakValueDictionary weakref.WeakKeyDictionary
weakref.WeakSet weakref.WeakMethod
os.environ os.getenv os.getcwd os.getpid os.cpu_count os.sep os.pathsep os.linesep os.name
os.fspath os.fsencode os.fsdecode os.stat os.lstat os.get_terminal_size os.get_exec_path
os.PathLike os.curdir os.pardir os.extsep os.devnull os.urandom os.sched_getaffinity
os.path
sys.modules sys.version_info sys.version sys.maxsize sys.byteorder sys.float_info
sys.int_info sys.platform sys.getrecursionlimit sys.exc_info sys.getsizeof sys.stdout
sys.stderr sys.stdin sys.implementation sys.hexversion sys.flags sys.getdefaultencoding
sys.getfilesystemencoding sys.intern sys.float_repr_style sys.maxunicode sys.exception
sys.getrefcount sys.gettrace sys._getframe sys.argv sys.executable sys.prefix
inspect.signature inspect.Signature inspect.Parameter inspect.isclass inspect.isfunction
inspect.ismethod inspect.isroutine inspect.getmro inspect.getfullargspec inspect.isabstract
inspect.getmembers inspect.isgenerator inspect.iscoroutinefunction inspect.cleandoc
inspect.getdoc inspect.ismodule inspect.isbuiltin inspect.unwrap inspect.currentframe
inspect.stack inspect.getattr_static inspect.isdatadescriptor inspect.getsourcelines
inspect.getfile inspect.getmodule inspect.signature inspect.BoundArguments inspect._empty
inspect.isgeneratorfunction inspect.ismethoddescriptor inspect.getcallargs
gc.collect gc.disable gc.enable gc.isenabled
copyreg._reconstructor copyreg.__newobj__
io.BytesIO io.StringIO io.TextIOWrapper io.BufferedReader io.IOBase io.RawIOBase
io.BufferedIOBase io.TextIOBase io.UnsupportedOperation io.DEFAULT_BUFFER_SIZE
io.SEEK_SET io.SEEK_CUR io.SEEK_END
pickle.dumps pickle.HIGHEST_PROTOCOL pickle.DEFAULT_PROTOCOL pickle.PicklingError
pickle.UnpicklingError pickle.PickleError
signal.SIGINT signal.SIGTERM
typing.get_type_hints builtins.locals
multiprocessing.cpu_count multiprocessing.context.BaseContext.cpu_count
builtins.object.__setattr__ builtins.object.__delattr__ builtins.object.__getattribute__
""".split()) | frozenset(
    # ctypes value types and pointers a library uses to call its own native library (the
    # library's handle was loaded at import; loading another one by path stays an effect).
    p + t for p in ("ctypes.", "_ctypes.") for t in """c_void_p c_char_p c_wchar_p c_int c_uint c_int8 c_uint8 c_int16
    c_uint16 c_int32 c_uint32 c_int64 c_uint64 c_long c_ulong c_longlong c_ulonglong c_size_t
    c_ssize_t c_float c_double c_longdouble c_bool c_char c_byte c_ubyte c_short c_ushort
    byref POINTER pointer cast sizeof addressof create_string_buffer Structure Union Array
    c_buffer string_at memmove memset ArgumentError""".split()) | frozenset((
    # pandas arithmetic: numexpr runs an expression pandas builds from a fixed operator table
    # ("a_value + b_value"), never a string from the data (read in pandas/core/computation/
    # expressions.py); the KB's pandas.core.computation.* is about pandas.eval/query.
    "pandas.core.computation.expressions.evaluate",
    "pandas.core.computation.expressions.where",
    # pandas' chained-assignment check counts referrers of a frame (SettingWithCopyWarning).
    "gc.get_referents",
    # sympy's internal converter is sympify(a, strict=True): a string raises SympifyError and
    # is never parsed (read in sympy/core/sympify.py); the public sympify stays an effect.
    "sympy.core.sympify._sympify",
    # dask's collection test and tokenizer call __dask_graph__/__dask_tokenize__ and hash the
    # objects they are given (objects of the pickle, judged on their own); nothing is computed
    # and importing dask runs nothing.
    "dask.base.is_dask_collection", "dask.base.tokenize",
    # astropy compiles its own unit/angle grammars with ply; the only file it may write is the
    # grammar's table inside astropy's package directory, from astropy's grammar, never from
    # the data (read in astropy/utils/parsing.py).
    "astropy.utils.parsing.lex", "astropy.utils.parsing.yacc",
    # evals a generator expression astropy builds from the array's number of dimensions only
    # (read in astropy/table/column.py), never text from the data.
    "astropy.table.column._convert_sequence_data_to_array",
    # pytz reads its own zoneinfo file for a zone name it first checks against its list of
    # zone names (read in pytz/__init__.py): no path from the data reaches open().
    "pytz.timezone",
    # xarray asks whether optional packages (dask, cupy …) are installed, by constant names.
    "xarray.core.utils.module_available",
    # xarray's array-function dispatcher imports the constant module "dask.array" only when an
    # argument already is a dask array, else calls numpy (read in xarray/core/duck_array_ops.py).
    "xarray.core.duck_array_ops._dask_or_eager_func.<locals>.f",
))

# Builtins that compute a value from their arguments and call no function they are given
# (unlike map, filter, sorted/min/max with key=, iter with a sentinel): reviewed by hand and
# emitted as benign by the stdlib group, because libraries store them as data (gensim keeps
# `hashfxn=hash`).
PURE_BUILTINS = ("abs", "all", "any", "ascii", "bin", "callable", "chr", "divmod", "hash",
                 "hex", "id", "isinstance", "issubclass", "len", "oct", "ord", "pow", "repr",
                 "round", "sum", "format")
# The same for operator functions (Python 3.11 pickles combined flags as operator.or_(a, b));
# attrgetter, itemgetter, methodcaller and call have semantics in rules/semantics.toml.
PURE_OPERATORS = ("abs", "and_", "eq", "floordiv", "ge", "gt", "index", "inv", "invert",
                  "is_", "is_not", "le", "lshift", "lt", "matmul", "mod", "ne", "neg", "not_",
                  "or_", "pos", "pow", "rshift", "sub", "truediv", "truth", "xor")

# Builtins whose *call* is an effect (the KB knows most of them; these are checked by name
# because a builtin reached through a global has module `builtins`).
EFFECT_BUILTINS = frozenset("""
open exec eval compile __import__ input breakpoint exit quit help execfile
""".split())


_CALLABLE_KINDS = (type, types.FunctionType, types.BuiltinFunctionType, types.MethodType,
                   types.BuiltinMethodType, types.MethodDescriptorType,
                   types.WrapperDescriptorType, types.ClassMethodDescriptorType,
                   types.MethodWrapperType, types.ModuleType)


def _get(obj, name):
    """obj.name without running __getattr__/properties of arbitrary instances."""
    try:
        return inspect.getattr_static(obj, name)
    except AttributeError:
        return None


def qualified_name(obj):
    """'module.qualname' as pickle would name obj, or None (instances: None)."""
    if isinstance(obj, types.ModuleType):
        return obj.__name__
    if not isinstance(obj, _CALLABLE_KINDS) and type(obj).__name__ != "cython_function_or_method":
        return None
    mod = _get(obj, "__module__")
    qual = _get(obj, "__qualname__") or _get(obj, "__name__")
    if isinstance(obj, type):
        mod, qual = obj.__module__, obj.__qualname__
    elif isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)) or \
            type(obj).__name__ == "cython_function_or_method":
        mod = getattr(obj, "__module__", None)
        qual = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if isinstance(obj, (types.BuiltinFunctionType, types.BuiltinMethodType)) and mod is None:
        self_ = getattr(obj, "__self__", None)
        if isinstance(self_, types.ModuleType):
            mod = self_.__name__
        elif self_ is not None:
            mod = getattr(type(self_), "__module__", None)
            qual = f"{type(self_).__qualname__}.{obj.__name__}"
    if isinstance(obj, (types.MethodDescriptorType, types.WrapperDescriptorType,
                        types.ClassMethodDescriptorType)):
        owner = getattr(obj, "__objclass__", None)
        if owner is not None:
            mod, qual = owner.__module__, f"{owner.__qualname__}.{obj.__name__}"
    if not isinstance(mod, str) or not isinstance(qual, str):
        return None
    return f"{mod}.{qual}"


def module_of(obj):
    name = qualified_name(unwrap(obj))
    fn = unwrap(obj)
    mod = fn.__module__ if isinstance(fn, (type, types.FunctionType)) else None
    return mod if isinstance(mod, str) else (name.rsplit(".", 1)[0] if name else None)


def top_module(name):
    return name.split(".", 1)[0] if name else ""


def unwrap(obj):
    """The Python function behind a method, property, partial or decorator, else obj."""
    for _ in range(8):
        if isinstance(obj, (staticmethod, classmethod)):
            obj = obj.__func__
        elif isinstance(obj, types.MethodType):
            obj = obj.__func__
        elif isinstance(obj, property):
            obj = obj.fget
        elif isinstance(obj, types.FunctionType) and "__wrapped__" in obj.__dict__:
            inner = obj.__dict__["__wrapped__"]
            if not isinstance(inner, types.FunctionType):
                break
            obj = inner
        else:
            break
    return obj


def static_attr(owner, name):
    """Attribute of a class or module without running descriptors; None when missing."""
    try:
        if isinstance(owner, types.ModuleType):
            return owner.__dict__.get(name, _MISSING)
        if isinstance(owner, type):
            return inspect.getattr_static(owner, name)
        return inspect.getattr_static(owner, name)
    except Exception:
        return _MISSING


_MISSING = object()


class Node:
    __slots__ = ("func", "owner", "effects", "edges", "dynamic", "refs", "expanded",
                 "calls_param")

    def __init__(self, func, owner):
        self.func = func
        self.owner = owner
        self.effects = []  # strings
        self.edges = []  # keys of other nodes
        self.dynamic = 0
        self.refs = []  # (name, obj) of library callables referenced as values
        self.expanded = False
        self.calls_param = []  # parameters the function's own code calls


class Analyzer:
    def __init__(self, kb, scope, follow_stdlib=False, method_heuristics=True):
        """kb: kbmatch.KB. scope(name) -> True for modules whose code is followed.
        follow_stdlib: follow standard-library code too (the dangerous sweep) instead of
        judging it by the rules alone. method_heuristics: count effect-named methods called on
        unresolved objects (fail-closed, for clearing; off when looking for proof)."""
        self.kb = kb
        self.scope = scope
        self.follow_stdlib = follow_stdlib
        self.method_heuristics = method_heuristics
        self.nodes = {}
        self.leaf_effects = {}  # name -> effect text or None (C callables, stdlib)
        self._effectful = None

    # ------------------------------------------------------------------ public
    def node_for(self, func, owner=None):
        """Key of the node for a Python function (None if it has no bytecode)."""
        func = unwrap(func)
        if not isinstance(func, types.FunctionType):
            return None
        key = (id(func.__code__), id(owner) if owner is not None else 0)
        if key not in self.nodes:
            self.nodes[key] = Node(func, owner)
            self._effectful = None
        return key

    def judge_name(self, name):
        """Effect text for calling/referencing a named callable, or None (by name only)."""
        if name is None:
            return None
        if name in self.leaf_effects:
            return self.leaf_effects[name]
        canon = self.kb.canonical(name)
        eff = None
        if canon.startswith("builtins."):
            if canon.split(".", 1)[1] in EFFECT_BUILTINS:
                eff = f"calls {canon}"
        if eff is None and not self._harmless(canon):
            r = self.kb.dangerous(canon)
            if r is not None:
                eff = f"reaches {canon} ({r.category}, {r.file})"
        self.leaf_effects[name] = eff
        return eff

    def _harmless(self, canon):
        parts = canon.split(".")
        for n in range(len(parts), 0, -1):
            if ".".join(parts[:n]) in HARMLESS_IN_LIBRARY_CODE:
                # os.path.* and the like: a listed module covers its attributes, except where
                # the KB names a dangerous attribute exactly (os.path.expanduser is low anyway).
                return n == len(parts) or ".".join(parts[:n]) in ("os.path",)
        return False

    def expand_all(self, limit=400000):
        """Expands every node reachable from the nodes created so far."""
        queue = collections.deque(k for k, n in self.nodes.items() if not n.expanded)
        while queue and len(self.nodes) < limit:
            key = queue.popleft()
            node = self.nodes[key]
            if node.expanded:
                continue
            self._expand(node)
            for e in node.edges:
                if not self.nodes[e].expanded:
                    queue.append(e)
        return len(self.nodes) < limit

    def effect_path(self, key):
        """[(function name, effect)] leading from key to the nearest effect, or [] if none."""
        self._compute()
        nxt = self._effectful
        if key not in nxt:
            return []
        path = []
        seen = set()
        while key is not None and key not in seen:
            seen.add(key)
            node = self.nodes[key]
            step = nxt[key]
            fname = qualified_name(node.func) or "?"
            if step is None:
                path.append((fname, node.effects[0]))
                break
            path.append((fname, None))
            key = step
        return path

    def root_calls_param(self, key):
        """Effect text when the function at key calls one of its own parameters: called by a
        pickle with its arguments, it calls whatever the pickle passes — including a class
        cleared only for rebuilding (pandas' apply_if_callable, scipy's minimize)."""
        node = self.nodes[key]
        if not node.expanded:
            self._expand(node)
        if node.calls_param:
            return f"{qualified_name(node.func)}: calls its argument `{node.calls_param[0]}`"
        return None

    def dynamic_count(self, key):
        """How many reachable functions use getattr with a computed name (a hint)."""
        seen, stack, n = {key}, [key], 0
        while stack:
            k = stack.pop()
            node = self.nodes[k]
            n += node.dynamic
            for e in node.edges:
                if e not in seen:
                    seen.add(e)
                    stack.append(e)
        return n

    def reachable_refs(self, key):
        """Library callables referenced as values anywhere reachable from key."""
        seen, stack, out = {key}, [key], {}
        while stack:
            k = stack.pop()
            node = self.nodes[k]
            for name, obj in node.refs:
                out.setdefault(name, obj)
            for e in node.edges:
                if e not in seen:
                    seen.add(e)
                    stack.append(e)
        return out

    # ------------------------------------------------------------------ fixpoint
    def _compute(self):
        if self._effectful is not None:
            return
        # Multi-source BFS on reversed edges from nodes with their own effects: for each
        # node, the next hop towards the nearest effect (None: the node itself acts).
        rev = collections.defaultdict(list)
        for k, n in self.nodes.items():
            for e in n.edges:
                rev[e].append(k)
        nxt = {}
        queue = collections.deque()
        for k, n in self.nodes.items():
            if n.effects:
                nxt[k] = None
                queue.append(k)
        while queue:
            k = queue.popleft()
            for p in rev[k]:
                if p not in nxt:
                    nxt[p] = k
                    queue.append(p)
        self._effectful = nxt

    # ------------------------------------------------------------------ bytecode
    def _expand(self, node):
        node.expanded = True
        func = node.func
        glb = getattr(func, "__globals__", {}) or {}
        cells = {}
        if func.__closure__:
            for name, cell in zip(func.__code__.co_freevars, func.__closure__):
                try:
                    cells[name] = cell.cell_contents
                except ValueError:
                    pass
        codes = [func.__code__]
        first_arg = func.__code__.co_varnames[0] if func.__code__.co_argcount else None
        seen_codes = set()
        while codes:
            code = codes.pop()
            if id(code) in seen_codes:
                continue
            seen_codes.add(id(code))
            for c in code.co_consts:
                if isinstance(c, types.CodeType):
                    codes.append(c)
            self._scan_code(node, code, glb, cells, first_arg)
        # Calling a value it was given (a higher-order function: pandas' apply_if_callable,
        # scipy's minimize) lets a pickle call, with its own arguments, whatever it passes in
        # — including a class cleared only for rebuilding: an effect.
        # Only where the pickle calls it (a root, see root_calls_param): inside the library the
        # values passed along are the library's own.
        node.calls_param = self._called_params(func.__code__)
        # Dedupe
        node.edges = list(dict.fromkeys(node.edges))

    @staticmethod
    def _called_params(code):
        """Parameters the function's own code calls (PUSH_NULL; LOAD_FAST <param> … CALL)."""
        n = code.co_argcount + code.co_kwonlyargcount + \
            bool(code.co_flags & inspect.CO_VARARGS) + bool(code.co_flags & inspect.CO_VARKEYWORDS)
        params = set(code.co_varnames[:n])
        if code.co_argcount:
            params.discard(code.co_varnames[0]) if code.co_varnames[0] in ("self", "cls") \
                else None
        out = []
        instrs = list(dis.get_instructions(code))
        for i, ins in enumerate(instrs[1:], 1):
            if ins.opname in ("LOAD_FAST", "LOAD_DEREF") and ins.argval in params and \
                    instrs[i - 1].opname == "PUSH_NULL":
                out.append(ins.argval)
        return out

    def _scan_code(self, node, code, glb, cells, first_arg):
        locals_obj = {}  # local names bound by imports inside the function
        chain = None  # ("obj", value) | ("self",) | ("unknown",)
        chain_called = False
        pending_import = None
        try:
            instrs = list(dis.get_instructions(code))
        except Exception:
            return
        self_names = {"self", "cls", "mcs", "klass"}

        def finish(chain, called, at):
            if chain is None:
                return
            if chain[0] == "obj":
                self._reach(node, chain[1], called, chain[2] if len(chain) > 2 else None,
                            (instrs, at) if called else None)

        for i, ins in enumerate(instrs):
            op = ins.opname
            if op in ("LOAD_ATTR", "LOAD_METHOD") and chain is not None:
                name = ins.argval
                if chain[0] == "obj":
                    val = static_attr(chain[1], name)
                    if val is _MISSING:
                        # Instance attribute of an object we hold, or a lazy module attribute.
                        try:
                            val = getattr(chain[1], name) if isinstance(
                                chain[1], types.ModuleType) else _MISSING
                        except Exception:
                            val = _MISSING
                    # A method or classmethod read from a class runs with that class as
                    # its owner (`HDUList.fromfile` -> `cls._readfrom`).
                    owner = chain[1] if isinstance(chain[1], type) else None
                    chain = ("obj", val, owner) if val is not _MISSING else ("unknown",)
                    if val is _MISSING and self._effect_method(name):
                        node.effects.append(f"calls .{name}() on an unresolved object")
                elif chain[0] == "self":
                    owner = node.owner
                    val = static_attr(owner, name) if owner is not None else _MISSING
                    if val is _MISSING:
                        if self._effect_method(name):
                            node.effects.append(f"calls self.{name}(), not found on the class")
                        self.unresolved_method(node, name, glb)
                        chain = ("unknown",)
                    else:
                        fn = unwrap(val)
                        if isinstance(fn, types.FunctionType):
                            key = self._edge_for(fn, owner)
                            if key is not None:
                                node.edges.append(key)
                            chain = ("unknown",)  # its result is not tracked
                        else:
                            chain = ("obj", val)
                else:
                    if self._effect_method(name):
                        node.effects.append(f"calls .{name}() on an unresolved object")
                    self.unresolved_method(node, name, glb)
                # A PUSH_NULL before the chain's first load (`self._timer_cls(...)`, 3.11)
                # or a LOAD_METHOD: the chain's last value is what is called.
                chain_called = chain_called or op == "LOAD_METHOD"
                continue
            # Any other instruction ends a chain. In 3.11 bytecode the callee of a call is
            # marked: LOAD_GLOBAL "NULL + name", LOAD_METHOD, or a PUSH_NULL before the load;
            # a value loaded right before PRECALL is the last *argument* (isinstance(x, C)).
            if chain is not None:
                finish(chain, chain_called, i)
                chain = None
                chain_called = False
            after_null = i > 0 and instrs[i - 1].opname == "PUSH_NULL"
            if op in ("LOAD_GLOBAL", "LOAD_NAME"):
                name = ins.argval
                if name in glb:
                    chain = ("obj", glb[name])
                elif hasattr(builtins, name):
                    chain = ("obj", getattr(builtins, name))
                else:
                    chain = ("unknown",)
                chain_called = ins.argrepr.startswith("NULL + ")
            elif op in ("LOAD_FAST", "LOAD_DEREF", "LOAD_CLOSURE", "LOAD_CLASSDEREF"):
                name = ins.argval
                if name in locals_obj:
                    chain = ("obj", locals_obj[name])
                elif node.owner is not None and (name == first_arg or name in self_names) and \
                        name in self_names | {first_arg}:
                    chain = ("self",) if name in self_names or name == first_arg else ("unknown",)
                elif op != "LOAD_FAST" and name in cells:
                    chain = ("obj", cells[name])
                else:
                    chain = ("unknown",)
                chain_called = after_null
            elif op == "IMPORT_NAME":
                # Importing is an effect only for modules whose import acts (antigravity);
                # what the code then uses from the module is judged where it is used.
                modname = ins.argval
                level = instrs[i - 2].argval if i >= 2 and instrs[i - 2].opname == "LOAD_CONST" \
                    else 0
                if isinstance(level, int) and level > 0:  # from . import x / from ..a import b
                    base = glb.get("__package__") or glb.get("__name__", "")
                    base = ".".join(base.split(".")[:len(base.split(".")) - (level - 1)])
                    modname = f"{base}.{modname}" if modname else base
                if modname and self.kb.import_acts(modname):
                    node.effects.append(f"imports {modname}, whose import acts")
                pending_import = sys.modules.get(modname)
                # `import a.b` binds `a`; `import a.b as c` goes through IMPORT_FROM.
                nxt = instrs[i + 1] if i + 1 < len(instrs) else None
                if nxt is not None and nxt.opname in ("STORE_FAST", "STORE_NAME", "STORE_DEREF"):
                    locals_obj[nxt.argval] = sys.modules.get(modname.split(".")[0])
            elif op == "IMPORT_FROM":
                obj = static_attr(pending_import, ins.argval) if pending_import is not None \
                    else _MISSING
                if obj is _MISSING and pending_import is not None:
                    obj = sys.modules.get(f"{pending_import.__name__}.{ins.argval}", _MISSING)
                nxt = instrs[i + 1] if i + 1 < len(instrs) else None
                if obj is not _MISSING:
                    self._reach(node, obj, False)
                    if nxt is not None and nxt.opname in ("STORE_FAST", "STORE_NAME",
                                                          "STORE_DEREF"):
                        locals_obj[nxt.argval] = obj
                elif pending_import is not None:
                    eff = self.judge_name(f"{pending_import.__name__}.{ins.argval}")
                    if eff:
                        node.effects.append(eff)
            elif op == "CALL" and i >= 2:
                pass
        if chain is not None:
            finish(chain, chain_called, len(instrs))
        self._scan_super(node, instrs, glb)
        # getattr(obj, <not a constant>) — counted as a hint
        for i, ins in enumerate(instrs):
            if ins.opname == "LOAD_GLOBAL" and ins.argval == "getattr":
                # the name argument is the instruction two after (obj, name)
                j = i + 2
                if j < len(instrs) and instrs[j].opname != "LOAD_CONST":
                    node.dynamic += 1

    def _scan_super(self, node, instrs, glb):
        """`super().name` / `super(C, self).name`: the chain above stops at the call of
        `super`, so the method it resolves to in the owner's MRO (after the class that defines
        this function) is followed here. A subclass whose __init__ or __setstate__ only
        delegates to its base must inherit the base's effects."""
        if "super" in glb:
            return  # shadowed: not the builtin
        for i, ins in enumerate(instrs):
            if ins.opname not in ("LOAD_GLOBAL", "LOAD_NAME") or ins.argval != "super":
                continue
            name = None
            for j in range(i + 1, min(i + 16, len(instrs) - 1)):
                if instrs[j].opname == "CALL" and \
                        instrs[j + 1].opname in ("LOAD_ATTR", "LOAD_METHOD"):
                    name = instrs[j + 1].argval
                    break
            if name is None:
                continue
            for fn in self._super_targets(node, name):
                self._reach(node, fn, True, node.owner)

    def _super_targets(self, node, name):
        """What `super().name` may run in `node`: the first definition after the class that
        defines node.func in the owner's MRO; every definition in the MRO when that class is
        not found (fail closed); nothing known without an owner (judged by the name)."""
        owner = node.owner
        if not isinstance(owner, type):
            if self._effect_method(name):
                node.effects.append(f"calls super().{name}() of an unknown class")
            return []
        mro = list(owner.__mro__)
        start = None
        for k, base in enumerate(mro):
            v = base.__dict__.get(node.func.__name__, _MISSING)
            if v is not _MISSING and unwrap(v) is node.func:
                start = k + 1
                break
        out = []
        for base in mro[start if start is not None else 1:]:
            if base is object:
                continue
            v = base.__dict__.get(name, _MISSING)
            if v is _MISSING:
                continue
            out.append(v)
            if start is not None:
                break
        return out

    def _edge_for(self, fn, owner):
        name = qualified_name(fn)
        if name is None:
            return None
        if (top_module(name) in STDLIB and not self.follow_stdlib) or not self.scope(name):
            return None
        return self.node_for(fn, owner)

    def _reach_container(self, node, obj, depth):
        items = list(obj.items()) if isinstance(obj, dict) else [(None, v) for v in obj]
        for k, v in items[:256]:
            for x in (k, v):
                if type(x) in (tuple, list, dict, set, frozenset):
                    if depth > 1:
                        self._reach_container(node, x, depth - 1)
                elif callable(x) and not isinstance(x, (str, bytes)):
                    # Functions in a table are called; classes are as often type checks (a
                    # dangerous class is an effect either way: _reach judges names first).
                    self._reach(node, x, not isinstance(x, type))

    def unresolved_method(self, node, name, glb):
        """Hook: `x.name` on an object the analysis could not resolve (the sweep links it to
        the methods of that name its module defines)."""

    def _effect_method(self, name):
        return self.method_heuristics and effect_method(name)

    def judge_call(self, name, site):
        """Effect text for reaching `name`; site: (instructions, index of the first argument
        instruction) when it is called, None when referenced as a value. Subclasses look at
        the arguments (the dangerous sweep ignores calls with constant arguments)."""
        return self.judge_name(name)

    def _reach(self, node, obj, called, owner_hint=None, site=None):
        """A chain resolved to obj (called or used as a value); owner_hint: the class it was
        read from, for methods; site: where its arguments start (judge_call)."""
        if obj is None or obj is _MISSING:
            return
        if type(obj) in (tuple, list, dict, set, frozenset):
            # A dispatch table (`{"gz": gzip.open, "": open}[ext](path)`): whatever callable
            # it holds may be what runs.
            self._reach_container(node, obj, 2)
            return
        if isinstance(obj, (int, float, str, bytes, bool, tuple, list, dict, set, frozenset)):
            return
        if isinstance(obj, types.ModuleType):
            name = obj.__name__
            if called:
                return
            r = self.kb.dangerous(name)
            if r is not None and not self._harmless(name) and top_module(name) != name:
                pass  # a dangerous submodule held as a value is judged by what is used from it
            return
        raw = obj
        obj = unwrap(obj)
        name = qualified_name(obj)
        if name is None:
            # An instance (module-level singleton): calling it runs type(obj).__call__.
            if called and not isinstance(obj, type):
                call = static_attr(type(obj), "__call__")
                if isinstance(unwrap(call), types.FunctionType):
                    k = self._edge_for(unwrap(call), type(obj))
                    if k is not None:
                        node.edges.append(k)
            return
        eff = self.judge_call(name, site)
        if eff is not None:
            node.effects.append(eff)
            return
        if self._harmless(self.kb.canonical(name)):
            return  # reviewed by hand: not followed
        if top_module(name) in STDLIB and not self.follow_stdlib:
            return
        if not self.scope(name):
            return
        if isinstance(obj, type):
            if not called:
                node.refs.append((name, obj))
                return
            for meth in ("__init__", "__new__", "__post_init__"):
                m = static_attr(obj, meth)
                fn = unwrap(m)
                if isinstance(fn, types.FunctionType):
                    k = self._edge_for(fn, obj)
                    if k is not None:
                        node.edges.append(k)
            meta_call = static_attr(type(obj), "__call__")
            if isinstance(unwrap(meta_call), types.FunctionType):
                k = self._edge_for(unwrap(meta_call), type(obj))
                if k is not None:
                    node.edges.append(k)
            return
        if isinstance(obj, types.FunctionType):
            if not called:
                node.refs.append((name, raw))
            owner = owner_hint
            self_ = raw.__self__ if isinstance(raw, types.MethodType) else None
            if isinstance(self_, type):
                owner = self_
            k = self._edge_for(obj, owner)
            if k is not None:
                node.edges.append(k)
            return
        # C / Cython callables: judged by name (above); nothing to follow.
        if not called and callable(obj):
            node.refs.append((name, raw))
