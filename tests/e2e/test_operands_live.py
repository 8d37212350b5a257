"""Live differential test of pickle text operands against this machine's real unpicklers.

tests/pickle/gen_operand_corpus.py generates operand variants of every text-operand opcode
(INT, LONG, FLOAT, GET, PUT, STRING, UNICODE, PERSID). Each variant goes first in a pickle that
then calls posix.system('…'): the real C and pure-Python unpicklers (recording find_class: the
stub is never a real function, nothing runs) say whether a load gets past the operand to that
call. modelvet, scanning all the probes in one run, must call every probe a real unpickler gets
through `unsafe` (naming system), and no probe that both refuse.
"""

import os
import pathlib
import sys
import tempfile
import unittest

import mvtest

sys.path.insert(0, str(mvtest.SOURCE_DIR / "tests" / "pickle"))
import gen_operand_corpus as gen  # noqa: E402


class OperandsLive(unittest.TestCase):
    def test_probes_match_the_real_unpicklers(self):
        with tempfile.TemporaryDirectory() as d:
            expect = {}
            for i, (op, v) in enumerate(gen.variants()):
                if op in (b"c", b"i"):
                    continue  # names: checked by operands_diff_test against find_class
                data = gen.sniff_probe(op, v, module=b"posix", name=b"system")
                ok = any(any(e[0] == "call" and e[2] == "system" for e in gen.run(data, impl)[1])
                         for impl in ("c", "py"))
                path = pathlib.Path(d) / f"{i:05d}-{op.decode()}.pkl"
                path.write_bytes(data)
                expect[os.path.realpath(path)] = (ok, op, v)
            _, report, _ = mvtest.scan_json(d)
            files = mvtest.by_path(report)
            self.assertEqual(len(files), len(expect))
            bad = []
            for path, (ok, op, v) in expect.items():
                f = files[path]
                named = any("system" in (x.get("callable", "") + x.get("evidence", ""))
                            for x in f.get("findings", []))
                if ok and not (f["verdict"] == "unsafe" and named):
                    bad.append(f"{op.decode()} {v!r}: loaders reach system(), modelvet says "
                               f"{f['verdict']}: {f.get('summary', '')}")
                if not ok and f["verdict"] == "unsafe":
                    bad.append(f"{op.decode()} {v!r}: loaders refuse it, modelvet says unsafe")
            self.assertEqual(bad[:20], [], f"{len(bad)} disagreements")
            self.assertGreater(sum(1 for ok, _, _ in expect.values() if ok), 3000)


if __name__ == "__main__":
    mvtest.main()
