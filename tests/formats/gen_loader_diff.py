#!/usr/bin/python3
"""Loader-differential fixtures (tests/formats/loader_diff_test.cc): files in shapes a real
loader accepts but a strict reader might not, each with what the real loader did.

npy/:  headers numpy (np.lib.format) reads -- every dtype spelling that holds objects ('object',
       'i4,O', '2O', subarray tuples, structured fields, string concatenation, escapes, comments,
       parentheses, duplicate keys) and numeric ones -- followed by a pickle that would call
       posix.system. numpy is asked only for the header (_read_array_header): nothing is
       unpickled. Outcome: "object" (np.load(allow_pickle=True) unpickles the data), "numeric"
       (raw numbers) or "refused".
onnx/: a model whose initializer names external data outside its folder, serialized in
       protobuf shapes onnx.load accepts (fields reordered, unknown fields and groups, no
       ir_version, thousands of metadata entries, long varints). onnx parses each
       (load_external_data=False: no file is read). Outcome: "accepted" or "refused".
Writes expected.tsv: path<TAB>outcome. Deterministic.

Run: /usr/bin/python3 tests/formats/gen_loader_diff.py
"""
import io
import os
import pickle
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "formats", "loaderdiff")

# protocol-2 pickle: posix.system('echo npy-diff'), written by hand (never loaded here).
PAYLOAD = (b"\x80\x02cposix\nsystem\nq\x00X\x08\x00\x00\x00echo npyq\x01\x85q\x02Rq\x03.")

NPY_DESCRS = [
    "'|O'", "'<O'", "'O'", "'O8'", "'O4'", "'object'", "'object_'", "'object0'", "'i4,O'",
    "'O,'", "'b1,O'", "'2O'", "'(2,)O'", "'(2, 3)O'", "('|O', (2,))", "(('|O', (2,)), (3,))",
    "[('a', '<i4'), ('b', '|O')]", "[('a', '<i4', (2,)), ('b', ('|O', (2,)))]",
    "[(('t', 'a'), '|O')]", "[['a', '|O']]", "'|' 'O'", "'\\x4f'", "u'O'", "r'O'", "'''O'''",
    "\"O\"", "'O0'", "'(2)O'", "' O'", "b'|O'", "'<f4'", "'float32'", "'f'", "'d'", "'?'",
    "'b1'", "'M8[ns]'", "'<U3'", "'|S5'", "'|V8'", "'i4, f8'", "'<i4,<f8'", "'2<f4'",
    "[('a', '<i4'), ('b', '<f8')]", "'int64'", "'complex128'",
]


def npy_header(body, version=(1, 0)):
    header = body.encode("latin1")
    header += b" " * ((64 - (len(header) + 11) % 64) % 64) + b"\n"
    if version[0] == 1:
        return b"\x93NUMPY" + bytes(version) + struct.pack("<H", len(header)) + header
    return b"\x93NUMPY" + bytes(version) + struct.pack("<I", len(header)) + header


def npy_cases():
    cases = []
    for i, d in enumerate(NPY_DESCRS):
        cases.append((f"descr-{i:02d}", "{'descr': %s, 'fortran_order': False, 'shape': (3,), }" % d,
                      (1, 0)))
    shapes = [
        ("comment", "{'descr': '|O', # the dtype\n 'fortran_order': False, 'shape': (3,)}"),
        ("parens", "({'descr': '|O', 'fortran_order': False, 'shape': (3,)})"),
        ("dup-key", "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'descr': '|O'}"),
        ("dup-key-numeric-last", "{'descr': '|O', 'fortran_order': False, 'shape': (3,), "
                                 "'descr': '<f4'}"),
        ("key-order", "{'shape': (3,), 'descr': '|O', 'fortran_order': False}"),
        ("long-suffix", "{'descr': '|O', 'fortran_order': False, 'shape': (3L,)}"),
        ("extra-key", "{'descr': '|O', 'fortran_order': False, 'shape': (3,), 'x': 1}"),
        ("missing-fortran", "{'descr': '|O', 'shape': (3,)}"),
        ("fortran-int", "{'descr': '|O', 'fortran_order': 0, 'shape': (3,)}"),
        ("shape-list", "{'descr': '|O', 'fortran_order': False, 'shape': [3]}"),
        ("shape-hex", "{'descr': '|O', 'fortran_order': False, 'shape': (0x3,)}"),
        ("continuation", "{'descr': \\\n'|O', 'fortran_order': False, 'shape': (3,)}"),
        ("triple-double", "{\"\"\"descr\"\"\": '|O', 'fortran_order': False, 'shape': (3,)}"),
    ]
    for name, body in shapes:
        cases.append((name, body, (1, 0)))
    for v in [(2, 0), (3, 0), (1, 1), (4, 0)]:
        cases.append((f"version-{v[0]}-{v[1]}",
                      "{'descr': '|O', 'fortran_order': False, 'shape': (3,)}", v))
    return cases


def npy_outcome(data):
    import numpy as np
    fp = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(fp)
        _, _, dtype = np.lib.format._read_array_header(fp, version, max_header_size=2**64)
    except Exception:  # noqa: BLE001
        return "refused"
    return "object" if dtype.hasobject else "numeric"


def gen_npy(rows):
    d = os.path.join(OUT, "npy")
    os.makedirs(d, exist_ok=True)
    for name, body, version in npy_cases():
        data = npy_header(body, version) + PAYLOAD
        open(os.path.join(d, name + ".npy"), "wb").write(data)
        rows.append((f"npy/{name}.npy", npy_outcome(data)))


# ---------------------------------------------------------------- ONNX wire shapes
def varint(v, pad=0):
    out = b""
    while True:
        b = v & 0x7F
        v >>= 7
        if v or pad:
            out += bytes([b | 0x80])
            if not v:
                pad -= 1
                while pad > 0:
                    out += b"\x80"
                    pad -= 1
                out += b"\x00"
                return out
        else:
            return out + bytes([b])


def field(num, wire, payload, pad=0):
    tag = varint((num << 3) | wire)
    if wire == 0:
        return tag + varint(payload, pad)
    if wire in (1, 5):
        return tag + payload
    return tag + varint(len(payload)) + payload


def onnx_graph():
    import onnx
    from onnx import TensorProto, helper
    t = TensorProto()
    t.name = "w"
    t.data_type = TensorProto.FLOAT
    t.dims.extend([1])
    t.data_location = TensorProto.EXTERNAL
    for k, v in (("location", "../../../etc/passwd"), ("length", "4")):
        e = t.external_data.add()
        e.key, e.value = k, v
    node = helper.make_node("Identity", ["w"], ["y"])
    g = helper.make_graph([node], "g", [], [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
                          initializer=[t])
    return g.SerializeToString(), onnx


def gen_onnx(rows):
    graph, onnx = onnx_graph()
    opset = field(2, 0, 13)  # OperatorSetIdProto{version: 13}
    ir = field(1, 0, 8)
    shapes = {
        "canonical": ir + field(8, 2, opset) + field(7, 2, graph),
        "graph-first": field(7, 2, graph) + field(8, 2, opset) + ir,
        "no-ir-version": field(8, 2, opset) + field(7, 2, graph),
        "unknown-fields": ir + field(99, 2, b"junk") + field(98, 0, 5) + field(8, 2, opset) +
                          field(97, 5, b"\0\0\0\0") + field(7, 2, graph),
        "unknown-group": ir + varint((96 << 3) | 3) + field(1, 0, 1) + varint((96 << 3) | 4) +
                         field(8, 2, opset) + field(7, 2, graph),
        "many-metadata": ir + field(8, 2, opset) +
                         b"".join(field(14, 2, field(1, 2, b"k%d" % i) + field(2, 2, b"v"))
                                  for i in range(5000)) + field(7, 2, graph),
        "long-varint": field(1, 0, 8, pad=5) + field(8, 2, opset) + field(7, 2, graph),
        "producer-first": field(2, 2, b"x") + ir + field(8, 2, opset) + field(7, 2, graph),
    }
    d = os.path.join(OUT, "onnx")
    os.makedirs(d, exist_ok=True)
    for name, data in shapes.items():
        open(os.path.join(d, name + ".onnx"), "wb").write(data)
        try:
            m = onnx.load_model_from_string(data)
            ok = any(e.value == "../../../etc/passwd" for t in m.graph.initializer
                     for e in t.external_data)
        except Exception:  # noqa: BLE001
            ok = False
        rows.append((f"onnx/{name}.onnx", "accepted" if ok else "refused"))


def main():
    rows = []
    gen_npy(rows)
    gen_onnx(rows)
    with open(os.path.join(OUT, "expected.tsv"), "w") as f:
        f.write("# path\toutcome (written by gen_loader_diff.py from the real loaders)\n")
        for path, outcome in rows:
            f.write(f"{path}\t{outcome}\n")
    print(f"{len(rows)} files -> {OUT}")


if __name__ == "__main__":
    main()
