"""End-to-end: `modelvet inventory` on the fixture codebases (offline, no hub).

tests/fixtures/inventory/expected.tsv lists every model reference, dynamic reference and
committed model file each codebase holds; the inventory must report exactly those (recall and
precision are printed). Also: the JSON shape, the CycloneDX BOM against the official 1.6 schema,
escaping of hostile file names, and limits that make the inventory incomplete."""

import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvtest  # noqa: E402

FIXTURES = mvtest.SOURCE_DIR / "tests" / "fixtures" / "inventory"
EXPECTED = FIXTURES / "expected.tsv"
SCHEMAS = mvtest.SOURCE_DIR / "tests" / "third_party" / "cyclonedx"
MODEL_KEYS = ["provider", "id", "category", "revision", "remote_code", "references", "status",
              "license", "license_risk"]
SCORES = {}


def load_expected():
    rows = collections.defaultdict(set)
    with open(EXPECTED, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 7:
                raise ValueError(f"{EXPECTED}:{n}: expected 7 tab-separated columns")
            rows[cols[0]].add(tuple(cols[1:]))
    return rows


def rows_of(doc):
    """The inventory JSON as expected.tsv rows (without the codebase column)."""
    out = set()
    for m in doc["models"]:
        for r in m["references"]:
            out.add(("model", m["provider"], m["id"], m["revision"] or "-",
                     f"{r['path']}:{r['line']}", "remote" if m["remote_code"] else "-"))
    for d in doc["dynamic_references"]:
        out.add(("dynamic", "-", "-", "-", f"{d['path']}:{d['line']}", "-"))
    for a in doc["artifacts"]:
        out.add(("artifact", a["verdict"], a["format"], "-", a["path"], "-"))
    return out


def validate_bom(bom):
    import jsonschema
    schemas = {}
    for name in ("bom-1.6.SNAPSHOT.schema.json", "spdx.SNAPSHOT.schema.json",
                 "jsf-0.82.SNAPSHOT.schema.json"):
        with open(SCHEMAS / name, encoding="utf-8") as f:
            schemas[name] = json.load(f)
    store = {}
    for name, s in schemas.items():
        store[s["$id"]] = s
        store["http://cyclonedx.org/schema/" + name] = s
    root = schemas["bom-1.6.SNAPSHOT.schema.json"]
    resolver = jsonschema.RefResolver.from_schema(root, store=store)
    jsonschema.Draft7Validator(root, resolver=resolver,
                               format_checker=jsonschema.FormatChecker()).validate(bom)


class Inventory(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="mv_inventory_")
        cls.db = os.path.join(cls.tmp, "modelvet.db")
        cls.expected = load_expected()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def inventory(self, path, *args, expect_rc=0):
        p = subprocess.run([mvtest.BIN, "--db", self.db, "inventory", str(path), "--offline",
                            "-q", *args], capture_output=True, timeout=300)
        if expect_rc is not None:
            self.assertEqual(p.returncode, expect_rc, p.stderr.decode(errors="replace"))
        return p

    def inventory_json(self, path, *args):
        p = self.inventory(path, "--format", "json", *args)
        return json.loads(p.stdout)

    # ---- exact recall and precision on the fixture codebases ---------------------------------
    def test_fixture_codebases(self):
        failures = []
        for codebase in sorted(self.expected):
            want = self.expected[codebase]
            got = rows_of(self.inventory_json(FIXTURES / codebase))
            hit = len(want & got)
            SCORES[codebase] = (hit, len(want), len(got))
            for row in sorted(want - got):
                failures.append(f"{codebase}: missed {' '.join(row)}")
            for row in sorted(got - want):
                failures.append(f"{codebase}: extra  {' '.join(row)}")
        self.assertEqual(failures, [])

    def test_json_shape(self):
        doc = self.inventory_json(FIXTURES / "support-bot")
        self.assertEqual(list(doc), ["models", "dynamic_references", "artifacts", "incomplete"])
        for m in doc["models"]:
            self.assertEqual(list(m), MODEL_KEYS)
            self.assertIn(m["category"], ("self-hosted", "ai-service"))
            for r in m["references"]:
                self.assertEqual(list(r), ["path", "line", "via"])
                self.assertFalse(os.path.isabs(r["path"]))
        for d in doc["dynamic_references"]:
            self.assertEqual(list(d), ["path", "line", "text"])
        for a in doc["artifacts"]:
            self.assertEqual(list(a), ["path", "format", "verdict", "summary"])
        chat = [m for m in doc["models"] if m["id"] == "examplecorp/chat-13b" and m["revision"]]
        self.assertEqual(len(chat), 1)
        self.assertTrue(chat[0]["remote_code"])
        self.assertEqual(chat[0]["revision"], "v1.2")
        # Offline and never audited: no status, no license.
        self.assertTrue(all(m["status"] is None for m in doc["models"]))

    def test_text_table(self):
        p = self.inventory(FIXTURES / "support-bot")
        out = p.stdout.decode()
        lines = out.splitlines()
        self.assertEqual(lines[0].split(), ["MODEL", "PROVIDER", "CATEGORY", "STATUS", "LICENSE",
                                            "USED", "AT"])
        self.assertIn("examplecorp/chat-13b@v1.2 [remote code]", out)
        router = [l for l in lines if l.startswith("weights/router.pkl")]
        self.assertEqual(len(router), 1)
        self.assertEqual(router[0].split()[1:4], ["artifact", "self-hosted", "unsafe"])
        self.assertIn("4 dynamic references (id built at run time): bot/nlu.py:22", out)

    def test_single_file_and_missing_root(self):
        doc = self.inventory_json(FIXTURES / "ml-training" / "src" / "distill.py")
        self.assertEqual(sorted(m["id"] for m in doc["models"]),
                         ["bert-base-uncased", "distilroberta-base",
                          "microsoft/deberta-v3-large", "roberta-large"])
        self.assertEqual(doc["models"][0]["references"][0]["path"], "distill.py")
        p = self.inventory(os.path.join(self.tmp, "does-not-exist"), expect_rc=2)
        self.assertIn(b"no such file", p.stderr)

    # ---- CycloneDX ---------------------------------------------------------------------------
    def test_cyclonedx_validates(self):
        for codebase in ("support-bot", "vision-service", "web-frontend"):
            bom = json.loads(self.inventory(FIXTURES / codebase, "--format", "cyclonedx").stdout)
            validate_bom(bom)
            self.assertEqual(bom["specVersion"], "1.6")
            self.assertEqual(bom["metadata"]["component"]["name"], codebase)
            comps = {c["bom-ref"]: c for c in bom["components"]}
            self.assertTrue(all(c["type"] == "machine-learning-model" for c in comps.values()))
            if codebase == "support-bot":
                chat = comps["model:huggingface/examplecorp/chat-13b@v1.2"]
                self.assertEqual(chat["purl"], "pkg:huggingface/examplecorp/chat-13b@v1.2")
                self.assertEqual(chat["group"], "examplecorp")
                occ = chat["evidence"]["occurrences"]
                self.assertIn({"location": "bot/llm.py", "line": 9,
                               "additionalContext": "from_pretrained"}, occ)
                claude = comps["model:anthropic/claude-3-haiku-20240307"]
                self.assertNotIn("purl", claude)
                # The committed unsafe pickle is a vulnerability of the BOM.
                vulns = bom["vulnerabilities"]
                self.assertEqual([v["affects"][0]["ref"] for v in vulns],
                                 ["artifact:weights/router.pkl"])
            if codebase == "vision-service":
                yolo = comps["model:github/ultralytics/yolov5"]
                self.assertEqual(yolo["purl"], "pkg:github/ultralytics/yolov5")
                self.assertNotIn("vulnerabilities", bom)

    def test_cyclonedx_schema_catches_defects(self):
        # The validation is real: a BOM with a wrong component type fails it.
        import jsonschema
        bom = json.loads(self.inventory(FIXTURES / "support-bot", "--format", "cyclonedx").stdout)
        bom["components"][0]["type"] = "model"
        with self.assertRaises(jsonschema.ValidationError):
            validate_bom(bom)

    # ---- hostile input -------------------------------------------------------------------------
    def test_hostile_names_are_escaped(self):
        root = os.path.join(self.tmp, "hostile")
        os.makedirs(root)
        evil = "evil\x1b[31mred\x07\u202e.py"
        with open(os.path.join(root, evil), "w", encoding="utf-8") as f:
            f.write("from transformers import AutoModel\n"
                    "AutoModel.from_pretrained('org/escaped')\n"
                    "AutoModel.from_pretrained(f'org/{x}\\x1b[2J')\n")
        with open(os.path.join(root, "bad.py"), "wb") as f:
            f.write(b"from transformers import AutoModel\nAutoModel.from_pretrained(n)  # \xff\xfe\n")
        # A file name that is not UTF-8 (bytes on disk, as any attacker-made tree may have).
        raw = os.path.join(os.fsencode(root), b"lat\xe9\x9b.py")
        with open(raw, "wb") as f:
            f.write(b"from transformers import AutoModel\nAutoModel.from_pretrained('org/latin')\n")
        with open(os.path.join(os.fsencode(root), b"w eights#1\xff.pkl"), "wb") as f:
            f.write(b"cos\nsystem\n(S'echo'\ntR.")  # an unsafe committed model file
        p = self.inventory(root)
        self.assertNotIn(b"\x1b", p.stdout)
        self.assertNotIn(b"\x07", p.stdout)
        self.assertNotIn("\u202e".encode(), p.stdout)
        self.assertNotIn(b"\xe9\x9b", p.stdout)
        # The shared escaping of untrusted text (core/text.h): Python repr style.
        self.assertIn(b"evil\\x1b[31mred\\x07\\u202e.py", p.stdout)
        self.assertIn(b"lat\\xe9\\x9b.py", p.stdout)
        doc = json.loads(self.inventory(root, "--format", "json").stdout)
        paths = {m["id"]: m["references"][0]["path"] for m in doc["models"]}
        self.assertEqual(paths["org/escaped"], evil)
        # Bytes that are not UTF-8 come back exactly (surrogateescape, docs/cli.md).
        self.assertEqual(paths["org/latin"].encode("utf-8", "surrogateescape"), b"lat\xe9\x9b.py")
        self.assertEqual(len(doc["dynamic_references"]), 2)
        sarif = json.loads(self.inventory(root, "--format", "sarif").stdout)
        uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                for r in sarif["runs"][0]["results"]]
        self.assertEqual(uris, ["w%20eights%231%FF.pkl"])  # percent-encoded, never raw
        bom = json.loads(self.inventory(root, "--format", "cyclonedx").stdout)
        validate_bom(bom)
        self.assertIn("org/latin", {c["group"] + "/" + c["name"] for c in bom["components"]
                                    if "group" in c})

    def test_limits_make_the_inventory_incomplete(self):
        root = os.path.join(self.tmp, "limits")
        os.makedirs(root)
        with open(os.path.join(root, "deep.py"), "w") as f:
            f.write("from transformers import AutoModel\n"
                    "AutoModel.from_pretrained('org/before')\n"
                    "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n")
        with open(os.path.join(root, "huge.py"), "w") as f:
            f.write("# generated\n" + "x = 1\n" * ((3 << 20) // 6))
        doc = self.inventory_json(root)
        self.assertEqual([m["id"] for m in doc["models"]], ["org/before"])
        reasons = {i["path"]: i["reason"] for i in doc["incomplete"]}
        self.assertTrue(reasons["deep.py"].startswith("limit.inventory-nesting"), reasons)
        self.assertTrue(reasons["huge.py"].startswith("limit.inventory-file-size"), reasons)
        p = self.inventory(root)
        self.assertIn(b"not fully read: deep.py", p.stdout)
        # A gate cannot pass what was not read: exit 2.
        self.inventory(root, "--fail-on", "confirmed-unsafe", expect_rc=2)

    def test_vendored_and_linked_directories_are_skipped(self):
        root = os.path.join(self.tmp, "vendored")
        for d in ("node_modules/pkg", ".venv/lib", "env/lib", "src"):
            os.makedirs(os.path.join(root, d))
        open(os.path.join(root, "env", "pyvenv.cfg"), "w").close()
        for d in ("node_modules/pkg", ".venv/lib", "env/lib", "src"):
            with open(os.path.join(root, d, "m.py"), "w") as f:
                f.write("from transformers import AutoModel\n"
                        f"AutoModel.from_pretrained('org/{d.split('/')[0].strip('.')}')\n")
        os.symlink(os.path.join(root, "node_modules"), os.path.join(root, "src", "link"))
        doc = self.inventory_json(root)
        self.assertEqual([m["id"] for m in doc["models"]], ["org/src"])

    def test_without_a_store(self):
        # A store that cannot be opened: the models are still listed, without statuses; a gate
        # cannot be decided and a project cannot be stored.
        bad = os.path.join(self.tmp, "not-a-db")
        os.makedirs(bad, exist_ok=True)
        run = lambda *a: subprocess.run([mvtest.BIN, "--db", bad, "inventory",
                                         str(FIXTURES / "web-frontend"), "--offline", "-q", *a],
                                        capture_output=True, timeout=300)
        p = run("--format", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(json.loads(p.stdout)["models"]), 7)
        self.assertEqual(run("--fail-on", "confirmed-unsafe").returncode, 2)
        self.assertEqual(run("--project", "web").returncode, 2)

    def test_bad_fail_on_value(self):
        p = self.inventory(FIXTURES / "web-frontend", "--fail-on", "unsafe", expect_rc=2)
        self.assertIn(b"--fail-on takes", p.stderr)


def report():
    if not SCORES:
        return
    hit = sum(h for h, _, _ in SCORES.values())
    want = sum(w for _, w, _ in SCORES.values())
    got = sum(g for _, _, g in SCORES.values())
    for name, (h, w, g) in sorted(SCORES.items()):
        print(f"{name}: recall {h}/{w}, precision {h}/{g}")
    print(f"inventory fixtures: recall {hit}/{want} = {hit / max(want, 1):.3f}, "
          f"precision {hit}/{got} = {hit / max(got, 1):.3f}")


if __name__ == "__main__":
    mvtest.main(report)
