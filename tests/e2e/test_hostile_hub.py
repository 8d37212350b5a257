"""End-to-end: triage, audit and status against a hostile hub, and an `audit --all` killed
with SIGKILL then resumed.

Starts tests/hubstub/hubstub.py over a temporary copy of its repos plus hostile ones written
here (file names, hub messages and licence names with control characters), and switches its
fault modes at runtime (/_stub/config): deeply nested JSON, huge tree pages, reset
connections, repo ids no hub issues, and a stalled request to kill `audit --all` mid-run.
Each check fails without the matching fix."""

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvtest  # noqa: E402

STUB = mvtest.SOURCE_DIR / "tests" / "hubstub" / "hubstub.py"
REPOS = mvtest.SOURCE_DIR / "tests" / "hubstub" / "repos"
UNSAFE_PICKLE = (mvtest.FIXTURES / "malicious" / "pk01-posix-system-p2.pkl").read_bytes()
FAULTS_OFF = ("deep_json=0&tree_page_bytes=0&tree_pages=0&tree_link_repeat=0&reset_requests=0&"
              "hostile_ids=0&stall=&page_size=50")
ESC = "\x1b"


class HostileHub(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="mv_hostile_hub_")
        cls.repos = os.path.join(cls.tmp, "repos")
        for org in ("audit", "examples"):
            shutil.copytree(REPOS / org, os.path.join(cls.repos, org))
        # A repo whose hub metadata and file names carry terminal control sequences.
        d = os.path.join(cls.repos, "hostile", "messages")
        os.makedirs(d)
        cls.bad_name = "weights\n\x1b[32mSAFE\x1b[0m.pkl"
        with open(os.path.join(d, cls.bad_name), "wb") as f:
            f.write(UNSAFE_PICKLE)
        meta = {"downloads": 5, "cardData": {"license": "other",
                                             "license_name": "acme\x1b]0;pwned\x07-nc"},
                "files": {cls.bad_name: {"avStatus": "unsafe",
                                         "avMessage": "clean\r\x1b[2K\x1b[32mno issues\u202e"}}}
        with open(os.path.join(d, "repo.json"), "w") as f:
            json.dump(meta, f)
        cls.stub = subprocess.Popen(
            ["/usr/bin/python3", str(STUB), "--port", "0", "--exit-on-stdin-eof",
             "--repos", cls.repos],
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
        cls.env["USER"] = "e2e-user"

    @classmethod
    def tearDownClass(cls):
        cls.stub.stdin.close()
        try:
            cls.stub.wait(timeout=10)
        except subprocess.TimeoutExpired:
            cls.stub.kill()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.config(FAULTS_OFF)
        self.db = os.path.join(tempfile.mkdtemp(dir=self.tmp), "modelvet.db")

    # ---- helpers ---------------------------------------------------------------------------
    def config(self, query):
        urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stub/config?{query}").read()

    def stats(self):
        return json.loads(urllib.request.urlopen(
            f"http://127.0.0.1:{self.port}/_stub/stats").read())

    def mv(self, *args, timeout=300):
        p = subprocess.run([mvtest.BIN, "--db", self.db, *map(str, args)], capture_output=True,
                           text=True, errors="surrogateescape", timeout=timeout, env=self.env)
        self.assertNotIn(p.returncode, (-11, -6, 134, 139), p.stderr[-600:])
        return p

    def json_of(self, p):
        try:
            return json.loads(p.stdout)
        except json.JSONDecodeError as e:
            raise AssertionError(f"not JSON ({e}); exit {p.returncode}; {p.stdout[:300]!r} "
                                 f"{p.stderr[:300]!r}")

    def assert_clean_text(self, text):
        bad = sorted({c for c in text if (ord(c) < 0x20 and c != "\n") or c in "\x7f\u202e"})
        self.assertEqual(bad, [], text[:800])

    def status(self):
        p = self.mv("status", "--format", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        return {r["id"]: r for r in self.json_of(p)}

    # ---- hostile replies -------------------------------------------------------------------
    def test_deeply_nested_json_is_an_error_not_a_crash(self):
        self.config("deep_json=100000")
        p = self.mv("audit", "--format", "json", "examples/gpt2-flagged-malicious")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("kMaxHubJsonDepth", p.stderr)
        p = self.mv("triage", "--format", "json")
        self.assertEqual(p.returncode, 2, p.stderr)

    def test_huge_tree_pages_are_bounded(self):
        # 20 pages of 20 MiB: kept whole, 400 MiB of JSON plus its parse; bounded, a clear error.
        self.config("page_size=1&tree_pages=20&tree_page_bytes=20971520")
        proc = subprocess.Popen([mvtest.BIN, "--db", self.db, "audit",
                                 "examples/gpt2-flagged-malicious"], env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        err = proc.stderr.read().decode(errors="replace")
        proc.returncode = os.waitstatus_to_exitcode(status)
        self.assertEqual(proc.returncode, 2, err)
        self.assertIn("kMaxHubListingBytes", err)
        # ASan's shadow memory and quarantine roughly double the footprint of the same work.
        bound = (800 if os.environ.get("MODELVET_SANITIZED") == "1" else 400) << 20
        self.assertLess(usage.ru_maxrss * 1024, bound, "peak resident memory")
        # A next link back to the same page ends the listing.
        self.config(FAULTS_OFF + "&tree_link_repeat=1")
        p = self.mv("audit", "examples/gpt2-flagged-malicious")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("repeats a page", p.stderr)

    def test_transport_resets_are_retried(self):
        self.config("reset_requests=3")
        p = self.mv("audit", "--format", "json", "audit/clean-state-dict")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.json_of(p)[0]["status"], "no-findings")

    def test_hostile_repo_ids_from_a_listing_are_never_stored(self):
        self.config("hostile_ids=1")
        p = self.mv("triage", "--format", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        queued = [q["id"] for q in self.json_of(p)]
        self.assertTrue(queued, p.stderr)
        self.assertTrue(all(q.startswith(("audit/", "examples/", "hostile/")) for q in queued),
                        queued)
        self.assertTrue(all(not i.startswith("evil/") for i in self.status()), self.status())
        self.assertIn("skipped a listed model", p.stderr)
        self.assert_clean_text(p.stderr)

    def test_hostile_ids_already_in_the_store_are_skipped_by_audit_all(self):
        # An older modelvet or another writer stored ids no hub issues: --all checks them again.
        p = self.mv("audit", "audit/clean-state-dict")
        self.assertEqual(p.returncode, 0, p.stderr)
        con = sqlite3.connect(self.db)
        for bad in ("evil/x\nSAFE", "evil/\x1b[31mred\x1b[0m", "evil/a'; DROP TABLE models;--"):
            con.execute("INSERT INTO models (id, author, status, status_source, verification, "
                        "version) VALUES (?, 'evil', 'suspected', 'automatic', 'Needs review', 1)",
                        (bad,))
        con.commit()
        con.close()
        urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stub/reset").read()
        for fmt in ("text", "json"):
            p = self.mv("audit", "--all", "--format", fmt)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertEqual(p.stderr.count("skipped"), 3, p.stderr)
            self.assert_clean_text(p.stdout + p.stderr)
            self.assertFalse(any(l.startswith("SAFE") for l in p.stdout.splitlines()), p.stdout)
        # The valid model was audited again; the hostile ones never reached the hub.
        self.assertEqual([o["id"] for o in self.json_of(p)], ["audit/clean-state-dict"])
        self.assertFalse(any("evil" in k for k in self.stats()["paths"]), self.stats()["paths"])

    def test_hub_strings_are_escaped_in_text_output(self):
        p = self.mv("audit", "hostile/messages")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assert_clean_text(p.stdout + p.stderr)
        for args in (["status"], ["status", "hostile/messages"], ["status", "--details"]):
            p = self.mv(*args)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assert_clean_text(p.stdout)
            self.assertFalse(any(l.startswith("SAFE") for l in p.stdout.splitlines()))
        self.assertIn("weights\\n\\x1b[32mSAFE", p.stdout)
        self.config("hostile_ids=1")
        p = self.mv("triage")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_clean_text(p.stdout + p.stderr)
        # JSON keeps the exact strings.
        files = self.json_of(self.mv("status", "--format", "json", "hostile/messages"))[0]["files"]
        self.assertEqual([f["path"] for f in files], [self.bad_name])

    # ---- access ------------------------------------------------------------------------------
    def test_gated_and_private_models_are_recorded_as_not_verified(self):
        for model in ("examples/gated-model", "examples/private-model"):
            p = self.mv("audit", model)
            self.assertEqual(p.returncode, 2, p.stderr)
        rows = self.status()
        for model in ("examples/gated-model", "examples/private-model"):
            self.assertEqual(rows[model]["status"], "not-audited")
        self.assertEqual(rows["examples/gated-model"]["verification"],
                         "not verified: access restricted (set HF_TOKEN)")
        # The hub answers a private repo as it answers a missing one.
        self.assertEqual(rows["examples/private-model"]["verification"],
                         "not verified: access restricted or repo missing (set HF_TOKEN)")
        self.assertEqual(rows["examples/gated-model"]["license"], "llama3.1")
        # With access, the audit replaces the note.
        env = dict(self.env, HF_TOKEN="hf_stub_approved")
        p = subprocess.run([mvtest.BIN, "--db", self.db, "audit", "examples/gated-model"],
                           capture_output=True, text=True, env=env, timeout=300)
        self.assertIn(p.returncode, (0, 1), p.stderr)
        self.assertNotEqual(self.status()["examples/gated-model"]["status"], "not-audited")

    # ---- resume ------------------------------------------------------------------------------
    def test_audit_all_resumes_after_sigkill(self):
        p = self.mv("triage", "--format", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        order = [q["id"] for q in self.json_of(p)]  # audit --all goes most downloaded first
        self.assertGreaterEqual(len(order), 4, order)
        victim = order[2]
        # The third model's tree request hangs; the first two are committed before it.
        self.config("stall=" + urllib.parse.quote(victim.split("/")[1]))
        proc = subprocess.Popen([mvtest.BIN, "--db", self.db, "audit", "--all", "-q"],
                                env=self.env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 240
        done = []
        while time.monotonic() < deadline and proc.poll() is None:
            con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
            try:
                done = [r[0] for r in con.execute("SELECT model FROM scans ORDER BY id")]
            except sqlite3.OperationalError:
                done = []
            con.close()
            if len(done) >= 2:
                break
            time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        self.config("stall=")
        self.assertEqual(done, order[:2])

        p = self.mv("audit", "--all", "--format", "json")
        self.assertIn(p.returncode, (0, 1), p.stderr)
        self.assertIn("resuming", p.stderr)
        again = [o["id"] for o in self.json_of(p)]
        self.assertEqual(sorted(again), sorted(order[2:]))
        con = sqlite3.connect(self.db)
        scans = [r[0] for r in con.execute("SELECT model FROM scans ORDER BY id")]
        con.close()
        self.assertEqual(sorted(scans), sorted(order))  # one audit each, nothing repeated
        # The run is finished: the next --all starts over and audits everything again.
        p = self.mv("audit", "--all", "--format", "json")
        self.assertNotIn("resuming", p.stderr)
        self.assertEqual(sorted(o["id"] for o in self.json_of(p)), sorted(order))


if __name__ == "__main__":
    mvtest.main()
