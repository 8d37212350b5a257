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
