"""End-to-end: triage, audit, review and status against the loopback hub stand-in.

Starts tests/hubstub/hubstub.py on 127.0.0.1 over a temporary copy of its repos (so a test can
change a file between audits), points HF_ENDPOINT at it, keeps the store in a temporary --db,
and checks every status transition: automatic statuses, missed-by-hub, reviews outranking the
automatic status, surviving re-scans while the file is unchanged, and being dropped (with the
reason in the history) when the file changes."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvtest  # noqa: E402

STUB = mvtest.SOURCE_DIR / "tests" / "hubstub" / "hubstub.py"
REPOS = mvtest.SOURCE_DIR / "tests" / "hubstub" / "repos"

# The triage queue: flagged models, most downloaded first; audit/finetune-args-only (900k
# downloads, flagged only for training_args.bin) and unflagged repos are not in it.
EXPECTED_QUEUE = ["audit/bert-tiny-browser", "examples/yolo-flagged-benign",
                  "audit/custom-class-suspected", "examples/gpt2-flagged-malicious"]


class HubAudit(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="mv_hub_audit_")
        cls.repos = os.path.join(cls.tmp, "repos")
        for org in ("audit", "examples"):
            shutil.copytree(REPOS / org, os.path.join(cls.repos, org))
        cls.db = os.path.join(cls.tmp, "store", "modelvet.db")
        cls.stub = subprocess.Popen(
            ["/usr/bin/python3", str(STUB), "--port", "0", "--exit-on-stdin-eof",
             "--repos", cls.repos],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = cls.stub.stdout.readline()
        if not line.startswith("HUBSTUB port="):
            cls.stub.kill()
            raise RuntimeError(f"hub stand-in did not start: {line!r}")
        port = int(line.split()[1].split("=")[1])
        cls.env = {k: v for k, v in os.environ.items()
                   if not k.startswith(("HF_", "HUGGING", "MODELVET_DB", "TRANSFORMERS_"))}
        cls.env["HF_ENDPOINT"] = f"http://127.0.0.1:{port}"
        cls.env["HF_HOME"] = os.path.join(cls.tmp, "hf")  # no token file of the user
        cls.env["USER"] = "e2e-user"

    @classmethod
    def tearDownClass(cls):
        cls.stub.stdin.close()
        try:
            cls.stub.wait(timeout=10)
        except subprocess.TimeoutExpired:
            cls.stub.kill()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # ---- helpers -------------------------------------------------------------------------------
    def mv(self, *args, env=None):
        return subprocess.run([mvtest.BIN, *map(str, args)], capture_output=True, text=True,
                              timeout=300, env=env or self.env)

    def json_of(self, p):
        try:
            return json.loads(p.stdout)
        except json.JSONDecodeError as e:
            raise AssertionError(f"not JSON ({e}); exit {p.returncode}; stdout={p.stdout[:400]!r}"
                                 f" stderr={p.stderr[:400]!r}")

    def status(self, model=None):
        args = ["--db", self.db, "status", "--format", "json"] + ([model] if model else [])
        p = self.mv(*args)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = self.json_of(p)
        for r in rows:
            self.assertIn("id", r)
            self.assertIn("status", r)
        return rows[0] if model else {r["id"]: r for r in rows}

    def audit(self, *models, expect_rc=None):
        p = self.mv("audit", "--db", self.db, "--format", "json", *models)
        if expect_rc is not None:
            self.assertEqual(p.returncode, expect_rc, p.stdout + p.stderr)
        return p, self.json_of(p)

    def review(self, model, path, decision, note, reviewer="alice"):
        return self.mv("--db", self.db, "review", model, path, "--decision", decision,
                       "--note", note, "--reviewer", reviewer)

    # ---- the scenario (methods run in name order and share the store) -------------------------
    def test_1_triage_queue(self):
        p = self.mv("--db", self.db, "triage", "--format", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        queue = self.json_of(p)
        self.assertEqual([q["id"] for q in queue], EXPECTED_QUEUE)
        self.assertEqual([q["downloads"] for q in queue], [250000, 48210, 7000, 912])
        yolo = queue[1]
        self.assertEqual(yolo["hub_flag"], "unsafe")
        self.assertEqual(sorted(f["path"] for f in yolo["flagged"]),
                         ["deepfashion2_yolov8s-seg.pt", "training_args.bin"])
        # Limits and filters.
        p = self.mv("--db", self.db, "triage", "--format", "json", "--limit", "2")
        self.assertEqual([q["id"] for q in self.json_of(p)], EXPECTED_QUEUE[:2])
        p = self.mv("--db", self.db, "triage", "--format", "json", "--author", "examples")
        self.assertEqual([q["id"] for q in self.json_of(p)], [EXPECTED_QUEUE[1], EXPECTED_QUEUE[3]])
        # The text table names the models in the same order.
        p = self.mv("--db", self.db, "triage")
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = [l for l in p.stdout.splitlines() if "/" in l and l[:1].isdigit()]
        self.assertEqual([l.split()[1] for l in lines], EXPECTED_QUEUE)
        # Triage saved the queue only, not yet audited.
        rows = self.status()
        self.assertEqual(sorted(rows), sorted(EXPECTED_QUEUE))
        self.assertTrue(all(r["status"] == "not-audited" for r in rows.values()))

    def test_2_audit_all_from_queue(self):
        p, out = self.audit("--all", expect_rc=1)  # something is confirmed unsafe
        got = {o["id"]: o for o in out}
        self.assertEqual(sorted(got), sorted(EXPECTED_QUEUE))
        bert = got["audit/bert-tiny-browser"]
        self.assertEqual(bert["status"], "confirmed-unsafe")
        self.assertFalse(bert["missed_by_hub"])
        self.assertTrue(bert["verification"].startswith("Verified unsafe: opens a web browser"),
                        bert["verification"])
        gpt2 = got["examples/gpt2-flagged-malicious"]
        self.assertEqual(gpt2["status"], "confirmed-unsafe")
        self.assertIn("echo gpt2-system", gpt2["verification"])
        yolo = got["examples/yolo-flagged-benign"]
        self.assertEqual(yolo["status"], "false-positive")
        self.assertTrue(yolo["verification"].startswith("False positive: "), yolo["verification"])
        self.assertIn("getattr", yolo["verification"])
        custom = got["audit/custom-class-suspected"]
        self.assertEqual(custom["status"], "suspected")
        self.assertIn("acme_models.CustomNet", custom["verification"])
        for o in out:
            self.assertEqual(o["status_source"], "automatic")
            self.assertGreater(o["bytes_read"], 0)

    def test_3_audit_unflagged_and_args_only(self):
        _, out = self.audit("audit/clean-state-dict", expect_rc=0)
        self.assertEqual(out[0]["status"], "no-findings")
        self.assertEqual(out[0]["verification"],
                         "No findings: 2 files checked, none flagged by the hub")
        _, out = self.audit("examples/legacy-unflagged-malicious", expect_rc=1)
        self.assertEqual(out[0]["status"], "confirmed-unsafe")
        self.assertTrue(out[0]["missed_by_hub"])
        self.assertIn("echo legacy-2", out[0]["verification"])
        # Flagged only for training_args.bin, which we clear: a false positive of the hub.
        _, out = self.audit("audit/finetune-args-only", expect_rc=0)
        self.assertEqual(out[0]["status"], "false-positive")
        # A gated repo is an error with a clear message; it is recorded as not verified (with
        # what the hub says of it), never audited and never dropped from the status table.
        p = self.mv("audit", "--db", self.db, "examples/gated-model")
        self.assertEqual(p.returncode, 2)
        self.assertIn("gated", p.stderr)
        gated = self.status()["examples/gated-model"]
        self.assertEqual((gated["status"], gated["verification"]),
                         ("not-audited", "not verified: access restricted (set HF_TOKEN)"))

    def test_4_status_table(self):
        rows = self.status()
        want = {
            "audit/bert-tiny-browser": ("confirmed-unsafe", False, "unsafe", "unsafe",
                                        "permissive"),
            "examples/gpt2-flagged-malicious": ("confirmed-unsafe", False, "unsafe", "unsafe",
                                                "permissive"),
            "examples/legacy-unflagged-malicious": ("confirmed-unsafe", True, "", "unsafe",
                                                    "unknown"),
            "examples/yolo-flagged-benign": ("false-positive", False, "unsafe", "safe",
                                             "strong-copyleft"),
            "audit/finetune-args-only": ("false-positive", False, "suspicious", "safe",
                                         "non-commercial"),
            "audit/custom-class-suspected": ("suspected", False, "suspicious", "needs-review",
                                             "use-restricted"),
            "audit/clean-state-dict": ("no-findings", False, "", "safe", "permissive"),
            "examples/gated-model": ("not-audited", False, "", "", "use-restricted"),
        }
        self.assertEqual(sorted(rows), sorted(want))
        for mid, (status, missed, hub, ours, risk) in want.items():
            r = rows[mid]
            self.assertEqual((r["status"], r["missed_by_hub"], r["hub_flag"], r["our_verdict"],
                              r["license_risk"]), (status, missed, hub, ours, risk), mid)
        self.assertEqual(rows["examples/legacy-unflagged-malicious"]["license"],
                         "other:acme-model-license")
        self.assertIn("Py.Malware.CodeExec_posix_system_GLOBAL",
                      rows["examples/gpt2-flagged-malicious"]["hub_message"])
        # Most downloaded first.
        self.assertEqual(list(rows)[:2], ["audit/finetune-args-only", "audit/bert-tiny-browser"])
        # Text table and the default store location ($MODELVET_DB).
        env = dict(self.env, MODELVET_DB=self.db)
        p = self.mv("status", env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("confirmed-unsafe (missed-by-hub)", p.stdout)
        self.assertIn("Verified unsafe: opens a web browser", p.stdout)
        self.assertIn("agpl-3.0 (strong-copyleft)", p.stdout)
        # One model: files, history.
        one = self.status("examples/legacy-unflagged-malicious")
        self.assertEqual([(h["from"], h["to"], h["source"], h["missed_by_hub"])
                          for h in one["history"]], [("", "confirmed-unsafe", "automatic", True)])
        self.assertIn("not flagged by the hub", one["history"][0]["reason"])
        files = {f["path"]: f for f in one["files"]}
        self.assertEqual(files["pytorch_model.bin"]["verdict"], "unsafe")
        self.assertEqual(files["pytorch_model.bin"]["hub_status"], "safe")
        self.assertEqual(len(files["pytorch_model.bin"]["sha256"]), 64)

    def test_5_review_survives_rescan_and_drops_on_change(self):
        m = "audit/custom-class-suspected"
        p = self.review(m, "model.pkl", "false-positive", "acme_models is our vetted package")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("suspected -> false-positive", p.stdout)
        s = self.status(m)
        self.assertEqual((s["status"], s["status_source"]), ("false-positive", "reviewer"))
        self.assertEqual(s["verification"],
                         "False positive per alice: acme_models is our vetted package")
        self.assertEqual(s["history"][-1]["source"], "reviewer")
        self.assertEqual(s["history"][-1]["who"], "alice")

        # Re-scan, file unchanged: the reviewer's decision stays, no new history entry.
        _, out = self.audit(m, expect_rc=0)
        self.assertEqual((out[0]["status"], out[0]["status_source"]),
                         ("false-positive", "reviewer"))
        s = self.status(m)
        self.assertEqual(len(s["history"]), 2)
        self.assertTrue(s["reviews"][0]["active"])

        # The file changes: the review no longer applies and the history says why.
        path = os.path.join(self.repos, "audit", "custom-class-suspected", "model.pkl")
        with open(path, "wb") as f:
            f.write(b"\x80\x02cacme_models\nOtherNet\nq\x00)\x81q\x01}q\x02b.")
        _, out = self.audit(m, expect_rc=0)
        self.assertEqual((out[0]["status"], out[0]["status_source"]), ("suspected", "automatic"))
        self.assertEqual(len(out[0]["stale_reviews"]), 1)
        self.assertIn("acme_models.OtherNet", out[0]["verification"])
        s = self.status(m)
        self.assertFalse(s["reviews"][0]["active"])
        self.assertIn("file changed", s["reviews"][0]["superseded_reason"])
        last = s["history"][-1]
        self.assertEqual((last["from"], last["to"], last["source"]),
                         ("false-positive", "suspected", "automatic"))
        self.assertIn("review by alice of model.pkl (false-positive) no longer applies: "
                      "file changed", last["reason"])

        # A reviewer confirms the new file: confirmed-unsafe; the hub flagged it, so not missed.
        p = self.review(m, "model.pkl", "confirmed-unsafe", "OtherNet downloads code", "bob")
        self.assertEqual(p.returncode, 0, p.stderr)
        s = self.status(m)
        self.assertEqual((s["status"], s["missed_by_hub"], s["status_source"]),
                         ("confirmed-unsafe", False, "reviewer"))
        self.assertEqual(s["verification"], "Verified unsafe by bob: OtherNet downloads code")
        self.assertEqual([h["to"] for h in s["history"]],
                         ["suspected", "false-positive", "suspected", "confirmed-unsafe"])

    def test_6_review_outranks_automatic_unsafe(self):
        m = "examples/gpt2-flagged-malicious"
        p = self.review(m, "pytorch_model.bin", "false-positive", "sandbox test repo")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.status(m)["status"], "false-positive")
        _, out = self.audit(m, expect_rc=0)  # still the same file: the decision holds
        self.assertEqual(out[0]["status"], "false-positive")
        # Reviewer defaults to $USER.
        p = self.mv("--db", self.db, "review", m, "pytorch_model.bin", "--decision",
                    "confirmed-unsafe", "--note", "on second thought")
        self.assertEqual(p.returncode, 0, p.stderr)
        s = self.status(m)
        self.assertEqual((s["status"], s["status_source"]), ("confirmed-unsafe", "reviewer"))
        self.assertEqual(s["history"][-1]["who"], "e2e-user")
        self.assertEqual([r["active"] for r in s["reviews"]], [False, True])

    def test_7_review_errors(self):
        p = self.review("examples/yolo-flagged-benign", "nope.bin", "false-positive", "x")
        self.assertEqual(p.returncode, 2)
        self.assertIn("has no file `nope.bin`", p.stderr)
        p = self.review("examples/private-model", "model.pt", "false-positive", "x")
        self.assertEqual(p.returncode, 2)
        self.assertIn("has not been audited", p.stderr)
        p = self.mv("--db", self.db, "review", "audit/clean-state-dict", "config.json",
                    "--decision", "maybe", "--note", "x")
        self.assertEqual(p.returncode, 2)
        p = self.mv("--db", self.db, "status", "no/such-model")
        self.assertEqual(p.returncode, 2)


if __name__ == "__main__":
    mvtest.main()
