"""End-to-end tests of `modelvet reproduce`'s resource limits: a fork bomb, an endless loop and
a memory bomb (tests/fixtures/reproduce/) end within the limits with outcome `limit-hit`, and
nothing is left running afterwards. Skipped loudly where the sandbox cannot run (see
test_reproduce.py; MODELVET_REQUIRE_SANDBOX=1 makes that a failure)."""

import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvtest  # noqa: E402
from test_reproduce import FIX, PROBLEM, reproduce  # noqa: E402

FORK_BOMB_WALL = 20  # seconds: the fork bomb runs until this limit; the others end sooner
NAMES = ["fork-bomb.pkl", "endless-loop.pkl", "memory-bomb.pkl"]
SMALL = ["--loader", "pickle", "--memory-mb", "512", "--max-processes", "32"]


def sandbox_processes():
    """Processes of this test's sandboxes still alive on the host (other tests may run
    sandboxes at the same time: only this test's fixtures count)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if b"/modelvet/harness.py" in cmd and any(f"/model/{n}".encode() in cmd for n in NAMES):
            found.append(int(pid))
    return found


@unittest.skipIf(PROBLEM, f"sandbox unavailable: {PROBLEM}")
class Limits(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # The fork bomb ends only at the wall clock, so it gets a short one; the endless loop
        # (2 CPU seconds) and the memory bomb (default CPU seconds: filling 512 MiB costs CPU
        # on a loaded machine) keep the default wall clock, so that their own limit is what
        # ends them. The three run at once.
        cls.results, cls.codes = {}, []

        def go(names, *flags):
            code, reports, _ = reproduce([FIX / "reproduce" / n for n in names], *SMALL, *flags)
            cls.codes.append(code)
            cls.results.update(zip(names, reports))

        threads = [threading.Thread(target=go, args=(NAMES[:1], "--cpu-seconds", "2",
                                                     "--wall-seconds", str(FORK_BOMB_WALL))),
                   threading.Thread(target=go, args=(NAMES[1:2], "--cpu-seconds", "2")),
                   threading.Thread(target=go, args=(NAMES[2:],))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def check(self, name, limit):
        r = self.results[name]
        self.assertEqual(r["outcome"], "limit-hit", r)
        self.assertEqual(r["sandbox"]["limit_hit"], limit, r)
        self.assertEqual(r["observed"], [])
        self.assertTrue(r["load_error"])

    def test_fork_bomb(self):
        self.check("fork-bomb.pkl", "processes")

    def test_endless_loop(self):
        self.check("endless-loop.pkl", "cpu-time")

    def test_memory_bomb(self):
        self.check("memory-bomb.pkl", "memory")

    def test_limits_are_reported(self):
        r = self.results["fork-bomb.pkl"]
        self.assertEqual(r["sandbox"]["cpu_seconds"], 2)
        self.assertEqual(r["sandbox"]["wall_seconds"], FORK_BOMB_WALL)
        self.assertEqual(r["sandbox"]["memory_bytes"], 512 << 20)
        self.assertEqual(r["sandbox"]["processes"], 32)

    def test_ends_and_leaves_nothing_behind(self):
        # The runs returned (reproduce() has a timeout); nothing of their sandboxes is left.
        self.assertEqual(self.codes, [2, 2, 2])
        self.assertEqual(sandbox_processes(), [])


if __name__ == "__main__":
    mvtest.main()
