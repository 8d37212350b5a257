#!/usr/bin/python3
"""Random differential corpus for the pickle engine (tests/pickle/random_diff_test.cc).

Generates small, stack-correct pickles from a random grammar over protocols 0-5 (scalars of
every encoding, MARK- and EMPTY_*-built containers, memo PUT/BINPUT/LONG_BINPUT/MEMOIZE and
GET/BINGET/LONG_BINGET, DUP, POP, POP_MARK, GLOBAL/STACK_GLOBAL/EXT1/2/4, REDUCE/NEWOBJ/
NEWOBJ_EX/INST/OBJ/BUILD, PERSID/BINPERSID, FRAME with exact lengths) and loads each with a
RECORDING subclass of the C pickle.Unpickler. find_class never imports anything: it returns a
fresh stub class that records every instantiation (its __new__ runs for REDUCE, NEWOBJ[_EX],
INST and OBJ alike) and returns an inert StubObj (no __setstate__, so BUILD is a plain
__dict__ update and is not a call). `copyreg.add_extension` is a stub that writes the fake
registration into copyreg._inverted_registry (restored after each load) so EXT codes resolve.
Only sequences that load without error are kept. Per pickle, tests/fixtures/pickle/random/
<n>.json holds the bytes (hex), pickletools.genops' (opcode, offset) list, the find_class
(module, name) list in order, the stub calls in order ([dotted name, nargs, nkwargs]; an object's __call__ and
__setitem__ as <maker>.__call__ / <maker>.__setitem__) and the
number of persistent_load calls.

Deterministic (fixed seed). Run: /usr/bin/python3 tests/pickle/gen_random_pickles.py
"""
import argparse
import copyreg
import io
import json
import os
import pickle
import pickletools
import random
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "pickle", "random")
COUNT = 300
SEED = 20261127

NAMES = [("stubmod", "Cls"), ("stubmod", "func"), ("stubmod", "Outer.Inner"),
         ("stubpkg.sub", "make"), ("stubpkg", "Thing")]


class StubObj:
    """What every stub call and persistent_load returns: an object with a __dict__ and no
    __setstate__; calling it or setting an item on it is recorded as <maker>.__call__ /
    <maker>.__setitem__ (maker: the stub class that made it)."""

    def __init__(self, calls, maker):
        self._calls, self._maker = calls, maker

    def __call__(self, *a, **k):
        self._calls.append([self._maker + ".__call__", len(a), len(k)])
        return StubObj(self._calls, "?")

    def __setitem__(self, key, value):
        self._calls.append([self._maker + ".__setitem__", 2, 0])


class Recorder(pickle.Unpickler):
    def __init__(self, f):
        super().__init__(f)
        self.globals = []
        self.calls = []
        self.persistent = 0

    def find_class(self, module, name):
        self.globals.append([module, name])
        calls = self.calls
        dotted = module + "." + name

        if (module, name) == ("copyreg", "add_extension"):
            def new(cls, *a, **k):
                calls.append([dotted, len(a), len(k)])
                copyreg._inverted_registry[a[2]] = (a[0], a[1])
                return StubObj(calls, dotted)
        else:
            def new(cls, *a, **k):
                calls.append([dotted, len(a), len(k)])
                return StubObj(calls, dotted)

        return type(name.replace(".", "_"), (), {"__new__": new})

    def persistent_load(self, pid):
        self.persistent += 1
        return StubObj(self.calls, "?")


def text_line(s):
    return s.encode("ascii") + b"\n"


class Gen:
    """Emits one opcode (with argument) per entry of self.ops; values are generated as
    expression trees, so the stack is correct by construction. Tags: 'h' hashable, 'u'
    unhashable, 'o' stub object (hashable, BUILD-able), 'g' stub class (hashable, callable)."""

    def __init__(self, rng, proto):
        self.r = rng
        self.p = proto
        self.ops = []
        self.memo = {}  # index -> tag
        self.exts = []  # registered extension codes
        self.budget = rng.randint(6, 40)

    def emit(self, b):
        self.ops.append(b)

    # ---- scalars -------------------------------------------------------------------------
    def ascii_str(self):
        return "".join(self.r.choice("abcxyz_09 ") for _ in range(self.r.randint(0, 6)))

    def scalar(self):
        r, p = self.r, self.p
        kinds = ["int", "none", "bool", "float", "str", "long"]
        if p >= 3:
            kinds.append("bytes")
        if p >= 5:
            kinds.append("bytearray")
        k = r.choice(kinds)
        if k == "none":
            self.emit(b"N")
        elif k == "bool":
            v = r.random() < 0.5
            self.emit((b"\x88" if v else b"\x89") if p >= 2 else (b"I01\n" if v else b"I00\n"))
        elif k == "int":
            v = r.choice([0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31 - 1,
                          r.randint(-10**6, 10**6)])
            if p == 0 or r.random() < 0.2:
                self.emit(b"I" + str(v).encode() + b"\n")
            elif 0 <= v < 256:
                self.emit(b"K" + bytes([v]))
            elif 0 <= v < 65536:
                self.emit(b"M" + struct.pack("<H", v))
            else:
                self.emit(b"J" + struct.pack("<i", v))
        elif k == "long":
            v = r.choice([2**63, -2**64 - 3, 10**30, 0, r.randint(-2**70, 2**70)])
            if p < 2 or r.random() < 0.3:
                self.emit(b"L" + str(v).encode() + (b"L\n" if r.random() < 0.5 else b"\n"))
            else:
                n = (v.bit_length() + 8) // 8 if v else 0
                enc = v.to_bytes(n, "little", signed=True)
                if r.random() < 0.7:
                    self.emit(b"\x8a" + bytes([n]) + enc)
                else:
                    self.emit(b"\x8b" + struct.pack("<i", n) + enc)
        elif k == "float":
            v = r.choice([0.0, -0.0, 1.5, -2.25, 1e300, r.random()])
            if p == 0 or r.random() < 0.3:
                self.emit(b"F" + repr(v).encode() + b"\n")
            else:
                self.emit(b"G" + struct.pack(">d", v))
        elif k == "str":
            self.string(self.ascii_str())
        elif k == "bytes":
            v = bytes(r.randrange(256) for _ in range(r.randint(0, 8)))
            c = r.randrange(3 if p >= 4 else 2)
            if c == 0:
                self.emit(b"C" + bytes([len(v)]) + v)
            elif c == 1:
                self.emit(b"B" + struct.pack("<I", len(v)) + v)
            else:
                self.emit(b"\x8e" + struct.pack("<Q", len(v)) + v)
        else:  # bytearray
            v = bytes(r.randrange(256) for _ in range(r.randint(0, 8)))
            self.emit(b"\x96" + struct.pack("<Q", len(v)) + v)
            return "u"
        return "h"

    def string(self, s):
        """Pushes str s (ASCII) with an encoding valid for the protocol."""
        r, p = self.r, self.p
        b = s.encode()
        choices = ["V", "S"]
        if p >= 1:
            choices += ["X", "T", "U"]
        if p >= 4:
            choices += ["\x8c", "\x8d"]
        c = r.choice(choices)
        if c == "V":
            self.emit(b"V" + b + b"\n")
        elif c == "S":
            self.emit(b"S" + repr(s).encode() + b"\n")
        elif c == "X":
            self.emit(b"X" + struct.pack("<I", len(b)) + b)
        elif c == "T":
            self.emit(b"T" + struct.pack("<i", len(b)) + b)
        elif c == "U":
            self.emit(b"U" + bytes([len(b)]) + b)
        elif c == "\x8c":
            self.emit(b"\x8c" + bytes([len(b)]) + b)
        else:
            self.emit(b"\x8d" + struct.pack("<Q", len(b)) + b)

    # ---- memo ----------------------------------------------------------------------------
    def maybe_memoize(self, tag):
        r, p = self.r, self.p
        if r.random() > 0.3:
            return
        kinds = ["p"] + (["q", "r"] if p >= 1 else []) + (["m"] if p >= 4 else [])
        k = r.choice(kinds)
        if k == "m":
            idx = len(self.memo)
            self.emit(b"\x94")
        else:
            idx = r.choice([len(self.memo), r.randrange(300)] if k != "q" else
                           [len(self.memo) % 256, r.randrange(256)])
            if k == "p":
                self.emit(b"p" + str(idx).encode() + b"\n")
            elif k == "q":
                self.emit(b"q" + bytes([idx]))
            else:
                self.emit(b"r" + struct.pack("<I", idx))
        self.memo[idx] = tag

    def memo_get(self, want_hashable=False, tag=None):
        keys = [k for k, t in self.memo.items()
                if (not want_hashable or t != "u") and (tag is None or t == tag)]
        if not keys:
            return None
        idx = self.r.choice(keys)
        kinds = ["g"] + (["j"] if self.p >= 1 else []) + (["h"] if self.p >= 1 and idx < 256 else [])
        k = self.r.choice(kinds)
        if k == "g":
            self.emit(b"g" + str(idx).encode() + b"\n")
        elif k == "h":
            self.emit(b"h" + bytes([idx]))
        else:
            self.emit(b"j" + struct.pack("<I", idx))
        return self.memo[idx]

    # ---- globals and calls ---------------------------------------------------------------
    def global_(self):
        r, p = self.r, self.p
        mod, name = r.choice(NAMES)
        opts = ["G"] + (["S"] * 2 if p >= 4 else []) + (["E"] if self.exts else [])
        k = r.choice(opts)
        if k == "G":
            self.emit(b"c" + text_line(mod) + text_line(name))
        elif k == "S":
            self.string(mod)
            self.maybe_memoize("h")
            self.string(name)
            self.maybe_memoize("h")
            self.emit(b"\x93")
        else:
            code = r.choice(self.exts)
            if code < 256 and r.random() < 0.7:
                self.emit(b"\x82" + bytes([code]))
            elif code < 65536 and r.random() < 0.7:
                self.emit(b"\x83" + struct.pack("<H", code))
            else:
                self.emit(b"\x84" + struct.pack("<i", code))
        self.maybe_memoize("g")

    def callable_(self):
        """A stub class: a fresh global, or one memoised before."""
        if self.r.random() < 0.35 and self.memo_get(tag="g"):
            return
        self.global_()

    def tuple_(self, n=None, depth=0):
        r, p = self.r, self.p
        n = r.randint(0, 3) if n is None else n
        if p >= 2 and n <= 3 and r.random() < 0.6:
            for _ in range(n):
                self.value(depth + 1)
            self.emit([b")", b"\x85", b"\x86", b"\x87"][n])
        elif p >= 1 and n == 0 and r.random() < 0.5:
            self.emit(b")")
        else:
            self.emit(b"(")
            for _ in range(n):
                self.value(depth + 1)
            self.emit(b"t")
        self.maybe_memoize("u")

    def str_dict(self, depth):
        """A dict with str keys (kwargs, BUILD state)."""
        r = self.r
        n = r.randint(0, 2)
        if self.p >= 1 and r.random() < 0.5:
            self.emit(b"}")
            if n:
                self.emit(b"(")
                for _ in range(n):
                    self.string("k" + self.ascii_str())
                    self.value(depth + 1)
                self.emit(b"u")
        else:
            self.emit(b"(")
            for _ in range(n):
                self.string("k" + self.ascii_str())
                self.value(depth + 1)
            self.emit(b"d")

    def call(self, depth):
        r, p = self.r, self.p
        kinds = ["REDUCE", "INST"] + (["OBJ"] if p >= 1 else []) + (["NEWOBJ"] if p >= 2 else [])
        kinds += ["NEWOBJ_EX"] if p >= 4 else []
        k = r.choice(kinds)
        if k == "REDUCE":
            self.callable_()
            self.tuple_(depth=depth)
            self.emit(b"R")
        elif k == "NEWOBJ":
            self.callable_()
            self.tuple_(depth=depth)
            self.emit(b"\x81")
        elif k == "NEWOBJ_EX":
            self.callable_()
            self.tuple_(depth=depth)
            self.str_dict(depth)
            self.emit(b"\x92")
        elif k == "INST":
            mod, name = r.choice(NAMES)
            self.emit(b"(")
            for _ in range(r.randint(0, 2)):
                self.value(depth + 1)
            self.emit(b"i" + text_line(mod) + text_line(name))
        else:
            self.emit(b"(")
            self.callable_()
            for _ in range(r.randint(0, 2)):
                self.value(depth + 1)
            self.emit(b"o")
        if r.random() < 0.3:
            if r.random() < 0.8:
                self.str_dict(depth)
            else:
                self.emit(b"N")
            self.emit(b"b")
        return "o"

    def obj_call(self, depth):
        """A stub object called through REDUCE: <maker>.__call__."""
        self.call(depth)
        self.tuple_(depth=depth)
        self.emit(b"R")
        return "x"  # made by calling an object: never a call target itself

    def obj_setitem(self, depth):
        """SETITEM(S) on a stub object: one <maker>.__setitem__ call per pair."""
        r = self.r
        self.call(depth)
        if self.p >= 1 and r.random() < 0.5:
            self.emit(b"(")
            for _ in range(r.randint(0, 2)):
                self.value(depth + 1, hashable=True)
                self.value(depth + 1)
            self.emit(b"u")
        else:
            self.value(depth + 1, hashable=True)
            self.value(depth + 1)
            self.emit(b"s")
        return "o"

    def persid(self, depth):
        if self.p == 0 or self.r.random() < 0.3:
            self.emit(b"P" + text_line("pid" + str(self.r.randrange(100))))
        else:
            self.value(depth + 1)
            self.emit(b"Q")
        return "o"

    # ---- containers ----------------------------------------------------------------------
    def container(self, depth):
        r, p = self.r, self.p
        kinds = ["list_mark", "tuple", "dict_mark", "list_append", "dict_setitem"]
        if p >= 1:
            kinds += ["list_appends", "dict_setitems"]
        if p >= 4:
            kinds += ["set", "frozenset"]
        k = r.choice(kinds)
        n = r.randint(0, 3)
        if k == "list_mark":
            self.emit(b"(")
            for _ in range(n):
                self.value(depth + 1)
            self.emit(b"l")
            return "u"
        if k == "tuple":
            self.tuple_(depth=depth)
            return "u"  # may hold unhashable items; never used as a key
        if k == "dict_mark":
            self.emit(b"(")
            for _ in range(n):
                self.value(depth + 1, hashable=True)
                self.value(depth + 1)
            self.emit(b"d")
            return "u"
        if k == "list_append":
            self.emit(b"]" if p >= 1 else b"(l")
            self.maybe_memoize("u")
            for _ in range(n):
                self.value(depth + 1)
                self.emit(b"a")
            return "u"
        if k == "dict_setitem":
            self.emit(b"}" if p >= 1 else b"(d")
            self.maybe_memoize("u")
            for _ in range(n):
                self.value(depth + 1, hashable=True)
                self.value(depth + 1)
                self.emit(b"s")
            return "u"
        if k == "list_appends":
            self.emit(b"]")
            self.maybe_memoize("u")
            self.emit(b"(")
            for _ in range(n):
                self.value(depth + 1)
            self.emit(b"e")
            return "u"
        if k == "dict_setitems":
            self.emit(b"}")
            self.maybe_memoize("u")
            self.emit(b"(")
            for _ in range(n):
                self.value(depth + 1, hashable=True)
                self.value(depth + 1)
            self.emit(b"u")
            return "u"
        if k == "set":
            self.emit(b"\x8f")
            self.maybe_memoize("u")
            self.emit(b"(")
            for _ in range(n):
                self.value(depth + 1, hashable=True)
            self.emit(b"\x90")
            return "u"
        self.emit(b"(")
        for _ in range(n):
            self.value(depth + 1, hashable=True)
        self.emit(b"\x91")
        return "h"

    # ---- values --------------------------------------------------------------------------
    def noise(self, depth):
        """Stack-neutral detours: value POP, MARK … POP_MARK."""
        r = self.r
        c = r.random()
        if c < 0.4:
            self.value(depth + 1)
            self.emit(b"0")
        elif c < 0.55:
            self.emit(b"(0")  # POP on a mark pops the mark (C unpickler)
        else:
            self.emit(b"(")
            for _ in range(r.randint(0, 2)):
                self.value(depth + 1)
            self.emit(b"1")

    def value(self, depth=0, hashable=False):
        r = self.r
        self.budget -= 1
        if r.random() < 0.1 and depth < 4:
            self.noise(depth)
        if hashable:
            c = r.random()
            if c < 0.15 and self.memo_get(want_hashable=True):
                return "h"
            if c < 0.3 and depth < 4:
                tag = self.call(depth) if r.random() < 0.7 else self.persid(depth)
            else:
                tag = self.scalar()
                if tag == "u":  # bytearray: wrap nothing, just push a str instead
                    self.emit(b"0")
                    self.string("k")
                    tag = "h"
            self.maybe_memoize(tag)
            return tag
        c = r.random()
        if self.budget <= 0 or depth >= 4:
            c = 0.0
        if c < 0.4:
            tag = self.scalar()
        elif c < 0.5 and self.memo:
            return self.memo_get()
        elif c < 0.7:
            tag = self.container(depth)
        elif c < 0.9:
            c2 = r.random()
            if c2 < 0.15:
                tag = self.obj_call(depth)
            elif c2 < 0.3:
                tag = self.obj_setitem(depth)
            else:
                tag = self.call(depth)
        elif c < 0.95:
            tag = self.persid(depth)
        else:
            # DUP: both copies end up in one tuple.
            if self.p < 2:
                self.emit(b"(")
            self.scalar() if r.random() < 0.5 else self.container(depth)
            self.emit(b"2")
            self.emit(b"\x86" if self.p >= 2 else b"t")
            tag = "u"
        self.maybe_memoize(tag)
        return tag

    def pickle(self):
        r, p = self.r, self.p
        if p >= 2 and r.random() < 0.5:
            # Register 1–2 extension codes through a copyreg.add_extension call.
            for _ in range(r.randint(1, 2)):
                code = r.choice([r.randint(1, 255), r.randint(256, 65535), r.randint(65536, 2**31 - 1)])
                if code in self.exts:
                    continue
                mod, name = r.choice(NAMES)
                self.emit(b"ccopyreg\nadd_extension\n")
                self.emit(b"(")
                self.string(mod)
                self.string(name)
                self.emit(b"J" + struct.pack("<i", code))
                self.emit(b"t")
                self.emit(b"R")
                self.emit(b"0")
                self.exts.append(code)
        self.value()
        self.emit(b".")
        return self.assemble()

    def assemble(self):
        r, p = self.r, self.p
        out = b""
        if p >= 2:
            out += b"\x80" + bytes([p])
        if p < 4:
            return out + b"".join(self.ops)
        i = 0
        ops = self.ops
        while i < len(ops):
            j = min(len(ops), i + r.randint(1, 12))
            chunk = b"".join(ops[i:j])
            if r.random() < 0.85:
                out += b"\x95" + struct.pack("<Q", len(chunk))
            out += chunk
            i = j
        return out


def load(data):
    saved = dict(copyreg._inverted_registry)
    copyreg._extension_cache.clear()
    try:
        rec = Recorder(io.BytesIO(data))
        rec.load()
        return rec
    finally:
        copyreg._inverted_registry.clear()
        copyreg._inverted_registry.update(saved)
        copyreg._extension_cache.clear()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--count", type=int, default=COUNT)
    ap.add_argument("--out", default=OUT, help="e.g. /tmp/rp for a larger ad-hoc run; the test "
                    "reads MV_RANDOM_DIFF_DIR when set")
    args = ap.parse_args()
    out, count = args.out, args.count
    rng = random.Random(args.seed)
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    kept = tried = 0
    failures = {}
    while kept < count:
        tried += 1
        proto = kept % 6
        data = Gen(rng, proto).pickle()
        try:
            rec = load(data)
        except Exception as e:  # invalid sequence: drop it
            key = type(e).__name__ + ": " + str(e)[:60]
            failures[key] = failures.get(key, 0) + 1
            continue
        ops = [[op.name, pos] for op, _, pos in pickletools.genops(io.BytesIO(data))]
        doc = {"protocol": proto, "hex": data.hex(), "ops": ops, "globals": rec.globals,
               "calls": rec.calls, "persistent_loads": rec.persistent}
        with open(os.path.join(out, "%03d.json" % kept), "w") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.write("\n")
        kept += 1
    print("kept %d of %d" % (kept, tried))
    for k, v in sorted(failures.items(), key=lambda kv: -kv[1])[:10]:
        print("  dropped %3d  %s" % (v, k))


if __name__ == "__main__":
    main()
