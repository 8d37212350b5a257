#!/usr/bin/python3
"""Differential corpus for the text operands of protocol-0/1 opcodes
(tests/pickle/operands_diff_test.cc; tests/e2e/test_operands_live.py imports this module).

For every opcode with a text operand (INT, LONG, FLOAT, GET, PUT, STRING, UNICODE, GLOBAL,
INST, PERSID) it generates operand variants -- whitespace, signs, underscores, radix prefixes,
leading zeros, trailing 'L', NUL bytes, quotes, escapes, non-ASCII and non-UTF-8 bytes -- embeds
each in a small probe pickle and records what the two real unpicklers do with it: the C
`_pickle.Unpickler` and the pure-Python `pickle._Unpickler`. Nothing is ever imported or run:
the recording unpickler's find_class returns stubs that only log their arguments, and
persistent_load only logs the id.

Probe pickles (`v` is the operand, without its newline):
  value probe: the operand's value reaches a stub call, probe.sink(value) (GET/PUT: memo 5
               holds 7; the sink gets 7 only if the operand means 5);
  sniff probe: the operand comes first, then an import and a call, so a sniffer must read past
               the operand to see the pickle.
Output: tests/fixtures/pickle/operands/corpus.jsonl.gz, one JSON object per line:
  {"op": "I", "v": hex(operand), "c": [accepted, value], "py": [accepted, value]}
where value is the decimal int, "True"/"False", repr(float), hex(UTF-8 of the str),
hex(module + "\\n" + name) for GLOBAL/INST, or hex(pid) for PERSID.
The gzip header carries no timestamp, so the output is byte-for-byte reproducible.

Run: /usr/bin/python3 tests/pickle/gen_operand_corpus.py
"""
import gzip
import io
import itertools
import json
import os
import pickle

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "pickle", "operands", "corpus.jsonl.gz")

INT_BODIES = [b"5", b"05", b"005", b"0_5", b"0x5", b"0X5", b"0x_5", b"0_x5", b"0o5", b"0O5",
              b"0b101", b"0B101", b"017", b"0", b"00", b"01", b"1", b"10", b"1_0", b"1__0", b"_5",
              b"5_", b"0x", b"0b2", b"0o8", b"0_", b"99999999999999999999", b"0x" + b"f" * 17,
              b"0777777777777777777777777", b"0_0", b"00_0", b"5L", b"5l", b"5.0", b"1e3",
              b"x5", "\u0665".encode(), b"5x", b"", b"9223372036854775807",
              b"9223372036854775808", b"0xabcDEF"]
MEMO_BODIES = [b"5", b"05", b"005", b"0_5", b"0_0_5", b"0__5", b"5_", b"_5", b"0x5", b"0b101",
               b"0o5", b"5L", b"5.0", b"", b"18446744073709551621", b"4_"]
INT_PREFIXES = [b"", b" ", b"\t\x0b", b"\x00", b"+", b"-", b" -", b"- ", b"\x0c+"]
INT_SUFFIXES = [b"", b" \r", b"\r", b"\x00", b"\x00j", b"L", b" L", b"\x0c", b"LL"]
FLOAT_BODIES = [b"1.5", b"1.", b"-.5", b".5", b".", b"1e5", b"1E-5", b"1e", b"1e+", b"1_0.5",
                b"1._5", b"1_e5", b"inf", b"-Infinity", b"INFINITY", b"infx", b"nan", b"-NaN",
                b"nan(1)", b"0x1p3", b"1e999", b"-1e999", b"1e-999", b"00.5", b"1.5.5", b"",
                b"5", b"0_0.0_1"]
FLOAT_PREFIXES = [b"", b" ", b"\t", b"\x00", b"+", b"_"]
FLOAT_SUFFIXES = [b"", b" ", b"\r", b"\x00", b"\x00x", b"_", b"f", b"L"]
STRING_BODIES = [b"a", b"", b"\\x41", b"\\x4", b"\\x4g", b"\\", b"a\\", b"\\'", b'\\"',
                 b"\\777", b"\\0", b"\\08", b"\\q", b"\\n\\t\\r\\a\\b\\f\\v", b"\xff",
                 "\u00e9".encode(), b"a'b", b'a"b', b"\\\\", b"\\x41\\101"]
UNICODE_BODIES = [b"a", b"", b"\\u0041", b"\\u004", b"\\u004g", b"\\U00000041", b"\\U00110000",
                  b"\\\\u0041", b"\\\\\\u0041", b"\\x41", b"\\", b"a\\", b"\xff",
                  "\u00e9".encode(), b"\\ud800", b"\\uD800\\uDC00", b"\\U0001F600", b"\\N{x}"]
NAME_MODULES = [b"probe", b"probe ", b"", "pr\u00f6be".encode(), b"pr\xffbe", b"probe\r",
                b"pro\x00be", b"p.q", b"\xed\xa0\x80", b"\xc0\xaf"]
NAME_NAMES = [b"sink", b"", b"si\xffnk", b"sink\r", "s\u00efnk".encode()]
PERSIDS = [b"id", b"", b"i\xffd", b"a b", "\u00e9".encode(), b"x\r", b"\x00", b"0"]


def variants():
    """(op, operand bytes) pairs, each once, in a fixed order."""
    seen = set()
    out = []

    def add(op, v):
        lines = 2 if op in (b"c", b"i") else 1
        if v.count(b"\n") == lines - 1 and (op, v) not in seen:
            seen.add((op, v))
            out.append((op, v))

    for op in (b"I", b"L"):
        for p, b, s in itertools.product(INT_PREFIXES, INT_BODIES, INT_SUFFIXES):
            add(op, p + b + s)
    for op in (b"g", b"p"):
        for p, b, s in itertools.product(INT_PREFIXES, MEMO_BODIES, INT_SUFFIXES):
            add(op, p + b + s)
    for p, b, s in itertools.product(FLOAT_PREFIXES, FLOAT_BODIES, FLOAT_SUFFIXES):
        add(b"F", p + b + s)
    for q1, body, q2, tail in itertools.product([b"'", b'"'], STRING_BODIES, [b"'", b'"', b""],
                                                [b"", b" ", b"\r"]):
        add(b"S", q1 + body + q2 + tail)
    for body, tail in itertools.product(UNICODE_BODIES, [b"", b"\r", b"\x00"]):
        add(b"V", body + tail)
    for op in (b"c", b"i"):
        for m, n in itertools.product(NAME_MODULES, NAME_NAMES):
            add(op, m + b"\n" + n)  # the two lines of the operand
    for pid in PERSIDS:
        add(b"P", pid)
    return out


def value_probe(op, v, module=b"probe", name=b"sink"):
    g = b"c" + module + b"\n" + name + b"\n"
    if op == b"g":
        return b"I7\np5\n0" + g + b"(g" + v + b"\ntR."
    if op == b"p":
        return b"I7\np" + v + b"\n0" + g + b"(g5\ntR."
    if op == b"c":
        return b"c" + v + b"\n)R."
    if op == b"i":
        return b"(i" + v + b"\n."
    if op == b"P":
        return b"P" + v + b"\n."
    return g + b"(" + op + v + b"\ntR."


def sniff_probe(op, v, module=b"probe", name=b"sink"):
    call = b"c" + module + b"\n" + name + b"\n(I1\ntR."
    if op == b"g":
        return b"I7\np5\n0g" + v + b"\n0" + call
    if op == b"p":
        return b"I7\np" + v + b"\n0g5\n0" + call
    if op in (b"c", b"i"):
        return value_probe(op, v)
    return op + v + b"\n0" + call


class _Stub:
    def __init__(self, *a, **k):
        pass


def run(data, impl):
    """Unpickles `data` with a recording unpickler ('c' or 'py'); returns (ok, events). The
    default encoding is latin-1 so Python-2 str bytes decode whatever they are (the escape
    rules, not the encoding, are under test)."""
    events = []
    base = pickle.Unpickler if impl == "c" else pickle._Unpickler

    class Recorder(base):
        def find_class(self, module, name):
            events.append(("find_class", module, name))

            def stub(*args):
                events.append(("call", module, name, args))
                return _Stub()

            return stub

        def persistent_load(self, pid):
            events.append(("pid", pid))
            return 0

    try:
        Recorder(io.BytesIO(data), encoding="latin1").load()
        return True, events
    except Exception:  # noqa: BLE001 - every failure is a rejection
        return False, events


def describe(op, events):
    """The value the operand produced, from the recorded events; None when none was seen."""
    if op in (b"c", b"i"):
        for e in events:
            if e[0] == "find_class":
                return (e[1] + "\n" + e[2]).encode("utf-8", "surrogatepass").hex()
        return None
    if op == b"P":
        for e in events:
            if e[0] == "pid":
                return e[1].encode("utf-8", "surrogatepass").hex()
        return None
    for e in events:
        if e[0] == "call":
            if not e[3]:
                return None
            x = e[3][0]
            if isinstance(x, bool):
                return str(x)
            if isinstance(x, int):
                return str(x)
            if isinstance(x, float):
                return repr(x)
            if isinstance(x, str):
                return x.encode("utf-8", "surrogatepass").hex()
            return repr(x)
    return None


def outcome(op, v, impl):
    ok, events = run(value_probe(op, v), impl)
    value = describe(op, events)
    if op in (b"g", b"p"):
        ok = ok and value == "7"
    return [bool(ok and value is not None), value if ok else None]


def corpus():
    rows = []
    for op, v in variants():
        rows.append({"op": op.decode(), "v": v.hex(), "c": outcome(op, v, "c"),
                     "py": outcome(op, v, "py")})
    return rows


def main():
    rows = corpus()
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    text = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows).encode()
    with open(OUT, "wb") as f:
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as z:
            z.write(text)
    accepted = sum(1 for r in rows if r["c"][0] or r["py"][0])
    print(f"{len(rows)} operand variants, {accepted} accepted by a real unpickler -> {OUT}")


if __name__ == "__main__":
    main()
