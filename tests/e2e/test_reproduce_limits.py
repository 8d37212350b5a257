"""End-to-end tests of `modelvet reproduce`'s resource limits: a fork bomb, an endless loop and
a memory bomb (tests/fixtures/reproduce/) end within the limits with outcome `limit-hit`, and
nothing is left running afterwards. Skipped loudly where the sandbox cannot run (see
test_reproduce.py; MODELVET_REQUIRE_SANDBOX=1 makes that a failure)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvtest  # noqa: E402
from test_reproduce import FIX, PROBLEM, reproduce  # noqa: E402

WALL = 10  # seconds; the fork bomb runs until this limit


def sandbox_processes():
    """Processes started from the harness that are still alive on the host."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if b"/modelvet/harness.py" in cmd:
            found.append(int(pid))
    return found


@unittest.skipIf(PROBLEM, f"sandbox unavailable: {PROBLEM}")
class Limits(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        names = ["fork-bomb.pkl", "endless-loop.pkl", "memory-bomb.pkl"]
        cls.code, reports, _ = reproduce(
            [FIX / "reproduce" / n for n in names], "--loader", "pickle", "--cpu-seconds", "2",
            "--wall-seconds", str(WALL), "--memory-mb", "512", "--max-processes", "32")
        cls.by_name = dict(zip(names, reports))

    def check(self, name, limits):
        r = self.by_name[name]
        self.assertEqual(r["outcome"], "limit-hit", r)
        self.assertIn(r["sandbox"]["limit_hit"], limits)
        self.assertEqual(r["observed"], [])
        self.assertTrue(r["load_error"])

    def test_fork_bomb(self):
        self.check("fork-bomb.pkl", {"processes"})

    def test_endless_loop(self):
        self.check("endless-loop.pkl", {"cpu-time"})

    def test_memory_bomb(self):
        self.check("memory-bomb.pkl", {"memory"})

    def test_limits_are_reported(self):
        r = self.by_name["fork-bomb.pkl"]
        self.assertEqual(r["sandbox"]["cpu_seconds"], 2)
        self.assertEqual(r["sandbox"]["wall_seconds"], WALL)
        self.assertEqual(r["sandbox"]["memory_bytes"], 512 << 20)
        self.assertEqual(r["sandbox"]["processes"], 32)

    def test_ends_and_leaves_nothing_behind(self):
        # The run returned (reproduce() has a timeout); nothing of the sandbox is left.
        self.assertEqual(self.code, 2)
        self.assertEqual(sandbox_processes(), [])


if __name__ == "__main__":
    mvtest.main()
