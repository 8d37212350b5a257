#include "formats/fxcode/fxcode.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mv::formats {
namespace {

// What torch 1.13's fx writes for a small module (tests/fixtures/fx/gen_fx.py): the import block
// then the generated forward, concatenated as reduce_graph_module does.
const char* kImports =
    "NoneType = type(None)\nimport torch.fx._pytree as fx_pytree\nimport torch\n"
    "from math import nan\nfrom math import inf\nfrom builtins import getattr as getattr\n"
    "from torch import device\nimport torch.utils._pytree as pytree";
const char* kForward =
    "\n\n\ndef forward(self, x):\n    fc = self.fc(x)\n    relu = torch.relu(fc);  fc = None\n"
    "    view = relu.view(-1, 3);  relu = None\n"
    "    softmax = torch.nn.functional.softmax(view, dim = 0, _stacklevel = 3, dtype = None)\n"
    "    getattr_1 = x.shape;  x = None\n    getitem = getattr_1[0];  getattr_1 = None\n"
    "    add = softmax + getitem;  softmax = getitem = None\n"
    "    size = getattr(add, 'shape')\n"
    "    cat = torch.cat([add, fx_pytree.tree_flatten_spec([add], None)[0]], dim = 1)\n"
    "    return cat.sum(dim = 0)\n    ";

Result<ReadOutput> ReadCode(const std::string& code) {
  auto src = MakeMemorySource(std::string_view(code));
  ReadContext ctx;
  return fxcode::Read(src, ctx);
}

std::vector<std::string> Facts(const ReadOutput& o, const std::string& kind) {
  std::vector<std::string> out;
  for (const auto& ob : o.observations) {
    if (ob.kind == kind) out.push_back(ob.subject);
  }
  return out;
}

TEST(FxCode, WhatFxWritesHasNoStatementFindings) {
  auto r = ReadCode(std::string(kImports) + kForward);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->format, "fx-graph-code");
  EXPECT_EQ(Facts(*r, "fx.code").size(), 1u);
  EXPECT_TRUE(Facts(*r, "fx.statement").empty())
      << ::testing::PrintToString(Facts(*r, "fx.statement"));
  EXPECT_EQ(Facts(*r, "fx.call"),
            (std::vector<std::string>{"torch.relu", "torch.nn.functional.softmax", "torch.cat",
                                      "torch.fx._pytree.tree_flatten_spec"}));
}

// Each line added to forward (or at module level) is a statement fx does not write.
TEST(FxCode, StatementsFxDoesNotWriteAreFindingsWithTheStatement) {
  struct Case {
    std::string imports_extra;  // module level
    std::string forward_line;
    std::string subject;
  };
  std::vector<Case> cases = {
      {"\nimport os\nos.system('echo fx')", "", "os"},
      {"", "__import__('os').system('echo fx')", "builtins.__import__"},
      {"", "__import__('os').system('echo fx')", "os.system"},
      {"", "exec('print(1)')", "builtins.exec"},
      {"", "open('/tmp/fx-out', 'w').write('fx')", "builtins.open"},
      {"", "getattr(torch, '__builtins__')['eval']('1')", "builtins.getattr"},
      {"", "w = getattr(fc, name)", "builtins.getattr"},
      {"", "y = x.__class__", "*.__class__"},
      {"", "y = x['__globals__']", "*.__globals__"},
      {"", "y = x.view(-1)[0].__class__", "*.__class__"},
      {"", "y = torch.relu(x).__init__.__globals__", "*.__init__"},
      {"\nfrom subprocess import check_call as run", "", "subprocess.check_call"},
      {"\nfrom builtins import eval as getattr", "", "builtins.eval"},
      {"", "y = f'{x}'", "f-string"},
      {"", "torch.nn.functional.relu = x", "torch.nn.functional.relu"},
      {"", "y = numpy.load('/tmp/x')", "numpy.load"},
      {"\n@torch.no_grad", "", "torch.no_grad"},
  };
  for (const auto& c : cases) {
    std::string fwd = kForward;
    if (!c.forward_line.empty()) {
      size_t at = fwd.find("):\n") + 3;
      fwd.insert(at, "    " + c.forward_line + "\n");
    }
    auto r = ReadCode(std::string(kImports) + c.imports_extra + fwd);
    ASSERT_TRUE(r.ok()) << c.forward_line << ": " << r.error().message;
    bool found = false;
    for (const auto& o : r->observations) {
      if (o.kind != "fx.statement") continue;
      EXPECT_TRUE(o.executes);
      if (o.subject == c.subject) {
        found = true;
        std::string added = c.forward_line.empty() ? c.imports_extra.substr(1) : c.forward_line;
        std::string stmt = added.substr(0, added.find('\n'));
        EXPECT_NE(o.evidence.find(stmt), std::string::npos) << o.evidence;
      }
    }
    EXPECT_TRUE(found) << c.imports_extra << c.forward_line << " -> "
                       << ::testing::PrintToString(Facts(*r, "fx.statement"));
  }
}

TEST(FxCode, SourceItCannotSplitIsAnError) {
  for (const std::string& tail : {std::string("\n    return (x +\n"), std::string("\n    y = 'x\n"),
                                  std::string("\n    y = x + \\\n        1\n")}) {
    auto r = ReadCode(std::string(kImports) + kForward + tail);
    EXPECT_FALSE(r.ok()) << tail;
  }
  // Bytes Python's exec refuses (or this reader cannot tokenize): an error, never a pass.
  for (const std::string& tail :
       {std::string("\n    y = x  # \0\n", 17), std::string("\n    y = x  # \xff\n"),
        std::string("\n    y = x $ 1\n")}) {
    EXPECT_FALSE(ReadCode(std::string(kImports) + kForward + tail).ok()) << tail;
  }
  EXPECT_FALSE(ReadCode(kImports).ok());  // no forward
  EXPECT_FALSE(ReadCode("    x = 1\ndef forward(self):\n    return 1\n").ok());
}

// Names as Python joins them: blanks around the dots and grouping parentheses hide nothing.
TEST(FxCode, SpacedAndGroupedNamesAreTheNames) {
  for (const char* call : {"torch . save(x, '/tmp/p')", "(torch).save(x, '/tmp/p')",
                           "(torch.\n        save)(x, '/tmp/p')", "torch\t.save (x, '/tmp/p')"}) {
    auto r = ReadCode(std::string(kImports) + "\n\ndef forward(self, x):\n    s = " + call +
                      "\n    return x\n");
    ASSERT_TRUE(r.ok()) << call;
    EXPECT_EQ(Facts(*r, "fx.call"), (std::vector<std::string>{"torch.save"})) << call;
  }
}

}  // namespace
}  // namespace mv::formats
