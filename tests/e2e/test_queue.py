"""End-to-end: the PostgreSQL work queue (`enqueue`, `worker`, `queue`, `watch`) against the hub
stand-in, on a throwaway PostgreSQL cluster of its own (scripts/pg_cluster.sh), with faults:

- a worker frozen (SIGSTOP) mid-file past its lease: another worker takes the job over and
  finishes it; thawed, the frozen worker's commit is refused and writes nothing;
- a worker killed (SIGKILL) mid-file: its lease expires and another worker finishes the job;
- the database restarted while workers run: they reconnect and go on.

Then every revision was audited exactly once (duplicate_results 0, one scan per model, one
result per file) and every status is the one a plain `modelvet audit` on SQLite gives. A
revision queued again is not audited again, a reviewer's decision survives the re-audit of a new commit whose file is unchanged, and two
`watch` passes at once queue each new commit once (and nothing already audited)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvtest  # noqa: E402
import pgenv  # noqa: E402

pgenv.require_postgres()

LEASE = "4"


class Queue(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = pgenv.Cluster()
        cls.hub = pgenv.Hub(copies=2)
        cls.env = cls.hub.env(cls.pg.url)
        cls.tmp = tempfile.mkdtemp(prefix="mv_queue_")

    @classmethod
    def tearDownClass(cls):
        cls.hub.close()
        cls.pg.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def mv(self, *args, timeout=300, env=None):
        return subprocess.run([mvtest.BIN, *map(str, args)], capture_output=True, text=True,
                              timeout=timeout, env=env or self.env)

    def worker(self, *extra):
        # Each worker in a session of its own: a worker stopped with SIGSTOP must not share a
        # process group that becomes orphaned meanwhile (the kernel then sends the group SIGHUP,
        # e.g. when a daemonised postmaster of the group exits on a restart and the suite was
        # started from a shell that has gone).
        return subprocess.Popen(
            [mvtest.BIN, "worker", "--lease-seconds", LEASE, "--poll-seconds", "0.2",
             "--backoff-seconds", "1", "--exit-when-empty", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env,
            start_new_session=True)

    def counts(self):
        p = self.mv("queue", "--format", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def wait_for(self, what, cond, seconds=120, procs=()):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if cond():
                return
            for p in procs:
                if p.poll() is not None:
                    self.fail(f"waiting for {what}: a worker exited: {p.stderr.read()[-2000:]}")
            time.sleep(0.2)
        self.fail(f"timed out waiting for {what}")

    def requested(self, text):
        return any(text in p for p in self.hub.stats().get("paths", {}))

    def statuses(self, env):
        p = self.mv("status", "--format", "json", env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        return {r["id"]: (r["status"], r["missed_by_hub"], r["verification"])
                for r in json.loads(p.stdout)}

    # ---- the tests run in order: each builds on the store the previous one left -------------

    def test_1_workers_survive_a_freeze_a_kill_and_a_database_restart(self):
        first, second = "fleet/bert-tiny-browser-1", "fleet/clean-state-dict-1"
        rest = [r for r in self.hub.ids if r not in (first, second)]
        p = self.mv("enqueue", first, second)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.mv("enqueue", *rest, *rest)  # twice: one job each
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f"queued {len(rest)} of {2 * len(rest)}", p.stdout)
        self.assertEqual(self.counts()["pending"], len(self.hub.ids))

        # Worker A takes the first job and hangs inside its file.
        # Worker K takes the second job and hangs in its file too. Then A is frozen (its lease is
        # renewed until then) and K killed.
        self.hub.config(stall="-1/resolve/")
        frozen = self.worker("--concurrency", "1")
        self.wait_for("worker A to reach its file", lambda: self.requested(first + "/resolve/"),
                      procs=[frozen])
        killed = self.worker("--concurrency", "1")
        self.wait_for("worker K to reach its file", lambda: self.requested(second + "/resolve/"),
                      procs=[killed])
        frozen.send_signal(signal.SIGSTOP)
        killed.kill()
        killed.communicate(timeout=30)
        self.hub.config(stall="")

        # Two workers run the queue; the database restarts under them.
        b = self.worker("--concurrency", "2")
        c = self.worker("--concurrency", "2")
        self.wait_for("some jobs to finish", lambda: self.counts()["done"] >= 3)
        self.pg.restart()
        outs = [w.communicate(timeout=240) for w in (b, c)]
        for w, (out, err) in zip((b, c), outs):
            self.assertEqual(w.returncode, 0, err[-3000:])
        log = "".join(err for _, err in outs)
        # The frozen and the killed worker's jobs were taken over once their leases expired.
        self.assertIn(f"job 1 {first}@main (attempt 2)", log)
        self.assertIn(f"job 2 {second}@main (attempt 2)", log)
        counts = self.counts()
        self.assertEqual(counts, {"pending": 0, "leased": 0, "done": len(self.hub.ids),
                                  "failed": 0, "duplicate_results": 0}, log[-3000:])

        # Thawed, the frozen worker finishes its file; its commit is refused.
        frozen.send_signal(signal.SIGCONT)
        out, err = frozen.communicate(timeout=120)
        self.assertEqual(frozen.returncode, 0, err[-3000:])
        self.assertIn("lease lost", err)
        self.assertEqual(self.counts()["duplicate_results"], 0)

        # Every revision audited once; every file validated once.
        audited = [r for r in self.hub.ids if r not in ("examples/gated-model",
                                                        "examples/private-model")]
        scans = dict(self.pg.query("SELECT model, COUNT(*) FROM scans GROUP BY model"))
        self.assertEqual(scans, {r: "1" for r in audited})
        self.assertEqual(self.pg.query(
            "SELECT model, path FROM queue_results GROUP BY model, path HAVING COUNT(*) > 1"), [])
        self.assertEqual(
            self.pg.scalar("SELECT COUNT(*) FROM queue_results"),
            self.pg.scalar("SELECT COUNT(*) FROM files WHERE sha256 <> '' OR oid <> ''"))

        # The statuses are those of a plain audit of the same repos on SQLite.
        lite = self.hub.env(os.path.join(self.tmp, "reference.db"))
        p = self.mv("audit", *self.hub.ids, env=lite)
        self.assertIn(p.returncode, (1, 2), p.stderr)  # unsafe models; gated ones error
        reference = self.statuses(lite)
        self.assertEqual(self.statuses(self.env), reference)
        self.assertEqual(reference[first][0], "confirmed-unsafe")

    def test_2_a_revision_queued_again_is_not_audited_again(self):
        model = "audit/bert-tiny-browser"
        self.assertEqual(self.mv("enqueue", model).returncode, 0)
        w = self.worker()
        out, err = w.communicate(timeout=120)
        self.assertEqual(w.returncode, 0, err)
        self.assertIn(f"{model}@main (attempt 1): duplicate: ", err)
        self.assertEqual(self.pg.scalar(
            f"SELECT COUNT(*) FROM scans WHERE model = '{model}'"), "1")
        self.assertEqual(self.counts()["duplicate_results"], 0)

    def test_2b_a_review_survives_the_audit_of_a_new_commit(self):
        model = "audit/custom-class-suspected"
        self.assertEqual(self.statuses(self.env)[model][0], "suspected")
        p = self.mv("review", model, "model.pkl", "--decision", "false-positive", "--note",
                    "acme_models is our vetted package", "--reviewer", "alice")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.hub.set_sha(model, "ab" * 20)  # a new commit; the file is unchanged
        self.assertEqual(self.mv("enqueue", model).returncode, 0)
        w = self.worker("--concurrency", "2")
        out, err = w.communicate(timeout=120)
        self.assertEqual(w.returncode, 0, err)
        self.assertIn(f"{model}@main (attempt 1): false-positive", err)
        self.assertEqual(self.statuses(self.env)[model][0], "false-positive")
        self.assertEqual(self.pg.scalar(
            f"SELECT COUNT(*) FROM scans WHERE model = '{model}'"), "2")
        self.assertEqual(self.counts()["duplicate_results"], 0)

    def test_3_two_watchers_queue_each_new_commit_once(self):
        # Nothing was committed since the audits: a watcher queues nothing but the gated model
        # (the stand-in lists every model at one modification time, so each pass lists all;
        # a model never verified has no audited commit).
        p = self.mv("watch", "--once")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.pg.query("SELECT repo FROM jobs WHERE state = 'pending'"),
                         [["examples/gated-model"]], p.stdout)
        w = self.worker()
        self.assertEqual(w.wait(timeout=120), 0)
        # New commits on three public repos; two watchers at once queue each once.
        changed = ["audit/clean-state-dict", "fleet/gpt2-flagged-malicious-1",
                   "fleet/finetune-args-only-2"]
        for i, r in enumerate(changed):
            self.hub.set_sha(r, f"{i + 1:02x}" * 20)
        results = []

        def watch():
            results.append(self.mv("watch", "--once"))

        threads = [threading.Thread(target=watch) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for p in results:
            self.assertEqual(p.returncode, 0, p.stderr)
        queued = sum(int(p.stdout.split(" listed, ")[1].split()[0]) for p in results)
        self.assertEqual(queued, len(changed) + 1, [p.stdout for p in results])  # + gated
        self.assertEqual(self.counts()["pending"], len(changed) + 1)
        w = self.worker("--concurrency", "2")
        out, err = w.communicate(timeout=120)
        self.assertEqual(w.returncode, 0, err)
        counts = self.counts()
        self.assertEqual((counts["pending"], counts["failed"], counts["duplicate_results"]),
                         (0, 0, 0))
        for r in changed:
            self.assertEqual(self.pg.scalar(f"SELECT COUNT(*) FROM scans WHERE model = '{r}'"),
                             "2", r)

    def test_4_sqlite_has_no_queue(self):
        lite = self.hub.env(os.path.join(self.tmp, "lite.db"))
        for args in (("enqueue", "org/x"), ("queue",), ("worker", "--exit-when-empty"),
                     ("watch", "--once")):
            p = self.mv(*args, env=lite)
            self.assertEqual(p.returncode, 2, args)
            self.assertIn("the queue needs PostgreSQL", p.stderr)


if __name__ == "__main__":
    mvtest.main()
