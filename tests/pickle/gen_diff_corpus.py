#!/usr/bin/python3
"""Differential corpus for the pickle engine (tests/pickle/diff_test.cc).

For benign objects pickled with protocols 0-5 (plus torch.save'd files) this writes the pickle
bytes and, per pickle in the stream, what CPython says about it:
  - ops: the (opcode name, offset) stream of pickletools.genops;
  - globals: every (module, name) a recording Unpickler.find_class is asked for, and the name
    after _compat_pickle's Python-2 mapping (what the engine reports as Import::resolved).
The recording unpickler resolves nothing: find_class returns inert stub classes. Only benign
objects made here are ever loaded.

Also writes joblib fixtures (inline numpy arrays) to tests/fixtures/pickle/joblib/.

Run: /usr/bin/python3 tests/pickle/gen_diff_corpus.py
"""
import _compat_pickle
import collections
import datetime
import decimal
import io
import json
import os
import pickle
import pickletools
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "pickle", "diff")
JOBLIB_OUT = os.path.join(HERE, "..", "fixtures", "pickle", "joblib")


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self):
        self.a, self.b = 1, "two"


class WithState:
    def __init__(self):
        self.v = [1, 2]

    def __getstate__(self):
        return {"v": self.v, "extra": True}

    def __setstate__(self, s):
        self.__dict__.update(s)


class Stub:
    """Inert stand-in for every class find_class is asked for. Methods take any arguments so
    they also work unbound (a stub *type* may be BUILT or appended to)."""

    def __new__(cls, *a, **k):
        return object.__new__(cls)

    def __init__(*a, **k):
        pass

    def __call__(*a, **k):
        return type("Made", (Stub,), {})  # a type, so NEWOBJ may use it as a class

    def __setstate__(*a):
        pass

    def append(*a):
        pass

    def extend(*a):
        pass

    def add(*a):
        pass

    def __setitem__(*a):
        pass


class Recorder(pickle.Unpickler):
    def __init__(self, f, proto):
        super().__init__(f)
        self.proto = proto  # the C Unpickler does not expose the PROTO it read
        self.seen = []

    def find_class(self, module, name):
        self.seen.append([module, name, resolved_name(self.proto, module, name)])
        return type(name.replace(".", "_"), (Stub,), {})

    def persistent_load(self, pid):
        return type("Persistent", (Stub,), {})  # legacy torch loads module classes this way


def resolved_name(proto, module, name):
    if proto < 3:
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
    return module + "." + name


def objects():
    shared = [1, 2, 3]
    rec = [0]
    rec.append(rec)
    return {
        "scalars": [None, True, False, 0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31,
                    2**63, -2**100, 3.5, -0.0, float("inf")],
        "strings": ["", "a", "é😀", "x" * 300, b"", b"\x00\xff" * 200, bytearray(b"ab")],
        "containers": [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), [], {}, {"k": [1, {2: 3}]},
                       set(), {1, 2}, frozenset([3]), frozenset()],
        "shared": [shared, shared, (shared,)],
        "recursive": rec,
        "ordered": collections.OrderedDict([("a", 1), ("b", 2)]),
        "instances": [Point(1, 2), Slotted(), WithState(), datetime.date(2020, 1, 2),
                      decimal.Decimal("1.5"), complex(1, 2)],
        "big": list(range(1010)),
        "dict_big": {str(i): i for i in range(1005)},
    }


def genops_stream(data, begin):
    f = io.BytesIO(data)
    f.seek(begin)
    ops = []
    end = begin
    for op, arg, pos in pickletools.genops(f):
        ops.append([op.name, pos])
        end = f.tell()
    return ops, end


def stream_protocol(data, begin):
    f = io.BytesIO(data)
    f.seek(begin)
    for op, arg, _ in pickletools.genops(f):
        return arg if op.name == "PROTO" else 0
    return 0


def record(data, begins):
    f = io.BytesIO(data)
    out = []
    for b in begins:
        f.seek(b)
        r = Recorder(f, stream_protocol(data, b))
        r.load()
        out.append(r.seen)
    return out


def write_case(name, data, pickle_begins=None, note=""):
    begins = pickle_begins or [0]
    pickles = []
    recorded = record(data, begins)
    for b, seen in zip(begins, recorded):
        ops, end = genops_stream(data, b)
        pickles.append({"begin": b, "end": end, "ops": ops, "globals": seen})
    with open(os.path.join(OUT, name + ".pkl"), "wb") as fh:
        fh.write(data)
    with open(os.path.join(OUT, name + ".json"), "w") as fh:
        json.dump({"file": name + ".pkl", "note": note, "pickles": pickles}, fh, separators=(",", ":"))


def legacy_pickle_begins(data, count):
    begins, pos = [], 0
    for _ in range(count):
        begins.append(pos)
        _, pos = genops_stream(data, pos)
    return begins


def torch_cases():
    try:
        import torch
    except ImportError:
        return
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU())
    for label, obj in [("state_dict", model.state_dict()), ("module", model),
                       ("tensor", torch.arange(6, dtype=torch.float32).reshape(2, 3))]:
        buf = io.BytesIO()
        torch.save(obj, buf, _use_new_zipfile_serialization=False)
        data = buf.getvalue()
        # magic, protocol, sys_info, object, storage keys
        write_case("torch-legacy-" + label, data, legacy_pickle_begins(data, 5),
                   "torch.save legacy format: five pickles then raw storages")
        buf = io.BytesIO()
        torch.save(obj, buf)
        with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
            pkl = [n for n in z.namelist() if n.endswith("data.pkl")][0]
            write_case("torch-zip-" + label, z.read(pkl), None, "data.pkl of a torch.save zip")


def joblib_cases():
    try:
        import joblib
        import numpy as np
    except ImportError:
        return
    os.makedirs(JOBLIB_OUT, exist_ok=True)
    cases = {
        "joblib-float-array": {"w": np.arange(10, dtype=np.float64), "b": np.ones((2, 3), np.int32)},
        "joblib-object-array": {"o": np.array([1, "two", None], dtype=object), "after": [7]},
        "joblib-mixed": [np.zeros(3, dtype=np.uint8), np.array(["ab", "c"]), {"k": 1}],
    }
    for name, obj in cases.items():
        joblib.dump(obj, os.path.join(JOBLIB_OUT, name + ".joblib"))


def main():
    os.makedirs(OUT, exist_ok=True)
    for label, obj in objects().items():
        for proto in range(0, 6):
            if label == "instances" and proto < 2:
                obj = [o for o in obj if not isinstance(o, Slotted)]  # needs protocol 2
            write_case("%s-p%d" % (label, proto), pickle.dumps(obj, protocol=proto))
    two = pickle.dumps([1, "a"], protocol=2) + pickle.dumps({"b": 2}, protocol=4)
    write_case("two-pickles", two, [0, len(pickle.dumps([1, "a"], protocol=2))],
               "two pickles back to back")
    torch_cases()
    joblib_cases()


if __name__ == "__main__":
    main()
