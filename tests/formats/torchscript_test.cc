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
  EXPECT_EQ(got, (std::vector<std::string>{
                     "torchscript.code ", "torchscript.custom-op my_ns::run_shell",
                     "torchscript.call torch.ops.load_library", "torchscript.call builtins.open"}));
  EXPECT_EQ(r->observations[3].evidence,
            "f = open(\"/etc/hostname\")  # open( in a comment is ignored: open(");
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
