"""What `modelvet` loads at start-up (docs/architecture.md, docs/benchmarks.md): the scanning
binary does not link the web server's libraries (they are in modelvet-serve, which `modelvet
serve`, `user` and `token` hand over to) nor those opened on first use (core/lazy_lib.h). Read
from the binary's DT_NEEDED entries, so the start-up gain cannot silently regress."""

import os
import re
import pathlib
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvtest  # noqa: E402

# Libraries `modelvet scan` must not load before main (prefixes of their SONAMEs).
NOT_AT_START = ("libcpp-httplib", "libssl", "libbrotli", "libsodium", "libcurl", "libarchive",
                "libhdf5", "libpq", "libsqlite3", "libcrypto", "libseccomp", "libyaml")
# Linked in (src/libs/, -static-libstdc++): the C++ runtime and the C++ libraries that need it.
LINKED_IN = ("libstdc++", "libgcc_s", "libfmt", "libtomlplusplus")


def function_symbols(binary):
    """name -> [(address, size)] of the binary's function symbols (local names may repeat)."""
    out = subprocess.run(["nm", "-S", binary], capture_output=True, text=True,
                         check=True).stdout
    syms = {}
    for line in out.splitlines():
        p = line.split()
        if len(p) == 4 and p[2] in "tTwW":
            syms.setdefault(p[3], []).append((int(p[0], 16), int(p[1], 16)))
    return syms


def needed(binary):
    out = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True,
                         check=True).stdout
    return [line.split("[", 1)[1].rstrip("]") for line in out.splitlines()
            if "(NEEDED)" in line]


class Startup(unittest.TestCase):
    def test_scanning_binary_does_not_link_server_or_lazy_libraries(self):
        libs = needed(mvtest.BIN)
        self.assertIn("libc.so.6", libs)  # the reading works
        loaded = [lib for lib in libs if lib.startswith(NOT_AT_START)]
        self.assertEqual(loaded, [], libs)

    @unittest.skipIf(os.environ.get("MODELVET_SANITIZED"),
                     "sanitizer builds link the C++ runtime dynamically (src/CMakeLists.txt)")
    def test_scanning_binary_carries_the_cxx_runtime(self):
        libs = needed(mvtest.BIN)
        self.assertEqual([lib for lib in libs if lib.startswith(LINKED_IN)], [], libs)

    @unittest.skipIf(os.environ.get("MODELVET_SANITIZED"),
                     "sanitizer builds link the shared C++ runtime, which needs libm")
    def test_scanning_binary_does_not_load_libm(self):
        # Its one user was toml++'s writer, compiled out (src/libs/CMakeLists.txt); the
        # loader would map and relocate libm (and run its ifunc resolvers) at every start.
        self.assertNotIn("libm.so.6", needed(mvtest.BIN))

    @unittest.skipUnless(os.environ.get("MODELVET_ORDERED_CODE") == "1",
                         "modelvet was linked without the code order (no lld, or a sanitizer "
                         "build: cmake/code_layout.cmake)")
    def test_the_code_scans_run_lies_together(self):
        # cmake/code_layout.cmake: lld places the functions cmake/modelvet.order lists first,
        # so a scan touches a third of the code pages it would otherwise.
        order = pathlib.Path(mvtest.SOURCE_DIR) / "cmake" / "modelvet.order"
        listed = [line.strip() for line in order.read_text().splitlines()
                  if line.strip() and not line.startswith("#")]
        self.assertGreater(len(listed), 300)
        syms = function_symbols(mvtest.BIN)
        present = [name for name in listed if name in syms]
        self.assertGreaterEqual(len(present), 0.9 * len(listed),
                                "cmake/modelvet.order names functions the code no longer has: "
                                "regenerate it with scripts/text_order.py (needs valgrind)")
        placed = [s for name in present for s in syms[name]]
        start = min(a for a, _ in placed)
        end = max(a + n for a, n in placed)
        size = sum(n for _, n in placed)
        # Together: the span they occupy is their own size plus alignment padding, not the
        # 5 MB of code they are scattered over when the order is not applied.
        self.assertLess(end - start, 1.3 * size, (hex(start), hex(end), size))
        # First: nothing unlisted sits before them but the start of .text.
        self.assertLess(start - min(a for v in syms.values() for a, _ in v), 64 * 1024)

    def test_server_binary_links_the_server(self):
        serve = pathlib.Path(mvtest.BIN).parent / "modelvet-serve"
        libs = needed(str(serve))
        self.assertTrue(any(lib.startswith("libsodium") for lib in libs), libs)

    def test_server_commands_run_in_modelvet_serve(self):
        p = mvtest.run("serve", "--help")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("--listen", p.stdout)
        self.assertIn("modelvet serve", p.stdout)  # the name it was started as
        p = mvtest.run("--db", "serve", "user", "list", "--help")  # "serve": --db's value
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("List the accounts", p.stdout)
        p = mvtest.run("serve", "--listen", "nonsense")
        self.assertEqual(p.returncode, 2)
        self.assertIn("--listen takes HOST:PORT", p.stderr)
        # --help of the scanning binary still lists them.
        p = mvtest.run("--help")
        for cmd in ("serve", "user", "token", "scan"):
            self.assertRegex(p.stdout, rf"\n  {cmd} ")

    def test_each_subcommand_is_registered_when_named(self):
        # main.cc registers only the subcommand a command line names (by a table of names and
        # registering functions); every name --help lists must reach its own parser, after
        # global options with values too, and an unknown one is still a usage error.
        p = mvtest.run("--help")
        listed = re.findall(r"^  ([a-z]+) ", p.stdout.split("Subcommands:")[1], re.M)
        self.assertGreaterEqual(len(listed), 14, p.stdout)
        for cmd in listed:
            for pre in ((), ("--db", "x.db", "--trust-module", "m")):
                q = mvtest.run(*pre, cmd, "--help")
                self.assertEqual(q.returncode, 0, (cmd, q.stderr))
                self.assertIn(f"modelvet {cmd} [OPTIONS]", q.stdout, cmd)
        q = mvtest.run("--db", "scan", "bogus")  # "scan" is --db's value: no subcommand
        self.assertEqual(q.returncode, 2)
        self.assertIn("subcommand", q.stderr + q.stdout)

    def test_missing_server_binary_is_an_error_not_a_crash(self):
        with tempfile.TemporaryDirectory() as d:
            alone = os.path.join(d, "modelvet")
            shutil.copy(mvtest.BIN, alone)
            p = subprocess.run([alone, "--db", os.path.join(d, "s.db"), "token", "list"],
                               capture_output=True, text=True,
                               timeout=60)
            self.assertEqual(p.returncode, 2)
            self.assertIn("modelvet-serve", p.stderr)
            p = subprocess.run([alone, "--version"], capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)


if __name__ == "__main__":
    unittest.main()
