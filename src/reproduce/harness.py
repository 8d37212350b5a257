"""modelvet reproduce harness: runs inside the sandbox (embedded in the modelvet binary).

Three roles, one process each (see docs/reproduce.md):
  launch  PID 1 of the sandbox. Binds the canaries' sockets (it alone holds
          CAP_NET_BIND_SERVICE), starts the canary and the loader with every capability dropped
          (setpriv), applies the resource limits to the loader, reaps orphans, and returns once
          every process except the canary has exited.
  canary  Answers every DNS query with the loopback address and accepts connections on the
          listener ports, recording what arrives. Never runs model content.
  load    Imports the loader library, then loads the model exactly as a user would. A Python
          audit hook reports imports and lookups the tracer cannot name.

Everything reported goes to the report descriptor as JSON lines. The model's own code runs in
the `load` process and can forge or suppress these lines; modelvet treats them as the harness's
word and trusts the system-call trace (taken from outside the sandbox) over them.
The `load` role marks the start and the end of the load with an open() of a path under
MARKER_DIR that cannot exist, so the trace shows where the load begins and returns.
"""

import json
import os
import signal
import sys
import time

MARKER_DIR = "/.modelvet-marker"
MAX_EVENTS = 2000  # lines the load process reports; the rest is counted in one line
MAX_RECEIVED = 512  # bytes kept from one connection to a listener canary


class Reporter:
    def __init__(self, fd):
        self.fd = fd
        self.sent = 0
        self.dropped = 0

    def emit(self, event, **fields):
        if self.sent >= MAX_EVENTS:
            self.dropped += 1
            return
        self.sent += 1
        fields["ev"] = event
        fields["t"] = time.time()
        fields["pid"] = os.getpid()
        try:
            os.write(self.fd, (json.dumps(fields, default=repr) + "\n").encode())
        except OSError:
            pass


def marker(name):
    try:
        os.close(os.open(MARKER_DIR + "/" + name, os.O_RDONLY))
    except OSError:
        pass


def drop_privileges_argv(cfg):
    """Runs what follows with no capability left and none obtainable (uid 0 of the sandbox's
    user namespace keeps nothing across exec)."""
    return [cfg["setpriv"], "--bounding-set", "-all", "--inh-caps", "-all", "--ambient-caps",
            "-all", "--securebits",
            "+noroot,+noroot_locked,+no_setuid_fixup,+no_setuid_fixup_locked,+keep_caps_locked",
            "--"]


def exec_or_exit(argv):
    """In a forked child: become argv, or die (never fall back into the launcher's code)."""
    try:
        os.execv(argv[0], argv)
    finally:
        os._exit(127)


# ---------------------------------------------------------------- launch

def launch(cfg):
    # PID 1 of the namespace: the kernel already drops signals without a handler that other
    # sandbox processes send it; Python's own SIGINT handler would let them through.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    rep = Reporter(cfg["report_fd"])
    for name in os.listdir("/proc/self/fd"):  # nothing but the report pipe crosses over
        if int(name) > 2 and int(name) != cfg["report_fd"]:
            try:
                os.close(int(name))
            except OSError:
                pass
    socks = []
    bound = {"dns": False, "ports": []}
    if cfg.get("canary", True):
        import socket
        for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            try:
                s = socket.socket(family, socket.SOCK_DGRAM)
                s.bind((host, 53))
                socks.append(("dns", s))
                bound["dns"] = True
            except OSError as e:
                rep.emit("canary-error", what="dns %s" % host, error=str(e))
        for port in cfg.get("listen_ports", []):
            try:
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", port))
                s.listen(16)
                socks.append(("tcp", s))
                bound["ports"].append(port)
            except OSError as e:
                rep.emit("canary-error", what="listen %d" % port, error=str(e))
    rep.emit("canary-ready", **bound)

    canary_pid = 0
    if socks:
        fds = []
        for kind, s in socks:
            os.set_inheritable(s.fileno(), True)
            fds.append("%s:%d" % (kind, s.fileno()))
        canary_pid = os.fork()
        if canary_pid == 0:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            argv = drop_privileges_argv(cfg) + [
                cfg["python"], "-I", "-B", cfg["harness"], "canary", json.dumps(cfg), ",".join(fds)]
            exec_or_exit(argv)
        for _, s in socks:
            s.close()

    loader_pid = os.fork()
    if loader_pid == 0:
        import resource
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        lim = cfg["limits"]
        resource.setrlimit(resource.RLIMIT_CPU, (lim["cpu_seconds"], lim["cpu_seconds"] + 1))
        resource.setrlimit(resource.RLIMIT_AS, (lim["memory_bytes"], lim["memory_bytes"]))
        resource.setrlimit(resource.RLIMIT_NPROC, (lim["processes"], lim["processes"]))
        resource.setrlimit(resource.RLIMIT_FSIZE, (lim["file_bytes"], lim["file_bytes"]))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        argv = drop_privileges_argv(cfg) + [
            cfg["python"], "-I", "-B", cfg["harness"], "load", json.dumps(cfg)]
        exec_or_exit(argv)

    # As PID 1 every orphan is ours: reap until only the canary is left.
    loader_status = None
    while True:
        try:
            while True:
                pid, status = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    break
                if pid == loader_pid:
                    loader_status = status
                    rep.emit("loader-exit", **describe_status(status))
        except ChildProcessError:
            pass
        if loader_status is not None and not others_alive({1, canary_pid}):
            break
        time.sleep(0.02)
    if canary_pid:
        try:
            os.kill(canary_pid, signal.SIGTERM)
            os.waitpid(canary_pid, 0)
        except OSError:
            pass
    rep.emit("done")
    if os.WIFEXITED(loader_status):
        return os.WEXITSTATUS(loader_status)
    return 128 + os.WTERMSIG(loader_status)


def describe_status(status):
    if os.WIFSIGNALED(status):
        return {"signal": signal.Signals(os.WTERMSIG(status)).name}
    return {"code": os.WEXITSTATUS(status)}


def others_alive(exclude):
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in exclude:
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in ("Z", "X"):
            return True
    return False


# ---------------------------------------------------------------- canary

def dns_answer(query):
    """Returns (name, qtype, reply) for a DNS query: every A question resolves to 127.0.0.1
    (where the listener canary is); anything else, AAAA included, gets an empty answer so that
    clients connect over IPv4."""
    if len(query) < 12:
        return None
    pos, labels = 12, []
    while pos < len(query):
        n = query[pos]
        pos += 1
        if n == 0:
            break
        if n & 0xC0 or pos + n > len(query):
            return None
        labels.append(query[pos:pos + n].decode("ascii", "backslashreplace"))
        pos += n
    if pos + 4 > len(query):
        return None
    qtype = int.from_bytes(query[pos:pos + 2], "big")
    question = query[12:pos + 4]
    answer = b""
    if qtype == 1:
        answer = b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04" + bytes([127, 0, 0, 1])
    header = query[:2] + b"\x81\x80\x00\x01" + (b"\x00\x01" if answer else b"\x00\x00") + b"\x00\x00\x00\x00"
    return ".".join(labels), qtype, header + question + answer


def canary(cfg, fds):
    import selectors
    import socket
    rep = Reporter(cfg["report_fd"])
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    sel = selectors.DefaultSelector()
    for item in fds.split(","):
        kind, fd = item.split(":")
        s = socket.socket(fileno=int(fd))
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, kind)
    conns = {}
    while not stop:
        try:
            ready = sel.select(0.05)
        except InterruptedError:
            continue
        for key, _ in ready:
            s, kind = key.fileobj, key.data
            try:
                if kind == "dns":
                    data, peer = s.recvfrom(4096)
                    parsed = dns_answer(data)
                    if parsed:
                        name, qtype, reply = parsed
                        rep.emit("dns", name=name, qtype=qtype)
                        s.sendto(reply, peer)
                elif kind == "tcp":
                    c, peer = s.accept()
                    c.setblocking(False)
                    port = s.getsockname()[1]
                    rep.emit("accept", port=port)
                    conns[c] = (port, bytearray())
                    sel.register(c, selectors.EVENT_READ, "conn")
                else:
                    port, buf = conns[s]
                    data = s.recv(MAX_RECEIVED)
                    if data and len(buf) < MAX_RECEIVED:
                        buf += data[:MAX_RECEIVED - len(buf)]
                    if not data or len(buf) >= MAX_RECEIVED:
                        flush_conn(rep, sel, conns, s)
            except OSError:
                if s in conns:
                    flush_conn(rep, sel, conns, s)
    for c in list(conns):
        flush_conn(rep, sel, conns, c)


def flush_conn(rep, sel, conns, c):
    port, buf = conns.pop(c)
    sel.unregister(c)
    c.close()
    if buf:
        rep.emit("received", port=port, data=bytes(buf).decode("latin-1"))


# ---------------------------------------------------------------- load

def benign_file(loader, directory):
    """A small benign file of the loader's own kind, written with the library itself, for the
    baseline run."""
    path = os.path.join(directory, "baseline")
    if loader == "torch":
        import torch
        torch.save({"weight": torch.zeros(2, 2), "step": 1}, path)
    elif loader == "joblib":
        import joblib
        import numpy
        joblib.dump({"weight": numpy.zeros((2, 2)), "step": 1}, path)
    elif loader == "numpy":
        import numpy
        numpy.save(path + ".npy", numpy.array([{"step": 1}], dtype=object), allow_pickle=True)
        path += ".npy"
    elif loader == "pickle":
        import pickle
        with open(path, "wb") as f:
            pickle.dump({"weight": [0.0, 1.0], "step": 1}, f)
    return path


def import_loader(loader):
    if loader == "torch":
        import torch
        return torch
    if loader == "joblib":
        import joblib
        return joblib
    if loader == "numpy":
        import numpy
        return numpy
    if loader == "pickle":
        import pickle
        return pickle
    if loader == "keras":
        import keras
        return keras
    raise ValueError("unknown loader %r" % loader)


def run_loader(loader, lib, path):
    if loader == "torch":
        import inspect
        kwargs = {"map_location": "cpu"}
        if "weights_only" in inspect.signature(lib.load).parameters:
            kwargs["weights_only"] = False  # what older torch did by default, and users opt into
        return lib.load(path, **kwargs)
    if loader == "joblib":
        return lib.load(path)
    if loader == "numpy":
        obj = lib.load(path, allow_pickle=True)
        if hasattr(obj, "files"):  # npz: members load lazily; read each as a user would
            members = [obj[k] for k in obj.files]
            obj.close()
            return members
        return obj
    if loader == "pickle":
        with open(path, "rb") as f:
            return lib.load(f)
    if loader == "keras":
        return lib.saving.load_model(path)
    raise ValueError(loader)


WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


TRUSTED_PREFIX = "/usr/"  # the host's installed software, bound read-only


class ImportWindows:
    """Marks, in the trace, the time an installed library module spends executing its own
    top-level code when the load imports it (sklearn pulled in by a pipeline, transformers by a
    model class). What happens inside such a window is the library's import, not the file's
    doing; the classifier leaves it out. Watched modules, and modules from anywhere but the
    read-only system tree (a payload's own code), get no window."""

    def __init__(self, phase, watch, depth):
        self.phase, self.watch, self.depth = phase, watch, depth

    def find_spec(self, name, path=None, target=None):
        if self.phase[0] == "setup" or name.split(".", 1)[0] in self.watch:
            return None
        spec = None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        origin = getattr(spec, "origin", None) or ""
        loader = getattr(spec, "loader", None)
        if (spec is None or not origin.startswith(TRUSTED_PREFIX) or isinstance(loader, type)
                or not hasattr(loader, "exec_module")):
            return spec
        inner = loader.exec_module
        depth = self.depth

        def exec_module(module):
            outer = depth[0] == 0
            if outer:
                marker("import-begin")
            depth[0] += 1
            try:
                inner(module)
            finally:
                depth[0] -= 1
                if outer:
                    marker("import-end")

        loader.exec_module = exec_module  # this module's loader instance only
        return spec


def linger(cap):
    """A program goes on after loading a model: while threads or an alarm the file started
    are pending, wait (up to `cap` seconds) so that they act before the interpreter exits
    (atexit handlers and non-daemon threads run at exit anyway)."""
    import threading
    start = time.monotonic()
    pending_alarm = signal.alarm(0)
    if pending_alarm:
        signal.alarm(pending_alarm)
    while time.monotonic() - start < cap:
        threads = [t for t in threading.enumerate()
                   if t is not threading.main_thread() and t.is_alive()]
        alarm_due = pending_alarm and time.monotonic() - start < pending_alarm + 0.1
        if not threads and not alarm_due:
            return
        time.sleep(0.05)


def load(cfg):
    rep = Reporter(cfg["report_fd"])
    watch = set(cfg.get("watch_modules", []))
    phase = ["setup"]
    depth = [0]  # installed-library imports in progress (ImportWindows)

    def top(module):
        return str(module).split(".", 1)[0]

    def imported_by_watched_module():
        """Whether the import comes from a watched module's own code (webbrowser importing
        subprocess): the file asked for the outer module, which is reported already."""
        frame = sys._getframe(2)
        while frame is not None and frame.f_code.co_filename.startswith("<frozen importlib"):
            frame = frame.f_back
        return frame is not None and top(frame.f_globals.get("__name__", "")) in watch

    def in_watched_module_import():
        """Whether a watched module's own top-level code is running (ctypes opening the
        interpreter's symbols as it is imported): that is the module's import, whose import
        event is reported already, not a further act of the file."""
        frame = sys._getframe(2)
        while frame is not None:
            g = frame.f_globals
            name = g.get("__name__", "")
            spec = g.get("__spec__")
            if (frame.f_code.co_name == "<module>" and top(name) in watch
                    and sys.modules.get(name) is not None
                    and getattr(sys.modules[name], "__dict__", None) is g
                    and getattr(spec, "_initializing", False)
                    and str(getattr(spec, "origin", "")).startswith(TRUSTED_PREFIX)):
                return True
            frame = frame.f_back
        return False

    def hook(event, args):
        if phase[0] == "setup" or depth[0] > 0:
            return
        try:
            if event == "import" and top(args[0]) in watch and not imported_by_watched_module():
                rep.emit("import", module=str(args[0]), phase=phase[0])
            elif event == "pickle.find_class" and top(args[0]) in watch:
                rep.emit("import", module=str(args[0]), name=str(args[1]), phase=phase[0])
            elif event == "webbrowser.open":
                rep.emit("browser", url=str(args[0]), phase=phase[0])
            elif event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex"):
                rep.emit("dns", name=str(args[0]), phase=phase[0])
            elif event == "ctypes.dlopen" and not in_watched_module_import():
                rep.emit("import", module="ctypes", name="dlopen(%s)" % (args[0],), phase=phase[0])
        except Exception:
            pass

    sys.addaudithook(hook)
    sys.meta_path.insert(0, ImportWindows(phase, watch, depth))
    loader = cfg["loader"]
    try:
        lib = import_loader(loader)
    except ImportError as e:
        rep.emit("loader-missing", module=getattr(e, "name", None) or loader, error=str(e))
        return 4
    path = cfg["model"]
    if cfg.get("baseline"):
        path = benign_file(loader, "/tmp")
    import gc
    import tempfile
    import threading  # noqa: F401  (linger() uses it; imported before the load starts)
    tempfile.gettempdir()  # the stdlib probes the temp directory once per process
    marker("load-start")
    rep.emit("load-start")
    phase[0] = "load"
    status = 0
    try:
        obj = run_loader(loader, lib, path)
        del obj
        marker("load-returned")
        phase[0] = "after"
        rep.emit("load-returned", ok=True)
    except BaseException as e:  # SystemExit and KeyboardInterrupt included: the file raised them
        marker("load-returned")
        phase[0] = "after"
        missing = e.name if isinstance(e, ModuleNotFoundError) else None
        errno_value = e.errno if isinstance(e, OSError) else None
        rep.emit("load-returned", ok=False, type=type(e).__name__, message=str(e)[:1000],
                 missing_module=missing, errno=errno_value)
        status = 3
    gc.collect()
    linger(cfg.get("linger_seconds", 0))
    if rep.dropped:
        rep.sent = 0
        rep.emit("dropped", count=rep.dropped)
    return status


def main():
    role, cfg = sys.argv[1], json.loads(sys.argv[2])
    if role == "launch":
        sys.exit(launch(cfg))
    if role == "canary":
        canary(cfg, sys.argv[3])
        sys.exit(0)
    if role == "load":
        sys.exit(load(cfg))
    sys.exit(2)


if __name__ == "__main__":
    main()
