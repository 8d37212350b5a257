#!/usr/bin/env python3
"""Builds the audit fixture repos of the hub stand-in (tests/hubstub/repos/audit/).

    /usr/bin/python3 tests/hubstub/make_audit_repos.py

Together with repos/examples/ (make_repos.py) they cover every model status and the triage
rules: a flagged malicious repo, a repo flagged only for training_args.bin (skipped by triage),
a clean repo, a repo whose flagged file needs a reviewer (an unknown third-party class), with a
spread of licenses and download counts. Model files are copied bytes of tests/fixtures/models;
nothing is ever loaded. The one pickle written here is built opcode by opcode and only names a
class (`acme_models.CustomNet`): it is never unpickled.
"""
import json
import os
import shutil

from make_repos import FIX, HERE, INNOCUOUS_TORCH  # the example repos' fixtures and imports

OUT = os.path.join(HERE, "repos", "audit")

# Protocol 2: GLOBAL acme_models.CustomNet, EMPTY_TUPLE, NEWOBJ, EMPTY_DICT, BUILD, STOP.
CUSTOM_CLASS_PICKLE = b"\x80\x02cacme_models\nCustomNet\nq\x00)\x81q\x01}q\x02b."

CONFIG = b'{"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2"}\n'

REPOS = {
    # Flagged by the hub and malicious: webbrowser.open on load (the seed's bert-tiny case).
    "bert-tiny-browser": {
        "files": {"pytorch_model.bin": "malicious/seed-bert-tiny-vuln/pytorch_model.bin",
                  "config.json": CONFIG},
        "meta": {
            "downloads": 250000, "likes": 12, "library_name": "transformers",
            "tags": ["transformers", "pytorch", "bert"],
            "cardData": {"license": "apache-2.0"},
            "files": {"pytorch_model.bin": {
                "pickleImports": [{"module": "webbrowser", "name": "open",
                                   "safety": "dangerous"}] + INNOCUOUS_TORCH}},
        },
    },
    # The most downloaded, but flagged only for training_args.bin: triage skips it.
    "finetune-args-only": {
        "files": {"pytorch_model.bin": "benign/torch-state-dict.pt",
                  "training_args.bin": "benign/training_args.bin",
                  "config.json": CONFIG},
        "meta": {
            "downloads": 900000, "likes": 80, "library_name": "transformers",
            "tags": ["transformers", "pytorch"],
            "cardData": {"license": "cc-by-nc-4.0"},
            "files": {
                "pytorch_model.bin": {"pickleImports": INNOCUOUS_TORCH},
                "training_args.bin": {"pickleImports": [
                    {"module": "transformers.training_args", "name": "TrainingArguments",
                     "safety": "suspicious"},
                    {"module": "transformers.trainer_utils", "name": "IntervalStrategy",
                     "safety": "suspicious"}]},
            },
        },
    },
    # Nothing flagged, nothing to find.
    "clean-state-dict": {
        "files": {"pytorch_model.bin": "benign/torch-state-dict.pt", "config.json": CONFIG},
        "meta": {
            "downloads": 120000, "likes": 40, "library_name": "transformers",
            "tags": ["transformers", "pytorch"],
            "cardData": {"license": "mit"},
            "files": {"pytorch_model.bin": {"pickleImports": INNOCUOUS_TORCH}},
        },
    },
    # Flagged "suspicious" for a third-party class: only a reviewer can settle it.
    "custom-class-suspected": {
        "files": {"model.pkl": CUSTOM_CLASS_PICKLE},
        "meta": {
            "downloads": 7000, "likes": 3,
            "tags": ["pytorch"],
            "cardData": {"license": "creativeml-openrail-m"},
            "files": {"model.pkl": {"pickleImports": [
                {"module": "acme_models", "name": "CustomNet", "safety": "suspicious"}]}},
        },
    },
}


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    for name, spec in REPOS.items():
        d = os.path.join(OUT, name)
        os.makedirs(d)
        for rel, src in spec["files"].items():
            dst = os.path.join(d, rel)
            if isinstance(src, bytes):
                with open(dst, "wb") as f:
                    f.write(src)
            else:
                shutil.copyfile(os.path.join(FIX, src), dst)
        with open(os.path.join(d, "repo.json"), "w") as f:
            json.dump(spec["meta"], f, indent=2, sort_keys=True)
            f.write("\n")
    print(f"wrote {len(REPOS)} repos under {OUT}")


if __name__ == "__main__":
    main()
