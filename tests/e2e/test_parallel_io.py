"""Parallel scanning (`scan -j N`) and how files are read (small files read whole, --sha256
streamed): the output of -j N is the output of -j 1, and hashing a large file keeps it out of
memory."""

import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import unittest

import mvtest


class ParallelScanTest(unittest.TestCase):
    def setUp(self):
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix="mv-par-"))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def mixed_dir(self):
        """Every fixture (benign, malicious, held-out, library objects) plus unreadable
        entries, in one directory tree: safe, unsafe, needs-review and error verdicts."""
        d = self.tmp / "mixed"
        shutil.copytree(mvtest.FIXTURES, d)
        (d / "zz-empty.bin").write_bytes(b"")
        os.symlink(d / "does-not-exist", d / "zz-dangling.pt")
        return d

    def scan(self, *args):
        return mvtest.run("scan", *args)

    def test_jobs_output_equals_sequential(self):
        d = self.mixed_dir()
        n = sum(1 for _ in d.rglob("*"))
        self.assertGreater(n, 100)
        for fmt in ("text", "json", "sarif"):
            for extra in ((), ("--sha256",), ("--fail-on", "needs-review")):
                one = self.scan("-j", "1", "--format", fmt, *extra, d)
                for jobs in ("2", "7", "0"):
                    many = self.scan("-j", jobs, "--format", fmt, *extra, d)
                    self.assertEqual(many.returncode, one.returncode, (fmt, extra, jobs))
                    self.assertEqual(many.stdout, one.stdout, (fmt, extra, jobs))
        self.assertEqual(one.returncode, 1)  # the malicious fixtures

    def test_jobs_keep_argument_order(self):
        files = sorted(p for p in mvtest.FIXTURES.rglob("*") if p.is_file())[:40]
        files.reverse()  # argument order, not sorted order
        args = [str(p) for p in files] + [str(self.tmp / "missing.pkl")]
        code, report, err = mvtest.scan_json(*args, extra=("-j", "4"))
        self.assertEqual([f["path"] for f in report["files"]], args, err)
        self.assertEqual(report["files"][-1]["verdict"], "error")
        one = mvtest.run("scan", "--format", "json", "-j", "1", *args)
        self.assertEqual(one.returncode, code)

    def test_jobs_keep_argument_order_with_very_different_sizes(self):
        # A slow file first (64 MiB hashed whole) and tiny ones after it: the other worker
        # finishes many files before the first is done; the report still follows the arguments.
        big = self.tmp / "big.bin"
        with open(big, "wb") as out:
            out.write(os.urandom(64 << 20))
        small = sorted(p for p in mvtest.FIXTURES.rglob("*") if p.is_file())[:30]
        args = [str(big)] + [str(p) for p in small] + [str(big)] + [str(p) for p in small[:5]]
        one = mvtest.run("scan", "--format", "json", "--sha256", "-j", "1", *args)
        for jobs in ("2", "3"):
            many = mvtest.run("scan", "--format", "json", "--sha256", "-j", jobs, *args)
            report = json.loads(many.stdout)
            self.assertEqual([f["path"] for f in report["files"]], args, many.stderr)
            self.assertEqual(many.stdout, one.stdout, jobs)
            self.assertEqual(many.returncode, one.returncode)

    def test_batched_opens_give_the_report_of_opens_one_at_a_time(self):
        # Many files are opened and first read in batches through io_uring; MODELVET_IO_URING=0
        # opens them one at a time. Same report, whatever is in the tree: FIFOs (one held open
        # by a writer that never writes: a read that waited would hang the scan), empty files,
        # dangling links, and files past the first read's size.
        d = self.mixed_dir()
        os.mkfifo(d / "zz-fifo")
        os.mkfifo(d / "zz-fifo-held")
        reader = os.open(d / "zz-fifo-held", os.O_RDONLY | os.O_NONBLOCK)
        writer = os.open(d / "zz-fifo-held", os.O_WRONLY | os.O_NONBLOCK)
        self.addCleanup(os.close, reader)
        self.addCleanup(os.close, writer)
        (d / "zz-large.pkl").write_bytes(b"\x80\x02N." + b"\0" * (300 << 10))
        one_at_a_time = dict(os.environ, MODELVET_IO_URING="0")
        for fmt in ("text", "json"):
            for jobs in ("1", "2"):
                argv = [mvtest.BIN, "scan", "-j", jobs, "--format", fmt, str(d)]
                batched = subprocess.run(argv, capture_output=True, text=True, timeout=300)
                alone = subprocess.run(argv, capture_output=True, text=True, timeout=300,
                                       env=one_at_a_time)
                self.assertEqual(batched.returncode, alone.returncode, (fmt, jobs))
                self.assertEqual(batched.stdout, alone.stdout, (fmt, jobs))
        self.assertIn("zz-fifo-held", batched.stdout)
        self.assertIn("not a regular file", batched.stdout)

    def test_default_jobs_is_parallel_and_same_output(self):
        d = self.mixed_dir()
        default = self.scan("--format", "json", d)
        one = self.scan("--format", "json", "-j", "1", d)
        self.assertEqual(default.stdout, one.stdout)
        self.assertEqual(default.returncode, one.returncode)


class FileReadingTest(unittest.TestCase):
    def setUp(self):
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix="mv-io-"))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_small_and_large_files_give_the_same_report(self):
        # A malicious pickle read whole (small) and the same bytes padded past the read-whole
        # size (mapped): both are read and judged the same way.
        src = next(p for p in sorted((mvtest.FIXTURES / "malicious").iterdir())
                   if p.suffix == ".pkl")
        small = self.tmp / "small.pkl"
        large = self.tmp / "large.pkl"
        data = src.read_bytes()
        small.write_bytes(data)
        large.write_bytes(data + b"\0" * (1 << 20))
        _, a, _ = mvtest.scan_json(small, extra=("--sha256",))
        _, b, _ = mvtest.scan_json(large, extra=("--sha256",))
        fa, fb = a["files"][0], b["files"][0]
        self.assertEqual(fa["verdict"], "unsafe")
        self.assertEqual(fb["verdict"], fa["verdict"])
        self.assertEqual(fa["sha256"], hashlib.sha256(small.read_bytes()).hexdigest())
        self.assertEqual(fb["sha256"], hashlib.sha256(large.read_bytes()).hexdigest())

    def test_many_small_files_reuse_does_not_leak_bytes_between_files(self):
        # A long file then a short one on the same thread: the reused buffer's old tail must
        # not become part of the short file (its size and hash are its own).
        big = self.tmp / "a.bin"
        short = self.tmp / "b.bin"
        big.write_bytes(bytes(range(256)) * 512)
        short.write_bytes(b"\x80\x04N.")
        code, report, err = mvtest.scan_json(big, short, extra=("--sha256", "-j", "1"))
        f = report["files"][1]
        self.assertEqual(f["size"], 4, err)
        self.assertEqual(f["sha256"], hashlib.sha256(b"\x80\x04N.").hexdigest())

    def test_links_named_by_a_model_are_resolved_only_where_needed(self):
        # The model's folder is resolved on disk only for a file naming a relative path (ONNX
        # external data): a sibling link leaving the folder is reported as its target, in a
        # batch where the other files name no path, scanned on several threads.
        model = self.tmp / "model"
        elsewhere = self.tmp / "elsewhere"
        model.mkdir()
        elsewhere.mkdir()
        onnx = mvtest.SOURCE_DIR / "tests" / "fixtures" / "formats" / "onnx" / "external-sibling.onnx"
        shutil.copy(onnx, model / "m.onnx")
        (elsewhere / "secret").write_bytes(b"x")
        os.symlink("../elsewhere/secret", model / "model.onnx_data")
        plain = sorted(p for p in mvtest.FIXTURES.rglob("*.pt") if p.is_file())[:6]
        args = [str(p) for p in plain] + [str(model / "m.onnx")] + [str(p) for p in plain]
        code, report, err = mvtest.scan_json(*args, extra=("-j", "2"))
        f = report["files"][len(plain)]
        self.assertEqual(f["path"], str(model / "m.onnx"), err)
        self.assertEqual(f["verdict"], "unsafe", f)
        real = str((elsewhere / "secret").resolve())
        self.assertIn("on disk it resolves to " + real, json.dumps(f["findings"]))
        self.assertIn(real, f["summary"])
        # A sibling that stays inside the folder is no finding.
        os.remove(model / "model.onnx_data")
        (model / "model.onnx_data").write_bytes(b"\0" * 16)
        _, report, err = mvtest.scan_json(model / "m.onnx")
        self.assertNotIn("resolves to", json.dumps(report["files"][0]), err)

    def test_sha256_of_a_2gib_file_streams(self):
        # A sparse 2 GiB file: hashing reads every byte, but through one buffer, so peak
        # resident memory stays far below the file's size (a mapped file stayed resident).
        f = self.tmp / "sparse.bin"
        with open(f, "wb") as out:
            out.truncate(2 << 30)
            out.seek(1 << 30)
            out.write(b"modelvet")
        h = hashlib.sha256()
        with open(f, "rb") as inp:
            while chunk := inp.read(16 << 20):
                h.update(chunk)
        proc = subprocess.Popen([mvtest.BIN, "scan", "--format", "json", "--sha256", str(f)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = proc.stdout.read(), proc.stderr.read().decode(errors="replace")
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        proc.stdout.close()
        proc.stderr.close()
        report = json.loads(out)
        self.assertEqual(report["files"][0]["sha256"], h.hexdigest(), err)
        # ASan's shadow memory adds its own footprint.
        bound = (400 if os.environ.get("MODELVET_SANITIZED") == "1" else 128) << 20
        self.assertLess(usage.ru_maxrss * 1024, bound, "peak resident memory")


if __name__ == "__main__":
    unittest.main()
