#include "formats/torchscript/torchscript.h"

#include <gtest/gtest.h>

#include "formats/registry.h"

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

}  // namespace
}  // namespace mv::formats
