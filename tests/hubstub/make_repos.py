#!/usr/bin/env python3
"""Builds the example repos of the hub stand-in from real fixture artifacts.

    /usr/bin/python3 tests/hubstub/make_repos.py          # (re)writes tests/hubstub/repos/examples/

Copies model files made by scripts/gen_fixtures.py (tests/fixtures/models) and writes each
repo.json with the flags the real hub would show. Never loads a model: files are copied bytes.
Also: `make_large_zip(path, tensor_bytes)` writes a torch-zip-shaped file whose one tensor
member is stored zeros (sparse on disk), for the bytes-read test; it is created at test time.
"""
import json
import os
import shutil
import struct
import sys
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIX = os.path.join(ROOT, "tests", "fixtures", "models")
OUT = os.path.join(HERE, "repos", "examples")

INNOCUOUS_TORCH = [
    {"module": "collections", "name": "OrderedDict", "safety": "innocuous"},
    {"module": "torch._utils", "name": "_rebuild_tensor_v2", "safety": "innocuous"},
    {"module": "torch", "name": "FloatStorage", "safety": "innocuous"},
]

REPOS = {
    # Flagged by the hub, benign: an ultralytics checkpoint whose pickle calls
    # builtins.getattr(Detect, 'forward') (picklescan: getattr is "dangerous"), and a
    # transformers training_args.bin.
    "yolo-flagged-benign": {
        "files": {"deepfashion2_yolov8s-seg.pt": "benign/deepfashion2_yolov8s-seg.pt",
                  "training_args.bin": "benign/training_args.bin"},
        "meta": {
            "downloads": 48210, "likes": 37, "library_name": "ultralytics",
            "pipeline_tag": "image-segmentation", "tags": ["ultralytics", "yolov8", "pytorch"],
            "cardData": {"license": "agpl-3.0", "tags": ["ultralytics"]},
            "files": {
                "deepfashion2_yolov8s-seg.pt": {
                    "pickleImports": [
                        {"module": "ultralytics.nn.tasks", "name": "SegmentationModel",
                         "safety": "suspicious"},
                        {"module": "collections", "name": "OrderedDict", "safety": "innocuous"},
                        {"module": "__builtin__", "name": "set", "safety": "innocuous"},
                        {"module": "torch._utils", "name": "_rebuild_parameter",
                         "safety": "innocuous"},
                        {"module": "torch._utils", "name": "_rebuild_tensor_v2",
                         "safety": "innocuous"},
                        {"module": "torch", "name": "HalfStorage", "safety": "innocuous"},
                        {"module": "__builtin__", "name": "getattr", "safety": "dangerous"},
                    ]},
                "training_args.bin": {
                    "pickleImports": [
                        {"module": "transformers.training_args", "name": "TrainingArguments",
                         "safety": "suspicious"},
                        {"module": "transformers.trainer_utils", "name": "IntervalStrategy",
                         "safety": "suspicious"},
                    ]},
            },
        },
    },
    # Flagged by the hub, malicious: data.pkl calls posix.system('echo gpt2-system').
    "gpt2-flagged-malicious": {
        "files": {"pytorch_model.bin": "malicious/seed-gpt2-system/pytorch_model.bin"},
        "meta": {
            "downloads": 912, "likes": 2, "library_name": "transformers",
            "pipeline_tag": "text-generation", "tags": ["transformers", "pytorch", "gpt2"],
            "cardData": {"license": "mit"},
            "files": {
                "pytorch_model.bin": {
                    "avStatus": "unsafe",
                    "avMessage": "Detected malware signatures: "
                                 "Py.Malware.CodeExec_posix_system_GLOBAL",
                    "pickleImports": [{"module": "posix", "name": "system",
                                       "safety": "dangerous"}] + INNOCUOUS_TORCH}},
        },
    },
    # Not flagged by the hub, malicious: a legacy torch stream whose second pickle calls
    # posix.system('echo legacy-2'); the hub listed only the imports of the state dict.
    "legacy-unflagged-malicious": {
        "files": {"pytorch_model.bin": "malicious/ct11-legacy-payload-pickle2.pt"},
        "meta": {
            "downloads": 15400, "likes": 11, "library_name": "transformers",
            "tags": ["transformers", "pytorch"],
            "cardData": {"license": "other", "license_name": "acme-model-license",
                         "license_link": "LICENSE"},
            "files": {"pytorch_model.bin": {"pickleImports": INNOCUOUS_TORCH}},
        },
    },
    # Gated (manual approval): metadata public, files need an approved token.
    "gated-model": {
        "files": {"model.pt": "benign/torch-state-dict.pt"},
        "meta": {
            "downloads": 300, "likes": 4, "gated": "manual",
            "access_tokens": ["hf_stub_approved"], "tags": ["pytorch"],
            "cardData": {"license": "llama3.1"},
            "files": {"model.pt": {"pickleImports": INNOCUOUS_TORCH}},
        },
    },
    # Private: invisible without a listed token (401 like a missing repo).
    "private-model": {
        "files": {"model.pt": "benign/torch-state-dict.pt"},
        "meta": {
            "downloads": 5, "private": True, "access_tokens": ["hf_stub_approved"],
            "tags": ["pytorch"], "cardData": {"license": "apache-2.0"},
            "files": {"model.pt": {"pickleImports": INNOCUOUS_TORCH}},
        },
    },
}


def build():
    for name, spec in REPOS.items():
        d = os.path.join(OUT, name)
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)
        for dst, src in spec["files"].items():
            shutil.copyfile(os.path.join(FIX, src), os.path.join(d, dst))
        with open(os.path.join(d, "README.md"), "w") as f:
            f.write(f"---\nlicense: {spec['meta'].get('cardData', {}).get('license', '')}\n"
                    f"---\n# {name}\n\nExample repo of the modelvet hub stand-in.\n")
        with open(os.path.join(d, "repo.json"), "w") as f:
            json.dump(spec["meta"], f, indent=2, sort_keys=True)
            f.write("\n")
    print(f"wrote {len(REPOS)} repos under {OUT}")


def state_dict_pickle(n, numel):
    """A protocol-2 state dict of n float tensors w0..w{n-1} on storages "0".."n-1", as
    torch.save writes it (persistent ids, _rebuild_tensor_v2), without memo entries."""
    num = b"J" + struct.pack("<i", numel)
    def text(s):
        b = s.encode()
        return b"X" + struct.pack("<I", len(b)) + b
    out = [b"\x80\x02ccollections\nOrderedDict\n)R"]
    for i in range(n):
        out.append(text(f"w{i}") + b"ctorch._utils\n_rebuild_tensor_v2\n("
                   + b"(" + text("storage") + b"ctorch\nFloatStorage\n" + text(str(i))
                   + text("cpu") + num + b"tQ"                       # persistent id
                   + b"K\x00" + num + b"\x85K\x01\x85\x89"          # offset, size, stride, rg
                   + b"ccollections\nOrderedDict\n)R"              # backward_hooks
                   + b"tRs")                                         # ) -> tensor; od[key]
    out.append(b".")
    return b"".join(out)


def make_large_zip(path, tensor_bytes, prefix="archive", tensors=1):
    """A torch-zip-shaped file: a real state-dict pickle (posix-free, innocuous globals) and
    `tensor_bytes` zeros as one stored member (or `tensors` members of equal size), written as
    sparse holes (no disk cost). The zip is written by hand (central directory at the end,
    ZIP64 when needed) because zipfile would write every zero."""
    if tensors > 1:
        return write_torch_zip(path, state_dict_pickle(tensors, tensor_bytes // tensors // 4),
                               [tensor_bytes // tensors] * tensors, prefix)
    numel = struct.pack("<i", tensor_bytes // 4)
    pkl = (b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01"          # od = OrderedDict()
           b"X\x06\x00\x00\x00weightq\x02"                                # key
           b"ctorch._utils\n_rebuild_tensor_v2\nq\x03("                     # args (
           b"(X\x07\x00\x00\x00storageq\x04ctorch\nFloatStorage\nq\x05"
           b"X\x01\x00\x00\x000q\x06X\x03\x00\x00\x00cpuq\x07J" + numel +
           b"tq\x08Q"                                                    # persistent id
           b"K\x00J" + numel + b"\x85q\tK\x01\x85q\n\x89"                # offset, size, stride, rg
           b"h\x00)Rq\x0b"                                              # backward_hooks
           b"tq\x0cRq\rs.")                                             # ) -> tensor; od[key]
    write_torch_zip(path, pkl, [tensor_bytes], prefix)


def zeros_crc(size):
    crc, chunk, left = 0, b"\0" * (1 << 20), size
    while left:
        n = min(left, len(chunk))
        crc = zlib.crc32(chunk[:n], crc)
        left -= n
    return crc


def write_torch_zip(path, pkl, storage_sizes, prefix):
    """data.pkl, version, then data/0.. as stored members of zeros (holes)."""
    members = [(f"{prefix}/data.pkl", pkl), (f"{prefix}/version", b"3\n")]
    members += [(f"{prefix}/data/{i}", n) for i, n in enumerate(storage_sizes)]
    crcs = {n: zeros_crc(n) for n in set(storage_sizes)}
    with open(path, "wb") as f:
        central = []
        for name, data in members:
            off = f.tell()
            size = data if isinstance(data, int) else len(data)
            crc = crcs[data] if isinstance(data, int) else zlib.crc32(data)
            nb = name.encode()
            z64 = size >= 0xFFFFFFFF or off >= 0xFFFFFFFF
            extra = struct.pack("<HHQQ", 1, 16, size, size) if z64 else b""
            f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if z64 else 20, 0, 0, 0, 0x21,
                                crc, 0xFFFFFFFF if z64 else size,
                                0xFFFFFFFF if z64 else size, len(nb), len(extra)))
            f.write(nb + extra)
            if isinstance(data, int):
                f.seek(size, 1)  # hole: zeros without writing them
            else:
                f.write(data)
            central.append((nb, crc, size, off))
        cd_off = f.tell()
        for nb, crc, size, off in central:
            z64 = size >= 0xFFFFFFFF or off >= 0xFFFFFFFF
            extra = struct.pack("<HHQQQ", 1, 24, size, size, off) if z64 else b""
            f.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45 if z64 else 20, 0, 0,
                                0, 0x21, crc, 0xFFFFFFFF if z64 else size,
                                0xFFFFFFFF if z64 else size, len(nb), len(extra), 0, 0, 0, 0,
                                0xFFFFFFFF if z64 else off))
            f.write(nb + extra)
        cd_size = f.tell() - cd_off
        f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), cd_size,
                            cd_off, 0))


if __name__ == "__main__":
    if len(sys.argv) in (4, 5) and sys.argv[1] == "large-zip":
        make_large_zip(sys.argv[2], int(sys.argv[3]),
                       tensors=int(sys.argv[4]) if len(sys.argv) == 5 else 1)
    else:
        build()
