"""End-to-end: `modelvet inventory` as a CI gate against the loopback hub stand-in.

Small application trees are written at test time; the models they load live in the stand-in's
repos (tests/hubstub/repos/audit: clean-state-dict is no-findings, bert-tiny-browser is
confirmed-unsafe, custom-class-suspected is suspected; examples/gated-model cannot be read).
Checked: auditing models the store does not know, the exit codes of --fail-on, --offline
(store only, no hub request), --queue, projects and `status --project`, the CycloneDX and
SARIF renderings of audited models, a reviewer's false-positive decision, and which gate waits
for what (hub statuses, committed files that need review)."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvtest  # noqa: E402
from test_inventory import validate_bom  # noqa: E402

STUB = mvtest.SOURCE_DIR / "tests" / "hubstub" / "hubstub.py"
REPOS = mvtest.SOURCE_DIR / "tests" / "hubstub" / "repos"
GATE = "confirmed-unsafe,suspected,unsafe-artifact"
# A pickle of a class of the application's own package (`acme_models.Net`): the engine can
# neither prove it unsafe nor clear it (loading imports that module), so it needs review.
OWN_CLASS_PICKLE = b"\x80\x02cacme_models\nNet\nq\x00)\x81q\x01}q\x02b."

APPS = {
    "clean": {"app.py": "from transformers import AutoModel\n"
                        "import anthropic\n"
                        "model = AutoModel.from_pretrained('audit/clean-state-dict')\n"
                        "anthropic.Anthropic().messages.create(model='claude-3-haiku-20240307')\n"},
    "unsafe": {"app.py": "from transformers import AutoModel, AutoTokenizer\n"
                         "NAME = 'audit/bert-tiny-browser'\n"
                         "tok = AutoTokenizer.from_pretrained(NAME)\n"
                         "model = AutoModel.from_pretrained(NAME)\n",
               "Dockerfile": "FROM python:3.11\n"
                             "RUN huggingface-cli download audit/bert-tiny-browser\n"},
    "suspected": {"load.py": "from huggingface_hub import hf_hub_download\n"
                             "import joblib\n"
                             "path = hf_hub_download('audit/custom-class-suspected', 'model.pkl')\n"},
    "gated": {"app.py": "from transformers import AutoModel\n"
                        "AutoModel.from_pretrained('examples/gated-model')\n"},
}


class InventoryGate(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="mv_inventory_gate_")
        repos = os.path.join(cls.tmp, "repos")
        for org in ("audit", "examples"):
            shutil.copytree(REPOS / org, os.path.join(repos, org))
        cls.db = os.path.join(cls.tmp, "store", "modelvet.db")
        cls.stub = subprocess.Popen(
            ["/usr/bin/python3", str(STUB), "--port", "0", "--exit-on-stdin-eof",
             "--repos", repos],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = cls.stub.stdout.readline()
        if not line.startswith("HUBSTUB port="):
            cls.stub.kill()
            raise RuntimeError(f"hub stand-in did not start: {line!r}")
        cls.port = int(line.split()[1].split("=")[1])
        cls.env = {k: v for k, v in os.environ.items()
                   if not k.startswith(("HF_", "HUGGING", "MODELVET_DB", "TRANSFORMERS_"))}
        cls.env["HF_ENDPOINT"] = f"http://127.0.0.1:{cls.port}"
        cls.env["HF_HOME"] = os.path.join(cls.tmp, "hf")
        cls.apps = {}
        for name, files in APPS.items():
            root = os.path.join(cls.tmp, "apps", name)
            for rel, text in files.items():
                os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
                with open(os.path.join(root, rel), "w") as f:
                    f.write(text)
            cls.apps[name] = root
        # An application with a committed malicious pickle (and a clean hub model).
        art = os.path.join(cls.tmp, "apps", "artifact")
        shutil.copytree(cls.apps["clean"], art)
        os.makedirs(os.path.join(art, "weights"))
        shutil.copy(mvtest.SOURCE_DIR / "tests" / "fixtures" / "inventory" / "support-bot" /
                    "weights" / "router.pkl", os.path.join(art, "weights", "router.bin"))
        cls.apps["artifact"] = art

    @classmethod
    def tearDownClass(cls):
        cls.stub.stdin.close()
        try:
            cls.stub.wait(timeout=10)
        except subprocess.TimeoutExpired:
            cls.stub.kill()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def mv(self, *args, db=None):
        return subprocess.run([mvtest.BIN, "--db", db or self.db, *map(str, args)],
                              capture_output=True, text=True, timeout=300, env=self.env)

    def inventory(self, app, *args, db=None, expect_rc=None):
        p = self.mv("inventory", self.apps[app], "-q", *args, db=db)
        if expect_rc is not None:
            self.assertEqual(p.returncode, expect_rc, p.stdout + p.stderr)
        return p

    def models(self, app, *args, db=None, expect_rc=None):
        p = self.inventory(app, "--format", "json", *args, db=db, expect_rc=expect_rc)
        return {m["id"]: m for m in json.loads(p.stdout)["models"]}

    def stub_requests(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stub/stats") as r:
            return json.load(r)["requests"]

    # Methods run in name order and share the store.
    def test_1_clean_passes_and_is_audited(self):
        m = self.models("clean", "--fail-on", GATE, expect_rc=0)
        clean = m["audit/clean-state-dict"]
        self.assertEqual(clean["status"], "no-findings")
        self.assertEqual(clean["license"], "mit")
        self.assertEqual(clean["license_risk"], "permissive")
        self.assertIsNone(m["claude-3-haiku-20240307"]["status"])  # services are not audited
        p = self.mv("status", "audit/clean-state-dict", "--format", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)[0]["status"], "no-findings")

    def test_2_confirmed_unsafe_fails_the_gate(self):
        p = self.inventory("unsafe", "--fail-on", GATE, expect_rc=1)
        self.assertIn("--fail-on: confirmed-unsafe", p.stderr)
        row = [l for l in p.stdout.splitlines() if l.startswith("audit/bert-tiny-browser")][0]
        self.assertEqual(row.split()[1:4], ["huggingface", "self-hosted", "confirmed-unsafe"])
        self.assertIn("apache-2.0 (permissive)", row)
        self.assertIn("Dockerfile:2 (+2 more)", row)
        self.inventory("unsafe", expect_rc=0)  # no gate, no failure

    def test_3_suspected_is_gated_only_when_asked(self):
        m = self.models("suspected", "--fail-on", "confirmed-unsafe", expect_rc=0)
        self.assertEqual(m["audit/custom-class-suspected"]["status"], "suspected")
        p = self.inventory("suspected", "--fail-on", "confirmed-unsafe", "--fail-on", "suspected",
                           expect_rc=1)
        self.assertIn("--fail-on: suspected", p.stderr)

    def test_4_unsafe_artifact(self):
        self.inventory("artifact", "--fail-on", "confirmed-unsafe,suspected", expect_rc=0)
        p = self.inventory("artifact", "--fail-on", "unsafe-artifact", expect_rc=1)
        self.assertIn("--fail-on: unsafe-artifact", p.stderr)
        doc = json.loads(self.inventory("artifact", "--format", "json").stdout)
        self.assertEqual([(a["path"], a["verdict"]) for a in doc["artifacts"]],
                         [("weights/router.bin", "unsafe")])

    def test_5_unauditable_model_leaves_the_gate_undecided(self):
        p = self.inventory("gated", "--fail-on", GATE, expect_rc=2)
        self.assertIn("--fail-on undecided: examples/gated-model", p.stderr)
        p = self.inventory("gated", expect_rc=0)
        self.assertIn("not audited", p.stdout)

    def test_6_offline_reads_the_store_only(self):
        before = self.stub_requests()
        p = self.inventory("unsafe", "--offline", "--fail-on", "confirmed-unsafe", expect_rc=1)
        self.assertIn("confirmed-unsafe", p.stdout)
        self.assertEqual(self.stub_requests(), before)
        # A fresh store knows nothing: offline, the gate cannot be decided.
        fresh = os.path.join(self.tmp, "fresh.db")
        self.inventory("unsafe", "--offline", "--fail-on", "confirmed-unsafe", db=fresh,
                       expect_rc=2)
        self.assertEqual(self.stub_requests(), before)

    def test_7_queue_then_audit_all(self):
        queued = os.path.join(self.tmp, "queued.db")
        p = self.inventory("suspected", "--queue", db=queued, expect_rc=0)
        self.assertIn("1 model queued", p.stderr)
        p = self.mv("status", "--format", "json", db=queued)
        self.assertEqual([(r["id"], r["status"]) for r in json.loads(p.stdout)],
                         [("audit/custom-class-suspected", "not-audited")])
        p = self.mv("audit", "--all", "--format", "json", db=queued)
        self.assertEqual(json.loads(p.stdout)[0]["status"], "suspected")
        m = self.models("suspected", "--offline", db=queued, expect_rc=0)
        self.assertEqual(m["audit/custom-class-suspected"]["status"], "suspected")

    def test_8_projects(self):
        self.inventory("unsafe", "--project", "support-bot", expect_rc=0)
        self.inventory("artifact", "--project", "search", expect_rc=0)
        self.inventory("clean", "--project", "billing", expect_rc=0)
        p = self.mv("status", "--project", "support-bot", "--format", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = json.loads(p.stdout)
        self.assertEqual(doc["project"]["name"], "support-bot")
        self.assertTrue(doc["project"]["last_inventory"].endswith("Z"))
        bert = [m for m in doc["models"] if m["id"] == "audit/bert-tiny-browser"][0]
        self.assertEqual(bert["status"], "confirmed-unsafe")
        self.assertEqual(bert["projects"], 1)
        self.assertEqual(len(bert["references"]), 3)
        p = self.mv("status", "--project", "search", "--format", "json")
        doc = json.loads(p.stdout)
        clean = [m for m in doc["models"] if m["id"] == "audit/clean-state-dict"][0]
        self.assertEqual(clean["projects"], 2)  # search and billing: counted once each
        self.assertEqual([a["path"] for a in doc["artifacts"]], ["weights/router.bin"])
        p = self.mv("status", "--project", "search")
        self.assertEqual(p.returncode, 0, p.stderr)
        header = [l for l in p.stdout.splitlines() if l.startswith("MODEL")][0]
        self.assertEqual(header.split()[:6], ["MODEL", "PROVIDER", "CATEGORY", "STATUS",
                                              "LICENSE", "PROJECTS"])
        # A new inventory replaces the project's previous one.
        self.inventory("gated", "--project", "search", expect_rc=0)
        doc = json.loads(self.mv("status", "--project", "search", "--format", "json").stdout)
        self.assertEqual([m["id"] for m in doc["models"]], ["examples/gated-model"])
        self.assertEqual(doc["artifacts"], [])
        p = self.mv("status", "--project", "nope")
        self.assertEqual(p.returncode, 2)
        self.assertIn("no project `nope`", p.stderr)

    def test_9_bom_and_sarif_of_audited_models(self):
        bom = json.loads(self.inventory("unsafe", "--format", "cyclonedx", "--offline").stdout)
        validate_bom(bom)
        comp = [c for c in bom["components"] if c.get("name") == "bert-tiny-browser"][0]
        self.assertTrue(comp["purl"].startswith("pkg:huggingface/audit/bert-tiny-browser@"))
        self.assertEqual(comp["licenses"], [{"license": {"name": "apache-2.0"}}])
        self.assertTrue(comp["hashes"] and all(h["alg"] == "SHA-256" and len(h["content"]) == 64
                                               for h in comp["hashes"]))
        props = {p["name"]: p["value"] for p in comp["properties"]}
        self.assertEqual(props["modelvet:status"], "confirmed-unsafe")
        self.assertEqual([v["affects"][0]["ref"] for v in bom["vulnerabilities"]],
                         [comp["bom-ref"]])
        sarif = json.loads(self.inventory("unsafe", "--format", "sarif", "--offline").stdout)
        results = sarif["runs"][0]["results"]
        where = sorted((r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                        r["locations"][0]["physicalLocation"]["region"]["startLine"],
                        r["ruleId"], r["level"]) for r in results)
        self.assertEqual(where, [("Dockerfile", 2, "inventory.confirmed-unsafe-model", "error"),
                                 ("app.py", 3, "inventory.confirmed-unsafe-model", "error"),
                                 ("app.py", 4, "inventory.confirmed-unsafe-model", "error")])
        sarif = json.loads(self.inventory("suspected", "--format", "sarif", "--offline").stdout)
        self.assertEqual([(r["ruleId"], r["level"]) for r in sarif["runs"][0]["results"]],
                         [("inventory.suspected-model", "warning")])


    # ---- own stores (independent of the numbered tests' shared store) ----------------------
    def own_db(self, name):
        return os.path.join(self.tmp, "own", name, "modelvet.db")

    def test_false_positive_status_passes_the_gate(self):
        db = self.own_db("false-positive")
        model = "audit/custom-class-suspected"
        m = self.models("suspected", db=db, expect_rc=0)
        self.assertEqual(m[model]["status"], "suspected")
        files = json.loads(self.mv("status", "--format", "json", model, db=db).stdout)[0]["files"]
        flagged = [f["path"] for f in files if f["verdict"] != "safe"]
        self.assertTrue(flagged, files)
        for path in flagged:
            p = self.mv("review", model, path, "--decision", "false-positive", "--note",
                        "our own class, vetted", "--reviewer", "alice", db=db)
            self.assertEqual(p.returncode, 0, p.stderr)
        m = self.models("suspected", "--offline", "--fail-on", "confirmed-unsafe,suspected",
                        db=db, expect_rc=0)
        self.assertEqual(m[model]["status"], "false-positive")
        p = self.inventory("suspected", "--offline", db=db, expect_rc=0)
        row = [l for l in p.stdout.splitlines() if l.startswith(model)][0]
        self.assertEqual(row.split()[3], "false-positive", row)
        bom = json.loads(self.inventory("suspected", "--offline", "--format", "cyclonedx",
                                        db=db, expect_rc=0).stdout)
        validate_bom(bom)
        comp = [c for c in bom["components"] if c.get("name") == "custom-class-suspected"][0]
        props = {p["name"]: p["value"] for p in comp["properties"]}
        self.assertEqual(props["modelvet:status"], "false-positive")
        self.assertEqual([v for v in bom.get("vulnerabilities", [])
                          if any(a["ref"] == comp["bom-ref"] for a in v["affects"])], [])
        sarif = json.loads(self.inventory("suspected", "--offline", "--format", "sarif",
                                          db=db).stdout)
        self.assertEqual(sarif["runs"][0]["results"], [])

    def test_each_gate_waits_only_for_what_it_covers(self):
        db = self.own_db("gates")
        # A hub model that cannot be audited does not hold up the artifact gate …
        self.inventory("gated", "--fail-on", "unsafe-artifact", db=db, expect_rc=0)
        # … but holds up the status gates.
        for gate in ("confirmed-unsafe", "suspected", GATE):
            p = self.inventory("gated", "--fail-on", gate, db=db, expect_rc=2)
            self.assertIn("--fail-on undecided: examples/gated-model", p.stderr)

    def test_a_committed_file_that_needs_review_leaves_the_artifact_gate_undecided(self):
        db = self.own_db("needs-review")
        app = os.path.join(self.tmp, "apps", "own-class")
        os.makedirs(os.path.join(app, "weights"), exist_ok=True)
        with open(os.path.join(app, "weights", "net.bin"), "wb") as f:
            f.write(OWN_CLASS_PICKLE)
        self.apps["own-class"] = app
        doc = json.loads(self.inventory("own-class", "--format", "json", db=db).stdout)
        self.assertEqual([(a["path"], a["verdict"]) for a in doc["artifacts"]],
                         [("weights/net.bin", "needs-review")])
        p = self.inventory("own-class", "--fail-on", "unsafe-artifact", db=db, expect_rc=2)
        self.assertIn("--fail-on undecided: weights/net.bin: needs-review", p.stderr)
        # The status gates are not about committed files.
        self.inventory("own-class", "--fail-on", "confirmed-unsafe,suspected", db=db,
                       expect_rc=0)
        # Your own module, trusted as for `scan`, clears the file: the gate passes.
        p = subprocess.run([mvtest.BIN, "--db", db, "--trust-module", "acme_models",
                            "inventory", app, "-q", "--fail-on", "unsafe-artifact"],
                           capture_output=True, text=True, timeout=300, env=self.env)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        # Something unsafe still wins over what is undecided.
        shutil.copy(os.path.join(self.apps["artifact"], "weights", "router.bin"),
                    os.path.join(app, "weights", "router.bin"))
        p = self.inventory("own-class", "--fail-on", "unsafe-artifact", db=db, expect_rc=1)
        self.assertIn("--fail-on: unsafe-artifact", p.stderr)


if __name__ == "__main__":
    mvtest.main()
