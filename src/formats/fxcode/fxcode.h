// The Python source a pickled torch.fx GraphModule carries: `reduce_graph_module(body,
// import_block)` (and `reduce_deploy_graph_module`) exec `import_block + body["_code"]` while
// loading, which defines `forward`. fx writes that source from the traced graph, in a fixed
// shape: the imports of its own globals (`import torch`, `from math import inf`, `NoneType =
// type(None)`, `from builtins import getattr as getattr` …), then `def forward(self, …):` whose
// statements assign the results of torch functions, submodule calls and tensor methods.
//
// The reader checks that shape statement by statement (tokens from formats/torchscript's
// lexer; nothing is evaluated) and reports facts: ("fx.code", "") once, ("fx.call", name) per
// torch function the code uses (judged against the callable rules: `torch.save` is no
// operator), and ("fx.statement", name) per statement fx does not write — an import of
// another module, a builtin such as exec/open/__import__, a name that is neither a local, a
// submodule nor a torch global, a dunder attribute, getattr with a computed or private name,
// an f-string, code at module level — with the statement as evidence. Everything runs while
// loading: the module level when the source is exec'd, forward when _deserialize_graph_module
// traces it symbolically to rebuild the graph. Source it cannot split into statements (unbalanced
// brackets, an unterminated string, a line continuation, a NUL byte, bytes that are not UTF-8,
// a character no token starts with) is an error: needs review. Names are read as Python joins
// them (`torch . save`, `(torch).save` are torch.save).
#pragma once

#include "core/result.h"
#include "formats/format.h"

namespace mv::formats::fxcode {

// Recognised by its signature alone (formats/registry.cc).
Result<ReadOutput> Read(const SourcePtr& src, ReadContext& ctx);

}  // namespace mv::formats::fxcode
