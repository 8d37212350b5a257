// Differential test of the text operands (INT, LONG, FLOAT, GET, PUT, STRING, UNICODE, GLOBAL,
// INST, PERSID) against the real unpicklers: tests/fixtures/pickle/operands/corpus.jsonl.gz
// (gen_operand_corpus.py) records, for ~11,000 generated operand variants, what CPython's C
// and pure-Python unpicklers did with them. For every variant:
//   - the machine produces the value the C unpickler produced (or pickle.py's when only that
//     one accepts), and no value when neither accepts;
//   - the sniffer calls a pickle that starts with the operand a pickle exactly when a real
//     unpickler gets past it.
// The probe pickles are rebuilt here from the same templates as the generator's.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "pickle/engine.h"

namespace mv::pickle {
namespace {

std::string Unhex(const std::string& h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string Hex(const std::string& s) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string ValueProbe(char op, const std::string& v) {
  const std::string g = "cprobe\nsink\n";
  switch (op) {
    case 'g': return "I7\np5\n0" + g + "(g" + v + "\ntR.";
    case 'p': return "I7\np" + v + "\n0" + g + "(g5\ntR.";
    case 'c': return "c" + v + "\n)R.";
    case 'i': return "(i" + v + "\n.";
    case 'P': return "P" + v + "\n.";
    default: return g + "(" + std::string(1, op) + v + "\ntR.";
  }
}

std::string SniffProbe(char op, const std::string& v) {
  const std::string call = "cprobe\nsink\n(I1\ntR.";
  switch (op) {
    case 'g': return "I7\np5\n0g" + v + "\n0" + call;
    case 'p': return "I7\np" + v + "\n0g5\n0" + call;
    case 'c':
    case 'i': return ValueProbe(op, v);
    default: return std::string(1, op) + v + "\n0" + call;
  }
}

// The value the operand produced in the trace, in the corpus' notation; nullopt when none.
std::optional<std::string> Observed(char op, const Trace& t) {
  if (op == 'c' || op == 'i') {
    if (t.imports.empty()) return std::nullopt;
    return Hex(t.imports[0].module + "\n" + t.imports[0].name);
  }
  for (const auto& c : t.calls) {
    if (op == 'P' && c.kind == CallKind::kPersistentLoad && !c.args.empty() && c.args[0]) {
      return Hex(c.args[0]->text);
    }
    if (op != 'P' && c.resolved == "probe.sink" && !c.args.empty() && c.args[0]) {
      const Value& v = *c.args[0];
      if (v.kind == ValueKind::kStr) return Hex(v.text);
      return v.text;
    }
  }
  return std::nullopt;
}

bool SameValue(char op, const std::string& want, const std::string& got) {
  if (op != 'F') return want == got;
  double a = std::strtod(want.c_str(), nullptr), b = std::strtod(got.c_str(), nullptr);
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

TEST(OperandsDiff, AcceptsAndEvaluatesWhatTheUnpicklersDo) {
  std::string path = std::string(MV_FIXTURES) + "/pickle/operands/corpus.jsonl.gz";
  gzFile f = gzopen(path.c_str(), "rb");
  ASSERT_NE(f, nullptr) << path;
  std::string text;
  char buf[1 << 16];
  int n = 0;
  while ((n = gzread(f, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  gzclose(f);
  size_t rows = 0, accepted = 0, failures = 0;
  size_t pos = 0;
  while (pos < text.size() && failures < 40) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    nlohmann::json r = nlohmann::json::parse(text.substr(pos, nl - pos));
    pos = nl + 1;
    ++rows;
    char op = r["op"].get<std::string>()[0];
    std::string v = Unhex(r["v"].get<std::string>());
    bool c_ok = r["c"][0].get<bool>(), py_ok = r["py"][0].get<bool>();
    bool ok = c_ok || py_ok;
    accepted += ok;
    std::string want = ok ? (c_ok ? r["c"][1] : r["py"][1]).get<std::string>() : "";

    std::string probe = ValueProbe(op, v);
    SourcePtr src = MakeMemorySource(probe);
    Options o;
    Trace t = Analyze(*src, 0, src->size(), o);
    std::optional<std::string> got = Observed(op, t);
    std::string where = std::string(1, op) + " operand " + Hex(v) + " (C " +
                        (c_ok ? "accepts" : "refuses") + ", pickle.py " +
                        (py_ok ? "accepts" : "refuses") + ")";
    if (ok && (!got || !SameValue(op, want, *got))) {
      ADD_FAILURE() << where << ": want value " << want << ", machine gave "
                    << (got ? *got : std::string("nothing"));
      ++failures;
    } else if (!ok && got && op != 'c' && op != 'i') {
      ADD_FAILURE() << where << ": machine produced " << *got;
      ++failures;
    }

    std::string sp = SniffProbe(op, v);
    SourcePtr ssrc = MakeMemorySource(sp);
    if (LooksLikePickle(*ssrc, 0) != ok) {
      ADD_FAILURE() << where << ": sniffer says " << (ok ? "not a pickle" : "pickle");
      ++failures;
    }
  }
  EXPECT_GT(rows, 10000u);
  EXPECT_GT(accepted, 3000u);
}

}  // namespace
}  // namespace mv::pickle
