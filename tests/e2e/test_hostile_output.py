"""End-to-end: output an attacker cannot forge or break, and scans that never lose results.

Hostile file names (newline + "SAFE" forgery, escape sequences, a 0xFF byte, `#` and `?`),
pickle callables with control characters, unreadable directories (run as `nobody` when root),
arguments that cannot be stat'ed, 6000 nested directories, review notes that are not UTF-8
and a store whose pages are corrupted. Each check fails without the matching fix.
Env: MODELVET_BIN, MODELVET_SOURCE_DIR, MODELVET_SANITIZED (no address-space limit)."""

import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvtest  # noqa: E402

SANITIZED = os.environ.get("MODELVET_SANITIZED") == "1"
UNSAFE_PICKLE = (mvtest.FIXTURES / "malicious" / "pk01-posix-system-p2.pkl").read_bytes()
# GLOBAL with control characters in the module name: `os\x1b[2J\nSAFE` . `system`.
HOSTILE_GLOBAL = b"\x80\x02cos\x1b[2J\rSAFE   x\nsystem\nq\x00X\x02\x00\x00\x00lsq\x01\x85q\x02Rq\x03."
SAFE_PICKLE = b"\x80\x02}q\x00X\x01\x00\x00\x00aq\x01K\x01s."


def run_bytes(args, user=None, limit_as=False, timeout=300, env=None):
    """Runs modelvet; stdout/stderr as bytes (names are not UTF-8). `user`: run as that user;
    `env`: variables added to the environment."""
    cmd = [mvtest.BIN, *args]
    if user:
        cmd = ["setpriv", f"--reuid={user}", "--regid=nogroup", "--clear-groups", *cmd]

    def pre():
        if limit_as and not SANITIZED:
            resource.setrlimit(resource.RLIMIT_AS, (256 << 20, 256 << 20))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return subprocess.run(cmd, capture_output=True, timeout=timeout, preexec_fn=pre,
                          env={**os.environ, **(env or {})})


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def no_terminal_controls(testcase, out):
    """No byte of `out` may be a control character other than newline."""
    bad = sorted({b for b in out if (b < 0x20 and b != 0x0A) or b == 0x7F})
    testcase.assertEqual(bad, [], f"raw control bytes in output: {out[:600]!r}")
    for seq in ("\u202e", "\u009b"):  # bidi override, C1 CSI
        testcase.assertNotIn(seq.encode(), out)


class HostileNames(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="mv_hostile_names_")
        cls.d = os.path.join(cls.tmp, "models")
        os.mkdir(cls.d)
        cls.names = [b"evil.pkl\nSAFE    forged.pkl", b"cr.pkl\rSAFE    over.pkl",
                     b"esc\x1b[2J\x1b]0;title\x07.pkl", b"x\xff.pkl", b"my model#1?.pt",
                     "bidi\u202elkp.pkl".encode()]
        for n in cls.names:
            write(os.path.join(os.fsencode(cls.d), n), UNSAFE_PICKLE)
        write(os.path.join(cls.d, "callable.pkl"), HOSTILE_GLOBAL)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_text_cannot_forge_lines_or_reach_the_terminal(self):
        p = run_bytes(["scan", self.d])
        self.assertEqual(p.returncode, 1, p.stderr)
        no_terminal_controls(self, p.stdout)
        lines = p.stdout.split(b"\n")
        # Only the real verdict lines start with a tag; nothing forged starts one.
        tagged = [l for l in lines if l[:7] in (b"UNSAFE ", b"SAFE   ", b"REVIEW ", b"ERROR  ")]
        self.assertEqual(len(tagged), len(self.names) + 1 + 1, lines)  # files + repository
        self.assertFalse(any(l.startswith(b"SAFE") for l in lines), lines)
        self.assertIn(b"evil.pkl\\nSAFE    forged.pkl", p.stdout)
        self.assertIn(b"x\\xff.pkl", p.stdout)
        self.assertIn(b"bidi\\u202elkp.pkl", p.stdout)
        # The callable name from the pickle is escaped too.
        self.assertIn(b"os\\x1b[2J\\rSAFE", p.stdout)

    def test_json_is_valid_and_lossless(self):
        p = run_bytes(["scan", "--format", "json", self.d])
        self.assertEqual(p.returncode, 1, p.stderr[-500:])
        report = json.loads(p.stdout)
        got = sorted(os.fsencode(os.path.basename(f["path"])) for f in report["files"])
        self.assertEqual(got, sorted(self.names + [b"callable.pkl"]))
        for f in report["files"]:
            # The path, encoded back with surrogateescape, opens the file scanned.
            self.assertTrue(os.path.exists(os.fsencode(f["path"])), f["path"])

    def test_sarif_is_valid_and_uris_are_percent_encoded(self):
        p = run_bytes(["scan", "--format", "sarif", self.d])
        self.assertEqual(p.returncode, 1, p.stderr[-500:])
        sarif = json.loads(p.stdout)
        uris = [a["location"]["uri"] for a in sarif["runs"][0]["artifacts"]]
        self.assertIn(self.d + "/my%20model%231%3F.pt", uris)
        self.assertIn(self.d + "/x%FF.pkl", uris)
        for u in uris:
            self.assertTrue(all(c.isalnum() or c in "-._~/%" for c in u), u)
        for r in sarif["runs"][0]["results"]:
            u = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            self.assertIn(u, uris)


class UnreadableAndUnstatable(unittest.TestCase):
    """Directories that cannot be listed and arguments that cannot be examined."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mv_unreadable_")
        os.chmod(self.tmp, 0o755)
        self.user = "nobody" if os.geteuid() == 0 else None

    def tearDown(self):
        for root, dirs, _ in os.walk(self.tmp):
            for d in dirs:
                try:
                    os.chmod(os.path.join(root, d), 0o755)
                except OSError:
                    pass
        shutil.rmtree(self.tmp, ignore_errors=True)

    def tree(self, unsafe):
        d = os.path.join(self.tmp, "repo")
        os.makedirs(os.path.join(d, "locked"))
        os.makedirs(os.path.join(d, "open"))
        write(os.path.join(d, "open", "ok.pkl"), SAFE_PICKLE)
        write(os.path.join(d, "locked", "hidden.pkl"), UNSAFE_PICKLE)
        if unsafe:
            write(os.path.join(d, "open", "bad.pkl"), UNSAFE_PICKLE)
        for root, dirs, files in os.walk(self.tmp):
            os.chmod(root, 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
        os.chmod(os.path.join(d, "locked"), 0)
        return d

    def scan(self, *paths, env=None):
        p = run_bytes(["scan", "--format", "json", *paths], user=self.user, env=env)
        self.assertNotIn(p.returncode, (-6, 134), p.stderr[-800:])
        return p, json.loads(p.stdout)

    def test_nested_unreadable_directory_is_an_error_not_safe(self):
        d = self.tree(unsafe=False)
        p, report = self.scan(d)
        self.assertEqual(p.returncode, 2, report)
        by = {os.path.relpath(f["path"], d): f for f in report["files"]}
        self.assertEqual(by["locked"]["verdict"], "error", by)
        self.assertIn("Permission denied", by["locked"]["error"])
        self.assertEqual(by[os.path.join("open", "ok.pkl")]["verdict"], "safe")
        self.assertEqual(report["repositories"][0]["verdict"], "needs-review")

    def test_unreadable_directory_with_an_unsafe_file_exits_1(self):
        d = self.tree(unsafe=True)
        p, report = self.scan(d)
        self.assertEqual(p.returncode, 1, report)
        verdicts = sorted(f["verdict"] for f in report["files"])
        self.assertEqual(verdicts, ["error", "safe", "unsafe"])

    def test_unreadable_top_level_directory(self):
        d = self.tree(unsafe=False)
        locked = os.path.join(d, "locked")
        p, report = self.scan(locked)
        self.assertEqual(p.returncode, 2, report)
        self.assertEqual([f["verdict"] for f in report["files"]], ["error"])

    def test_unstatable_arguments_keep_the_other_results(self):
        d = self.tree(unsafe=True)
        loop_a, loop_b = os.path.join(self.tmp, "loop-a"), os.path.join(self.tmp, "loop-b")
        os.symlink(loop_b, loop_a)
        os.symlink(loop_a, loop_b)
        behind = os.path.join(d, "locked", "hidden.pkl")  # parent not searchable (as nobody)
        p, report = self.scan(loop_a, behind, d)
        self.assertEqual(p.returncode, 1, p.stderr[-800:])
        by = {f["path"]: f for f in report["files"]}
        self.assertEqual(by[loop_a]["verdict"], "error")
        self.assertEqual(by[behind]["verdict"], "error")
        self.assertEqual(by[os.path.join(d, "open", "bad.pkl")]["verdict"], "unsafe")

    def hf_cache(self):
        """A Hugging Face cache: acme/tiny readable, acme/locked with `snapshots` at mode 0."""
        cache = os.path.join(self.tmp, "hub")
        for repo in ("models--acme--tiny", "models--acme--locked"):
            snap = os.path.join(cache, repo, "snapshots", "r1")
            os.makedirs(snap)
            write(os.path.join(snap, "ok.pkl"), SAFE_PICKLE)
        for root, dirs, files in os.walk(self.tmp):
            os.chmod(root, 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
        os.chmod(os.path.join(cache, "models--acme--locked", "snapshots"), 0)
        return cache

    def test_hf_cache_with_unreadable_snapshots_is_an_error_not_safe(self):
        cache = self.hf_cache()
        p, report = self.scan("--hf-cache", env={"HF_HUB_CACHE": cache})
        self.assertEqual(p.returncode, 2, report)
        by = {f["path"]: f for f in report["files"]}
        self.assertEqual(by["acme/tiny@r1/ok.pkl"]["verdict"], "safe", by)
        self.assertEqual(by["acme/locked"]["verdict"], "error", by)
        self.assertIn("cannot list directory", by["acme/locked"]["error"])
        self.assertIn("Permission denied", by["acme/locked"]["error"])
        # Something unsafe elsewhere still wins: exit 1, the error entry kept.
        d = self.tree(unsafe=True)  # (makes everything under tmp readable again)
        os.chmod(os.path.join(cache, "models--acme--locked", "snapshots"), 0)
        p, report = self.scan("--hf-cache", os.path.join(d, "open"), env={"HF_HUB_CACHE": cache})
        self.assertEqual(p.returncode, 1, report)
        self.assertIn("acme/locked", [f["path"] for f in report["files"]])

    def test_unreadable_hf_cache_directory_is_an_error(self):
        cache = self.hf_cache()
        os.chmod(cache, 0)
        p, report = self.scan("--hf-cache", env={"HF_HUB_CACHE": cache})
        self.assertEqual(p.returncode, 2, report)
        self.assertEqual([(f["path"], f["verdict"]) for f in report["files"]], [(cache, "error")])
        self.assertIn("cannot list directory", report["files"][0]["error"])
        # A cache that does not exist yet is simply empty.
        p, report = self.scan("--hf-cache", env={"HF_HUB_CACHE": os.path.join(self.tmp, "none")})
        self.assertEqual(p.returncode, 0, report)
        self.assertEqual(report["files"], [])

    def test_directory_link_out_of_the_tree_is_an_error_not_safe(self):
        real = os.path.join(self.tmp, "real")
        os.makedirs(real)
        write(os.path.join(real, "bad.pkl"), UNSAFE_PICKLE)
        tree = os.path.join(self.tmp, "tree")
        os.makedirs(os.path.join(tree, "inner"))
        write(os.path.join(tree, "inner", "ok.pkl"), SAFE_PICKLE)
        os.symlink("../real", os.path.join(tree, "linked"))
        os.symlink("inner", os.path.join(tree, "same"))  # inside the tree: walked at its path
        p, report = self.scan(tree)
        self.assertEqual(p.returncode, 2, report)
        by = {os.path.relpath(f["path"], tree): f for f in report["files"]}
        self.assertEqual(sorted(by), [os.path.join("inner", "ok.pkl"), "linked"], by)
        self.assertEqual(by["linked"]["verdict"], "error")
        self.assertIn("outside the scanned tree", by["linked"]["error"])
        self.assertEqual(report["repositories"][0]["verdict"], "needs-review")
        p = run_bytes(["scan", tree])
        self.assertEqual(p.returncode, 2, p.stdout)
        self.assertNotIn(b"SAFE", p.stdout.split(b"Repositories:")[-1])


class DeepNesting(unittest.TestCase):
    DEPTH = 6000

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mv_deep_")
        fd = os.open(self.tmp, os.O_RDONLY)
        fds = [fd]
        for _ in range(self.DEPTH):  # paths this long only exist relative to a directory fd
            os.mkdir("d", dir_fd=fd)
            fd = os.open("d", os.O_RDONLY, dir_fd=fd)
            fds.append(fd)
        with open(os.open("bottom.pkl", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "wb") as f:
            f.write(UNSAFE_PICKLE)
        for fd in fds:
            os.close(fd)
        write(os.path.join(self.tmp, "top.pkl"), SAFE_PICKLE)

    def tearDown(self):
        fd = os.open(self.tmp, os.O_RDONLY)
        chain = [fd]
        while True:
            try:
                fd = os.open("d", os.O_RDONLY, dir_fd=fd)
            except FileNotFoundError:
                break
            chain.append(fd)
        os.unlink("bottom.pkl", dir_fd=chain[-1])
        for parent in reversed(chain[:-1]):
            os.rmdir("d", dir_fd=parent)
        for fd in chain:
            os.close(fd)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_depth_is_bounded_and_reported(self):
        p = run_bytes(["scan", "--format", "json", self.tmp], limit_as=True)
        self.assertEqual(p.returncode, 2, p.stderr[-800:])
        report = json.loads(p.stdout)
        skipped = [f for f in report["files"] if f["verdict"] == "error"]
        self.assertEqual(len(skipped), 1, [f["path"] for f in report["files"]][:5])
        self.assertIn("limit.directory-depth", [x["rule"] for x in skipped[0]["findings"]])
        self.assertEqual(report["repositories"][0]["verdict"], "needs-review")


class StoreFaults(unittest.TestCase):
    """Review input and store damage, on a store built directly (no hub needed)."""

    MODEL = "acme/model"

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mv_store_faults_")
        self.db = os.path.join(self.tmp, "modelvet.db")
        p = run_bytes(["--db", self.db, "status"])  # creates and migrates the store
        self.assertEqual(p.returncode, 0, p.stderr)
        con = sqlite3.connect(self.db)
        con.execute("INSERT INTO models (id, author, status, status_source, verification, "
                    "version) VALUES (?, 'acme', 'suspected', 'automatic', 'Needs review', 1)",
                    (self.MODEL,))
        con.execute("INSERT INTO scans (model, revision, sha, started, finished, files_total, "
                    "files_scanned, bytes_read, tool_version) VALUES (?, 'main', '', '', '', 1, "
                    "1, 1, 't')", (self.MODEL,))
        con.execute("INSERT INTO files (model, path, scan, oid, verdict, summary) VALUES "
                    "(?, 'model.pkl', 1, 'abc', 'needs-review', 'calls x.Y')", (self.MODEL,))
        con.commit()
        con.close()

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def review(self, note, reviewer=b"alice"):
        args = [b"--db", self.db.encode(), b"review", self.MODEL.encode(), b"model.pkl",
                b"--decision", b"false-positive", b"--note", note]
        if reviewer is not None:
            args += [b"--reviewer", reviewer]
        return subprocess.run([mvtest.BIN.encode(), *args], capture_output=True, timeout=60)

    def test_review_requires_a_note_and_a_reviewer(self):
        for note, reviewer in ((b"", b"alice"), (b"   ", b"alice"), (b"fine", b""),
                               (b"fine", b" \t")):
            p = self.review(note, reviewer)
            self.assertEqual(p.returncode, 2, (note, reviewer, p.stdout))
        p = self.review(b"vetted package", b"alice")
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_review_output_is_escaped(self):
        # A file name and a reviewer name that carry terminal controls and a forged line.
        path = "evil\x1b[2J\nSAFE    forged.pkl\u202e"
        con = sqlite3.connect(self.db)
        con.execute("INSERT INTO files (model, path, scan, oid, verdict, summary) VALUES "
                    "(?, ?, 1, 'abd', 'needs-review', 'calls x.Y')", (self.MODEL, path))
        con.commit()
        con.close()
        p = subprocess.run([mvtest.BIN, "--db", self.db, "review", self.MODEL, path,
                            "--decision", "confirmed-unsafe", "--note", "bad\x1b[31m one",
                            "--reviewer", "mallory\x1b]0;t\x07\r"],
                           capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        no_terminal_controls(self, p.stdout)
        self.assertIn(b"evil\\x1b[2J\\nSAFE", p.stdout)
        self.assertFalse(any(l.startswith(b"SAFE") for l in p.stdout.split(b"\n")), p.stdout)

    def test_review_note_that_is_not_utf8_is_refused(self):
        p = self.review(b"bad \xff note")
        self.assertEqual(p.returncode, 2, p.stdout)
        self.assertIn(b"UTF-8", p.stderr)

    def test_status_survives_a_stored_note_that_is_not_utf8(self):
        # A note written by an older modelvet (or by hand): status must still print valid JSON.
        con = sqlite3.connect(self.db)
        con.execute("INSERT INTO reviews (model, path, decision, note, reviewer, time, file_sha) "
                    "VALUES (?, 'model.pkl', 'false-positive', CAST(? AS TEXT), "
                    "CAST(? AS TEXT), 't', 'abc')",
                    (self.MODEL, b"ok \xff\x1b[2J", b"mallory\n\x1b[31m"))
        con.commit()
        con.close()
        p = run_bytes(["--db", self.db, "status", "--format", "json", self.MODEL])
        self.assertEqual(p.returncode, 0, p.stderr)
        review = json.loads(p.stdout)[0]["reviews"][0]
        self.assertEqual(review["note"].encode("utf-8", "surrogateescape"), b"ok \xff\x1b[2J")
        p = run_bytes(["--db", self.db, "status", self.MODEL])
        self.assertEqual(p.returncode, 0, p.stderr)
        no_terminal_controls(self, p.stdout)

    def corrupt(self, table):
        """Overwrites `table`'s root page with garbage (the table must have rows: the root page
        of an empty table is never read)."""
        con = sqlite3.connect(self.db)
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        root = con.execute("SELECT rootpage FROM sqlite_master WHERE type = 'table' AND "
                           "name = ?", (table,)).fetchone()[0]
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        with open(self.db, "r+b") as f:
            f.seek((root - 1) * page_size)
            f.write(b"\xa5" * page_size)

    def assert_store_error(self, commands):
        for args in commands:
            p = run_bytes(["--db", self.db, *args])
            self.assertEqual(p.returncode, 2, (args, p.stdout[:300]))
            self.assertIn(b"store:", p.stderr)

    def test_corrupted_pages_are_an_error_not_an_empty_table(self):
        con = sqlite3.connect(self.db)
        rows = [(self.MODEL, f"shard-{i:05d}.bin", "x" * 200) for i in range(400)]
        con.executemany("INSERT INTO files (model, path, scan, summary) VALUES (?, ?, 1, ?)",
                        rows)
        con.commit()
        con.close()
        self.corrupt("files")
        self.assert_store_error((["status"], ["status", "--format", "json"],
                                 ["status", "--format", "json", self.MODEL]))

    def test_corrupted_reviews_and_history_are_an_error_not_an_empty_list(self):
        pristine = self.db + ".pristine"
        con = sqlite3.connect(self.db)
        con.executemany(
            "INSERT INTO reviews (model, path, decision, note, reviewer, time, file_sha) VALUES "
            "(?, ?, 'false-positive', ?, 'alice', 't', 'abc')",
            [(self.MODEL, f"shard-{i:05d}.bin", "n" * 200) for i in range(400)])
        con.executemany(
            "INSERT INTO status_history (model, time, from_status, to_status, missed_by_hub, "
            "source, who, reason) VALUES (?, 't', 'no-findings', 'suspected', 0, 'automatic', "
            "'modelvet', ?)", [(self.MODEL, "r" * 200) for _ in range(400)])
        con.commit()
        con.close()
        shutil.copy(self.db, pristine)
        details = (["status", self.MODEL], ["status", "--format", "json", self.MODEL],
                   ["status", "--details"], ["status", "--format", "json", "--details"])
        for args in details:  # intact, the same commands work
            p = run_bytes(["--db", self.db, *args])
            self.assertEqual(p.returncode, 0, (args, p.stderr[-300:]))
        for table in ("reviews", "status_history"):
            shutil.copy(pristine, self.db)
            for extra in ("-wal", "-shm"):
                if os.path.exists(self.db + extra):
                    os.remove(self.db + extra)
            self.corrupt(table)
            with self.subTest(table=table):
                self.assert_store_error(details)


if __name__ == "__main__":
    mvtest.main()
