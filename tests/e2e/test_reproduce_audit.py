"""End-to-end: `modelvet audit --reproduce` against the loopback hub stand-in. A statically
unsafe file that is reproduced becomes `Reproduced: …` with the observation as evidence and the
status history says so (again on every reproduced audit); a needs-review file whose run shows
nothing stays needs-review (a quiet run never clears); a statically safe file is never run;
without --reproduce nothing runs. Skipped loudly where the sandbox cannot run (see
test_reproduce.py)."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvtest  # noqa: E402
from test_reproduce import PROBLEM, write_exec_repo  # noqa: E402

STUB = mvtest.SOURCE_DIR / "tests" / "hubstub" / "hubstub.py"
HUB_REPOS = mvtest.SOURCE_DIR / "tests" / "hubstub" / "repos"


@unittest.skipIf(PROBLEM, f"sandbox unavailable: {PROBLEM}")
class AuditReproduce(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="mv_audit_reproduce_")
        repos = os.path.join(cls.tmp, "repos")
        write_exec_repo(os.path.join(repos, "repro", "pickle-exec"))
        shutil.copytree(HUB_REPOS / "audit" / "custom-class-suspected",
                        os.path.join(repos, "repro", "custom-class"))
        cls.db = os.path.join(cls.tmp, "store", "modelvet.db")
        cls.stub = subprocess.Popen(
            ["/usr/bin/python3", str(STUB), "--port", "0", "--exit-on-stdin-eof", "--repos",
             repos], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True)
        line = cls.stub.stdout.readline()
        if not line.startswith("HUBSTUB port="):
            cls.stub.kill()
            raise RuntimeError(f"hub stand-in did not start: {line!r}")
        port = int(line.split()[1].split("=")[1])
        cls.env = {k: v for k, v in os.environ.items()
                   if not k.startswith(("HF_", "HUGGING", "MODELVET_DB"))}
        cls.env["HF_ENDPOINT"] = f"http://127.0.0.1:{port}"
        cls.env["HF_HOME"] = os.path.join(cls.tmp, "hf")

    @classmethod
    def tearDownClass(cls):
        cls.stub.stdin.close()
        try:
            cls.stub.wait(timeout=10)
        except subprocess.TimeoutExpired:
            cls.stub.kill()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def mv(self, *args):
        return subprocess.run([mvtest.BIN, "--db", self.db, *map(str, args)], capture_output=True,
                              text=True, timeout=600, env=self.env)

    def audit(self, *args, rc):
        p = self.mv("audit", "--format", "json", "-q", *args)
        self.assertEqual(p.returncode, rc, p.stderr)
        return json.loads(p.stdout)[0]

    def details(self, model):
        p = self.mv("status", "--format", "json", model)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)[0]

    def rows(self, model):
        with sqlite3.connect(self.db) as db:
            return db.execute("SELECT path, outcome FROM reproductions WHERE model = ? "
                              "ORDER BY id", (model,)).fetchall()

    def test_1_without_the_flag_nothing_runs(self):
        out = self.audit("repro/pickle-exec", rc=1)
        self.assertEqual(out["status"], "confirmed-unsafe")
        self.assertNotIn("Reproduced", out["verification"])
        self.assertEqual(self.rows("repro/pickle-exec"), [])

    def test_2_reproduced_unsafe_file(self):
        out = self.audit("--reproduce", "repro/pickle-exec", rc=1)
        self.assertEqual(out["status"], "confirmed-unsafe")
        self.assertIn("Reproduced: loading it ran `sh -c id`", out["verification"])
        files = {f["path"]: f for f in out["files"]}
        self.assertEqual(files["model.pkl"]["verdict"], "unsafe")
        self.assertTrue(files["model.pkl"]["summary"].startswith("Reproduced: "))
        self.assertEqual(files["weights.pkl"]["verdict"], "safe")  # never run
        self.assertEqual(self.rows("repro/pickle-exec"), [("model.pkl", "payload-observed")])
        d = self.details("repro/pickle-exec")
        self.assertEqual([r["path"] for r in d["reproductions"]], ["model.pkl"])
        self.assertEqual(d["reproductions"][0]["observed"][0]["detail"], "sh -c id")
        # The status did not change (static proof came first), yet the history records it.
        last = d["history"][-1]
        self.assertEqual(last["to"], "confirmed-unsafe")
        self.assertTrue(last["reason"].startswith(
            "reproduced in the sandbox: model.pkl: loading it ran `sh -c id`"), last["reason"])
        # Stored with the static findings, as evidence of its own kind.
        with sqlite3.connect(self.db) as db:
            report = json.loads(db.execute(
                "SELECT report FROM files WHERE model = ? AND path = ?",
                ("repro/pickle-exec", "model.pkl")).fetchone()[0])
        categories = {f["category"] for f in report["findings"]}
        self.assertIn("reproduced", categories)
        self.assertIn("process", categories)  # the static finding stays

    def test_3_quiet_run_does_not_clear(self):
        out = self.audit("--reproduce", "repro/custom-class", rc=0)
        self.assertEqual(out["status"], "suspected")
        self.assertEqual(out["files"][0]["verdict"], "needs-review")
        rows = self.rows("repro/custom-class")
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][0], "model.pkl")
        self.assertEqual(rows[0][1], "loader-error")  # acme_models is not installed
        d = self.details("repro/custom-class")
        self.assertFalse(any("reproduced in the sandbox" in h["reason"] for h in d["history"]))


if __name__ == "__main__":
    mvtest.main()
