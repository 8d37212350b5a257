#!/usr/bin/python3
"""Limits and faults, end to end: bombs and hostile shapes generated at test time, each scanned
by the CLI under a 256 MiB address-space limit (skipped when MODELVET_SANITIZED=1: ASan
reserves terabytes of shadow memory) and a timeout. Each must finish, exit cleanly (no signal,
exit 0/1/2), print valid JSON, be `needs-review` (never `safe`) and carry a limit/incomplete
finding. Also: a detection plus a read error still exits 1; files that cannot be read never
disappear from the report; strings and file names that are not UTF-8 keep the report strict
UTF-8 and stay visible (escaped).

Nothing is skipped silently: a missing test dependency (python3-zstandard, setpriv) is a
failure, and checks that mean nothing for root (a mode-000 file) run the CLI as `nobody`
(setpriv) when the test runs as root, as CI does. Checks left out by LIMITS_FILTER are
counted as skipped.

Env: MODELVET_BIN, MODELVET_SOURCE_DIR, MODELVET_SANITIZED. Needs python3-zstandard; prints
'N passed, N failed, N skipped'. LIMITS_FILTER=<substring> runs only matching checks.
"""
import gzip
import io
import json
import lzma
import os
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib

BIN = os.environ.get("MODELVET_BIN", "build/modelvet")
SANITIZED = os.environ.get("MODELVET_SANITIZED") == "1"
AS_LIMIT = 256 << 20
TIMEOUT = 120 if SANITIZED else 60  # seconds per CLI run
BUDGET_MS = "30000"  # the scanner's own per-file budget, below TIMEOUT

MIB = 1 << 20
CHUNK = 64 * MIB


def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


# Run as `nobody` when root: root reads mode-000 files, so an unreadable-file check run as root
# would test nothing.
AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


def run(paths, budget=True, timeout=None, unprivileged=False, fmt="json"):
    """Runs the CLI on paths; returns (proc, seconds). Never raises on a timeout.
    unprivileged: as `nobody` when running as root."""
    cmd = [BIN, "scan", "--format", fmt]
    if budget:
        cmd += ["--time-budget-ms", BUDGET_MS]
    cmd += list(paths)
    if unprivileged and os.geteuid() == 0:
        cmd = AS_NOBODY + cmd
    t0 = time.monotonic()
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout or TIMEOUT,
                              preexec_fn=None if SANITIZED else limit_memory)
    except subprocess.TimeoutExpired as e:
        proc = subprocess.CompletedProcess(cmd, "timeout", e.stdout or b"", e.stderr or b"")
    return proc, time.monotonic() - t0


# ---------------------------------------------------------------------------------------------
# Bomb builders. Big streams are made of one compressed chunk repeated: a raw-deflate block run
# ended by a full flush depends on no earlier bytes and is byte aligned, so copies concatenate.
# ---------------------------------------------------------------------------------------------
_deflate_chunk = None


def deflate_zeros_chunk():
    """Raw deflate of CHUNK zero bytes, self-contained and byte aligned (no final block)."""
    global _deflate_chunk
    if _deflate_chunk is None:
        c = zlib.compressobj(1, zlib.DEFLATED, -15)
        _deflate_chunk = c.compress(bytes(CHUNK)) + c.flush(zlib.Z_FULL_FLUSH)
    return _deflate_chunk


DEFLATE_END = b"\x03\x00"  # an empty final fixed-Huffman block


def deflate_zeros(n_chunks):
    return deflate_zeros_chunk() * n_chunks + DEFLATE_END


def zip_local(name, method, crc, csize, usize, data):
    n = name.encode()
    return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, csize, usize,
                       len(n), 0) + n + data


def zip_central(name, method, crc, csize, usize, offset):
    n = name.encode()
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, csize,
                       usize, len(n), 0, 0, 0, 0, 0, offset) + n


def zip_eocd(count, cd_size, cd_offset):
    return struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, cd_size, cd_offset, 0)


def zip_bomb(path, entries=2, chunks=60):
    """`entries` deflated members of chunks*64 MiB zeros each (3.75 GiB at 60): each beyond
    the in-memory member limit, together beyond kMaxExpandedBytes, ratio ~1000:1."""
    data = deflate_zeros(chunks)
    usize = chunks * CHUNK
    assert usize < 1 << 32
    body, central = b"", b""
    for i in range(entries):
        name = f"archive/data/{i}"
        central += zip_central(name, 8, 0, len(data), usize, len(body))
        body += zip_local(name, 8, 0, len(data), usize, data)
    with open(path, "wb") as f:
        f.write(body + central + zip_eocd(entries, len(central), len(body)))


def zip_overlap_bomb(path, entries=300, chunks=60):
    """Fifield-style: many central entries all pointing at one local header (~1 TiB)."""
    data = deflate_zeros(chunks)
    usize = chunks * CHUNK
    body = zip_local("w", 8, 0, len(data), usize, data)
    central = b"".join(zip_central(f"w{i}", 8, 0, len(data), usize, 0) for i in range(entries))
    with open(path, "wb") as f:
        f.write(body + central + zip_eocd(entries, len(central), len(body)))


def gzip_bomb(path, chunks=80):
    """One gzip member inflating to 5 GiB of zeros (CRC deliberately not computed: 0)."""
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    with open(path, "wb") as f:
        f.write(header)
        for _ in range(chunks):
            f.write(deflate_zeros_chunk())
        f.write(DEFLATE_END + struct.pack("<II", 0, (chunks * CHUNK) & 0xFFFFFFFF))


def xz_bomb(path, streams=80):
    """Concatenated xz streams of 64 MiB zeros each (5 GiB), ratio ~6800:1 per stream."""
    one = lzma.compress(bytes(CHUNK), preset=0)
    with open(path, "wb") as f:
        for _ in range(streams):
            f.write(one)


def zstd_bomb(path, chunks=80):
    """One zstd frame (streamed, no content size) of 5 GiB zeros. Needs python3-zstandard
    (scripts/setup.sh); without it the check fails rather than vanish."""
    try:
        import zstandard
    except ImportError:
        return False
    cctx = zstandard.ZstdCompressor(level=1)
    with open(path, "wb") as f:
        with cctx.stream_writer(f, closefd=False) as w:
            z = bytes(CHUNK)
            for _ in range(chunks):
                w.write(z)
    return True


def nested_zip(path, depth):
    data = b"\x80\x02}q\x00X\x01\x00\x00\x00aK\x01s."  # {'a': 1}
    name = "data.pkl"
    for i in range(depth):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
        data, name = out.getvalue(), f"level{i}.zip"
    with open(path, "wb") as f:
        f.write(data)


def nested_gzip(path, depth):
    data = b"\x80\x02}q\x00X\x01\x00\x00\x00aK\x01s."
    for _ in range(depth):
        data = gzip.compress(data, mtime=0)
    with open(path, "wb") as f:
        f.write(data)


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def nested_loads(depth):
    """`_pickle.loads(b'...')` nested `depth` times around a benign pickle."""
    data = b"\x80\x02}q\x00X\x01\x00\x00\x00aK\x01s."
    for _ in range(depth):
        data = (b"\x80\x03c_pickle\nloads\n" + b"B" + struct.pack("<I", len(data)) + data
                + b"\x85R.")
    return data


def memo_laughs(levels):
    """l0 = []; l(i+1) = [l(i), l(i)] via the memo: 2^levels leaves if rendered naively;
    passed to an unknown callable so the evidence renderer has to show it."""
    assert levels < 255
    out = b"\x80\x02cexample_pkg.mod\nconsume\n]q\x000"
    for i in range(levels):
        out += b"](h" + bytes([i]) + b"h" + bytes([i]) + b"eq" + bytes([i + 1])
        if i + 1 < levels:
            out += b"0"  # POP: only the memo keeps the level
    return out + b"\x85R."


# ---------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------
RESULTS = []
SKIPPED = []


def record(name, ok, msg=""):
    RESULTS.append((name, ok, msg))
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + msg), flush=True)


def selected(name):
    """False (and counted as skipped) when LIMITS_FILTER leaves the check out."""
    if os.environ.get("LIMITS_FILTER", "") in name:
        return True
    SKIPPED.append(name)
    return False


def decode_strict(proc):
    """stdout as strict UTF-8: the JSON, SARIF and text reports must all be valid UTF-8."""
    try:
        return proc.stdout.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        raise AssertionError(f"output is not valid UTF-8 ({e}); around: "
                             f"{proc.stdout[max(0, e.start - 40):e.end + 40]!r}")


def parse(proc):
    if proc.returncode == "timeout":
        raise AssertionError("no result before the timeout (hang)")
    if proc.returncode < 0:
        raise AssertionError(f"killed by signal {-proc.returncode}; stderr: "
                             + proc.stderr.decode(errors="replace")[-400:])
    if proc.returncode not in (0, 1, 2):
        raise AssertionError(f"exit {proc.returncode}; stderr: "
                             + proc.stderr.decode(errors="replace")[-400:])
    text = decode_strict(proc)
    try:
        return json.loads(text)
    except ValueError as e:
        raise AssertionError(f"invalid JSON ({e}); stdout starts {proc.stdout[:120]!r}")


def limit_finding(f, accept):
    rule = f.get("rule") or ""
    if rule.startswith("limit."):
        return True
    return any(a in rule for a in accept)


def check_bomb(name, path, verdicts=("needs-review",), accept=("incomplete",),
               need_finding=True):
    if not selected(name):
        return
    try:
        proc, secs = run([path])
        doc = parse(proc)
        files = doc.get("files", [])
        if len(files) != 1:
            raise AssertionError(f"{len(files)} file reports")
        f = files[0]
        if f.get("verdict") not in verdicts:
            raise AssertionError(f"verdict {f.get('verdict')}, want {'/'.join(verdicts)}; "
                                 f"rules {[x.get('rule') for x in f.get('findings', [])]}")
        if need_finding and not any(limit_finding(x, accept) for x in f.get("findings", [])):
            raise AssertionError("no limit.* / incomplete finding; rules "
                                 f"{[x.get('rule') for x in f.get('findings', [])]}")
        if proc.returncode != (1 if f["verdict"] == "unsafe" else 0):
            raise AssertionError(f"exit {proc.returncode} for verdict {f['verdict']}")
        record(name, True)
        print(f"     {secs:.1f}s, rules {[x.get('rule') for x in f.get('findings', [])][:4]}")
    except AssertionError as e:
        record(name, False, str(e))


def check(name, fn):
    """Runs one check function (raises AssertionError on failure) unless filtered out."""
    if not selected(name):
        return
    try:
        fn()
        record(name, True)
    except AssertionError as e:
        record(name, False, str(e))


def check_faults(tmp):
    mal = os.path.join(tmp, "payload.pkl")
    write(mal, b"\x80\x02cposix\nsystem\nX\x0c\x00\x00\x00echo limits1\x85R.")
    missing = os.path.join(tmp, "does-not-exist.bin")

    def detection_plus_read_error():
        # A detection plus a read error still exits 1, and both files are in the report.
        proc, _ = run([mal, missing])
        doc = parse(proc)
        by = {f["path"]: f for f in doc["files"]}
        if missing not in by:
            raise AssertionError("missing file vanished from the report")
        if by[missing]["verdict"] != "error":
            raise AssertionError(f"missing file verdict {by[missing]['verdict']}")
        if by.get(mal, {}).get("verdict") != "unsafe":
            raise AssertionError(f"payload verdict {by.get(mal, {}).get('verdict')}")
        if proc.returncode != 1:
            raise AssertionError(f"exit {proc.returncode}, want 1 (detection wins over errors)")
        if doc.get("summary", {}).get("error") != 1 or doc["summary"].get("unsafe") != 1:
            raise AssertionError(f"summary {doc.get('summary')}")
    check("faults.detection-plus-read-error-exits-1", detection_plus_read_error)

    def read_error_only():
        # Read errors only: exit 2, still valid JSON naming the file.
        proc, _ = run([missing])
        doc = parse(proc)
        if [f["path"] for f in doc["files"]] != [missing]:
            raise AssertionError(f"files {[f['path'] for f in doc['files']]}")
        if proc.returncode != 2:
            raise AssertionError(f"exit {proc.returncode}, want 2")
    check("faults.read-error-only-exits-2", read_error_only)

    # Strings and callable names that are not UTF-8 (a BINUNICODE with raw bytes, found by
    # scan_fuzz; GLOBAL names with bytes 0xff/0xfe) must keep every report format strict UTF-8
    # and stay visible as \xNN escapes, with the verdict they deserve.
    bad = os.path.join(tmp, "bad-utf8.pkl")
    write(bad, b"\x80\x05\x8c\x05posix\x94\x8c\x06system\x94\x93\x94"
          b"\x8c\x0cecho pk0\xff\x08p5\x94\x85\x94R\x94.")
    badname = os.path.join(tmp, "bad-utf8-name.pkl")
    write(badname, b"\x80\x02cpos\xffix\nsys\xfetem\nX\x0a\x00\x00\x00echo nu\xff01\x85R.")

    def non_utf8_json():
        proc, _ = run([bad, badname, mal])
        doc = parse(proc)  # strict UTF-8, then JSON
        by = {f["path"]: f for f in doc["files"]}
        if len(doc["files"]) != 3:
            raise AssertionError(f"{len(doc['files'])} file reports, want 3")
        f = by.get(bad, {})
        if f.get("verdict") != "unsafe" or not any(
                x.get("callable") == "posix.system" and "echo pk0\\xff\\x08p5" in x["evidence"]
                for x in f.get("findings", [])):
            raise AssertionError(f"bad-utf8.pkl: {f.get('verdict')}, findings {f.get('findings')}")
        f = by.get(badname, {})
        if f.get("verdict") != "needs-review" or not any(
                x.get("callable") == "pos\\xffix.sys\\xfetem" and "echo nu\\xff01" in x["evidence"]
                for x in f.get("findings", [])):
            raise AssertionError(f"bad-utf8-name.pkl: {f.get('verdict')}, "
                                 f"findings {f.get('findings')}")
        if proc.returncode != 1:
            raise AssertionError(f"exit {proc.returncode}, want 1")
    check("faults.non-utf8-strings-keep-json-valid", non_utf8_json)

    def non_utf8_sarif_and_text():
        proc, _ = run([bad, badname], fmt="sarif")
        if proc.returncode != 1:
            raise AssertionError(f"sarif: exit {proc.returncode}, want 1")
        sarif = json.loads(decode_strict(proc))
        texts = json.dumps(sarif)
        for marker in ("echo pk0\\\\xff", "pos\\\\xffix.sys\\\\xfetem"):
            if marker not in texts:
                raise AssertionError(f"sarif: {marker!r} not shown")
        proc, _ = run([bad, badname], fmt="text")
        if proc.returncode != 1:
            raise AssertionError(f"text: exit {proc.returncode}, want 1")
        text = decode_strict(proc)
        for marker in ("echo pk0\\xff\\x08p5", "pos\\xffix.sys\\xfetem"):
            if marker not in text:
                raise AssertionError(f"text: {marker!r} not shown; output {text[:300]!r}")
    check("faults.non-utf8-strings-keep-sarif-and-text-valid", non_utf8_sarif_and_text)

    # Inside a scanned directory: an unreadable file, a dangling link (an entry whose target
    # vanished) and a FIFO must each be an `error` entry, and the scan exits 2. Run as `nobody`
    # when root, for whom mode 000 means nothing.
    d = os.path.join(tmp, "model-dir")
    os.makedirs(d)
    write(os.path.join(d, "a-good.pkl"), b"\x80\x02}q\x00X\x01\x00\x00\x00aK\x01s.")
    os.symlink(os.path.join(tmp, "vanished.bin"), os.path.join(d, "b-dangling.bin"))
    os.mkfifo(os.path.join(d, "c-fifo.bin"), 0o644)
    unreadable = os.path.join(d, "d-unreadable.bin")
    write(unreadable, b"\x80\x02}q\x00.")
    os.chmod(unreadable, 0)
    if os.geteuid() == 0:
        # nobody must reach the files (mkdtemp makes 0700 directories).
        for path in (tmp, d):
            os.chmod(path, 0o755)
        os.chmod(os.path.join(d, "a-good.pkl"), 0o644)

    def unreadable_entries():
        if os.geteuid() == 0 and not shutil.which("setpriv"):
            raise AssertionError("running as root without setpriv (util-linux): cannot check "
                                 "an unreadable file")
        proc, _ = run([d], unprivileged=True)
        doc = parse(proc)
        by = {os.path.basename(f["path"]): f for f in doc["files"]}
        problems = []
        for name in ("b-dangling.bin", "c-fifo.bin", "d-unreadable.bin"):
            if name not in by:
                problems.append(f"{name} vanished from the report")
            elif by[name]["verdict"] != "error":
                problems.append(f"{name} judged {by[name]['verdict']}, want error")
        if by.get("a-good.pkl", {}).get("verdict") != "safe":
            problems.append(f"a-good.pkl: {by.get('a-good.pkl', {}).get('verdict')}, want safe")
        if doc.get("summary", {}).get("error") != 3:
            problems.append(f"summary {doc.get('summary')}")
        if proc.returncode != 2:
            problems.append(f"exit {proc.returncode} with read errors only, want 2")
        if problems:
            raise AssertionError("; ".join(problems))
    check("faults.unreadable-entries-stay-in-report", unreadable_entries)

    def fifo_argument():
        # A FIFO named directly must not block the scanner (open() on a FIFO waits for a
        # writer): an `error` entry, exit 2, well before the timeout.
        proc, secs = run([os.path.join(d, "c-fifo.bin")], timeout=15)
        doc = parse(proc)
        f = doc["files"][0]
        if f["verdict"] != "error":
            raise AssertionError(f"FIFO judged {f['verdict']}, want error")
        if proc.returncode != 2:
            raise AssertionError(f"exit {proc.returncode}, want 2")
    check("faults.fifo-argument-does-not-block", fifo_argument)
    os.chmod(unreadable, 0o600)


def main():
    if not os.path.isfile(BIN):
        print(f"MODELVET_BIN {BIN} not found")
        return 1
    tmp = tempfile.mkdtemp(prefix="modelvet-limits-")
    try:
        t0 = time.monotonic()
        p = lambda n: os.path.join(tmp, n)  # noqa: E731
        zip_bomb(p("zip-bomb.pt"))
        zip_overlap_bomb(p("zip-overlap-bomb.zip"))
        gzip_bomb(p("gzip-bomb.pkl.gz"))
        xz_bomb(p("xz-bomb.pkl.xz"))
        have_zstd = zstd_bomb(p("zstd-bomb.pkl.zst"))
        nested_zip(p("zip-in-zip-20.zip"), 20)
        nested_gzip(p("gzip-in-gzip-20.gz"), 20)
        # Pickles with lengths and counts no file could back.
        write(p("binbytes8-2p63.pkl"), b"\x80\x04\x8e" + struct.pack("<Q", 1 << 63) + b"x" * 64 + b".")
        write(p("binunicode8-2p64.pkl"), b"\x80\x04\x8d" + struct.pack("<Q", (1 << 64) - 1) + b"x" * 64 + b".")
        write(p("frame-2p63.pkl"), b"\x80\x04\x95" + struct.pack("<Q", 1 << 63) + b"N.")
        write(p("marks-10m.pkl"), b"\x80\x02" + b"(" * 10_000_000 + b".")
        write(p("memo-5m.pkl"), b"\x80\x04N" + b"\x94" * 5_000_000 + b".")
        write(p("memo-huge-index.pkl"), b"\x80\x02N" + b"".join(
            b"r" + struct.pack("<I", 0xFFFFFFFF - i * 7919) for i in range(1000)) + b"j\x00\x00\x00\x00.")
        write(p("steps-60m.pkl"), b"\x80\x02" + b"N0" * 30_000_000 + b"N.")
        write(p("deep-list-2m.pkl"), b"\x80\x02" + b"]" * 2_000_000 + b"a" * 1_999_999 + b".")
        # 400k levels: far beyond any recursion the C++ stack survives, and ~200 MiB of address
        # space at ~400 bytes a level (500k left ~1 MiB under the 256 MiB limit).
        write(p("deep-list-400k.pkl"), b"\x80\x02" + b"]" * 400_000 + b"a" * 399_999 + b".")
        write(p("memo-laughs-64.pkl"), memo_laughs(64))
        write(p("nested-loads-20.pkl"), nested_loads(20))
        print(f"generated bombs in {time.monotonic() - t0:.1f}s"
              + (" (sanitized build: no address-space limit)" if SANITIZED else ""), flush=True)

        check_bomb("zip-bomb", p("zip-bomb.pt"))
        check_bomb("zip-overlap-bomb", p("zip-overlap-bomb.zip"))
        check_bomb("gzip-bomb", p("gzip-bomb.pkl.gz"))
        check_bomb("xz-bomb", p("xz-bomb.pkl.xz"))
        if have_zstd:
            check_bomb("zstd-bomb", p("zstd-bomb.pkl.zst"))
        elif selected("zstd-bomb"):
            record("zstd-bomb", False, "test dependency missing: the python3 `zstandard` module "
                   "(Debian python3-zstandard, installed by scripts/setup.sh)")
        check_bomb("zip-in-zip-depth-20", p("zip-in-zip-20.zip"))
        check_bomb("gzip-in-gzip-depth-20", p("gzip-in-gzip-20.gz"))
        trunc = ("incomplete", "truncat", "length", "too-large", "format.")
        check_bomb("pickle-binbytes8-2^63", p("binbytes8-2p63.pkl"), accept=trunc)
        check_bomb("pickle-binunicode8-2^64", p("binunicode8-2p64.pkl"), accept=trunc)
        check_bomb("pickle-frame-2^63", p("frame-2p63.pkl"), accept=trunc + ("frame",))
        check_bomb("pickle-10m-marks", p("marks-10m.pkl"))
        check_bomb("pickle-5m-memo-entries", p("memo-5m.pkl"))
        check_bomb("pickle-huge-memo-indices", p("memo-huge-index.pkl"),
                   accept=("memo", "incomplete"))
        check_bomb("pickle-60m-steps", p("steps-60m.pkl"))
        check_bomb("pickle-2m-deep-list", p("deep-list-2m.pkl"))
        # Within the limits: nothing to report, but deep structures must not blow the C++
        # stack (recursive destructors or renderers) and shared memo graphs must not explode.
        check_bomb("pickle-400k-deep-list-no-crash", p("deep-list-400k.pkl"),
                   verdicts=("safe", "needs-review"), need_finding=False)
        check_bomb("pickle-memo-laughs-bounded", p("memo-laughs-64.pkl"),
                   verdicts=("needs-review",), need_finding=False)
        check_bomb("nested-pickle-loads-20", p("nested-loads-20.pkl"),
                   verdicts=("needs-review", "unsafe"))
        check_faults(tmp)
    finally:
        for root, dirs, files in os.walk(tmp):
            for n in dirs + files:
                full = os.path.join(root, n)
                if not os.path.islink(full):
                    try:
                        os.chmod(full, 0o700)
                    except OSError:
                        pass
        shutil.rmtree(tmp, ignore_errors=True)

    failed = sum(1 for _, ok, _ in RESULTS if not ok)
    if SKIPPED:
        print(f"skipped (LIMITS_FILTER): {', '.join(SKIPPED)}")
    print(f"{len(RESULTS) - failed} passed, {failed} failed, {len(SKIPPED)} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
