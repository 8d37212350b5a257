"""Bytes read through the CLI: `modelvet scan --format json` on sparse files (made here with
truncate, holes where the tensor bytes are) must reach its verdict reading no more than the
budgets docs/benchmarks.md states — the same numbers as bench/synth.h. The structures are
written here independently of bench/synth.cc, in the shapes torch.save, pickle.dumps of a
numpy array, safetensors, GGUF v3 and ONNX produce; a small twin of the torch zip is checked
with the zipfile module (CRCs included) and the pickles with pickletools."""

import io
import os
import pickletools
import shutil
import struct
import sys
import tempfile
import unittest
import zipfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvtest  # noqa: E402

sys.path.insert(0, str(mvtest.SOURCE_DIR / "tests" / "fixtures"))
from pickleops import SU  # noqa: E402

KIB, MIB, GIB = 1 << 10, 1 << 20, 1 << 30
# Budgets in bytes (bench/synth.h; docs/benchmarks.md).
NUMPY_PICKLE_BUDGET = 1600
TORCH_ZIP_BUDGET = 1100
SAFETENSORS_BUDGET = 552
GGUF_BUDGET = 552
ONNX_BUDGET = 600


def sparse(path, head, size, tail=b""):
    """head at 0, tail at size - len(tail), a hole between."""
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(size)
        if tail:
            f.seek(size - len(tail))
            f.write(tail)


def sbu(s):  # SHORT_BINUNICODE + MEMOIZE
    return SU(s) + b"\x94"


def numpy_pickle_head(n):
    """pickle.dumps(numpy.zeros(n, numpy.uint8), protocol=4) up to the BINBYTES8 length."""
    return (b"\x80\x04" + sbu("numpy.core.multiarray") + sbu("_reconstruct") + b"\x93\x94"
            + sbu("numpy") + sbu("ndarray") + b"\x93\x94" + b"K\x00\x85\x94" + b"C\x01b\x94"
            + b"\x87\x94R\x94" + b"(K\x01" + b"J" + struct.pack("<i", min(n, 0x7FFFFFFF))
            + b"\x85" + sbu("numpy") + sbu("dtype") + b"\x93\x94" + sbu("u1")
            + b"\x89\x88\x87R\x94" + b"(K\x03" + sbu("|") + b"NNN" + b"J\xff\xff\xff\xff"
            + b"J\xff\xff\xff\xff" + b"K\x00tb" + b"\x89" + b"\x8e" + struct.pack("<Q", n))


NUMPY_PICKLE_TAIL = b"tb."


def crc_of_zeros(n):
    crc, block = 0, bytes(16 * MIB)
    while n >= len(block):
        crc = zlib.crc32(block, crc)
        n -= len(block)
    return zlib.crc32(bytes(n), crc)


def torch_zip(path, numel):
    """torch.save({'weight': FloatTensor(numel)}) as a stored zip, the tensor a hole."""
    pkl = (b"\x80\x02}q\x00(X\x06\x00\x00\x00weightq\x01ctorch._utils\n_rebuild_tensor_v2\nq\x02"
           b"((X\x07\x00\x00\x00storageq\x03ctorch\nFloatStorage\nq\x04X\x01\x00\x00\x000q\x05"
           b"X\x03\x00\x00\x00cpuq\x06J" + struct.pack("<i", numel) + b"tq\x07QK\x00J"
           + struct.pack("<i", numel) + b"\x85q\x08K\x01\x85q\x09\x89ccollections\nOrderedDict\n"
           b"q\x0a)Rq\x0btq\x0cRq\x0du.")
    entries = [("archive/data.pkl", pkl), ("archive/data/0", None), ("archive/version", b"3\n")]
    size0 = numel * 4
    with open(path, "wb") as f:
        central = b""
        for name, data in entries:
            n = name.encode()
            usize = len(data) if data is not None else size0
            crc = zlib.crc32(data) if data is not None else crc_of_zeros(size0)
            off = f.tell()
            f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0x21, crc, usize, usize,
                                len(n), 0) + n)
            if data is not None:
                f.write(data)
            else:
                f.seek(usize, os.SEEK_CUR)  # the hole
            central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0x21, crc,
                                   usize, usize, len(n), 0, 0, 0, 0, 0, off) + n
        cd_off = f.tell()
        f.write(central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries),
                                      len(central), cd_off, 0))


def safetensors(path, nbytes):
    js = ('{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[%d],'
          '"data_offsets":[0,%d]}}' % (nbytes // 4, nbytes)).encode()
    js += b" " * ((8 - len(js) % 8) % 8)
    head = struct.pack("<Q", len(js)) + js
    sparse(path, head, len(head) + nbytes)


def gguf(path, nbytes):
    def s(x):
        return struct.pack("<Q", len(x)) + x
    head = (b"GGUF" + struct.pack("<IQQ", 3, 1, 1) + s(b"general.architecture")
            + struct.pack("<I", 8) + s(b"llama") + s(b"w") + struct.pack("<IQIQ", 1, nbytes // 4,
                                                                         0, 0))
    data = (len(head) + 31) // 32 * 32
    sparse(path, head, data + nbytes)


def varint(v):
    out = b""
    while True:
        b, v = v & 0x7F, v >> 7
        out += bytes([b | (0x80 if v else 0)])
        if not v:
            return out


def ld(field, payload, extra=0):
    return varint(field << 3 | 2) + varint(len(payload) + extra) + payload


def onnx(path, raw):
    tensor = (varint(1 << 3) + varint(raw // 4) + varint(2 << 3) + varint(1) + ld(8, b"w")
              + varint(9 << 3 | 2) + varint(raw))
    graph = ld(2, b"g") + varint(5 << 3 | 2) + varint(len(tensor) + raw) + tensor
    model = varint(1 << 3) + varint(8) + varint(7 << 3 | 2) + varint(len(graph) + raw) + graph
    sparse(path, model, len(model) + raw)


class BytesReadCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="mv-e2e-bytes-")
        p = lambda n: os.path.join(cls.tmp, n)  # noqa: E731
        n = 512 * MIB
        sparse(p("numpy-512m.pkl"), numpy_pickle_head(n),
               len(numpy_pickle_head(n)) + n + len(NUMPY_PICKLE_TAIL), NUMPY_PICKLE_TAIL)
        torch_zip(p("torch-1g.pt"), 1 << 28)
        safetensors(p("big.safetensors"), 2 * GIB)
        gguf(p("big.gguf"), 2 * GIB)
        onnx(p("big.onnx"), GIB)
        # posix.system after a 512 MiB BINBYTES8 argument: found without reading the argument.
        arg = b"echo e2etail"
        tail = b"0cposix\nsystem\n\x8c" + bytes([len(arg)]) + arg + b"\x85R."
        head = b"\x80\x04\x8e" + struct.pack("<Q", n)
        sparse(p("tail-payload.pkl"), head, len(head) + n + len(tail), tail)
        cls.files = {name: p(name) for name in os.listdir(cls.tmp)}
        code, report, stderr = mvtest.scan_json(*sorted(cls.files.values()))
        cls.code, cls.stderr = code, stderr
        cls.by_name = {os.path.basename(f["path"]): f for f in report.get("files", [])}

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def check(self, name, verdict, fmt, budget):
        f = self.by_name.get(name)
        self.assertIsNotNone(f, f"{name} missing from the report; stderr {self.stderr[-300:]}")
        size = os.path.getsize(self.files[name])
        self.assertEqual(f["verdict"], verdict, f["summary"])
        self.assertEqual(f["format"], fmt)
        self.assertEqual(f["size"], size)
        self.assertGreater(f["bytes_read"], 0)
        self.assertLessEqual(f["bytes_read"], budget, f"{name}: read {f['bytes_read']} of {size}")
        return f

    def test_exit_code(self):
        self.assertEqual(self.code, 1)  # tail-payload.pkl is unsafe

    def test_numpy_pickle_512mib(self):
        self.check("numpy-512m.pkl", "safe", "pickle", NUMPY_PICKLE_BUDGET)

    def test_torch_zip_1gib(self):
        f = self.check("torch-1g.pt", "safe", "pytorch-zip", TORCH_ZIP_BUDGET)
        self.assertEqual(f["loader"], "torch.load")

    def test_safetensors_2gib(self):
        self.check("big.safetensors", "safe", "safetensors", SAFETENSORS_BUDGET)

    def test_gguf_2gib(self):
        self.check("big.gguf", "safe", "gguf", GGUF_BUDGET)

    def test_onnx_1gib_raw_tensor(self):
        self.check("big.onnx", "safe", "onnx", ONNX_BUDGET)

    def test_payload_after_512mib_argument(self):
        f = self.check("tail-payload.pkl", "unsafe", "pickle", NUMPY_PICKLE_BUDGET)
        self.assertTrue(any(x.get("callable") == "posix.system" and "echo e2etail"
                            in x.get("evidence", "") for x in f["findings"]), f["findings"])

    def test_generators_write_real_structures(self):
        """Small twins of the sparse files, checked by the standard library's own readers."""
        small = os.path.join(self.tmp, "small.pt")
        torch_zip(small, 16)
        with zipfile.ZipFile(small) as z:
            self.assertIsNone(z.testzip())  # every CRC right, the hole included
            self.assertEqual(z.read("archive/data/0"), bytes(64))
            pickletools.dis(z.read("archive/data.pkl"), out=io.StringIO())
        pickletools.dis(numpy_pickle_head(8) + bytes(8) + NUMPY_PICKLE_TAIL, out=io.StringIO())
        os.remove(small)


if __name__ == "__main__":
    mvtest.main()
