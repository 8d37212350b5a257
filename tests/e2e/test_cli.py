"""End-to-end tests of the CLI surface: exit codes, JSON/SARIF/text output, --output,
--sha256, --fail-on, directory recursion and usage errors (docs/cli.md, docs/verdicts.md)."""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvtest  # noqa: E402
from mvtest import FIXTURES, run, scan_json  # noqa: E402

MAL = FIXTURES / "malicious" / "pk01-posix-system-p2.pkl"      # posix.system('echo pk01-p2')
MAL_TORCH = FIXTURES / "malicious" / "seed-gpt2-eval" / "pytorch_model.bin"
SAFE = FIXTURES / "benign" / "plain-p2.pkl"                     # builtins only
SAFE_TORCH = FIXTURES / "benign" / "torch-state-dict.pt"
# A pickle whose only call is an unknown third-party class: needs-review, not safe/unsafe.
UNKNOWN = b"\x80\x02cmypkg.models\nNet\nq\x00)\x81q\x01}q\x02X\x01\x00\x00\x00kK\x01sb."
# A dict that stops mid-stream (no STOP): it cannot be fully read, so it is never safe.
TRUNCATED = b"\x80\x02}q\x00(X\x01\x00\x00\x00aq\x01K\x01X\x01\x00\x00\x00b"
FINDING_KEYS = ("severity", "category", "rule", "callable", "evidence", "location", "message")


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="mv-e2e-cli-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def write(self, name, data):
        p = os.path.join(self.tmp, name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        return p

    # ---- exit codes
    def test_exit_0_when_nothing_unsafe(self):
        p = run("scan", SAFE, self.write("notes.txt", b"hello, plain text\n"))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_exit_1_when_unsafe(self):
        self.assertEqual(run("scan", MAL).returncode, 1)
        self.assertEqual(run("scan", SAFE, MAL_TORCH).returncode, 1)

    def test_exit_2_on_read_error_only(self):
        p = run("scan", os.path.join(self.tmp, "does-not-exist.pt"))
        self.assertEqual(p.returncode, 2)

    def test_detection_wins_over_missing_path(self):
        missing = os.path.join(self.tmp, "missing.bin")
        self.assertEqual(run("scan", missing, MAL).returncode, 1)
        self.assertEqual(run("scan", MAL, missing).returncode, 1)

    def test_missing_path_is_error_verdict(self):
        missing = os.path.join(self.tmp, "gone.pkl")
        code, rep, _ = scan_json(missing, SAFE)
        self.assertEqual(code, 2)
        files = mvtest.by_path(rep)
        self.assertEqual(files[os.path.realpath(missing)]["verdict"], "error")
        self.assertEqual(rep["summary"]["error"], 1)

    # ---- JSON
    def test_json_fields(self):
        code, rep, _ = scan_json(MAL, SAFE, MAL_TORCH)
        self.assertEqual(code, 1)
        self.assertEqual(rep["tool"], "modelvet")
        self.assertIsInstance(rep["version"], str)
        self.assertEqual(len(rep["files"]), 3)
        for f in rep["files"]:
            for k, t in (("path", str), ("format", str), ("loader", str), ("size", int),
                         ("bytes_read", int), ("verdict", str), ("summary", str),
                         ("findings", list)):
                self.assertIsInstance(f.get(k), t, f"{k} in {f.get('path')}")
            self.assertIn(f["verdict"], mvtest.VERDICTS)
            self.assertEqual(f["size"], os.path.getsize(f["path"]))
            self.assertGreater(f["bytes_read"], 0)
            for fi in f["findings"]:
                for k in FINDING_KEYS:
                    self.assertIsInstance(fi.get(k), str, f"finding.{k} in {f['path']}")
                self.assertIn(fi["severity"], mvtest.SEVERITIES)
        s = rep["summary"]
        self.assertEqual(s["files"], 3)
        for key, verdict in (("unsafe", "unsafe"), ("needs_review", "needs-review"),
                             ("safe", "safe"), ("error", "error")):
            self.assertEqual(s[key], sum(1 for f in rep["files"] if f["verdict"] == verdict), key)
        files = mvtest.by_path(rep)
        mal = files[os.path.realpath(MAL)]
        self.assertEqual(mal["verdict"], "unsafe")
        self.assertTrue(any("system" in fi["callable"] and "echo pk01-p2" in fi["evidence"]
                            for fi in mal["findings"]), mal["findings"])
        self.assertTrue(any(fi["severity"] == "critical" for fi in mal["findings"]))
        self.assertEqual(files[os.path.realpath(SAFE)]["verdict"], "safe")
        self.assertEqual(files[os.path.realpath(MAL_TORCH)]["verdict"], "unsafe")

    def test_json_finding_location_names_the_entry(self):
        _, rep, _ = scan_json(MAL_TORCH)
        locs = [fi["location"] for fi in rep["files"][0]["findings"]]
        self.assertTrue(any("pytorch_model/data.pkl" in l for l in locs), locs)

    def test_sha256(self):
        _, rep, _ = scan_json(SAFE_TORCH, extra=["--sha256"])
        want = hashlib.sha256(SAFE_TORCH.read_bytes()).hexdigest()
        self.assertEqual(rep["files"][0].get("sha256"), want)

    def test_unknown_class_needs_review(self):
        p = self.write("unknown-class.pkl", UNKNOWN)
        code, rep, _ = scan_json(p)
        self.assertEqual(rep["files"][0]["verdict"], "needs-review")
        self.assertEqual(code, 0)
        code, _, _ = scan_json(p, extra=["--fail-on", "needs-review"])
        self.assertEqual(code, 1)

    def test_truncated_pickle_is_never_safe(self):
        p = self.write("truncated.pkl", TRUNCATED)
        _, rep, _ = scan_json(p)
        self.assertIn(rep["files"][0]["verdict"], ("needs-review", "unsafe"))

    # ---- SARIF
    def test_sarif_shape(self):
        p = run("scan", "--format", "sarif", MAL, SAFE)
        self.assertEqual(p.returncode, 1)
        doc = json.loads(p.stdout)
        self.assertEqual(doc["version"], "2.1.0")
        r0 = doc["runs"][0]
        self.assertEqual(r0["tool"]["driver"]["name"], "modelvet")
        results = r0["results"]
        self.assertGreater(len(results), 0)
        rule_ids = {r.get("id") for r in r0["tool"]["driver"].get("rules", [])}
        for res in results:
            self.assertIsInstance(res["ruleId"], str)
            self.assertIn(res["level"], ("error", "warning", "note", "none"))
            self.assertIsInstance(res["message"]["text"], str)
            self.assertGreater(len(res["locations"]), 0)
            if rule_ids:
                self.assertIn(res["ruleId"], rule_ids)
        uris = [loc["physicalLocation"]["artifactLocation"]["uri"]
                for res in results for loc in res["locations"]]
        self.assertTrue(any(u.endswith("pk01-posix-system-p2.pkl") for u in uris), uris)
        self.assertTrue(any(res["level"] == "error" for res in results))

    # ---- text
    def test_text_lines_and_summary(self):
        p = run("scan", "--no-color", MAL, SAFE)
        self.assertEqual(p.returncode, 1)
        out = p.stdout
        self.assertRegex(out, r"(?m)^UNSAFE\b.*pk01-posix-system-p2\.pkl")
        self.assertRegex(out, r"(?m)^SAFE\b.*plain-p2\.pkl")
        self.assertRegex(out, r"(?m)^2 file\(s\): 1 unsafe, 0 needs review, 1 safe, 0 error")
        self.assertNotIn("\x1b[", out)  # no colour when not a terminal

    # ---- --output
    def test_output_file(self):
        out = os.path.join(self.tmp, "report.json")
        p = run("scan", "--format", "json", "--output", out, MAL)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout.strip(), "")
        with open(out) as f:
            rep = json.load(f)
        self.assertEqual(rep["files"][0]["verdict"], "unsafe")
        self.assertEqual(rep["summary"]["unsafe"], 1)

    def test_output_unwritable_is_exit_2(self):
        p = run("scan", "--output", os.path.join(self.tmp, "no", "such", "dir", "r.txt"), SAFE)
        self.assertEqual(p.returncode, 2)

    def test_report_that_cannot_be_written_is_not_a_pass(self):
        # A full disk (/dev/full) must not end in exit 0 with the report silently lost; a
        # detection still exits 1, as with any other error.
        if not os.path.exists("/dev/full"):
            self.skipTest("no /dev/full")
        for fmt in ("text", "json", "sarif"):
            for target, code in ((SAFE, 2), (MAL, 1)):
                with open("/dev/full", "w") as full:
                    p = subprocess.run([mvtest.BIN, "scan", "-f", fmt, str(target)], stdout=full,
                                       stderr=subprocess.PIPE, text=True, timeout=60)
                self.assertEqual(p.returncode, code, (fmt, target, p.stderr))
                self.assertIn("cannot write the report to standard output", p.stderr)
            p = run("scan", "-f", fmt, "--output", "/dev/full", SAFE)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("cannot write /dev/full", p.stderr)

    # ---- directories
    def test_directory_recursion(self):
        root = os.path.join(self.tmp, "tree")
        self.write("tree/a/b/model.pkl", MAL.read_bytes())
        self.write("tree/a/weights.pt", SAFE_TORCH.read_bytes())
        self.write("tree/top.pkl", SAFE.read_bytes())
        self.write("tree/.git/objects/evil.pkl", MAL.read_bytes())  # .git is skipped
        code, rep, _ = scan_json(root)
        self.assertEqual(code, 1)
        names = sorted(os.path.relpath(os.path.realpath(f["path"]), os.path.realpath(root))
                       for f in rep["files"])
        self.assertEqual(names, ["a/b/model.pkl", "a/weights.pt", "top.pkl"])
        self.assertEqual(rep["summary"]["unsafe"], 1)
        # The directory is summarised as one repository.
        self.assertEqual(len(rep["repositories"]), 1)
        repo = rep["repositories"][0]
        self.assertEqual((repo["name"], repo["verdict"], repo["files"], repo["unsafe"]),
                         (root, "unsafe", 3, 1))

    def test_hf_cache_names_by_repo_revision_and_path(self):
        cache = os.path.join(self.tmp, "hfcache")
        repo = os.path.join(cache, "models--acme--tiny")
        self.write("hfcache/models--acme--tiny/blobs/b1", MAL.read_bytes())
        self.write("hfcache/models--acme--tiny/blobs/b2", SAFE.read_bytes())
        snap = os.path.join(repo, "snapshots", "abc123")
        os.makedirs(os.path.join(snap, "sub"))
        os.symlink("../../blobs/b1", os.path.join(snap, "pytorch_model.bin"))
        os.symlink("../../../blobs/b2", os.path.join(snap, "sub", "extra.pkl"))
        env = dict(os.environ, HF_HUB_CACHE=cache)
        p = subprocess.run([mvtest.BIN, "scan", "--hf-cache", "--format", "json"],
                           capture_output=True, text=True, env=env, timeout=120)
        self.assertEqual(p.returncode, 1, p.stderr)
        rep = json.loads(p.stdout)
        self.assertEqual(sorted(f["path"] for f in rep["files"]),
                         ["acme/tiny@abc123/pytorch_model.bin", "acme/tiny@abc123/sub/extra.pkl"])
        self.assertEqual([(r["name"], r["verdict"], r["files"]) for r in rep["repositories"]],
                         [("acme/tiny@abc123", "unsafe", 2)])

    def test_empty_directory(self):
        d = os.path.join(self.tmp, "empty")
        os.makedirs(d, exist_ok=True)
        code, rep, _ = scan_json(d)
        self.assertEqual(code, 0)
        self.assertEqual(rep["summary"]["files"], 0)

    # ---- usage errors
    def test_unknown_option_exit_2(self):
        self.assertEqual(run("scan", "--no-such-option", SAFE).returncode, 2)

    def test_bad_format_exit_2(self):
        self.assertEqual(run("scan", "--format", "xml", SAFE).returncode, 2)

    def test_no_paths_exit_2(self):
        self.assertEqual(run("scan").returncode, 2)

    def test_no_subcommand_exit_2(self):
        self.assertEqual(run().returncode, 2)


if __name__ == "__main__":
    mvtest.main()
