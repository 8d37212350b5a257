#include "formats/torchscript/torchscript.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "formats/common/pylex/lexer.h"
#include "formats/registry.h"
#include "kb/kb.h"
#include "scan/scanner.h"

namespace mv::formats {
namespace {

Result<ReadOutput> ReadTs(const std::string& name) {
  auto s = OpenFileSource(std::string(MV_FIXTURES) + "/formats/torchscript/" + name);
  EXPECT_TRUE(s.ok()) << name;
  if (!s.ok()) return s.error();
  EXPECT_EQ(Sniff(**s), FormatId::kTorchScriptCode) << name;
  ReadContext ctx;
  return torchscript::Read(*s, ctx);
}

TEST(TorchScript, BenignCodeOnlyNoted) {
  auto r = ReadTs("benign-code.py.txt");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->observations.size(), 1u);
  EXPECT_EQ(r->observations[0].kind, "torchscript.code");
}

TEST(TorchScript, HostileCalls) {
  auto r = ReadTs("hostile-code.py.txt");
  ASSERT_TRUE(r.ok());
  std::vector<std::string> got;
  for (const auto& o : r->observations) got.push_back(o.kind + " " + o.subject);
  EXPECT_EQ(
      got, (std::vector<std::string>{"torchscript.code ", "torchscript.custom-op my_ns::run_shell",
                                     "torchscript.call torch.ops.load_library",
                                     "torchscript.call builtins.open", "file-read /etc/hostname"}));
  EXPECT_EQ(r->observations[3].evidence,
            "Net.forward: f = open(\"/etc/hostname\")  # open( in a comment is ignored: open(");
}

std::vector<std::string> Kinds(const std::string& code) {
  auto src = MakeMemorySource(std::string_view(code));
  ReadContext ctx;
  auto r = torchscript::Read(src, ctx);
  EXPECT_TRUE(r.ok());
  std::vector<std::string> got;
  if (r.ok()) {
    for (const auto& o : r->observations) got.push_back(o.kind + " " + o.subject);
  }
  return got;
}

// An argument that starts with a bracket still counts as one argument: the path after it is
// the second.
TEST(TorchScript, BracketedArgumentsKeepPositions) {
  auto got = Kinds(
      "class Net(Module):\n  def forward(self, x):\n"
      "    torch.save((x), \"/etc/cron.d/job\")\n"
      "    torch.save([x, x][0], \"/root/.bashrc\")\n"
      "    return x\n");
  EXPECT_EQ(got,
            (std::vector<std::string>{"torchscript.code ", "torchscript.call torch.save",
                                      "file-write /etc/cron.d/job", "file-write /root/.bashrc"}));
}

// Nested calls and one long line: every token is scanned a bounded number of times (the
// quadratic scans this guards against took minutes on this input).
TEST(TorchScript, DeepNestingAndLongLinesAreLinear) {
  std::string code = "def f(x):\n  return ";
  for (int i = 0; i < 50000; ++i) code += "g(";
  code += "\n  " + std::string(1 << 18, ' ');
  for (int i = 0; i < 20000; ++i) code += "open(\"/tmp/a\") ";
  auto got = Kinds(code);
  ASSERT_GE(got.size(), 3u);
  EXPECT_EQ(got[2], "file-read /tmp/a");
}

TEST(TorchScript, FreeFunctionFileClaimed) {
  auto src =
      MakeMemorySource(std::string_view("def relu(input: Tensor,\n    inplace: bool=False) -> "
                                        "Tensor:\n  return torch.relu(input)\n"));
  EXPECT_EQ(Sniff(*src), FormatId::kTorchScriptCode);
}

TEST(TorchScript, PlainPythonNotClaimed) {
  auto src = MakeMemorySource(std::string_view("import os\nos.system('id')\n"));
  EXPECT_NE(Sniff(*src), FormatId::kTorchScriptCode);
}

ReadOutput ReadAt(const std::string& code, const std::string& location = "") {
  auto src = MakeMemorySource(std::string_view(code));
  ReadContext ctx;
  ctx.location = location;
  auto r = torchscript::Read(src, ctx);
  EXPECT_TRUE(r.ok());
  return r.ok() ? std::move(*r) : ReadOutput{};
}

std::string Evidence(const ReadOutput& r, const std::string& kind) {
  for (const auto& o : r.observations) {
    if (o.kind == kind) return o.evidence;
  }
  return "";
}

// Dotted names are joined however the frontend lets them be spelled: blanks and line
// continuations anywhere, newlines and comments inside brackets, grouping parentheses, and
// getattr with a literal name.
TEST(TorchScriptLexer, DottedNamesAsTheFrontendJoinsThem) {
  for (const char* spelling :
       {"torch . from_file", "torch\t.\x0c from_file", "torch.\\\n   from_file",
        "torch\\\n  .from_file", "(torch.\n from_file)", "(torch. # c\n from_file)",
        "(torch).from_file", "((torch)) . from_file", "getattr(torch, \"from_file\")",
        "(getattr)(torch, 'from_file')", "getattr(getattr(torch, \"ops\"), \"aten\").from_file"}) {
    pylex::Lexed l = pylex::Lex(std::string("x = ") + spelling + "(\"/etc/hostname\")\n");
    ASSERT_GE(l.toks.size(), 4u) << spelling;
    EXPECT_EQ(l.toks[2].kind, pylex::Tok::kName) << spelling;
    EXPECT_TRUE(l.toks[2].text == "torch.from_file" || l.toks[2].text == "torch.ops.aten.from_file")
        << spelling << ": " << l.toks[2].text;
    EXPECT_EQ(l.toks[3].text, "(") << spelling;
    EXPECT_EQ(l.problem, "") << spelling;
  }
  // An attribute of a value stays an attribute; a call's parentheses are not a group.
  pylex::Lexed a = pylex::Lex("y = f(x) . open(\"/etc/passwd\")\nz = g (torch)\n");
  EXPECT_EQ(a.toks[7].text, "open");
  EXPECT_TRUE(a.toks[7].attribute);
  EXPECT_EQ(a.toks[13].text, "g");
  EXPECT_EQ(a.toks[14].text, "(");
  // Python keeps getattr a call (fx's checker judges it).
  pylex::Lexed py = pylex::Lex("getattr(torch, \"save\")\n", pylex::Dialect::kPython);
  EXPECT_EQ(py.toks[0].text, "getattr");
}

TEST(TorchScriptLexer, StringsDecodeAsTheFrontendDoes) {
  pylex::Lexed l = pylex::Lex("f(\"\\057etc\" \"/x\\\ny\", '\\x41', \"a\\\"b\")\n");
  ASSERT_GE(l.toks.size(), 8u);
  EXPECT_EQ(l.toks[2].text, "/etc");
  EXPECT_EQ(l.toks[3].text, "/x\ny");  // TorchScript keeps an escaped newline
  EXPECT_EQ(l.toks[5].text, "A");
  EXPECT_EQ(l.toks[7].text, "a\"b");
  EXPECT_EQ(pylex::Lex("s = 'a\\\nb'\n", pylex::Dialect::kPython).toks[2].text, "ab");
}

// What the reader cannot lex fully is an incomplete anomaly, never a silent pass.
TEST(TorchScript, UnreadableCodeIsIncomplete) {
  const std::string head = "class Net(Module):\n  def forward(self, x):\n";
  for (const std::string& body :
       {std::string("    return x\n\0\xff junk\n", 20), std::string("    return x  # \xc3\x28\n"),
        std::string("    s = \"abc\n    return x\n"), std::string("    return f((x)\n"),
        std::string("    return x)\n"), std::string("    return x \\ y\n"),
        std::string("    return x $ y\n")}) {
    ReadOutput r = ReadAt(head + body);
    ASSERT_EQ(r.anomalies.size(), 1u) << body;
    EXPECT_EQ(r.anomalies[0].code, "torchscript.unreadable-code") << body;
    EXPECT_TRUE(r.anomalies[0].incomplete) << body;
    EXPECT_FALSE(r.complete) << body;
  }
  EXPECT_TRUE(ReadAt(head + "    return torch.add(x, 1)\n").anomalies.empty());
}

// A file operation whose path is not a literal is evidence of its own kind, naming the call
// and the argument; in __setstate__ (run by torch.jit.load) it is the on-load kind.
TEST(TorchScript, ComputedPathsAreEvidence) {
  const std::string code =
      "class Net(Module):\n"
      "  def forward(self, x):\n"
      "    path = self.path\n"
      "    _0 = torch.from_file(path, False, 4)\n"
      "    torch.save(x, torch.add(\"/home/\", \"u\"))\n"
      "    return x\n"
      "  def __setstate__(self, state: Tuple[str, bool]):\n"
      "    self.w = ops.aten.from_file(state[0])\n"
      "    return None\n";
  ReadOutput r = ReadAt(code);
  std::vector<std::string> got;
  for (const auto& o : r.observations) got.push_back(o.kind + " " + o.subject);
  EXPECT_EQ(got, (std::vector<std::string>{
                     "torchscript.code ", "torchscript.file-call torch.from_file",
                     "torchscript.call torch.save", "torchscript.file-call torch.save",
                     "torchscript.file-call-on-load torch.ops.aten.from_file"}));
  EXPECT_NE(Evidence(r, "torchscript.file-call").find("the path `path = self.path` is not a"),
            std::string::npos)
      << Evidence(r, "torchscript.file-call");
  EXPECT_NE(Evidence(r, "torchscript.file-call-on-load").find("`state[0]`"), std::string::npos)
      << Evidence(r, "torchscript.file-call-on-load");
}

// Only code/__torch__/… defines the classes the archive's pickles may name.
TEST(TorchScript, ArchiveClassesOnlyUnderTorchPrefix) {
  const std::string code = "class system(Module):\n  def forward(self, x):\n    return x\n";
  auto classes = [&](const std::string& location) {
    std::vector<std::string> out;
    for (const auto& o : ReadAt(code, location).observations) {
      if (o.kind == "torchscript.class") out.push_back(o.subject);
    }
    return out;
  };
  EXPECT_TRUE(classes("m.pt!archive/code/os.py").empty());
  EXPECT_TRUE(classes("m.pt!archive/code/torch/os.py").empty());
  EXPECT_TRUE(classes("m.pt!archive/code/__torch___/os.py").empty());
  EXPECT_EQ(classes("m.pt!archive/code/__torch__/os.py"),
            (std::vector<std::string>{"__torch__.os.system"}));
  EXPECT_EQ(classes("m.pt!archive/code/__torch__.py"),
            (std::vector<std::string>{"__torch__.system"}));
}

// Differential: spellings of a file-reading call edited into a real torch.jit.script archive
// (fixtures/formats/torchscript/gen_spellings.py asked the real torch.jit.load which ones it
// compiles). Every one it loads is not safe; unsafe naming the path unless the path is computed.
TEST(TorchScript, SpellingsTheLoaderCompilesAreNotSafe) {
  const std::string dir = std::string(MV_FIXTURES) + "/formats/torchscript/spellings/";
  std::ifstream manifest(dir + "manifest.tsv");
  ASSERT_TRUE(manifest.good());
  auto kb = kb::KnowledgeBase::Load({});
  ASSERT_TRUE(kb.ok());
  scan::Options opts;
  opts.kb = *kb;
  std::string row;
  int loadable = 0;
  while (std::getline(manifest, row)) {
    if (row.empty() || row[0] == '#') continue;
    std::vector<std::string> col;
    std::stringstream ss(row);
    for (std::string c; std::getline(ss, c, '\t');) col.push_back(c);
    ASSERT_EQ(col.size(), 4u) << row;
    if (col[1] != "yes" || col[2] != "yes") continue;
    ++loadable;
    FileReport r = scan::ScanFile(dir + col[0] + ".pt", opts);
    std::string dump = r.summary;
    bool names_path = false;
    for (const auto& f : r.findings) {
      dump += "\n  " + f.rule + " | " + f.callable + " | " + f.evidence;
      names_path = names_path || f.callable.rfind("/etc/host", 0) == 0;
    }
    EXPECT_NE(r.verdict, Verdict::kSafe) << col[0] << ": " << dump;
    if (col[0].rfind("path_", 0) != 0) {
      EXPECT_EQ(r.verdict, Verdict::kUnsafe) << col[0] << ": " << dump;
      EXPECT_TRUE(names_path) << col[0] << ": " << dump;
    }
  }
  EXPECT_GE(loadable, 30);
}
}  // namespace
}  // namespace mv::formats
