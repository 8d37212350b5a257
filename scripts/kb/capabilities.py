"""What native (C) code can do to the world: the base of the dangerous sweep (sweep.py).

Python code is read from its bytecode; native code has none. Every capability a Python
callable has therefore ends in a native function: a process is spawned by
`_posixsubprocess.fork_exec` or `posix.system`, a file is deleted by `posix.unlink`, code runs
through `builtins.exec`. This table classifies every native module of CPython, reviewed by
hand, so that the sweep finds every Python callable that reaches one of them — whatever it is
called, in the standard library or in a third-party library.

`NATIVE_PURE` lists the native modules without any capability (computation, parsing,
hashing, codecs). `NATIVE_CAPABILITIES` lists, for each other native module, its functions
and classes that act, with the category of rules/*.toml; the module's other functions are
pure (read process state, compute). sweep.py refuses to run when a native module of the
running Python is in neither (a new CPython module must be reviewed first).

Third-party native code (Cython, pybind11, torch._C) is judged by name and documentation
(`third_party_native`), and by the knowledge base's own exact dangerous names.
"""

import re

NATIVE_PURE = frozenset("""
_abc _ast _bisect _blake2 _codecs _collections _csv _datetime _elementtree _functools _heapq
_locale _md5 _opcode _operator _random _sha1 _sha256 _sha3 _sha512 _sre _stat _statistics
_string _struct _symtable _tokenize _tracemalloc _warnings _weakref array binascii cmath errno
gc grp itertools math pwd pyexpat select spwd time unicodedata xxsubtype zlib _asyncio _bz2
_codecs_cn _codecs_hk _codecs_iso2022 _codecs_jp _codecs_kr _codecs_tw _contextvars _crypt
_decimal _hashlib _json _lsprof _lzma _multibytecodec _queue _typing _uuid _zoneinfo audioop
nis xxlimited xxlimited_35 resource _thread _ssl _multiprocessing
""".split())

# module -> {name: (category, what it does)}
_C = {}


def _cap(module, category, what, names):
    for n in names.split():
        _C.setdefault(module, {})[n] = (category, what)


_cap("builtins", "code-execution", "runs Python code from a string or code object",
     "exec eval")
_cap("builtins", "import-machinery", "imports a module by name", "__import__")
_cap("builtins", "debugger", "enters the debugger", "breakpoint")
_cap("builtins", "file-system", "opens a file for writing", "open")
_cap("_io", "file-system", "opens a file for writing", "open FileIO")
# `open` as Python code calls it: builtins.open is _io.open, whose __module__ says "io".
_cap("io", "file-system", "opens a file for writing", "open")
_cap("_imp", "native-code", "loads a native extension module", "create_dynamic exec_dynamic")
_cap("_imp", "import-machinery", "imports a built-in or frozen module",
     "create_builtin exec_builtin init_frozen get_frozen_object")
_cap("posix", "process", "runs a command or replaces/forks the process",
     "system execv execve fork forkpty posix_spawn posix_spawnp kill killpg")
_cap("posix", "process", "changes the process environment or identity",
     "putenv unsetenv setuid setgid seteuid setegid setreuid setregid setresuid setresgid "
     "setgroups chroot")
_cap("posix", "file-system", "writes, deletes, moves or changes files",
     "remove unlink rmdir rename replace truncate ftruncate write pwrite writev pwritev chmod "
     "fchmod lchmod chown fchown lchown link symlink mkdir mkfifo mknod utime open "
     "removexattr setxattr sendfile memfd_create copy_file_range posix_fallocate")
_cap("posix", "file-system", "opens a terminal", "openpty")
_cap("_posixsubprocess", "process", "spawns a process", "fork_exec")
_cap("_socket", "network", "opens a network socket or resolves a host name",
     "socket socketpair fromfd getaddrinfo gethostbyname gethostbyname_ex gethostbyaddr "
     "getnameinfo")
_cap("fcntl", "file-system", "controls a file or terminal (ioctl, locks)",
     "ioctl fcntl flock lockf")
_cap("termios", "file-system", "changes or writes to a terminal",
     "tcsetattr tcsendbreak tcdrain tcflush tcflow tcsetwinsize")
_cap("readline", "file-system", "reads or writes the readline history or init file",
     "write_history_file append_history_file read_history_file read_init_file")
_cap("readline", "interpreter-hooks", "binds keys or installs interpreter hooks",
     "parse_and_bind set_startup_hook set_pre_input_hook set_completer "
     "set_completion_display_matches_hook insert_text")
_cap("_ctypes", "native-code", "loads a native library or calls native code by address",
     "dlopen LoadLibrary call_function call_cdeclfunction PyObj_FromPtr CFuncPtr dlsym "
     "FreeLibrary dlclose")
_cap("mmap", "file-system", "maps a file into memory (writable)", "mmap")
_cap("_posixshmem", "file-system", "creates or removes shared memory", "shm_open shm_unlink")
_cap("_sqlite3", "file-system", "opens (creates) a database file", "connect")
_cap("_dbm", "file-system", "opens (creates) a database file", "open")
_cap("_gdbm", "file-system", "opens (creates) a database file", "open")
_cap("_curses", "file-system", "takes over or writes to the terminal",
     "initscr newterm setupterm putp filter")
_cap("_curses_panel", "file-system", "writes to the terminal", "update_panels")
_cap("_tkinter", "code-execution", "creates a Tcl interpreter (runs Tcl code)", "create")
_cap("syslog", "file-system", "writes to the system log", "syslog openlog")
_cap("_signal", "process", "sends signals or installs handlers",
     "pthread_kill raise_signal alarm setitimer signal set_wakeup_fd pidfd_send_signal")
_cap("sys", "interpreter-hooks", "installs interpreter hooks",
     "settrace setprofile addaudithook set_asyncgen_hooks activate_stack_trampoline")
_cap("_xxsubinterpreters", "code-execution", "runs code in a subinterpreter",
     "run_string create")
_cap("faulthandler", "process", "crashes the process or writes tracebacks to a file",
     "enable dump_traceback dump_traceback_later register _sigsegv _sigabrt _sigfpe "
     "_fatal_error _read_null _stack_overflow _fatal_error_c_thread")
_cap("marshal", "code-object", "builds code objects from bytes", "loads load")
_cap("_pickle", "deserialization", "unpickles (runs the pickle's calls)",
     "loads load Unpickler")
_cap("atexit", "deferred-execution", "runs a callable at exit", "register")
_cap("ossaudiodev", "file-system", "opens an audio device", "open openmixer")
for _m in ("_testcapi", "_testinternalcapi", "_ctypes_test", "_testbuffer", "_testclinic",
           "_testimportmultiple", "_testmultiphase", "_xxtestfuzz"):
    _C.setdefault(_m, {})  # test modules: the sweep never names them (see sweep.py)

NATIVE_CAPABILITIES = _C
TEST_MODULES = frozenset(m for m, v in _C.items() if not v)

# Callables whose effect depends on the mode they are given: a read-only open is not an effect.
OPENERS = frozenset(("builtins.open", "_io.open", "_io.FileIO", "io.open", "posix.open"))


def native(name):
    """(category, what) when `name` (module.attr as Python reports it) is a native capability."""
    mod, _, attr = name.rpartition(".")
    caps = NATIVE_CAPABILITIES.get(mod)
    if caps is None:
        return None
    return caps.get(attr)


def unclassified(native_modules):
    """Native modules the table does not review yet."""
    return sorted(m for m in native_modules if m not in NATIVE_PURE and
                  m not in NATIVE_CAPABILITIES)


_VERB = re.compile(r"^_*(create|write|save|delete|remove|unlink|truncate|system|spawn|exec|"
                   r"dlopen|load_library|popen)(_|$)", re.I)
_FILE_DOC = re.compile(r"(?i)\b(file|files|filename|path|directory|process|command|shell)\b")


def third_party_native(attr, doc):
    """(category, what) for a native function of a third-party library whose name says it
    creates, writes or deletes, or runs, and whose documentation says it does so to a file or
    process (h5py's `h5f.create(name, ACC_TRUNC)` truncates a file)."""
    if not _VERB.search(attr) or not _FILE_DOC.search(doc or ""):
        return None
    if re.search(r"(?i)system|spawn|exec|popen", attr):
        return ("process", "runs a command")
    if re.search(r"(?i)dlopen|load_library", attr):
        return ("native-code", "loads a native library")
    return ("file-system", "creates, writes or deletes a file")


# What each native capability does, in plain language, for the rules the sweep writes
# (`phrase`, `role`, `arg`, `keyword`, `effect`; docs/rules.md, "Actions"). The role says which
# argument of the native function is the command, path, address or code: a swept callable
# that *is* the capability (an alias) shows it; one that reaches it through other code shows
# the parameter of its own whose name says it (sweep.py, `role_position`).
# name -> (phrase, role, position, effect)
_A = {}


def _act(module, phrase, role, position, effect, names):
    for n in names.split():
        _A[f"{module}.{n}"] = (phrase, role, position, effect)


_act("builtins", "executes Python code", "code", 0, "execute", "exec eval")
_act("builtins", "imports a module by name", "module", 0, "execute", "__import__")
_act("builtins", "enters the debugger", "none", None, "other", "breakpoint")
_act("builtins", "opens a file for writing", "path", 0, "write", "open")
_act("_io", "opens a file for writing", "path", 0, "write", "open FileIO")
_act("io", "opens a file for writing", "path", 0, "write", "open")
_act("_imp", "loads a native extension module", "none", None, "execute",
     "create_dynamic exec_dynamic")
_act("_imp", "imports a built-in or frozen module", "none", None, "execute",
     "create_builtin exec_builtin init_frozen get_frozen_object")
_act("posix", "runs a shell command", "command", 0, "execute", "system")
_act("posix", "replaces the interpreter with a program", "program", 0, "execute",
     "execv execve posix_spawn posix_spawnp")
_act("posix", "forks the process", "none", None, "execute", "fork forkpty")
_act("posix", "sends a signal to a process", "none", None, "execute", "kill killpg")
_act("posix", "changes the process environment or identity", "text", 0, "other",
     "putenv unsetenv setuid setgid seteuid setegid setreuid setregid setresuid setresgid "
     "setgroups chroot")
_act("posix", "deletes a file", "path", 0, "write", "remove unlink rmdir")
_act("posix", "moves a file over another", "path", 1, "write", "rename replace")
_act("posix", "truncates a file", "path", 0, "write", "truncate ftruncate posix_fallocate")
_act("posix", "writes to a file", "none", None, "write",
     "write pwrite writev pwritev sendfile copy_file_range")
_act("posix", "changes file permissions or ownership", "path", 0, "write",
     "chmod fchmod lchmod chown fchown lchown utime removexattr setxattr")
_act("posix", "creates a link", "path", 1, "write", "link symlink")
_act("posix", "creates a directory or special file", "path", 0, "write", "mkdir mkfifo mknod")
_act("posix", "opens a file for writing", "path", 0, "write", "open")
_act("posix", "creates an anonymous file in memory", "none", None, "write", "memfd_create")
_act("posix", "opens a pseudo-terminal", "none", None, "write", "openpty")
_act("_posixsubprocess", "starts a process", "program", 0, "execute", "fork_exec")
_act("_socket", "opens a network socket", "address", 0, "network",
     "socket socketpair fromfd")
_act("_socket", "looks up a host name (a DNS query)", "text", 0, "network",
     "getaddrinfo gethostbyname gethostbyname_ex gethostbyaddr getnameinfo")
_act("fcntl", "sends a control request to a file, terminal or device (ioctl)", "none", None,
     "write", "ioctl fcntl flock lockf")
_act("termios", "changes or writes to a terminal", "none", None, "write",
     "tcsetattr tcsendbreak tcdrain tcflush tcflow tcsetwinsize")
_act("readline", "writes the readline history file", "path", 0, "write",
     "write_history_file append_history_file")
_act("readline", "reads a readline history or init file", "path", 0, "read",
     "read_history_file read_init_file")
_act("readline", "binds keys or installs interpreter hooks", "none", None, "other",
     "parse_and_bind set_startup_hook set_pre_input_hook set_completer "
     "set_completion_display_matches_hook insert_text")
_act("_ctypes", "loads a native library or calls native code by address", "path", 0,
     "execute", "dlopen LoadLibrary call_function call_cdeclfunction PyObj_FromPtr CFuncPtr dlsym "
     "FreeLibrary dlclose")
_act("mmap", "maps a file into memory (writable)", "none", None, "write", "mmap")
_act("_posixshmem", "creates or removes shared memory", "path", 0, "write", "shm_open shm_unlink")
_act("_sqlite3", "opens (creates) a database file", "path", 0, "write", "connect")
_act("_dbm", "opens (creates) a database file", "path", 0, "write", "open")
_act("_gdbm", "opens (creates) a database file", "path", 0, "write", "open")
_act("_curses", "takes over or writes to the terminal", "none", None, "write",
     "initscr newterm setupterm putp filter")
_act("_curses_panel", "writes to the terminal", "none", None, "write", "update_panels")
_act("_tkinter", "runs Tcl code", "none", None, "execute", "create")
_act("syslog", "writes to the system log", "text", 0, "write", "syslog openlog")
_act("_signal", "sends a signal or installs a signal handler", "none", None, "other",
     "pthread_kill raise_signal alarm setitimer signal set_wakeup_fd pidfd_send_signal")
_act("sys", "installs interpreter hooks", "none", None, "other",
     "settrace setprofile addaudithook set_asyncgen_hooks activate_stack_trampoline")
_act("_xxsubinterpreters", "runs code in a subinterpreter", "code", 0, "execute",
     "run_string create")
_act("faulthandler", "crashes the process or writes tracebacks to a file", "none", None,
     "other", "enable dump_traceback dump_traceback_later register _sigsegv _sigabrt _sigfpe "
     "_fatal_error _read_null _stack_overflow _fatal_error_c_thread")
_act("marshal", "builds code objects from bytes", "none", None, "execute", "loads load")
_act("_pickle", "loads another pickle (its calls run too)", "path", 0, "execute",
     "loads load Unpickler")
_act("atexit", "registers a callable to run at exit", "none", None, "other", "register")
_act("ossaudiodev", "opens an audio device", "none", None, "write", "open openmixer")

ACTIONS = _A
for _m, _caps in NATIVE_CAPABILITIES.items():
    for _n in _caps:
        assert f"{_m}.{_n}" in ACTIONS, f"capabilities.py: no action for {_m}.{_n}"


def action(name):
    """(phrase, role, position, effect) of a native capability, else None."""
    return ACTIONS.get(name)


def third_party_action(cap):
    """The action of a third_party_native() capability."""
    category, what = cap
    if category == "process":
        return ("runs a command", "command", 0, "execute")
    if category == "native-code":
        return ("loads a native library", "path", 0, "execute")
    return ("creates, writes or truncates a file", "path", 0, "write")
