// A limit that stops reading is a finding: for each reader, an input just past one of its
// limits (core/limits.h) must carry an `incomplete` anomaly naming what was not analysed, and
// the file must never be `safe`. Where the limit used to hide content, the hidden part is
// dangerous, so the test fails on a reader that stops silently.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/limits.h"
#include "kb/kb.h"
#include "scan/scanner.h"

namespace mv {
namespace {

// Scan options with the embedded knowledge base (loaded once per process).
scan::Options Options() {
  static auto kb = kb::KnowledgeBase::Load({});
  EXPECT_TRUE(kb.ok());
  scan::Options opts;
  opts.kb = *kb;
  return opts;
}

FileReport Scan(const std::string& bytes, const std::string& name = "input") {
  return scan::ScanSource(MakeMemorySource(bytes), name, Options());
}

// A fixture under tests/fixtures, scanned as if it were named `name`.
FileReport ScanFixture(const std::string& fixture, const std::string& name) {
  auto src = OpenFileSource(std::string(MV_FIXTURES) + "/" + fixture);
  EXPECT_TRUE(src.ok()) << fixture;
  if (!src.ok()) return FileReport{};
  return scan::ScanSource(*src, name, Options());
}

// Standard base64 (how Keras stores a Lambda's marshalled code).
std::string Base64(const std::string& m) {
  static const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string b64;
  for (size_t i = 0; i < m.size(); i += 3) {
    uint32_t v = static_cast<uint8_t>(m[i]) << 16;
    if (i + 1 < m.size()) v |= static_cast<uint8_t>(m[i + 1]) << 8;
    if (i + 2 < m.size()) v |= static_cast<uint8_t>(m[i + 2]);
    b64 += kB64[v >> 18];
    b64 += kB64[(v >> 12) & 63];
    b64 += i + 1 < m.size() ? kB64[(v >> 6) & 63] : '=';
    b64 += i + 2 < m.size() ? kB64[v & 63] : '=';
  }
  return b64;
}

bool HasRule(const FileReport& r, const std::string& rule) {
  for (const auto& f : r.findings) {
    if (f.rule == rule) return true;
  }
  return false;
}

std::string Rules(const FileReport& r) {
  std::string s = std::string(VerdictName(r.verdict)) + ":";
  for (const auto& f : r.findings) s += " " + f.rule;
  return s;
}

void ExpectLimit(const FileReport& r, const std::string& rule) {
  EXPECT_TRUE(HasRule(r, rule)) << Rules(r);
  EXPECT_NE(r.verdict, Verdict::kSafe) << Rules(r);
  EXPECT_NE(r.verdict, Verdict::kError) << Rules(r);
}

std::string Le(uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
  return s;
}

// ---- protobuf wire helpers
std::string Varint(uint64_t v) {
  std::string s;
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    s.push_back(static_cast<char>(b | (v ? 0x80 : 0)));
  } while (v);
  return s;
}
std::string Len(uint32_t field, const std::string& payload) {
  return Varint(field << 3 | 2) + Varint(payload.size()) + payload;
}
std::string Num(uint32_t field, uint64_t v) {
  return Varint(field << 3) + Varint(v);
}

// ---- GGUF
TEST(LimitsFailClosed, GgufTemplateLongerThanTheWindow) {
  std::string tmpl(limits::kMaxTemplateBytes, ' ');
  tmpl += "{{ cycler.__init__.__globals__.os.popen('id').read() }}";
  std::string key = "tokenizer.chat_template";
  std::string f = "GGUF" + Le(3, 4) + Le(0, 8) + Le(1, 8) + Le(key.size(), 8) + key + Le(8, 4) +
                  Le(tmpl.size(), 8) + tmpl;
  ExpectLimit(Scan(f), "limit.template");
}

TEST(LimitsFailClosed, JinjaConcatenationLongerThanAnyWindow) {
  // `|attr('_' ~ '' ~ … ~ '_globals__')`: once a 64-token look-ahead; now read to the closer.
  std::string pieces = "'_'";
  for (int i = 0; i < 200; ++i) pieces += " ~ ''";
  pieces += " ~ '_glob' ~ 'als__'";
  std::string tmpl = "{{ cycler.__init__|attr(" + pieces + ") }}";
  std::string key = "tokenizer.chat_template";
  std::string f = "GGUF" + Le(3, 4) + Le(0, 8) + Le(1, 8) + Le(key.size(), 8) + key + Le(8, 4) +
                  Le(tmpl.size(), 8) + tmpl;
  FileReport r = Scan(f);
  EXPECT_EQ(r.verdict, Verdict::kUnsafe) << Rules(r);
  bool globals = false;
  for (const auto& x : r.findings) globals |= x.callable == "__globals__";
  EXPECT_TRUE(globals) << Rules(r);
}

// ---- SavedModel: distinct op names past kMaxObservationsPerPayload, a Python op last.
TEST(LimitsFailClosed, SavedModelOpsPastTheObservationCap) {
  std::string graph;
  for (size_t i = 0; i <= limits::kMaxObservationsPerPayload; ++i) {
    graph += Len(1, Len(1, "n" + std::to_string(i)) + Len(2, "BenignOp" + std::to_string(i)));
  }
  graph += Len(1, Len(1, "py") + Len(2, "PyFunc"));
  std::string pb = Num(1, 1) + Len(2, Len(2, graph));
  ExpectLimit(Scan(pb, "saved_model.pb"), "limit.observations");
}

// ---- ONNX
std::string OnnxWith(const std::string& graph) {
  return Num(1, 8) + Len(8, Num(2, 13)) + Len(7, graph);
}

TEST(LimitsFailClosed, OnnxCustomOpsPastTheObservationCap) {
  std::string graph;
  for (size_t i = 0; i <= limits::kMaxObservationsPerPayload; ++i) {
    graph += Len(1, Len(4, "Op") + Len(7, "dom" + std::to_string(i)));
  }
  ExpectLimit(Scan(OnnxWith(graph), "m.onnx"), "limit.observations");
}

TEST(LimitsFailClosed, OnnxExternalLocationLongerThanKept) {
  // 5000 bytes of "a/" then "../" enough to climb out: the kept prefix has no "..".
  std::string loc;
  while (loc.size() < 5000) loc += "a/";
  for (int i = 0; i < 2600; ++i) loc += "../";
  loc += "etc/passwd";
  std::string tensor =
      Num(1, 1) + Num(2, 1) + Len(8, "w") + Len(13, Len(1, "location") + Len(2, loc)) + Num(14, 1);
  ExpectLimit(Scan(OnnxWith(Len(5, tensor)), "m.onnx"), "limit.string");
}

// More top-level fields than the sniffer reads (onnx.load accepts any number of
// metadata_props): claimed as ONNX by its prefix, the rest read, the limit reported. The graph
// reads external data from the user's home.
std::string OnnxExternalHome() {
  std::string tensor = Num(1, 1) + Num(2, 1) + Len(8, "w") +
                       Len(13, Len(1, "location") + Len(2, "/root/.ssh/id_rsa")) + Num(14, 1);
  return Len(7, Len(5, tensor));
}

TEST(LimitsFailClosed, OnnxFieldsPastTheSniffCapGraphFirst) {
  std::string f = Num(1, 8) + OnnxExternalHome();
  for (size_t i = 0; i <= limits::kMaxSniffProtoFields; ++i) f += Len(14, "");
  FileReport r = Scan(f, "model.bin");
  EXPECT_TRUE(HasRule(r, "limit.fields")) << Rules(r);
  EXPECT_EQ(r.verdict, Verdict::kUnsafe) << Rules(r);
}

TEST(LimitsFailClosed, OnnxFieldsPastTheSniffCapGraphLast) {
  std::string f = Num(1, 8) + Len(8, Num(2, 13));
  for (size_t i = 0; i <= limits::kMaxSniffProtoFields; ++i) f += Len(14, "");
  f += OnnxExternalHome();
  FileReport r = Scan(f, "model.bin");
  EXPECT_TRUE(HasRule(r, "limit.fields")) << Rules(r);
  EXPECT_EQ(r.verdict, Verdict::kUnsafe) << Rules(r);
}

// ---- Keras config
TEST(LimitsFailClosed, KerasConfigPastTheObservationCap) {
  std::string layers;
  for (size_t i = 0; i <= limits::kMaxObservationsPerPayload; ++i) {
    if (i) layers += ",";
    layers += R"({"module": "lib)" + std::to_string(i) + R"(", "class_name": "L", "config": {}})";
  }
  std::string cfg = R"({"class_name": "Sequential", "config": {"layers": [)" + layers + "]}}";
  ExpectLimit(Scan(cfg, "config.json"), "limit.observations");
}

TEST(LimitsFailClosed, KerasLambdaNestedDeeperThanMarshalAllows) {
  // marshal: a code object is not needed to hit the nesting limit: tuples of tuples.
  std::string m;
  for (size_t i = 0; i <= limits::kMaxMarshalDepth + 1; ++i) m += std::string("\xa9\x01", 2);
  m += "N";
  std::string b64 = Base64(m);
  std::string cfg = R"({"class_name": "Lambda", "config": {"name": "l", "function": [")" + b64 +
                    R"(", null, null], "function_type": "lambda"}})";
  ExpectLimit(Scan(cfg, "config.json"), "limit.marshal");
}

// Real Python 3.11 bytecode longer than the marshal reader keeps, the call after the cut
// (fixture: tests/fixtures/formats/gen.py keras).
TEST(LimitsFailClosed, KerasLambdaBytecodeLongerThanKept) {
  FileReport r = ScanFixture("formats/keras/lambda-long-bytecode.json", "config.json");
  EXPECT_TRUE(HasRule(r, "limit.string")) << Rules(r);
  EXPECT_EQ(r.verdict, Verdict::kUnsafe) << Rules(r);  // the names after the cut are judged
}

// ---- TorchScript code
TEST(LimitsFailClosed, TorchScriptCallsPastTheObservationCap) {
  std::string code = "def forward(self, x: Tensor) -> Tensor:\n";
  for (size_t i = 0; i <= limits::kMaxObservationsPerPayload; ++i) {
    code += "  x = ops.ns" + std::to_string(i) + ".op(x)\n";
  }
  code += "  return x\n";
  ExpectLimit(Scan(code), "limit.observations");
}

// ---- safetensors, npy: header sizes past their caps
TEST(LimitsFailClosed, SafetensorsHeaderPastTheCap) {
  std::string f = Le(limits::kMaxSafetensorsHeader + 1, 8) + R"({"w":{"dtype":"F32"}})";
  FileReport r = Scan(f, "model.safetensors");
  EXPECT_EQ(r.verdict, Verdict::kNeedsReview) << Rules(r);
  EXPECT_TRUE(HasRule(r, "format.limit")) << Rules(r);
}

TEST(LimitsFailClosed, NpyHeaderPastTheCap) {
  std::string f = std::string("\x93NUMPY\x02\x00", 8) + Le(limits::kMaxHeaderBytes + 1, 4) +
                  std::string(limits::kMaxHeaderBytes + 1, ' ');
  FileReport r = Scan(f, "a.npy");
  EXPECT_EQ(r.verdict, Verdict::kNeedsReview) << Rules(r);
  EXPECT_TRUE(HasRule(r, "format.limit")) << Rules(r);
}

// ---- HDF5 larger than kMaxHdf5Bytes (a sparse file: no disk used)
TEST(LimitsFailClosed, Hdf5PastTheSizeCap) {
  std::string path =
      ::testing::TempDir() + "/mv_Hdf5PastTheSizeCap." + std::to_string(::getpid()) + ".h5";
  {
    std::ofstream f(path, std::ios::binary);
    f.write("\x89HDF\r\n\x1a\n", 8);
  }
  ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(limits::kMaxHdf5Bytes + 1)), 0);
  FileReport r = scan::ScanFile(path, Options());
  std::filesystem::remove(path);
  EXPECT_EQ(r.verdict, Verdict::kNeedsReview) << Rules(r);
  EXPECT_TRUE(HasRule(r, "format.limit")) << Rules(r);
}

// ---- tar: an extended header past kMaxHeaderBytes
std::string TarHeader(const std::string& name, char type, uint64_t size) {
  std::string h(512, '\0');
  h.replace(0, name.size(), name);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%011llo", static_cast<unsigned long long>(size));
  h.replace(124, 11, buf);
  h.replace(100, 7, "0000644");
  h[156] = type;
  h.replace(257, 6, std::string("ustar\0", 6));
  h.replace(263, 2, "00");
  h.replace(148, 8, "        ");
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  std::snprintf(buf, sizeof buf, "%06o", sum);
  h.replace(148, 7, std::string(buf, 6) + '\0');
  return h;
}

TEST(LimitsFailClosed, TarExtendedHeaderPastTheCap) {
  uint64_t n = limits::kMaxHeaderBytes + 1;
  std::string t = TarHeader("pax", 'x', n) + std::string((n + 511) / 512 * 512, 'a');
  std::string payload = "cposix\nsystem\n(S'id'\ntR.";
  t += TarHeader("p.pkl", '0', payload.size()) + payload + std::string(512 - payload.size(), '\0');
  t += std::string(1024, '\0');
  ExpectLimit(Scan(t, "a.tar"), "limit.header");
}

// ---- zip: more entries than kMaxArchiveEntries
TEST(LimitsFailClosed, ZipEntriesPastTheCap) {
  std::string local, central;
  uint64_t n = limits::kMaxArchiveEntries + 1;
  for (uint64_t i = 0; i < n; ++i) {
    std::string name = std::to_string(i);
    uint64_t off = local.size();
    local += Le(0x04034b50, 4) + Le(20, 2) + Le(0, 2) + Le(0, 2) + Le(0, 4) + Le(0, 4) + Le(0, 4) +
             Le(0, 4) + Le(name.size(), 2) + Le(0, 2) + name;
    central += Le(0x02014b50, 4) + Le(20, 2) + Le(20, 2) + Le(0, 2) + Le(0, 2) + Le(0, 4) +
               Le(0, 4) + Le(0, 4) + Le(0, 4) + Le(name.size(), 2) + Le(0, 2) + Le(0, 2) +
               Le(0, 2) + Le(0, 2) + Le(0, 4) + Le(off, 4) + name;
  }
  std::string zip = local + central + Le(0x06054b50, 4) + Le(0, 2) + Le(0, 2) + Le(0xFFFF, 2) +
                    Le(0xFFFF, 2) + Le(central.size(), 4) + Le(local.size(), 4) + Le(0, 2);
  ExpectLimit(Scan(zip, "a.zip"), "limit.entries");
}

// ---- pickle
TEST(LimitsFailClosed, PickleStackPastTheCap) {
  std::string p = "(" + std::string(limits::kMaxPickleStack + 1, 'N') + ".";
  ExpectLimit(Scan(p, "a.pkl"), "limit.stack");
}

TEST(LimitsFailClosed, PicklesPerStreamPastTheCap) {
  std::string p;
  for (int i = 0; i <= limits::kMaxPicklesPerStream; ++i) p += "N.";
  p += "cposix\nsystem\n(S'id'\ntR.";
  ExpectLimit(Scan(p, "a.pkl"), "limit.pickles");
}

TEST(LimitsFailClosed, PickleResyncWindow) {
  // Junk longer than the resync window, then a pickle: found only by reading past the window.
  std::string p = "N." + std::string(limits::kMaxResyncScan + 16, 'z') + std::string("\x80\x02") +
                  "cposix\nsystem\n(S'id'\ntR.";
  ExpectLimit(Scan(p, "a.pkl"), "limit.resync");
}

// ---- protobuf nesting past kMaxProtoDepth. ONNX: subgraphs in node attributes (graph > node
// > attribute > graph …), a custom-domain operator at the bottom.
TEST(LimitsFailClosed, OnnxSubgraphsNestedPastTheDepth) {
  std::string g = Len(1, Len(4, "Evil") + Len(7, "com.evil"));
  for (int i = 0; i < limits::kMaxProtoDepth; ++i) {
    g = Len(1, Len(4, "If") + Len(5, Len(1, "then_branch") + Len(6, g)));
  }
  FileReport r = Scan(OnnxWith(g), "m.onnx");
  EXPECT_TRUE(HasRule(r, "format.limit") || HasRule(r, "onnx.limit")) << Rules(r);
  EXPECT_NE(r.verdict, Verdict::kSafe) << Rules(r);
}

// SavedModel: the walk descends a fixed schema, so depth comes from groups (kept by protobuf as
// unknown fields) nested past the limit; a Python op follows them.
TEST(LimitsFailClosed, SavedModelGroupsNestedPastTheDepth) {
  std::string groups;
  for (int i = 0; i < limits::kMaxProtoDepth + 2; ++i) groups += Varint(9 << 3 | 3);
  for (int i = 0; i < limits::kMaxProtoDepth + 2; ++i) groups += Varint(9 << 3 | 4);
  std::string graph =
      Len(1, Len(1, "a") + Len(2, "MatMul")) + groups + Len(1, Len(1, "py") + Len(2, "PyFunc"));
  std::string pb = Num(1, 1) + Len(2, Len(2, graph));
  ExpectLimit(Scan(pb, "saved_model.pb"), "savedmodel.limit");
}

// ---- GGUF: arrays of arrays nested past the limit, the chat template after them.
TEST(LimitsFailClosed, GgufArraysNestedPastTheDepth) {
  std::string arr = Le(0, 4) + Le(0, 8);  // innermost: uint8[0]
  for (int i = 0; i <= limits::kMaxProtoDepth; ++i) arr = Le(9, 4) + Le(1, 8) + arr;
  std::string k1 = "nested";
  std::string key = "tokenizer.chat_template";
  std::string tmpl = "{{ cycler.__init__.__globals__.os.popen('id').read() }}";
  std::string f = "GGUF" + Le(3, 4) + Le(0, 8) + Le(2, 8) + Le(k1.size(), 8) + k1 + Le(9, 4) + arr +
                  Le(key.size(), 8) + key + Le(8, 4) + Le(tmpl.size(), 8) + tmpl;
  FileReport r = Scan(f, "m.gguf");
  EXPECT_TRUE(HasRule(r, "format.limit") || HasRule(r, "gguf.limit")) << Rules(r);
  EXPECT_NE(r.verdict, Verdict::kSafe) << Rules(r);
  EXPECT_NE(r.verdict, Verdict::kError) << Rules(r);
}

// ---- marshal: more objects than kMaxMarshalObjects in a Keras Lambda's code.
TEST(LimitsFailClosed, KerasLambdaMarshalObjectsPastTheCap) {
  std::string m = "[" + Le(limits::kMaxMarshalObjects + 1, 4) +
                  std::string(limits::kMaxMarshalObjects + 1, 'N');
  std::string cfg = R"({"class_name": "Lambda", "config": {"name": "l", "function": [")" +
                    Base64(m) + R"(", null, null], "function_type": "lambda"}})";
  ExpectLimit(Scan(cfg, "config.json"), "limit.marshal");
}

// ---- torch.fx: GraphModule code longer than kMaxConfigBytes (what torch would exec).
TEST(LimitsFailClosed, FxCodePastTheCap) {
  auto unicode = [](const std::string& s) { return "X" + Le(s.size(), 4) + s; };
  std::string code = "\n\n\ndef forward(self, x):\n    return x\n";
  code += std::string(limits::kMaxConfigBytes + 1 - code.size(), '#');
  std::string p = std::string("\x80\x02", 2) + "ctorch.fx.graph_module\nreduce_graph_module\n" +
                  "}" + unicode("_code") + unicode(code) + "s" + unicode("import torch\n") +
                  "\x86R.";
  ExpectLimit(Scan(p, "a.pkl"), "limit.fx-code");
}

// ---- payloads analysed per file: a zip of more members than kMaxPayloads, a pickle last.
TEST(LimitsFailClosed, PayloadsPastTheCap) {
  std::string local, central;
  uint64_t n = limits::kMaxPayloads + 1;
  auto add = [&](const std::string& name, const std::string& data) {
    uint64_t off = local.size();
    local += Le(0x04034b50, 4) + Le(20, 2) + Le(0, 2) + Le(0, 2) + Le(0, 4) + Le(0, 4) +
             Le(data.size(), 4) + Le(data.size(), 4) + Le(name.size(), 2) + Le(0, 2) + name + data;
    central += Le(0x02014b50, 4) + Le(20, 2) + Le(20, 2) + Le(0, 2) + Le(0, 2) + Le(0, 4) +
               Le(0, 4) + Le(data.size(), 4) + Le(data.size(), 4) + Le(name.size(), 2) + Le(0, 2) +
               Le(0, 2) + Le(0, 2) + Le(0, 2) + Le(0, 4) + Le(off, 4) + name;
  };
  for (uint64_t i = 0; i < n; ++i) add(std::to_string(i) + ".txt", "");
  add("p.pkl", "cposix\nsystem\n(S'id'\ntR.");
  // More members than 16 bits count: the end record says 0xFFFF, the central directory counts.
  std::string zip = local + central + Le(0x06054b50, 4) + Le(0, 2) + Le(0, 2) + Le(0xFFFF, 2) +
                    Le(0xFFFF, 2) + Le(central.size(), 4) + Le(local.size(), 4) + Le(0, 2);
  ExpectLimit(Scan(zip, "a.zip"), "limit.payloads");
}

// ---- 7z: a member past the in-memory / expansion budget, a pickle after it (fixture written
// by py7zr: tests/fixtures/formats/gen.py limits).
TEST(LimitsFailClosed, SevenZipMemberPastTheBudget) {
  ExpectLimit(ScanFixture("formats/limits/7z-past-budget.7z", "a.7z"), "limit.expansion");
}

}  // namespace
}  // namespace mv
